/**
 * POST /v1/bets under load, side by side with a hello-world route on the same fastify server,
 * for the in-memory and the PostgreSQL wallet (and bet store).
 *
 * Each backend runs in a child process (this file, started with BET_ACCEPTOR_BENCH_SERVE set) so
 * the load generator (autocannon, here) and the server do not share an event loop: one core each
 * on a two-core machine. The server is the real HTTP stack: JWT auth, schema validation, rate
 * limits, idempotency, the acceptance pipeline against the in-memory PriceBook, liability,
 * wallet hold, bet store, BetAccepted on the in-memory bus.
 *
 * Fairness:
 * - Every route gets the same autocannon options (connections, pipelining 1, round length); the
 *   routes take turns round by round and the figures are the medians of the rounds.
 * - Bets are pre-match singles (no delay) from PLAYERS funded players, each request with its own
 *   Idempotency-Key, so every request is a new bet: neither replays nor rate limiting are
 *   measured (the bench sets both rate limits to a billion a second and the liability limit out
 *   of reach). The check: every answer in the measured rounds is a 201 without
 *   `Idempotent-Replayed`, and once the server has stopped, the bets it accepted are the new bets
 *   answered (warm-up included) plus at most the requests in flight when a round ended
 *   (autocannon drops those answers), with 1.50 held for each of them.
 * - The bet requests are built before each round, a list per connection, so the load generator
 *   only writes bytes: building a request per request in autocannon costs it more than a
 *   hello-world request and would cap the bets' rate on its side, not the server's. A list is
 *   twice as long as the fastest second so far needs; a connection that ran out would replay
 *   its first requests, which the check would report.
 * - `POST /hello` (in-memory only) takes the very same requests as the bets and answers
 *   `{"hello":"world"}`: how much of a bet's cost is just a POST with a JSON body.
 * - The server's CPU time per answer (process.cpuUsage around each round, GC threads included)
 *   is shown beside the rates: on a machine shared with other work the server may not get a
 *   whole core, and then its rate says less than what each request costs it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createHttpServer } from '../app/http.ts';
import { registerAuth } from '../app/auth.ts';
import { InMemoryBetStore } from '../adapters/bet-store/in-memory-bet-store.ts';
import { createPostgresBetStore } from '../adapters/bet-store/postgres-bet-store.ts';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { InMemoryIdempotencyStore } from '../adapters/idempotency/in-memory-idempotency-store.ts';
import { InMemoryLiabilityLedger } from '../adapters/liability/in-memory-liability-ledger.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../adapters/price-book/in-memory-price-book.ts';
import { InMemoryRateLimiter } from '../adapters/rate-limit/in-memory-rate-limiter.ts';
import { InMemoryWallet } from '../adapters/wallet/in-memory-wallet.ts';
import { createPostgresWallet } from '../adapters/wallet/postgres-wallet.ts';
import { createBetAcceptor } from '../bet-acceptor/bet-acceptor-service.ts';
import { registerBetRoutes } from '../bet-acceptor/http.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import { silentLogger } from '../core/ports/logger.ts';
import type { Wallet } from '../core/ports/wallet.ts';
import type { BenchResult } from './run.ts';

type Backend = 'memory' | 'postgres';
type Route = 'hello' | 'post-hello' | 'bets';

const PLAYERS = 1000;
const EVENT = 'sr:match:880001';
const STAKE = '1.50';
const STAKE_MINOR = 150n;
const CONNECTIONS = 32;
const WARM_UP_S = 2;
const ROUND_S = 3;
const ROUNDS = 3;
const GOAL_RATIO = 0.5;
const GOAL_P99 = 2;
/** Bet requests prebuilt per connection for the warm-up, the one round that may run out (and replay). */
const WARM_UP_PER_CONNECTION = 1000;
/** POST /hello's lists: it has no idempotency, so going round a short list changes nothing. */
const POST_HELLO_PER_CONNECTION = 500;
/** Where the PostgreSQL variant connects; the test command's server, or the machine's own. */
const PG_URL = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

interface Ready {
  readonly port: number;
  readonly tokens: readonly string[];
}

/** What the server counted, once stopped: bets accepted and the stake its wallet holds. */
interface Counts {
  readonly accepted: number;
  readonly heldMinor: string;
}

// --- the server (child process) ---

async function serve(backend: Backend): Promise<void> {
  const clock = new SystemClock();
  const schema = `bench_bets_${process.pid}`;
  let wallet: Wallet;
  let betStore: BetStore;
  if (backend === 'memory') {
    wallet = new InMemoryWallet({ clock });
    betStore = new InMemoryBetStore({ clock });
  } else {
    wallet = await createPostgresWallet({ clock }, { url: PG_URL, schema, poolSize: 10, connectTimeoutMs: 3000 });
    betStore = await createPostgresBetStore({ clock }, { url: PG_URL, schema, poolSize: 10, connectTimeoutMs: 3000 });
  }
  const priceBook = new InMemoryPriceBook();
  const metrics = new PromMetrics();
  const http = createHttpServer(silentLogger);
  const auth = await registerAuth(http, { secret: randomBytes(32).toString('hex'), demoTokens: false });
  http.get('/hello', async () => ({ hello: 'world' }));
  http.post('/hello', async () => ({ hello: 'world' }));
  const unlimited = { limit: 1_000_000_000, windowMs: 1000 };
  const acceptor = createBetAcceptor(
    {
      bus: new InMemoryBus(),
      clock,
      logger: silentLogger,
      metrics,
      priceBook,
      wallet,
      betStore,
      liability: new InMemoryLiabilityLedger(),
      idempotency: new InMemoryIdempotencyStore({ clock }),
      rateLimiter: new InMemoryRateLimiter({ clock }),
    },
    { limits: { liability: '100000000000.00' }, rateLimits: { player: unlimited, ip: unlimited } },
  );
  registerBetRoutes(http, acceptor, { requirePlayer: auth.requirePlayer, logger: silentLogger });
  await acceptor.start();
  await priceBook.apply({
    eventId: EVENT,
    epoch: 'bench',
    seq: 1,
    ts: clock.now(),
    sportId: 'sr:sport:1',
    markets: [
      {
        marketKey: '1',
        marketId: 1,
        specifiers: '',
        state: 'open',
        suspensions: [],
        outcomes: [
          { outcomeId: '1', price: '2.10', active: true, version: 1 },
          { outcomeId: '2', price: '3.40', active: true, version: 1 },
          { outcomeId: '3', price: '3.60', active: true, version: 1 },
        ],
        producer: 3,
        margin: 0.05,
        version: 1,
      },
    ],
  });
  const players: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < PLAYERS; i++) {
    const player = `bench-${process.pid}-${i}`;
    await wallet.openAccount({ player, currency: 'EUR' });
    await wallet.deposit({ player, amount: 10n ** 12n, currency: 'EUR', key: `bench-fund:${player}` });
    players.push(player);
    tokens.push(auth.sign({ sub: player, role: 'player' }));
  }
  const counts = async (): Promise<Counts> => {
    const text = await metrics.render();
    const accepted = Number(/^sb_bet_decisions_total\{decision="accepted"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    let held = 0n;
    for (const player of players) held += (await wallet.balance(player))?.held ?? 0n;
    return { accepted, heldMinor: held.toString() };
  };
  await http.listen({ host: '127.0.0.1', port: 0 });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send!({ port, tokens } satisfies Ready);
  process.on('message', (message: 'cpu' | 'stop') => {
    if (message === 'cpu') {
      process.send!(process.cpuUsage());
      return;
    }
    void (async () => {
      // Closing waits for the requests in flight, so the counts include every bet taken.
      await http.close();
      await acceptor.stop();
      process.send!(await counts());
      await Promise.all([wallet.close(), betStore.close()]);
      if (backend === 'postgres') {
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      process.exit(0);
    })();
  });
}

const served = process.env.BET_ACCEPTOR_BENCH_SERVE as Backend | undefined;
if (served) {
  await serve(served).catch((error: unknown) => {
    process.send!({ error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}

// --- the load (this process) ---

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number; readonly max: number };
  readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>;
  readonly latency: { readonly p99: number; readonly p50: number };
  readonly '2xx': number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The part of autocannon's per-connection Client this bench uses (its documented setupClient API). */
interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
  on(event: 'headers', listener: (reply: { readonly headers: readonly string[] }) => void): void;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  requests: AutocannonRequest[];
  setupClient?: (client: AutocannonClient) => void;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Server {
  readonly child: ChildProcess;
  readonly ready: Ready;
}

async function start(backend: Backend): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BET_ACCEPTOR_BENCH_SERVE: backend },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${backend} server did not start in 60 s`)), 60_000);
    child.once('message', (message: Ready | { error: string }) => {
      clearTimeout(timer);
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`${backend} server exited with ${code}`)));
  });
  return { child, ready };
}

/** Stops the server; its counts, or undefined when it had to be killed. */
/** The server's CPU time so far, µs (user + system, every thread). */
function serverCpu(server: Server): Promise<number> {
  const answer = new Promise<number>((resolve) => server.child.once('message', (usage: NodeJS.CpuUsage) => resolve(usage.user + usage.system)));
  server.child.send('cpu');
  return answer;
}

async function stop(child: ChildProcess): Promise<Counts | undefined> {
  let counted: Counts | undefined;
  child.once('message', (message: Counts) => (counted = message));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  return counted;
}

const OUTCOMES = [
  ['1', '2.10'],
  ['2', '3.40'],
  ['3', '3.60'],
] as const;

/**
 * `perConnection` distinct bet requests for each connection: a new Idempotency-Key each, the
 * players taken in turn so the requests in flight at once are from different players.
 */
function betRequests(ready: Ready, path: string, perConnection: number): AutocannonRequest[][] {
  const round = randomBytes(4).toString('hex');
  return Array.from({ length: CONNECTIONS }, (_, c) =>
    Array.from({ length: perConnection }, (_, j) => {
      const n = c + j * CONNECTIONS;
      const [outcomeId, price] = OUTCOMES[n % OUTCOMES.length]!;
      return {
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${ready.tokens[n % ready.tokens.length]}`,
          'idempotency-key': `${round}-${n}`,
        },
        body: `{"stake":"${STAKE}","legs":[{"eventId":"${EVENT}","marketId":1,"outcomeId":"${outcomeId}","price":"${price}","priceVersion":{"epoch":"bench","seq":1}}]}`,
      };
    }),
  );
}

/** One round on a route; `replayed` counts answers marked Idempotent-Replayed. */
async function load(ready: Ready, route: Route, seconds: number, perConnection: number): Promise<AutocannonResult & { replayed: number }> {
  const url = `http://127.0.0.1:${ready.port}`;
  const options = { url, connections: CONNECTIONS, pipelining: 1, duration: seconds };
  if (route === 'hello') return { ...(await autocannon({ ...options, requests: [{ method: 'GET', path: '/hello' }] })), replayed: 0 };
  const lists = betRequests(ready, route === 'bets' ? '/v1/bets' : '/hello', perConnection);
  let next = 0;
  let replayed = 0;
  const result = await autocannon({
    ...options,
    requests: [lists[0]![0]!],
    setupClient: (client) => {
      client.setRequests(lists[next++ % CONNECTIONS]!);
      client.on('headers', (reply) => {
        if (reply.headers.includes('idempotent-replayed')) replayed += 1;
      });
    },
  });
  return { ...result, replayed };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Figures {
  readonly rps: number;
  readonly p99: number;
  readonly p50: number;
  readonly responses: number;
  /** 201 answers (bets) or 2xx (hello routes). */
  readonly ok: number;
  readonly failed: number;
  readonly replayed: number;
  /** Server CPU µs per answer. */
  readonly cpu: number;
}

interface Measured {
  readonly figures: Partial<Record<Route, Figures>>;
  /** 201 answers that were not replays, over the whole run (warm-up included): what the check compares. */
  readonly newBetAnswers: number;
  readonly counts: Counts | undefined;
}

async function measure(backend: Backend): Promise<Measured | { skipped: string }> {
  let server;
  try {
    server = await start(backend);
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  const routes: Route[] = backend === 'memory' ? ['hello', 'post-hello', 'bets'] : ['hello', 'bets'];
  const rounds: Record<Route, Array<AutocannonResult & { replayed: number; cpuPerAnswer: number }>> = { hello: [], 'post-hello': [], bets: [] };
  let newBetAnswers = 0;
  let counts: Counts | undefined;
  try {
    let perConnection = WARM_UP_PER_CONNECTION;
    for (let round = 0; round <= ROUNDS; round++) {
      const warmUp = round === 0;
      for (const route of routes) {
        const cpuBefore = await serverCpu(server);
        const loaded = await load(server.ready, route, warmUp ? WARM_UP_S : ROUND_S, route === 'bets' ? perConnection : POST_HELLO_PER_CONNECTION);
        const result = { ...loaded, cpuPerAnswer: ((await serverCpu(server)) - cpuBefore) / Math.max(1, loaded['2xx'] + loaded.non2xx) };
        if (route === 'bets') {
          newBetAnswers += (result.statusCodeStats['201']?.count ?? 0) - result.replayed;
          perConnection = Math.max(perConnection, Math.ceil((2 * result.requests.max * ROUND_S) / CONNECTIONS));
        }
        if (!warmUp) rounds[route].push(result);
      }
    }
  } finally {
    counts = await stop(server.child);
  }
  const figures = (route: Route): Figures => {
    const results = rounds[route];
    return {
      rps: median(results.map((r) => r.requests.average)),
      p99: median(results.map((r) => r.latency.p99)),
      p50: median(results.map((r) => r.latency.p50)),
      responses: results.reduce((n, r) => n + r['2xx'] + r.non2xx, 0),
      ok: results.reduce((n, r) => n + (route === 'bets' ? (r.statusCodeStats['201']?.count ?? 0) : r['2xx']), 0),
      failed: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
      replayed: results.reduce((n, r) => n + r.replayed, 0),
      cpu: median(results.map((r) => r.cpuPerAnswer)),
    };
  };
  const measured: Partial<Record<Route, Figures>> = {};
  for (const route of routes) measured[route] = figures(route);
  return { figures: measured, newBetAnswers, counts };
}

const LABELS: Record<Route, string> = { hello: 'GET /hello', 'post-hello': 'POST /hello (a bet request)', bets: 'POST /v1/bets' };

/** Every bet answer a new accepted bet: see the file comment. Undefined when it holds. */
function checkBets(result: Measured): string | undefined {
  const bets = result.figures.bets!;
  if (bets.ok !== bets.responses || bets.failed > 0) return `${bets.responses - bets.ok} answers other than 201, ${bets.failed} errors`;
  if (bets.replayed > 0) return `${bets.replayed} answers were replays`;
  if (result.counts === undefined) return 'the server did not report its counts';
  const { accepted } = result.counts;
  const inFlight = accepted - result.newBetAnswers;
  if (inFlight < 0 || inFlight > (ROUNDS + 1) * CONNECTIONS) return `${accepted} bets accepted for ${result.newBetAnswers} answers of new bets`;
  if (BigInt(result.counts.heldMinor) !== BigInt(accepted) * STAKE_MINOR) return `${result.counts.heldMinor} minor units held for ${accepted} bets`;
  return undefined;
}

export default async function run(): Promise<BenchResult> {
  const rows: Array<Record<string, string | number>> = [];
  const goals: Array<{ goal: string; met: boolean; measured: string }> = [];
  for (const backend of ['memory', 'postgres'] as const) {
    const label = backend === 'memory' ? 'in-memory' : 'PostgreSQL wallet + bet store';
    const result = await measure(backend);
    if ('skipped' in result) {
      rows.push({ variant: `${label}: skipped (${result.skipped})` });
      continue;
    }
    const hello = result.figures.hello!;
    for (const route of ['hello', 'post-hello', 'bets'] as const) {
      const f = result.figures[route];
      if (f === undefined) continue;
      rows.push({
        variant: `${label}: ${LABELS[route]}`,
        'req/s (median)': Math.round(f.rps),
        'p50 ms': f.p50,
        'p99 ms': f.p99,
        'vs hello req/s': (f.rps / hello.rps).toFixed(2),
        'vs hello p99': (f.p99 / hello.p99).toFixed(2),
        'server CPU µs/answer': f.cpu.toFixed(1),
        '2xx (bets: 201) / answers': `${f.ok} / ${f.responses}`,
        replayed: route === 'bets' ? f.replayed : '',
      });
    }
    const failed = checkBets(result);
    const bets = result.figures.bets!;
    const counted = result.counts
      ? `${result.counts.accepted} bets accepted and ${result.counts.heldMinor} minor units held for ${result.newBetAnswers} answers of new bets (warm-up included)`
      : 'no counts';
    goals.push({ goal: `${label}: every bet answer is a new accepted bet`, met: failed === undefined, measured: failed ?? counted });
    if (backend === 'memory') {
      const ratio = bets.rps / hello.rps;
      const p99Ratio = bets.p99 / hello.p99;
      goals.push({
        goal: `in-memory bets ≥ ${GOAL_RATIO}× hello-world req/s`,
        met: failed === undefined && ratio >= GOAL_RATIO,
        measured: `${ratio.toFixed(2)}× (server CPU per answer: ${bets.cpu.toFixed(1)} µs a bet, ${hello.cpu.toFixed(1)} µs a hello-world)`,
      });
      goals.push({ goal: `in-memory bets p99 ≤ ${GOAL_P99}× hello-world p99`, met: failed === undefined && p99Ratio <= GOAL_P99, measured: `${bets.p99} ms vs ${hello.p99} ms (${p99Ratio.toFixed(2)}×)` });
    }
  }
  return {
    name: `POST /v1/bets (pre-match singles from ${PLAYERS} players, rate limits off) vs hello-world routes: ${CONNECTIONS} connections, pipelining 1, ${ROUNDS} interleaved rounds of ${ROUND_S} s`,
    rows,
    goals,
  };
}
