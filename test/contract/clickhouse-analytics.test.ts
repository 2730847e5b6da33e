import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@clickhouse/client';
import { analyticsContract } from './analytics.contract.ts';
import { createClickHouseAnalytics, type ClickHouseAnalyticsOptions } from '../../adapters/analytics/clickhouse-analytics.ts';
import { ANALYTICS_MIGRATIONS, migrateClickHouse } from '../../adapters/analytics/clickhouse-migrations.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { isAppError, type ErrorCode } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import type { BetFact, PriceFact } from '../../core/ports/analytics.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { requireService } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { uniqueName, waitFor } from '../support/wait.ts';

const clickhouse = requireService('clickhouse');
/** Tests share the server and this database, never tables: each store has a prefix of its own. */
const DATABASE = 'sb_analytics_test';
const TABLES = ['schema_migrations', 'price_changes', 'bet_facts'];

const freshPrefix = () => `${uniqueName('t').replaceAll('-', '_')}_`;

async function dropTables(prefix: string): Promise<void> {
  const client = createClient({ url: clickhouse.url });
  try {
    for (const table of TABLES) await client.command({ query: `DROP TABLE IF EXISTS ${DATABASE}.${prefix}${table}` });
  } finally {
    await client.close();
  }
}

function isCode(code: ErrorCode) {
  return (e: unknown) => isAppError(e) && e.code === code;
}

/** The value of a counter in the Prometheus text, 0 when absent. */
async function counter(metrics: PromMetrics, name: string, labels: string): Promise<number> {
  const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

analyticsContract(
  'ClickHouseAnalytics',
  async () => {
    const tablePrefix = freshPrefix();
    const store = await createClickHouseAnalytics({ clock: new SystemClock(), logger: silentLogger, metrics: new PromMetrics() }, { url: clickhouse.url, database: DATABASE, tablePrefix });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropTables(tablePrefix);
      },
    };
  },
  { skip: clickhouse.skip },
);

const TS = Date.UTC(2026, 10, 22, 10, 0, 0);
const price = (seq: number): PriceFact => ({ eventId: 'sr:match:7', marketKey: '1', outcomeId: '1', epoch: 'e1', seq, ts: TS + seq, price: '2.00', active: true, state: 'open' });
const accepted = (betId: string): BetFact => ({
  kind: 'accepted',
  factId: `${betId}:1`,
  betId,
  version: 1,
  ts: TS,
  playerId: 'p1',
  sportId: 'sr:sport:1',
  currency: 'EUR',
  stake: 100n,
  potentialPayout: 250n,
  odds: '2.50',
  legs: [{ eventId: 'sr:match:7', marketKey: '1', outcomeId: '1', odds: '2.50' }],
});

describe('ClickHouseAnalytics on a real ClickHouse', { skip: clickhouse.skip }, () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await dropTables(prefix);
  });

  async function open(clock: Clock, options: Partial<ClickHouseAnalyticsOptions> = {}, url = clickhouse.url) {
    const tablePrefix = options.tablePrefix ?? freshPrefix();
    prefixes.push(tablePrefix);
    const metrics = new PromMetrics();
    const store = await createClickHouseAnalytics({ clock, logger: silentLogger, metrics }, { url, database: DATABASE, ...options, tablePrefix });
    return { store, metrics, tablePrefix };
  }

  /** A store that reaches ClickHouse through a proxy the test can cut. */
  async function openBehindProxy(clock: Clock, options: Partial<ClickHouseAnalyticsOptions> = {}) {
    const target = new URL(clickhouse.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const viaProxy = new URL(clickhouse.url);
    viaProxy.port = String(proxy.port);
    const opened = await open(clock, { retryBackoffMs: 100, writeTimeoutMs: 2000, requestTimeoutMs: 1000, ...options }, viaProxy.toString());
    // A second store on the same tables, straight to the server: what the reports hold meanwhile.
    const direct = await open(new SystemClock(), { tablePrefix: opened.tablePrefix });
    return { ...opened, proxy, direct: direct.store };
  }

  const stopServing = (proxy: TcpProxy) => {
    proxy.setAccepting(false);
    proxy.reset();
  };

  const historyLength = async (store: { priceHistory: (q: { eventId: string; marketKey: string; limit: number }) => Promise<readonly unknown[]> }) =>
    (await store.priceHistory({ eventId: 'sr:match:7', marketKey: '1', limit: 1000 })).length;

  test('migrations run once, are recorded, and concurrent start-ups agree', async () => {
    const tablePrefix = freshPrefix();
    const stores = await Promise.all(Array.from({ length: 3 }, () => open(new SystemClock(), { tablePrefix })));
    const client = createClient({ url: clickhouse.url });
    try {
      const result = await client.query({ query: `SELECT DISTINCT version FROM ${DATABASE}.${tablePrefix}schema_migrations ORDER BY version`, format: 'JSONEachRow' });
      assert.deepEqual((await result.json<{ version: number }>()).map((r) => r.version), ANALYTICS_MIGRATIONS.map((m) => m.version));
      assert.deepEqual(await migrateClickHouse(client, { database: DATABASE, tablePrefix }), { applied: [], current: ANALYTICS_MIGRATIONS.length });
      const edited = ANALYTICS_MIGRATIONS.map((m, i) => (i === 0 ? { ...m, statements: (t: (n: string) => string) => [...m.statements(t), 'SELECT 1'] } : m));
      await assert.rejects(migrateClickHouse(client, { database: DATABASE, tablePrefix }, edited), isCode('CONFIG_INVALID'));
    } finally {
      await client.close();
      await Promise.all(stores.map((s) => s.store.close()));
    }
  });

  test('price rows wait for the batch interval on the Clock, or go out when the batch is full', async () => {
    const clock = new ManualClock(TS);
    const { store } = await open(clock, { batchRows: 5, flushIntervalMs: 1000 });
    try {
      store.recordPrices([price(1), price(2)]);
      clock.advance(999);
      // Nothing starts an insert before the interval: the rows are not there yet.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await historyLength(store), 0);
      clock.advance(1);
      await waitFor(async () => (await historyLength(store)) === 2, { message: 'the interval insert' });
      store.recordPrices([price(3), price(4), price(5), price(6), price(7)]);
      await waitFor(async () => (await historyLength(store)) === 7, { message: 'the full-batch insert, without time passing' });
    } finally {
      await store.close();
    }
  });

  test('recordBets waits for ClickHouse, gives up after the write timeout, and the rows still arrive', async () => {
    const clock = new ManualClock(TS);
    const { store, metrics, proxy, direct } = await openBehindProxy(clock, { writeTimeoutMs: 2000 });
    try {
      stopServing(proxy);
      const first = store.recordBets([accepted('w1')]);
      await waitFor(async () => (await counter(metrics, 'sb_analytics_insert_failures_total', 'table="bet_facts",retriable="true"')) >= 1, { message: 'a failed insert' });
      clock.advance(2000);
      await assert.rejects(first, (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable);
      // Back: the next retry writes the buffered row; a redelivery of the same fact counts once.
      proxy.setAccepting(true);
      await clock.advanceAsync(6000, 100);
      await waitFor(async () => (await direct.openLiability({})).length === 1, { message: 'the buffered bet written after the outage' });
      await store.recordBets([accepted('w1')]);
      assert.deepEqual((await direct.openLiability({})).map((r) => [r.bets, r.openStake]), [[1, '1.00']]);
    } finally {
      await store.close();
      await direct.close();
      await proxy.close();
    }
  });

  test('a full bet buffer refuses at once; a full price buffer drops its oldest rows, counted', async () => {
    const clock = new ManualClock(TS);
    const { store, metrics, proxy, direct } = await openBehindProxy(clock, { maxBufferedBets: 2, maxBufferedPrices: 3, flushIntervalMs: 50, writeTimeoutMs: 60_000 });
    try {
      stopServing(proxy);
      const waiting = store.recordBets([accepted('f1'), accepted('f2')]);
      await assert.rejects(store.recordBets([accepted('f3')]), (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE');
      assert.equal(await counter(metrics, 'sb_analytics_rows_refused_total', 'table="bet_facts"'), 1);
      store.recordPrices([1, 2, 3, 4, 5].map(price));
      assert.equal(await counter(metrics, 'sb_analytics_rows_dropped_total', 'table="price_changes",reason="overflow"'), 2);
      proxy.setAccepting(true);
      await clock.advanceAsync(6000, 100);
      await waiting;
      await store.flush();
      assert.deepEqual((await direct.priceHistory({ eventId: 'sr:match:7', marketKey: '1', limit: 10 })).map((p) => p.seq), [3, 4, 5]);
      assert.equal((await direct.openLiability({}))[0]?.bets, 2);
    } finally {
      await store.close();
      await direct.close();
      await proxy.close();
    }
  });

  test('close() writes what is buffered; with ClickHouse gone it still returns, counting the rows lost', async () => {
    const { store, direct, proxy, metrics } = await openBehindProxy(new SystemClock(), { writeTimeoutMs: 300, flushIntervalMs: 60_000 });
    try {
      store.recordPrices([price(1), price(2)]);
      await store.close();
      assert.equal(await historyLength(direct), 2);
      const gone = await openBehindProxy(new SystemClock(), { writeTimeoutMs: 300, flushIntervalMs: 60_000 });
      gone.store.recordPrices([price(1)]);
      stopServing(gone.proxy);
      const started = Date.now();
      await gone.store.close();
      assert.ok(Date.now() - started < 5000, 'close is bounded by the write timeout');
      assert.equal(await counter(gone.metrics, 'sb_analytics_rows_dropped_total', 'table="price_changes",reason="closed"'), 1);
      await gone.direct.close();
      await gone.proxy.close();
      assert.equal(await counter(metrics, 'sb_analytics_rows_dropped_total', 'table="price_changes",reason="closed"'), 0);
    } finally {
      await direct.close();
      await proxy.close();
    }
  });

  test('reports and health while ClickHouse is away: DEPENDENCY_UNAVAILABLE, not ok', async () => {
    const { store, proxy, direct } = await openBehindProxy(new SystemClock());
    try {
      assert.equal((await store.health()).ok, true);
      stopServing(proxy);
      await assert.rejects(store.openLiability({}), (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable);
      assert.equal((await store.health()).ok, false);
    } finally {
      await store.close();
      await direct.close();
      await proxy.close();
    }
  });
});

describe('ClickHouseAnalytics without a server', () => {
  const deps = { clock: new SystemClock(), logger: silentLogger, metrics: new PromMetrics() };

  test('an unreachable server is DEPENDENCY_UNAVAILABLE, retriable', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    await assert.rejects(createClickHouseAnalytics(deps, { url: 'http://127.0.0.1:1', requestTimeoutMs: 1000 }), (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable);
  });

  test('a database or prefix that is not a plain identifier is CONFIG_INVALID', async () => {
    await assert.rejects(createClickHouseAnalytics(deps, { url: 'http://127.0.0.1:1', database: 'x; DROP DATABASE y' }), isCode('CONFIG_INVALID'));
    await assert.rejects(createClickHouseAnalytics(deps, { url: 'http://127.0.0.1:1', tablePrefix: 'a.b' }), isCode('CONFIG_INVALID'));
  });
});
