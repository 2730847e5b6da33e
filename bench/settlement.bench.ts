/**
 * Settlement of one big market: N open singles on one market, then one bet_settlement for it,
 * timed from handleFeed() to its return (every bet judged, the wallet settled, the bet of record
 * updated, BetSettled published on the in-memory bus). Half the bets win at 1.91, half lose.
 *
 * - in memory: the embedded mode's wallet, bet store and market result store, 1,000,000 bets,
 *   the market read in one byMarket() call (pageSize 0, as app/compose.ts configures it);
 * - PostgreSQL: the ledger of record, a smaller count (SETTLEMENT_BENCH_PG_BETS, default 20,000)
 *   in a schema of its own on TEST_PG_URL (default the local server), pages of 1000, 16 bets at
 *   once on a pool of 16; the time for 1,000,000 is extrapolated from its rate, and says so.
 *
 * The check before timing: after the pass, every bet is settled and a sample of bets and
 * balances agrees with the model; the PostgreSQL run also reconciles the whole ledger.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { InMemoryBetStore } from '../adapters/bet-store/in-memory-bet-store.ts';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { createPostgresBetStore } from '../adapters/bet-store/postgres-bet-store.ts';
import { InMemoryMarketResultStore } from '../adapters/market-result-store/in-memory-market-result-store.ts';
import { createPostgresMarketResultStore } from '../adapters/market-result-store/postgres-market-result-store.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { InMemoryWallet } from '../adapters/wallet/in-memory-wallet.ts';
import { createPostgresWallet } from '../adapters/wallet/postgres-wallet.ts';
import type { BetSettled } from '../core/contracts/feed.ts';
import type { EventId } from '../core/ids.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import { silentLogger } from '../core/ports/logger.ts';
import type { MarketResultStore } from '../core/ports/market-result-store.ts';
import type { Wallet } from '../core/ports/wallet.ts';
import { createSettlement, type SettlementOptions } from '../settlement/settlement-service.ts';
import type { BenchResult } from './run.ts';

const MEMORY_BETS = 1_000_000;
const PG_BETS = Number(process.env.SETTLEMENT_BENCH_PG_BETS ?? 20_000);
const PG_URL = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const PLAYERS = 1000;
const STAKE = 1000n;
const EVENT = 'sr:match:424242' as EventId;
const MARKET = '1';
const GOAL_MEMORY_S = 10;
/** Set in the child process that runs the in-memory variant: its bet count. */
const CHILD_ENV = 'SETTLEMENT_BENCH_MEMORY_CHILD';
const CHILD_HEAP_MB = 12_000;

interface Stores {
  readonly wallet: Wallet;
  readonly bets: BetStore;
  readonly results: MarketResultStore;
}

interface Measured {
  readonly bets: number;
  readonly setupS: number;
  readonly settleS: number;
  /** CPU time of this process during the pass (user + system): steadier than wall time on a shared machine. */
  readonly cpuS: number;
  readonly heapMb: number;
}

const betId = (i: number) => `bench-${String(i).padStart(8, '0')}`;
const player = (i: number) => `bench-player-${i % PLAYERS}`;

/** Opens the players and places `count` singles on the market, `parallel` at a time. */
async function place(stores: Stores, count: number, parallel: number): Promise<void> {
  const clock = new SystemClock();
  for (let p = 0; p < PLAYERS; p++) {
    await stores.wallet.openAccount({ player: player(p), currency: 'EUR' });
    await stores.wallet.deposit({ player: player(p), amount: STAKE * BigInt(Math.ceil(count / PLAYERS)), currency: 'EUR', key: `bench-deposit-${p}` });
  }
  for (let i = 0; i < count; i += parallel) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + parallel); j++) {
      batch.push(
        (async () => {
          await stores.wallet.hold({ player: player(j), betId: betId(j), amount: STAKE, currency: 'EUR', key: `hold:${betId(j)}` });
          await stores.bets.insert({
            betId: betId(j),
            player: player(j),
            stake: STAKE,
            currency: 'EUR',
            placedAt: clock.now(),
            legs: [{ eventId: EVENT, marketKey: MARKET, outcomeId: j % 2 === 0 ? '1' : '2', odds: '1.91', priceVersion: { epoch: 'e1', seq: 1 } }],
          });
        })(),
      );
    }
    await Promise.all(batch);
  }
}

const settlementMessage: BetSettled = {
  v: 1,
  type: 'BetSettled',
  messageId: 'bench-settlement',
  traceId: 'bench',
  producer: 1,
  sourceTs: 1,
  receivedTs: 1,
  eventId: EVENT,
  certainty: 1,
  markets: [
    {
      marketId: 1,
      specifiers: '',
      marketKey: MARKET,
      outcomes: [
        { outcomeId: '1', won: true, voidFactor: '0', deadHeatFactor: '1' },
        { outcomeId: '2', won: false, voidFactor: '0', deadHeatFactor: '1' },
      ],
    },
  ],
};

async function measure(stores: Stores, count: number, options: SettlementOptions & { placeParallel: number; reconcile: boolean }): Promise<Measured> {
  const bus = new InMemoryBus();
  const clock = new SystemClock();
  const settlement = createSettlement({ bus, clock, logger: silentLogger, metrics: new PromMetrics(), ...stores }, options);
  const setupStart = performance.now();
  await place(stores, count, options.placeParallel);
  const setupS = (performance.now() - setupStart) / 1000;

  const start = performance.now();
  const cpu = process.cpuUsage();
  await settlement.handleFeed(settlementMessage);
  const settleS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  const heapMb = process.memoryUsage().heapUsed / 1e6;

  // The check: nothing left open, winners paid 19.10, losers nothing, balances to the cent.
  const open = await stores.bets.byMarket(EVENT, MARKET, { limit: 1 });
  if (open.length > 0) throw new Error(`bet ${open[0]!.betId} is still open after the pass`);
  for (const i of [0, 1, count - 2, count - 1]) {
    const bet = await stores.bets.get(betId(i));
    const want = i % 2 === 0 ? 1910n : 0n;
    if (bet?.status !== 'settled' || bet.payout !== want) throw new Error(`bet ${betId(i)} is ${bet?.status} with ${bet?.payout}, not settled with ${want}`);
  }
  if (options.reconcile) {
    const report = await settlement.reconcile();
    if (!report.ok) throw new Error(`the ledger does not reconcile: ${JSON.stringify(report.discrepancies.slice(0, 3))}`);
  }
  await bus.close();
  return { bets: count, setupS, settleS, cpuS, heapMb };
}

async function inMemory(count: number): Promise<Measured> {
  const clock = new SystemClock();
  const stores = { wallet: new InMemoryWallet({ clock }), bets: new InMemoryBetStore({ clock }), results: new InMemoryMarketResultStore() };
  return measure(stores, count, { pageSize: 0, placeParallel: 1, reconcile: false });
}

/**
 * The in-memory stores keep every bet, hold, posting and idempotency key of 1,000,000 bets: more
 * than Node's default heap. The in-memory run therefore happens in a child process with a larger
 * one, which prints its figures as one JSON line.
 */
function inMemoryChild(count: number): Promise<Measured> {
  const child = spawn(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: String(count) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Measured);
      else reject(new Error(`the in-memory run exited with ${code}: ${line.slice(0, 200)}`));
    });
  });
}

async function onPostgres(): Promise<Measured> {
  const clock = new SystemClock();
  const schema = `bench_settlement_${process.pid}`;
  const options = { url: PG_URL, schema, poolSize: 16 };
  const stores = {
    wallet: await createPostgresWallet({ clock }, options),
    bets: await createPostgresBetStore({ clock }, options),
    results: await createPostgresMarketResultStore({ clock }, options),
  };
  try {
    return await measure(stores, PG_BETS, { pageSize: 1000, concurrency: 16, placeParallel: 32, reconcile: true });
  } finally {
    await Promise.all([stores.wallet.close(), stores.bets.close(), stores.results.close()]);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

export default async function run(): Promise<BenchResult> {
  const memory = await inMemoryChild(MEMORY_BETS);
  const rows: Record<string, string | number>[] = [row('in memory', memory)];
  const goals = [{ goal: `${MEMORY_BETS.toLocaleString('en')} bets settled in memory ≤ ${GOAL_MEMORY_S} s`, met: memory.settleS <= GOAL_MEMORY_S, measured: `${memory.settleS.toFixed(1)} s` }];
  try {
    const postgres = await onPostgres();
    rows.push(row('PostgreSQL', postgres));
    const rate = postgres.bets / postgres.settleS;
    rows.push({ variant: 'PostgreSQL, 1,000,000 extrapolated from the rate above', bets: 1_000_000, 'settle s': Math.round(1_000_000 / rate), 'CPU s': '-', 'bets/s': Math.round(rate), 'setup s': '-', 'heap MB': '-' });
  } catch (error) {
    rows.push({ variant: `PostgreSQL not measured: ${(error as Error).message.slice(0, 80)}`, bets: 0, 'settle s': '-', 'CPU s': '-', 'bets/s': '-', 'setup s': '-', 'heap MB': '-' });
  }
  return { name: 'settlement: every bet of one market settled by one bet_settlement', rows, goals };
}

function row(variant: string, m: Measured): Record<string, string | number> {
  return {
    variant,
    bets: m.bets,
    'settle s': Number(m.settleS.toFixed(2)),
    'CPU s': Number(m.cpuS.toFixed(2)),
    'bets/s': Math.round(m.bets / m.settleS),
    'setup s': Number(m.setupS.toFixed(1)),
    'heap MB': Math.round(m.heapMb),
  };
}

const childCount = process.env[CHILD_ENV];
if (childCount !== undefined) console.log(JSON.stringify(await inMemory(Number(childCount))));
