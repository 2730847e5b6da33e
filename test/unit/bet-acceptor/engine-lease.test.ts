/**
 * The acceptor refuses bets while no odds engine holds the lease: the prices in the book are then
 * nobody's, and a bet stop would not reach them.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BetAcceptorOptions } from '../../../bet-acceptor/bet-acceptor-service.ts';
import type { BetRequest } from '../../../bet-acceptor/validation.ts';
import { InMemoryEngineLease } from '../../../adapters/engine-lease/in-memory-engine-lease.ts';
import type { Clock } from '../../../core/ports/clock.ts';
import type { EngineLease } from '../../../core/ports/engine-lease.ts';
import { uniqueName } from '../../support/wait.ts';
import { LIVE, PRE_MATCH, rig, type Rig } from './rig.ts';

const EVENT = 'sr:match:1001';
const MATCH_ODDS = { marketId: 1, prices: { '1': '2.50', '2': '3.20', '3': '2.90' } };
const TTL = 3000;

type Body = Record<string, any>;

async function place(r: Rig, request: BetRequest) {
  const { response } = await r.acceptor.place('p1', uniqueName('key'), request);
  return { status: response.statusCode, body: response.body as Body };
}

describe('bet acceptor: the odds engine lease', () => {
  let r: Rig;
  /** The lease the acceptor reads, on the rig's clock, and how often it was read. */
  let lease: InMemoryEngineLease;
  let reads: number;
  const setUp = async (producer: number, options: BetAcceptorOptions = {}) => {
    reads = 0;
    const counting = (clock: Clock): EngineLease => {
      lease = new InMemoryEngineLease({ clock });
      return {
        renew: (holder, ttlMs) => lease.renew(holder, ttlMs),
        current: () => {
          reads += 1;
          return lease.current();
        },
        release: (holder) => lease.release(holder),
        close: () => lease.close(),
      };
    };
    r = await rig(options, { engineLease: counting });
    await r.price(EVENT, [{ ...MATCH_ODDS, producer }]);
    await r.fund('p1', '100.00');
  };
  afterEach(() => r?.close());

  describe('pre-match', () => {
    beforeEach(() => setUp(PRE_MATCH));

    test('bets are taken while the lease is held, refused once it lapsed, taken again once it is renewed', async () => {
      await lease.renew('engine-1', TTL);
      assert.equal((await place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] })).status, 201);

      r.clock.advance(TTL);
      const refused = await place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'MARKET_SUSPENDED');
      assert.equal(refused.body.error.details.cause, 'PRICES_STALE');
      assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n }, 'nothing held for the refused bet');
      assert.equal(await r.liability.current(`${EVENT}#1#1`), 1500n, 'no liability reserved for it');

      await lease.renew('engine-2', TTL);
      // A lapsed lease is believed for up to 200 ms before it is read again.
      r.clock.advance(200);
      assert.equal((await place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] })).status, 201);
    });

    test('a lease never taken refuses every bet', async () => {
      const refused = await place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] });
      assert.equal(refused.body.error.code, 'MARKET_SUSPENDED');
      assert.equal(refused.body.error.details.cause, 'PRICES_STALE');
    });

    test('one read serves the bets of 200 ms, and is never believed past the time the lease had left', async () => {
      await lease.renew('engine-1', TTL);
      const answers = await Promise.all(Array.from({ length: 20 }, () => place(r, { stake: '1.00', legs: [r.leg(EVENT, '1', '2')] })));
      assert.ok(answers.every((a) => a.status === 201));
      assert.equal(reads, 1, 'concurrent bets share one read');
      r.clock.advance(199);
      await place(r, { stake: '1.00', legs: [r.leg(EVENT, '1', '2')] });
      assert.equal(reads, 1, 'still within 200 ms');
      r.clock.advance(1);
      await place(r, { stake: '1.00', legs: [r.leg(EVENT, '1', '2')] });
      assert.equal(reads, 2, 'read again after 200 ms');

      // 50 ms left when read: the next bet 60 ms later reads again and is refused.
      r.clock.advance(TTL - 200 - 50);
      assert.equal((await place(r, { stake: '1.00', legs: [r.leg(EVENT, '1', '2')] })).status, 201);
      r.clock.advance(60);
      const refused = await place(r, { stake: '1.00', legs: [r.leg(EVENT, '1', '2')] });
      assert.equal(refused.body.error.details?.cause, 'PRICES_STALE');
    });
  });

  describe('in-play', () => {
    beforeEach(() => setUp(LIVE, { delays: { defaultMs: 5000 } }));

    test('a lease that lapses during the delay stops the bet at its end: nothing is held', async () => {
      await lease.renew('engine-1', TTL);
      const pending = place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] });
      await r.delaying(1);
      await r.clock.advanceAsync(6000, 500);
      const { status, body } = await pending;
      assert.equal(status, 422);
      assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
      assert.equal(body.error.details.cause, 'PRICES_STALE');
      assert.equal(await r.liability.current(`${EVENT}#1#1`), 0n);
      assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
    });

    test('a lease renewed through the delay lets the bet through', async () => {
      await lease.renew('engine-1', TTL);
      const pending = place(r, { stake: '10.00', legs: [r.leg(EVENT, '1', '1')] });
      await r.delaying(1);
      for (let t = 0; t < 6000; t += 1000) {
        await lease.renew('engine-1', TTL);
        await r.clock.advanceAsync(1000, 500);
      }
      assert.equal((await pending).status, 201);
    });
  });
});
