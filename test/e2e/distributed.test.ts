/**
 * Distributed mode end to end: every service in its own process over Kafka (a private librdkafka
 * mock cluster), Redis, PostgreSQL and ClickHouse, the simulator as the feed.
 *
 * - two push gateways: a socket.io client on the second and an MQTT client (through Mosquitto,
 *   fed by both gateways) see the simulator's prices, in order;
 * - bets placed on two acceptor replicas respect one shared liability limit;
 * - the odds engine is killed mid-match: once its lease lapsed (a short TTL here) no bet is taken at
 *   its last prices, and none was taken later than the TTL after the kill; restarted, it gives
 *   every event a new epoch, both clients get a fresh snapshot of it, and no bet is accepted
 *   against a price of the dead engine's epoch;
 * - the match ends, bets settle, the ledger reconciles and the GGR report equals the ledger.
 *
 * Each run has its own PostgreSQL database, Redis database, ClickHouse database and Kafka
 * cluster, so it shares nothing with other test files running at the same time (Mosquitto is
 * shared: the clients check the epochs they see against this run's PriceBook).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Big } from '../../core/money.ts';
import { ALL_TOPICS } from '../../core/topics.ts';
import type { EventBook } from '../../core/contracts/odds.ts';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import { RedisEngineLease } from '../../adapters/engine-lease/redis-engine-lease.ts';
import { createPinoLogger } from '../../adapters/logger/pino-logger.ts';
import { requireService } from '../support/services.ts';
import { kafkaMockBinary, startKafkaMock, TEST_KAFKA_TIMINGS, type KafkaMockCluster } from '../support/kafka-mock.ts';
import { ProcessCluster, type ServiceProcess } from '../support/process-cluster.ts';
import { waitFor } from '../support/wait.ts';
import { bookView, PushClient } from '../integration/push-gateway-support.ts';
import { MqttTestClient } from '../integration/mqtt-test-client.ts';

const redis = requireService('redis');
const postgres = requireService('postgres');
const clickhouse = requireService('clickhouse');
const mosquitto = requireService('mqtt');
const kafka = kafkaMockBinary();
const skip = redis.skip || postgres.skip || clickhouse.skip || mosquitto.skip || kafka.skip;

const SECRET = 'e2e-distributed-secret-0123456789abcdef';
const FOOTBALL = 'sr:sport:1';
const LIABILITY_LIMIT = '60.00';
const STAKE = '10.00';
/** Short, so the test waits little for a dead engine's lease to lapse. */
const LEASE_TTL_MS = 1500;

/** An HS256 JWT as app/auth.ts verifies it (claims sub, role). */
function sign(sub: string, role: 'player' | 'trader'): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

interface PlacedBet {
  readonly status: number;
  readonly body: { error?: { code: string; details?: { cause?: string } }; bet?: { betId: string; stake: string; potentialPayout: string; legs: Array<{ priceVersion: { epoch: string } }> } };
}

async function placeBet(acceptor: ServiceProcess, player: string, leg: Record<string, unknown>, oddsChange: 'none' | 'any', stake = STAKE): Promise<PlacedBet> {
  const res = await fetch(`${acceptor.url}/v1/bets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sign(player, 'player')}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ stake, oddsChange, legs: [leg] }),
  });
  return { status: res.status, body: (await res.json()) as PlacedBet['body'] };
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

/** A leg on outcome `index` of the event's 1X2 market, when that market is open with every outcome priced. */
function openMatchResult(book: EventBook | undefined, index = 0) {
  const market = book?.markets.find((m) => m.marketId === 1 && m.specifiers === '' && m.state === 'open');
  if (!book || !market || market.outcomes.some((o) => !o.active || o.price === undefined)) return undefined;
  const outcome = market.outcomes[index]!;
  return { eventId: book.eventId, marketId: 1, outcomeId: outcome.outcomeId, price: outcome.price!, priceVersion: { epoch: book.epoch, seq: book.seq } };
}

describe('distributed mode: every service its own process', { skip, timeout: 240_000 }, () => {
  const runId = `e2e_${process.pid}_${Date.now().toString(36)}`;
  const logger = createPinoLogger({ level: 'silent' });
  let cluster: ProcessCluster;
  let watcher: PushClient | undefined;
  let mobile: MqttTestClient | undefined;
  let mock: KafkaMockCluster | undefined;
  let priceBook: RedisPriceBook;
  let lease: RedisEngineLease;
  let redisUrl: string;
  let pgUrl: string;

  before(async () => {
    mock = await startKafkaMock(kafka.bin, ALL_TOPICS.map((t) => `${t}:4`));
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${runId}`);
    await admin.end();
    const pgTarget = new URL(postgres.url);
    pgTarget.pathname = `/${runId}`;
    pgUrl = pgTarget.toString();
    // A Redis database of its own, emptied first: price book, liability and idempotency keys are fixed names.
    const redisTarget = new URL(redis.url);
    redisTarget.pathname = `/${9 + (process.pid % 6)}`;
    redisUrl = redisTarget.toString();
    const r = new Redis(redisUrl);
    await r.flushdb();
    r.disconnect();
    const chTarget = new URL(clickhouse.url);
    chTarget.pathname = `/${runId}`;
    priceBook = new RedisPriceBook({ redis: redisUrl, logger });
    lease = new RedisEngineLease({ redis: redisUrl, logger });
    cluster = new ProcessCluster({
      SB_MODE: 'distributed',
      SB_LOG_LEVEL: 'info',
      SB_JWT_SECRET: SECRET,
      SB_KAFKA_BROKERS: mock.brokers.join(','),
      SB_KAFKA_SESSION_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.sessionTimeout),
      SB_KAFKA_HEARTBEAT_MS: String(TEST_KAFKA_TIMINGS.heartbeatInterval),
      SB_KAFKA_REBALANCE_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.rebalanceTimeout),
      SB_KAFKA_MAX_WAIT_MS: String(TEST_KAFKA_TIMINGS.maxWaitTimeInMs),
      SB_REDIS_URL: redisUrl,
      SB_PG_URL: pgUrl,
      SB_CLICKHOUSE_URL: chTarget.toString(),
      SB_MQTT_URL: mosquitto.url,
      SB_SIM_LIVE_MATCHES: '3',
      SB_SIM_UPCOMING_MATCHES: '0',
      SB_SIM_SPEED: '5',
      SB_BET_INPLAY_DELAYS: '*=0.2',
      SB_BET_LIABILITY_LIMIT: LIABILITY_LIMIT,
      SB_DEMO_PLAYERS: '4',
      SB_DEMO_BALANCE: '500.00',
      SB_BET_RATE_PER_IP: '100000',
      SB_BET_RATE_PER_PLAYER: '100000',
      SB_ENGINE_LEASE_TTL_MS: String(LEASE_TTL_MS),
    });
  });

  after(async () => {
    watcher?.close();
    await mobile?.close();
    await cluster?.stopAll();
    await priceBook?.close();
    await lease?.close();
    await mock?.stop();
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${runId} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  test('prices on two gateways, liability shared by two acceptors, engine restart, settlement, reconciliation, GGR', async () => {
    // Consumers first (a new group starts at the latest offsets), the feed last. Both acceptors
    // start together: seeding the demo players twice at once must be harmless.
    await Promise.all([
      cluster.start('odds-engine', ['odds-engine']),
      cluster.start('settlement', ['settlement']),
      cluster.start('analytics', ['analytics']),
      cluster.start('acceptor-1', ['bet-acceptor']),
      cluster.start('acceptor-2', ['bet-acceptor']),
      cluster.start('gateway-1', ['push-gateway']),
      cluster.start('gateway-2', ['push-gateway']),
    ]);
    await cluster.start('feed', ['feed-ingest', 'fixtures']);
    const acceptors = [cluster.get('acceptor-1'), cluster.get('acceptor-2')];
    const trader = sign('trader-1', 'trader');

    // Prices flow: feed → Kafka → engine → Redis.
    let leg: ReturnType<typeof openMatchResult>;
    await waitFor(
      async () => {
        for (const { eventId, sportId } of await priceBook.listEvents()) {
          if (sportId !== FOOTBALL) continue;
          leg = openMatchResult(await priceBook.getEvent(eventId));
          if (leg) return true;
        }
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'an open 1X2 market of a live football match in the PriceBook' },
    );

    // The bettor's view: a socket.io client on gateway 2 and an MQTT client on Mosquitto, where
    // both gateways publish. Each converges on the PriceBook's state of the event, in order.
    const channel = `event:${leg!.eventId}`;
    const snapshotTopic = `sb/v1/events/${leg!.eventId}`;
    watcher = await PushClient.connect(cluster.get('gateway-2').url);
    assert.equal((await watcher.subscribe([channel])).ok, true);
    mobile = await MqttTestClient.connect(mosquitto.url, { clientId: `${runId}-mobile` });
    assert.deepEqual(await mobile.subscribe([snapshotTopic, `${snapshotTopic}/delta`]), [1, 1]);
    // Converged after deltas were applied on both, not just on the first snapshot.
    const sawDeltas = () => watcher!.frames.some((f) => f.event === 'delta' && f.body.channel === channel) && (mobile!.deltas.get(`${snapshotTopic}/delta`) ?? []).length > 0;
    await waitFor(
      async () => {
        if (!sawDeltas()) return false;
        const book = await priceBook.getEvent(leg!.eventId);
        const want = bookView(book);
        return (
          mobile!.held.get(snapshotTopic)?.epoch === book?.epoch &&
          watcher!.positions.get(channel)?.epoch === book?.epoch &&
          isDeepStrictEqual(watcher!.view(channel), want) &&
          isDeepStrictEqual(mobile!.view(snapshotTopic), want)
        );
      },
      { timeoutMs: 45_000, intervalMs: 50, message: "the socket.io and MQTT clients, after deltas, to show the PriceBook's prices" },
    );

    // One liability limit over both replicas: bets at once on both until the limit refuses.
    const accepted: Array<NonNullable<PlacedBet['body']['bet']> & { player: string }> = [];
    const refusedByLiability: PlacedBet[] = [];
    const acceptedBy = new Set<number>();
    let lastAnswers: PlacedBet[] = [];
    await waitFor(
      async () => {
        const fresh = openMatchResult(await priceBook.getEvent(leg!.eventId));
        if (!fresh) return false;
        const results = await Promise.all([0, 1, 2, 3].map((i) => placeBet(acceptors[i % 2]!, `demo-${i + 1}`, fresh, 'any')));
        lastAnswers = results;
        results.forEach((r, i) => {
          if (r.status === 201 && r.body.bet) {
            accepted.push({ ...r.body.bet, player: `demo-${i + 1}` });
            acceptedBy.add(i % 2);
          } else if (r.body.error?.code === 'LIABILITY_EXCEEDED') refusedByLiability.push(r);
        });
        return refusedByLiability.length > 0;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the shared liability limit to refuse a bet' },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; accepted ${accepted.length}, last answers ${JSON.stringify(lastAnswers)}`);
    });
    const liability = accepted.reduce((sum, b) => sum.plus(b.potentialPayout).minus(b.stake), new Big(0));
    assert.ok(liability.lte(LIABILITY_LIMIT), `accepted liability ${liability} is over the limit ${LIABILITY_LIMIT}`);
    assert.equal(acceptedBy.size, 2, 'both acceptors accepted bets');

    // Kill the engine mid-match. Its lease was renewed at most a third of the TTL before, and
    // lives on in Redis for up to the TTL after its last renewal: that is the window in which the
    // acceptors still take bets at the dead engine's last prices (a bet stop sent meanwhile would
    // not reach them), the price of telling death from silence without a faster heartbeat. Bets
    // on another outcome of the same market (the first one has no liability room left) probe it
    // from both acceptors until the lease is gone.
    const before = (await priceBook.getEvent(leg!.eventId))!;
    const stale = openMatchResult(before) ?? leg!;
    const probeLeg = openMatchResult(before, 1);
    assert.ok(probeLeg, 'the 1X2 market is open when the engine is killed');
    await cluster.get('odds-engine').kill('SIGKILL');
    const killedAt = Date.now();
    let lapsed = false;
    const probes: Array<{ answer: PlacedBet; decidedAt: number; player: string }> = [];
    const probing = [0, 1].map(async (a) => {
      for (let n = 0; !lapsed; n++) {
        const player = `demo-${1 + a + 2 * (n % 2)}`;
        const answer = await placeBet(acceptors[a]!, player, probeLeg, 'any', '1.00');
        probes.push({ answer, decidedAt: Date.now(), player });
      }
    });
    await waitFor(async () => (await lease.current()) === undefined, { timeoutMs: LEASE_TTL_MS + 5000, intervalMs: 20, message: "the dead engine's lease to lapse" });
    const lapsedAt = Date.now();
    lapsed = true;
    await Promise.all(probing);
    assert.ok(lapsedAt - killedAt <= LEASE_TTL_MS + 250, `the lease outlived the engine by ${lapsedAt - killedAt} ms`);
    for (const { answer, decidedAt, player } of probes) {
      if (answer.status !== 201) continue;
      // The last lease check runs at the end of the 0.2 s in-play delay, right before the hold.
      assert.ok(decidedAt - killedAt <= LEASE_TTL_MS + 500, `a bet was accepted ${decidedAt - killedAt} ms after the engine died`);
      accepted.push({ ...answer.body.bet!, player });
    }
    assert.ok(probes.length > 0, 'bets were placed while the lease was alive');
    // The engine is still down: its last prices are in Redis, and no acceptor takes a bet at them.
    assert.equal((await priceBook.getEvent(leg!.eventId))?.epoch, before.epoch, 'the dead engine prices are still in the book');
    for (const [i, acceptor] of acceptors.entries()) {
      for (const bet of [stale, probeLeg]) {
        const r = await placeBet(acceptor, `demo-${i + 1}`, bet, 'none', '1.00');
        assert.equal(r.status, 422, `acceptor-${i + 1}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error?.code, 'MARKET_SUSPENDED');
        assert.equal(r.body.error?.details?.cause, 'PRICES_STALE');
      }
    }

    // Restarted: the PriceBook's events get new epochs, and a bet at a price of the dead engine's
    // epoch is not accepted after the restart.
    await cluster.start('odds-engine', ['odds-engine']);
    const afterRestart = await priceBook.getEvent(leg!.eventId);
    assert.notEqual(afterRestart?.epoch, before.epoch, 'the restarted engine starts a new epoch before it consumes');
    // Both clients are told: a fresh snapshot of the new epoch, never a delta across epochs.
    const freshSnapshot = () => watcher!.frames.some((f) => f.event === 'snapshot' && f.body.channel === channel && f.body.epoch === afterRestart?.epoch);
    await watcher.until(freshSnapshot, 'a snapshot of the new epoch on gateway 2', 30_000);
    await mobile.until(() => mobile!.held.get(snapshotTopic)?.epoch === afterRestart?.epoch, 'the retained snapshot of the new epoch over MQTT', 30_000);
    assert.deepEqual(watcher.violations, [], 'the socket.io client saw its channel in order');
    assert.deepEqual(mobile.violations, [], 'the MQTT client saw the deltas in order');
    for (let i = 0; i < 4; i++) {
      const r = await placeBet(acceptors[i % 2]!, `demo-${i + 1}`, stale, 'none');
      if (r.status === 201) assert.notEqual(r.body.bet?.legs[0]?.priceVersion.epoch, before.epoch, 'a bet was accepted at the dead engine epoch');
    }
    await waitFor(async () => openMatchResult(await priceBook.getEvent(leg!.eventId)) !== undefined || (await matchOver(leg!.eventId)), {
      timeoutMs: 60_000,
      intervalMs: 200,
      message: 'the event re-priced under a new epoch',
    });

    // The match ends; every bet settles; the ledger reconciles; the GGR report equals it.
    const settlement = cluster.get('settlement');
    let stillOpen: string[] = [];
    await waitFor(
      async () => {
        const statuses = await Promise.all(
          accepted.map(async (b) => (await getJson<{ status: string }>(`${acceptors[0]!.url}/v1/bets/${b.betId}`, sign(b.player, 'player'))).status),
        );
        stillOpen = accepted.filter((_, i) => statuses[i] === 'open').map((b) => b.betId);
        return stillOpen.length === 0;
      },
      { timeoutMs: 150_000, intervalMs: 500, message: 'every bet settled' },
    ).catch((error: unknown) => {
      // What a failure needs to be understood: the bets left and what settlement last said.
      const open = accepted.filter((b) => stillOpen.includes(b.betId));
      throw new Error(`${(error as Error).message}; open: ${JSON.stringify(open).slice(0, 2000)}\n--- settlement log ---\n${settlement.logs().slice(-6000)}`, { cause: error });
    });
    const reconcile = await getJson<{ ok: boolean; total: number }>(`${settlement.url}/v1/trading/reconcile`, trader);
    assert.equal(reconcile.ok, true, `reconciliation: ${JSON.stringify(reconcile)}`);

    const bets = await Promise.all(accepted.map((b) => getJson<{ stake: string; payout?: string; status: string }>(`${acceptors[1]!.url}/v1/bets/${b.betId}`, sign(b.player, 'player'))));
    const ledgerGgr = bets.reduce((sum, b) => (b.status === 'settled' ? sum.plus(b.stake).minus(b.payout ?? '0') : sum), new Big(0));
    const day = new Date().toISOString().slice(0, 10);
    await waitFor(
      async () => {
        const report = await getJson<{ rows: Array<{ sportId: string; ggr: string; openStake: string }> }>(`${cluster.get('analytics').url}/v1/trading/reports/ggr?from=${day}&to=${day}`, trader);
        const football = report.rows.find((r) => r.sportId === FOOTBALL);
        return football !== undefined && new Big(football.openStake).eq(0) && new Big(football.ggr).eq(ledgerGgr);
      },
      { timeoutMs: 30_000, intervalMs: 500, message: `the GGR report to equal the ledger's ${ledgerGgr.toFixed(2)}` },
    );
  });

  async function matchOver(eventId: string): Promise<boolean> {
    const book = await priceBook.getEvent(eventId);
    return book !== undefined && book.markets.length > 0 && book.markets.every((m) => m.state !== 'open' && m.state !== 'suspended');
  }
});
