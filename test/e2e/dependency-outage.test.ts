/**
 * A distributed bet acceptor while its Redis goes down and comes back: /health says which
 * dependencies are down (503), bets are refused with DEPENDENCY_UNAVAILABLE and hold no money
 * meanwhile, and once Redis is back the process recovers by itself: bets are accepted again and
 * none accepted before the outage is lost.
 *
 * Redis here is a private instance with an append-only file synced on every write, as an
 * operator runs it for liability counters (docker-compose.yml: --appendonly yes): restarted on the
 * same port and directory, it comes back with its data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RedisEngineLease } from '../../adapters/engine-lease/redis-engine-lease.ts';
import { createPinoLogger } from '../../adapters/logger/pino-logger.ts';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import type { PricedMarket } from '../../core/contracts/odds.ts';
import { ALL_TOPICS } from '../../core/topics.ts';
import { kafkaMockBinary, startKafkaMock, TEST_KAFKA_TIMINGS, type KafkaMockCluster } from '../support/kafka-mock.ts';
import { ProcessCluster, type ServiceProcess } from '../support/process-cluster.ts';
import { requireService } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';

const redisService = requireService('redis');
const postgres = requireService('postgres');
const kafka = kafkaMockBinary();
const skip = redisService.skip || postgres.skip || kafka.skip;

const SECRET = 'e2e-outage-secret-0123456789abcdef-xyz';
const EVENT = 'sr:match:77001';
const STAKE = '5.00';

function sign(sub: string): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role: 'player', iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** redis-server on a fixed port and directory, persisting every write, so it can be killed and started again. */
class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitFor(() => output.includes('Ready to accept connections') || child.exitCode !== null, { timeoutMs: 10_000, message: `redis-server on ${this.port}` });
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output.slice(-2000)}`);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('bet acceptor through a Redis outage', { skip, timeout: 120_000 }, () => {
  const runId = `e2e_outage_${process.pid}_${Date.now().toString(36)}`;
  const logger = createPinoLogger({ level: 'silent' });
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  let redis: PrivateRedis;
  let mock: KafkaMockCluster | undefined;
  let cluster: ProcessCluster | undefined;
  let lease: RedisEngineLease | undefined;
  let priceBook: RedisPriceBook | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  before(async () => {
    redis = new PrivateRedis(await freePort(), dir);
    await redis.start();
    mock = await startKafkaMock(kafka.bin, ALL_TOPICS.map((t) => `${t}:2`));
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${runId}`);
    await admin.end();
    const pgTarget = new URL(postgres.url);
    pgTarget.pathname = `/${runId}`;

    // The odds engine's part: a pre-match market in the PriceBook and a live lease, renewed
    // for as long as Redis answers.
    priceBook = new RedisPriceBook({ redis: redis.url, logger });
    lease = new RedisEngineLease({ redis: redis.url, logger });
    const market: PricedMarket = {
      marketKey: '1',
      marketId: 1,
      specifiers: '',
      state: 'open',
      suspensions: [],
      outcomes: [
        { outcomeId: '1', price: '2.00', active: true, version: 1 },
        { outcomeId: '2', price: '3.40', active: true, version: 1 },
        { outcomeId: '3', price: '3.60', active: true, version: 1 },
      ],
      producer: 3,
      margin: 0.05,
      version: 1,
    };
    await priceBook.apply({ eventId: EVENT, epoch: 'e1', seq: 1, ts: Date.now(), sportId: 'sr:sport:1', markets: [market] });
    const renew = () => void lease!.renew('test-engine', 3000).catch(() => undefined);
    renew();
    heartbeat = setInterval(renew, 300);

    cluster = new ProcessCluster({
      SB_MODE: 'distributed',
      SB_LOG_LEVEL: 'info',
      SB_JWT_SECRET: SECRET,
      SB_KAFKA_BROKERS: mock.brokers.join(','),
      SB_KAFKA_SESSION_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.sessionTimeout),
      SB_KAFKA_HEARTBEAT_MS: String(TEST_KAFKA_TIMINGS.heartbeatInterval),
      SB_KAFKA_REBALANCE_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.rebalanceTimeout),
      SB_KAFKA_MAX_WAIT_MS: String(TEST_KAFKA_TIMINGS.maxWaitTimeInMs),
      SB_REDIS_URL: redis.url,
      SB_PG_URL: pgTarget.toString(),
      SB_DEMO_PLAYERS: '2',
      SB_DEMO_BALANCE: '100.00',
    });
  });

  after(async () => {
    clearInterval(heartbeat);
    await cluster?.stopAll();
    await priceBook?.close().catch(() => undefined);
    await lease?.close().catch(() => undefined);
    await mock?.stop();
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${runId} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  test('health says what is down, bets wait it out without holding money, and the process recovers', async () => {
    const acceptor = await cluster!.start('acceptor', ['bet-acceptor']);
    const first = await placeBet(acceptor);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const firstId = (first.body.bet as { betId: string }).betId;

    await redis.kill();
    let report: Health | undefined;
    await waitFor(
      async () => {
        report = await health(acceptor);
        return report.status === 503;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: '/health to answer 503 with Redis down' },
    );
    const checks = report!.body.services['bet-acceptor']!.checks;
    for (const dependency of ['liability', 'idempotency']) assert.equal(checks[dependency]?.ok, false, `${dependency}: ${JSON.stringify(checks)}`);
    for (const dependency of ['wallet', 'betStore', 'bus']) assert.equal(checks[dependency]?.ok, true, `${dependency}: ${JSON.stringify(checks)}`);

    const during = await placeBet(acceptor);
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal((during.body.error as { code: string }).code, 'DEPENDENCY_UNAVAILABLE');

    await redis.start();
    await waitFor(async () => (await health(acceptor)).status === 200, { timeoutMs: 30_000, intervalMs: 200, message: '/health to recover once Redis is back' });
    await waitFor(async () => (await placeBet(acceptor)).status === 201, { timeoutMs: 15_000, intervalMs: 200, message: 'a bet accepted after the outage' });

    // The bet of before is there; the refused one held nothing: 100 − two stakes.
    const bet = await get<{ status: string; stake: string }>(acceptor, `/v1/bets/${firstId}`);
    assert.equal(bet.status, 'open');
    assert.equal(bet.stake, STAKE);
    const wallet = await get<{ available: string; held: string }>(acceptor, '/v1/wallet');
    assert.equal(wallet.available, '90.00');
    assert.equal(wallet.held, '10.00');
  });

  interface Health {
    status: number;
    body: { ok: boolean; services: Record<string, { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> };
  }

  async function health(p: ServiceProcess): Promise<Health> {
    const res = await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Health['body'] };
  }

  async function placeBet(p: ServiceProcess): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${p.url}/v1/bets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sign('demo-1')}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ stake: STAKE, oddsChange: 'none', legs: [{ eventId: EVENT, marketId: 1, outcomeId: '1', price: '2.00', priceVersion: { epoch: 'e1', seq: 1 } }] }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function get<T>(p: ServiceProcess, path: string): Promise<T> {
    const res = await fetch(`${p.url}${path}`, { headers: { authorization: `Bearer ${sign('demo-1')}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }
});
