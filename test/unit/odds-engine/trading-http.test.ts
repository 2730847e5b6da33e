import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../../app/http.ts';
import { registerAuth, type Auth } from '../../../app/auth.ts';
import type { OddsChanged } from '../../../core/contracts/feed.ts';
import type { EventId } from '../../../core/ids.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { registerTradingRoutes } from '../../../odds-engine/http.ts';
import { EVENT, ONE_X_TWO, TOTAL, bookMarket, feed, market, odds, pricesOf, rig, type Rig } from './rig.ts';

const SAMPLE = JSON.parse(readFileSync(new URL('../../support/samples/uof/expected/odds-change-40-markets.json', import.meta.url), 'utf8')) as OddsChanged;
/** Events priced from the 40-market sample, so that a margin change has real work to do. */
const LOAD_EVENTS = 20;

let r: Rig;
let app: FastifyInstance;
let auth: Auth;
let traderToken: string;

before(async () => {
  r = await rig();
  r.info.set(EVENT, { sportId: 'sr:sport:1', tournamentId: 'sr:tournament:17' });
  await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)]));
  for (let i = 0; i < LOAD_EVENTS; i++) {
    const eventId = `sr:match:${90_000 + i}` as EventId;
    r.info.set(eventId, { sportId: 'sr:sport:1', tournamentId: 'sr:tournament:99' });
    await feed(r, { ...SAMPLE, eventId, messageId: `load-${i}` });
  }
  app = createHttpServer(silentLogger);
  auth = await registerAuth(app, { secret: 'a-test-secret-of-enough-length-0123456789', demoTokens: false });
  registerTradingRoutes(app, r.engine, { requireTrader: auth.requireTrader });
  await app.ready();
  traderToken = auth.sign({ sub: 'trader-7', role: 'trader', name: 'Tess' });
});

after(async () => {
  await app.close();
  await r.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
async function call(method: Method, url: string, body?: unknown, token: string | null = traderToken) {
  const res = await app.inject({
    method,
    url,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

const KEY = encodeURIComponent('18/total=2.5');

describe('trading API: authentication', () => {
  const routes: Array<[Method, string, unknown?]> = [
    ['GET', '/v1/trading/events'],
    ['GET', `/v1/trading/events/${EVENT}`],
    ['POST', `/v1/trading/events/${EVENT}/suspend`, {}],
    ['POST', `/v1/trading/events/${EVENT}/markets/${KEY}/resume`, {}],
    ['PUT', `/v1/trading/events/${EVENT}/markets/1/outcomes/1/shift`, { ticks: 1 }],
    ['GET', '/v1/trading/margins'],
    ['GET', '/v1/trading/margins/default'],
    ['GET', '/v1/trading/margins/sport/sr:sport:1'],
    ['PUT', '/v1/trading/margins/default', { margin: 0.05, method: 'power' }],
    ['PUT', '/v1/trading/margins/sport/sr:sport:1', { margin: 0.05 }],
    ['DELETE', '/v1/trading/margins/sport/sr:sport:1'],
    ['POST', '/v1/trading/margins/preview', { level: 'default', margin: 0.1 }],
    ['GET', '/v1/trading/audit'],
  ];

  test('every route refuses a request without a token (401), with a bad one (401) or a player’s (403)', async () => {
    const player = auth.sign({ sub: 'p-1', role: 'player' });
    const forged = `${traderToken.slice(0, -4)}AAAA`;
    for (const [method, url, body] of routes) {
      const none = await call(method, url, body, null);
      assert.equal(none.status, 401, `${method} ${url} without a token`);
      assert.equal(none.body.error.code, 'UNAUTHORIZED');
      assert.equal((await call(method, url, body, forged)).status, 401, `${method} ${url} with a forged token`);
      const wrongRole = await call(method, url, body, player);
      assert.equal(wrongRole.status, 403, `${method} ${url} as a player`);
      assert.equal(wrongRole.body.error.code, 'FORBIDDEN');
    }
    assert.equal(r.engine.audit().length, 0, 'nothing was changed');
  });
});

describe('trading API: events', () => {
  test('lists live and upcoming events with fair, provider and published prices, margin and overround', async () => {
    const res = await call('GET', '/v1/trading/events?limit=5');
    assert.equal(res.status, 200);
    assert.equal(res.body.events.length, 5);
    const event = res.body.events.find((e: { eventId: string }) => e.eventId === EVENT);
    assert.equal(event.sportId, 'sr:sport:1');
    const m = event.markets.find((x: { marketKey: string }) => x.marketKey === '1');
    assert.equal(typeof m.margin, 'number');
    assert.equal(typeof m.overround, 'number');
    assert.deepEqual(Object.keys(m.outcomes[0]).sort(), ['active', 'fair', 'outcomeId', 'price', 'providerOdds', 'version']);
    assert.equal((await call('GET', '/v1/trading/events?phase=ended')).body.events.length, 0);
  });

  test('one event; an unknown one is 404 NOT_FOUND; a malformed id or query is 400', async () => {
    assert.equal((await call('GET', `/v1/trading/events/${EVENT}`)).body.eventId, EVENT);
    const missing = await call('GET', '/v1/trading/events/sr:match:404');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'NOT_FOUND']);
    assert.equal((await call('GET', '/v1/trading/events/not-an-urn')).status, 400);
    const unknownQuery = await call('GET', '/v1/trading/events?colour=red');
    assert.deepEqual([unknownQuery.status, unknownQuery.body.error.code], [400, 'INVALID_REQUEST']);
  });

  test('suspend and resume a market (URL-encoded key) and an event', async () => {
    const suspended = await call('POST', `/v1/trading/events/${EVENT}/markets/${KEY}/suspend`, {});
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.changed, true);
    assert.equal(suspended.body.market.state, 'suspended');
    assert.deepEqual(suspended.body.market.suspensions.map((s: { reason: string; detail: string }) => [s.reason, s.detail]), [['TRADER', 'Tess']]);
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'suspended');
    assert.equal((await call('POST', `/v1/trading/events/${EVENT}/markets/${KEY}/resume`)).body.market.state, 'open');

    const event = await call('POST', `/v1/trading/events/${EVENT}/suspend`);
    assert.ok(event.body.event.markets.every((m: { state: string }) => m.state === 'suspended'));
    assert.equal((await call('POST', `/v1/trading/events/${EVENT}/resume`, {})).body.changed, true);
    assert.equal((await bookMarket(r, '1')).state, 'open');

    const extra = await call('POST', `/v1/trading/events/${EVENT}/suspend`, { because: 'x' });
    assert.deepEqual([extra.status, extra.body.error.code], [400, 'INVALID_REQUEST']);
    assert.equal((await call('POST', `/v1/trading/events/${EVENT}/markets/77/suspend`, {})).status, 404);
  });

  test('shift an outcome by ticks and remove the shift; bad tick values are 400', async () => {
    const url = `/v1/trading/events/${EVENT}/markets/1/outcomes/2/shift`;
    const shifted = await call('PUT', url, { ticks: -2 });
    assert.equal(shifted.status, 200);
    assert.equal(shifted.body.market.outcomes.find((o: { outcomeId: string }) => o.outcomeId === '2').shiftTicks, -2);
    for (const ticks of [0, 1.5, 51, '2']) {
      const bad = await call('PUT', url, { ticks });
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'INVALID_REQUEST'], `ticks ${JSON.stringify(ticks)}`);
    }
    assert.equal((await call('PUT', url, { ticks: 1, note: 'x' })).status, 400);
    assert.equal((await call('PUT', `/v1/trading/events/${EVENT}/markets/1/outcomes/99/shift`, { ticks: 1 })).status, 404);
    const removed = await call('DELETE', url);
    assert.equal(removed.body.market.outcomes.find((o: { outcomeId: string }) => o.outcomeId === '2').shiftTicks, undefined);
  });
});

describe('trading API: margins', () => {
  test('a margin set through the API is published, across every affected market, before the API answers', async () => {
    // A running engine is warm: the first changes compile the pricing path (measured separately).
    for (const margin of [0.08, 0.1, 0.09]) {
      assert.equal((await call('PUT', '/v1/trading/margins/sport/sr:sport:1', { margin, method: 'power' })).status, 200);
    }
    const sample = `sr:match:${90_000 + LOAD_EVENTS - 1}`;
    const before = pricesOf(await bookMarket(r, '1', sample));
    const res = await call('PUT', '/v1/trading/margins/tournament/sr:tournament:99', { margin: 0.11, method: 'power' });
    // Read right after the answer, without waiting: re-pricing is done and published by then.
    // How long it takes is measured by bench/odds-engine.bench.ts, not here.
    const after = pricesOf(await bookMarket(r, '1', sample));
    assert.equal(res.status, 200);
    assert.notDeepEqual(after, before);
    assert.equal(res.body.repriced.events, LOAD_EVENTS);
    assert.ok(res.body.repriced.markets >= LOAD_EVENTS * 40, `${res.body.repriced.markets} markets re-priced`);
    assert.deepEqual(res.body.after, { margin: 0.11, method: 'power' });
    assert.equal(typeof res.body.auditId, 'number');
  });

  test('get, set and remove at each level; the audit log has who, when, before → after', async () => {
    assert.equal((await call('PUT', '/v1/trading/margins/default', { margin: 0.06, method: 'shin' })).status, 200);
    assert.equal((await call('PUT', '/v1/trading/margins/event/sr:match:1001', { margin: 0.03 })).status, 200);
    assert.equal((await call('PUT', '/v1/trading/margins/market-type/18', { method: 'odds-ratio' })).status, 200);
    const list = await call('GET', '/v1/trading/margins');
    assert.deepEqual(list.body.margins.map((m: { level: string; key?: string }) => [m.level, m.key]), [
      ['default', undefined],
      ['sport', 'sr:sport:1'],
      ['tournament', 'sr:tournament:99'],
      ['event', 'sr:match:1001'],
      ['market-type', '18'],
    ]);
    assert.deepEqual(list.body.bounds, { min: 0, max: 0.5 });
    assert.deepEqual((await call('GET', '/v1/trading/margins/market-type/18')).body, { level: 'market-type', key: '18', method: 'odds-ratio' });
    assert.deepEqual((await call('GET', '/v1/trading/margins/default')).body, { level: 'default', margin: 0.06, method: 'shin' });
    const removed = await call('DELETE', '/v1/trading/margins/market-type/18');
    assert.equal((await call('GET', '/v1/trading/margins/market-type/18')).status, 404);
    assert.deepEqual(removed.body.before, { method: 'odds-ratio' });
    assert.equal(removed.body.after, null);

    const audit = await call('GET', '/v1/trading/audit?action=margin.set&limit=2');
    assert.equal(audit.body.entries.length, 2);
    const [latest] = audit.body.entries;
    assert.equal(latest.actor.sub, 'trader-7');
    assert.deepEqual(latest.target, { level: 'market-type', key: '18' });
    assert.equal(latest.before, null);
    assert.deepEqual(latest.after, { method: 'odds-ratio' });
    assert.equal(latest.at, new Date(r.clock.now()).toISOString());
    const forEvent = await call('GET', `/v1/trading/audit?eventId=${EVENT}`);
    assert.ok(forEvent.body.entries.length >= 4);
  });

  test('bad margin input is 400 INVALID_REQUEST and changes nothing', async () => {
    const before = (await call('GET', '/v1/trading/margins')).body;
    const cases: Array<[Method, string, unknown]> = [
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', { margin: 0.6 }],
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', { margin: -0.01 }],
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', { margin: '0.1' }],
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', { margin: 0.1, colour: 'red' }],
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', {}],
      ['PUT', '/v1/trading/margins/sport/sr:sport:1', { method: 'magic' }],
      ['PUT', '/v1/trading/margins/sport/football', { margin: 0.1 }],
      ['PUT', '/v1/trading/margins/league/sr:sport:1', { margin: 0.1 }],
      ['PUT', '/v1/trading/margins/default', { margin: 0.1 }],
      ['POST', '/v1/trading/margins/preview', { level: 'sport', margin: 0.1 }],
      ['POST', '/v1/trading/margins/preview', { level: 'default' }],
      ['POST', '/v1/trading/margins/preview', { level: 'default', margin: 0.1, remove: true }],
      ['GET', '/v1/trading/audit?action=deleted', undefined],
    ];
    for (const [method, url, body] of cases) {
      const res = await call(method, url, body);
      assert.equal(res.status, 400, `${method} ${url} ${JSON.stringify(body)}`);
      assert.equal(res.body.error.code, 'INVALID_REQUEST');
      assert.equal(typeof res.body.error.message, 'string');
    }
    assert.deepEqual((await call('GET', '/v1/trading/margins')).body, before);
  });

  test('a what-if preview returns proposed prices without publishing them', async () => {
    const seq = r.engine.snapshot(EVENT)!.seq;
    const res = await call('POST', '/v1/trading/margins/preview', { level: 'event', key: EVENT, margin: 0.2, limit: 10 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.markets.map((m: { marketKey: string }) => m.marketKey), ['1', '18/total=2.5']);
    assert.equal(res.body.markets[0].proposed.margin, 0.2);
    assert.equal(r.engine.snapshot(EVENT)!.seq, seq);
    const removal = await call('POST', '/v1/trading/margins/preview', { level: 'event', key: EVENT, remove: true });
    assert.equal(removal.status, 200);
    assert.equal(removal.body.markets[0].proposed.margin, 0.09, 'back to the sport margin');
  });
});
