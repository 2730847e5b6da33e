import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../../app/http.ts';
import { registerAuth, type Auth } from '../../../app/auth.ts';
import { InMemoryAnalytics } from '../../../adapters/analytics/in-memory-analytics.ts';
import { registerAnalyticsRoutes } from '../../../analytics/http.ts';
import type { AnalyticsReports } from '../../../core/ports/analytics.ts';
import { AppError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/ports/logger.ts';

const TS = Date.UTC(2026, 10, 22, 12, 0, 0);
const KEY = '18/total=2.5';

let app: FastifyInstance;
let auth: Auth;
let trader: string;

before(async () => {
  const store = new InMemoryAnalytics();
  await store.recordBets([
    { kind: 'accepted', factId: 'a', betId: 'a', version: 1, ts: TS, playerId: 'p', sportId: 'sr:sport:1', currency: 'EUR', stake: 1000n, potentialPayout: 2500n, odds: '2.50', legs: [{ eventId: 'sr:match:1', marketKey: KEY, outcomeId: '12', odds: '2.50' }] },
  ]);
  store.recordPrices([1, 2, 3].map((seq) => ({ eventId: 'sr:match:1', marketKey: KEY, outcomeId: '12', epoch: 'e', seq, ts: TS + seq * 60_000, price: `2.${seq}0`, active: true, state: 'open' as const })));
  // A store that is away, behind a second path, to see how its errors reach clients.
  const away: AnalyticsReports = {
    ggrBySportAndDay: async () => {
      throw new AppError('DEPENDENCY_UNAVAILABLE', 'ClickHouse unavailable');
    },
    openLiability: async () => [],
    priceHistory: async () => [],
  };
  app = createHttpServer(silentLogger);
  auth = await registerAuth(app, { secret: 'a-test-secret-of-enough-length-0123456789', demoTokens: false });
  registerAnalyticsRoutes(app, store, { requireTrader: auth.requireTrader });
  await app.register(async (scoped) => registerAnalyticsRoutes(scoped, away, { requireTrader: auth.requireTrader }), { prefix: '/away' });
  await app.ready();
  trader = auth.sign({ sub: 't1', role: 'trader' });
});

after(async () => {
  await app.close();
});

async function get(url: string, token: string | null = trader) {
  const res = await app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

describe('trading reports over HTTP', () => {
  test('only traders: 401 without a token, 403 for a player', async () => {
    for (const url of ['/v1/trading/reports/ggr?from=2026-11-22&to=2026-11-22', '/v1/trading/reports/liability', `/v1/trading/reports/price-history?eventId=sr:match:1&marketKey=1`]) {
      assert.equal((await get(url, null)).body.error.code, 'UNAUTHORIZED', url);
      const player = auth.sign({ sub: 'p1', role: 'player' });
      assert.deepEqual([(await get(url, player)).status, (await get(url, player)).body.error.code], [403, 'FORBIDDEN'], url);
    }
  });

  test('GGR by sport and day', async () => {
    const { status, body } = await get('/v1/trading/reports/ggr?from=2026-11-21&to=2026-11-22');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      from: '2026-11-21',
      to: '2026-11-22',
      rows: [{ day: '2026-11-22', sportId: 'sr:sport:1', currency: 'EUR', bets: 1, turnover: '10.00', openStake: '10.00', payouts: '0.00', ggr: '0.00' }],
    });
  });

  test('open liability, all events or one', async () => {
    const row = { eventId: 'sr:match:1', marketKey: KEY, outcomeId: '12', currency: 'EUR', bets: 1, openStake: '10.00', potentialPayout: '25.00', liability: '15.00' };
    assert.deepEqual((await get('/v1/trading/reports/liability')).body, { rows: [row] });
    assert.deepEqual((await get('/v1/trading/reports/liability?eventId=sr:match:1&limit=5')).body, { rows: [row] });
    assert.deepEqual((await get('/v1/trading/reports/liability?eventId=sr:match:2')).body, { rows: [] });
  });

  test('price history of a URL-encoded market key, bounded by ISO date-times', async () => {
    const base = `/v1/trading/reports/price-history?eventId=sr:match:1&marketKey=${encodeURIComponent(KEY)}`;
    assert.deepEqual((await get(base)).body.points.map((p: { price: string }) => p.price), ['2.10', '2.20', '2.30']);
    const from = new Date(TS + 2 * 60_000).toISOString();
    const { body } = await get(`${base}&from=${encodeURIComponent(from)}&limit=1`);
    assert.deepEqual(body, { eventId: 'sr:match:1', marketKey: KEY, points: [{ ts: TS + 3 * 60_000, outcomeId: '12', price: '2.30', active: true, state: 'open', epoch: 'e', seq: 3 }] });
  });

  test('bad queries are INVALID_REQUEST: unknown fields, bad days and instants, limits out of range, too long a window', async () => {
    for (const url of [
      '/v1/trading/reports/ggr?from=2026-11-22',
      '/v1/trading/reports/ggr?from=2026-11-22&to=2026-11-22&sport=1',
      '/v1/trading/reports/ggr?from=2026-13-01&to=2026-13-02',
      '/v1/trading/reports/ggr?from=2024-01-01&to=2026-11-22',
      '/v1/trading/reports/liability?limit=0',
      '/v1/trading/reports/liability?limit=20000',
      '/v1/trading/reports/liability?eventId=match-1',
      '/v1/trading/reports/price-history?eventId=sr:match:1',
      '/v1/trading/reports/price-history?eventId=sr:match:1&marketKey=1&from=yesterday',
      '/v1/trading/reports/price-history?eventId=sr:match:1&marketKey=1&from=2026-11-22T12:00:00Z&to=2026-11-21T12:00:00Z',
    ]) {
      const { status, body } = await get(url);
      assert.deepEqual([status, body.error?.code], [400, 'INVALID_REQUEST'], url);
    }
  });

  test('a store that is away answers 503 DEPENDENCY_UNAVAILABLE', async () => {
    const { status, body } = await get('/away/v1/trading/reports/ggr?from=2026-11-22&to=2026-11-22');
    assert.deepEqual([status, body.error.code], [503, 'DEPENDENCY_UNAVAILABLE']);
  });
});
