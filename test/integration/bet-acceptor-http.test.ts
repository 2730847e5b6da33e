import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { placeBetSchema } from '../../bet-acceptor/schemas.ts';
import { uniqueName } from '../support/wait.ts';
import { harness, singleBet, type Harness } from './bet-acceptor-harness.ts';
import { betAcceptorScenarios } from './bet-acceptor-scenarios.ts';

const EVENT = 'sr:match:5001';

betAcceptorScenarios('one process, in-memory stores', (liability) => harness({ limits: { rules: [{ marketId: 1, liability }] } }));

describe('bet API over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await h.price(EVENT, 1, { '1': '2.10', '2': '3.40' });
    for (const p of ['alice', 'bob']) await h.fund(p, '50.00');
  });
  after(() => h?.close());

  const call = (method: 'GET' | 'POST', url: string, { token, key, body }: { token?: string | null; key?: string; body?: unknown } = {}) =>
    h.replicas[0]!.http.inject({
      method,
      url,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token ?? h.token('alice')}` }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body !== undefined ? { payload: body as object } : {}),
    });

  test('every route needs a player token: none is 401, a trader\'s 403', async () => {
    for (const [method, url] of [['POST', '/v1/bets'], ['GET', '/v1/bets'], ['GET', '/v1/bets/x'], ['GET', '/v1/wallet']] as const) {
      const anonymous = await call(method, url, { token: null, key: 'k', body: method === 'POST' ? singleBet(EVENT, '1', '2.10', '1.00') : undefined });
      assert.equal(anonymous.statusCode, 401, `${method} ${url}`);
      assert.equal(anonymous.json().error.code, 'UNAUTHORIZED');
      const trader = await call(method, url, { token: h.token('tess', 'trader'), key: 'k', body: method === 'POST' ? singleBet(EVENT, '1', '2.10', '1.00') : undefined });
      assert.equal(trader.statusCode, 403);
    }
    assert.equal((await call('POST', '/v1/bets', { token: 'not.a.token', key: 'k', body: singleBet(EVENT, '1', '2.10', '1.00') })).statusCode, 401);
  });

  test('the schema rejects unknown fields, coerces nothing, and wants an Idempotency-Key', async () => {
    const good = singleBet(EVENT, '1', '2.10', '1.00');
    const bad: Array<[string, unknown, string | undefined]> = [
      ['no Idempotency-Key', good, undefined],
      ['an Idempotency-Key with spaces', good, 'a key'],
      ['a stake as a number', { ...good, stake: 1 }, 'k'],
      ['a stake with an exponent', { ...good, stake: '1e2' }, 'k'],
      ['a seq as a string', { ...good, legs: [{ ...good.legs[0], priceVersion: { epoch: 'e1', seq: '1' } }] }, 'k'],
      ['a marketId as a string', { ...good, legs: [{ ...good.legs[0], marketId: '1' }] }, 'k'],
      ['an unknown field', { ...good, player: 'bob' }, 'k'],
      ['an unknown leg field', { ...good, legs: [{ ...good.legs[0], odds: '2.10' }] }, 'k'],
      ['no legs', { ...good, legs: [] }, 'k'],
      ['an unknown odds-change mode', { ...good, oddsChange: 'sometimes' }, 'k'],
      ['odds with five decimals', { ...good, legs: [{ ...good.legs[0], price: '2.10001' }] }, 'k'],
    ];
    for (const [why, body, key] of bad) {
      const res = await call('POST', '/v1/bets', { body, ...(key ? { key } : {}) });
      assert.equal(res.statusCode, 400, why);
      assert.equal(res.json().error.code, 'INVALID_REQUEST', why);
    }
    const stakePrecision = await call('POST', '/v1/bets', { key: uniqueName('k'), body: { ...good, stake: '1.001' } });
    assert.equal(stakePrecision.json().error.code, 'INVALID_REQUEST');
    assert.deepEqual(await h.wallet.balance('alice'), { player: 'alice', currency: 'EUR', available: 5000n, held: 0n });
  });

  test('a bet placed, then read back: own bets only, listed by status, and the wallet', async () => {
    const placed = await call('POST', '/v1/bets', { key: uniqueName('k'), body: { ...singleBet(EVENT, '2', '3.40', '5.00'), oddsChange: 'higher' } });
    assert.equal(placed.statusCode, 201);
    const { bet, balance, delayMs } = placed.json();
    assert.deepEqual(balance, { currency: 'EUR', available: '45.00', held: '5.00' });
    assert.equal(delayMs, 0);
    assert.equal(bet.potentialPayout, '17.00');

    const read = await call('GET', `/v1/bets/${bet.betId}`);
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), bet);
    const bobs = await call('GET', `/v1/bets/${bet.betId}`, { token: h.token('bob') });
    assert.equal(bobs.statusCode, 404, 'another player\'s bet is not found');
    assert.equal(bobs.json().error.code, 'NOT_FOUND');

    assert.deepEqual((await call('GET', '/v1/bets?status=open')).json().bets.map((b: { betId: string }) => b.betId), [bet.betId]);
    assert.deepEqual((await call('GET', '/v1/bets?status=settled')).json(), { bets: [] });
    assert.deepEqual((await call('GET', '/v1/bets', { token: h.token('bob') })).json(), { bets: [] });
    assert.equal((await call('GET', '/v1/bets?limit=0')).statusCode, 400);
    assert.equal((await call('GET', '/v1/bets?player=bob')).statusCode, 400);

    assert.deepEqual((await call('GET', '/v1/wallet')).json(), { currency: 'EUR', available: '45.00', held: '5.00' });
    assert.equal((await call('GET', '/v1/wallet', { token: h.token('nobody') })).json().error.code, 'ACCOUNT_NOT_FOUND');
  });

  test('a rejection answers 422 with its reason code and the current price', async () => {
    const res = await call('POST', '/v1/bets', { key: uniqueName('k'), body: singleBet(EVENT, '1', '2.30', '1.00') });
    assert.equal(res.statusCode, 422);
    const { error } = res.json();
    assert.equal(error.code, 'PRICE_CHANGED');
    assert.deepEqual(error.details.current, [{ eventId: EVENT, marketKey: '1', outcomeId: '1', price: '2.10', state: 'open', priceVersion: { epoch: 'e1', seq: 1 }, version: 1 }]);
  });

  test('GET /v1/openapi.json serves the document built from the validating schemas', async () => {
    const res = await call('GET', '/v1/openapi.json', { token: null });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/v1/bets', '/v1/bets/{betId}', '/v1/openapi.json', '/v1/wallet']);
    assert.deepEqual(doc.paths['/v1/bets'].post.requestBody.content['application/json'].schema, JSON.parse(JSON.stringify(placeBetSchema(20).body)));
    assert.match(doc.paths['/v1/bets'].post.description, /BET_STOPPED_DURING_DELAY/);
  });
});

describe('bet API rate limits', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ rateLimits: { player: { limit: 3, windowMs: 60_000 }, ip: { limit: 5, windowMs: 60_000 } } });
    await h.fund('carol', '10.00');
  });
  after(() => h?.close());

  const get = (player: string, remoteAddress = '10.0.0.1') =>
    h.replicas[0]!.http.inject({ method: 'GET', url: '/v1/wallet', remoteAddress, headers: { authorization: `Bearer ${h.token(player)}` } });

  test('past the player\'s limit: 429 RATE_LIMITED with Retry-After; other players are not affected', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get('carol')).statusCode, 200);
    const limited = await get('carol');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '20');
    assert.notEqual((await get('dave')).statusCode, 429);
  });

  test('past the address\'s limit: 429 even with no or another token', async () => {
    for (let i = 0; i < 5; i++) await get(`p${i}`, '10.0.0.2');
    const limited = await h.replicas[0]!.http.inject({ method: 'GET', url: '/v1/wallet', remoteAddress: '10.0.0.2' });
    assert.equal(limited.statusCode, 429);
  });
});
