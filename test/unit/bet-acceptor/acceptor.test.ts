import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BetRequest } from '../../../bet-acceptor/validation.ts';
import { AppError } from '../../../core/errors.ts';
import type { BetStore } from '../../../core/ports/bet-store.ts';
import type { Wallet } from '../../../core/ports/wallet.ts';
import { uniqueName, waitFor } from '../../support/wait.ts';
import { LIVE, rig, type Rig } from './rig.ts';

const EVENT = 'sr:match:1001';
const OTHER = 'sr:match:1002';
const THIRD = 'sr:match:1003';
const MATCH_ODDS = { marketId: 1, prices: { '1': '2.50', '2': '3.20', '3': '2.90' } };
const TOTAL = { marketId: 18, specifiers: 'total=2.5', prices: { '12': '1.90', '13': '1.95' } };

type Body = Record<string, any>;

async function place(r: Rig, request: BetRequest, player = 'p1', key = uniqueName('key')) {
  const { response, replayed } = await r.acceptor.place(player, key, request);
  return { status: response.statusCode, body: response.body as Body, replayed };
}

const single = (r: Rig, stake = '10.00', eventId = EVENT, key = '1', outcome = '1', mode?: BetRequest['oddsChange']): BetRequest => ({
  stake,
  ...(mode ? { oddsChange: mode } : {}),
  legs: [r.leg(eventId, key, outcome)],
});

describe('bet acceptor: pre-match decisions', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
    await r.price(EVENT, [MATCH_ODDS, TOTAL]);
    await r.price(OTHER, [MATCH_ODDS]);
    await r.fund('p1', '100.00');
  });
  afterEach(() => r.close());

  test('a single is accepted at once: stored, held, announced, with odds, payout and balance', async () => {
    const { status, body } = await place(r, single(r, '10.00'));
    assert.equal(status, 201);
    assert.equal(body.status, 'accepted');
    assert.equal(body.delayMs, 0);
    assert.deepEqual(body.balance, { currency: 'EUR', available: '90.00', held: '10.00' });
    assert.equal(body.bet.odds, '2.5');
    assert.equal(body.bet.potentialPayout, '25.00');
    assert.deepEqual(body.bet.legs, [{ eventId: EVENT, marketKey: '1', outcomeId: '1', odds: '2.50', priceVersion: { epoch: 'e1', seq: 1 } }]);
    const stored = await r.betStore.get(body.bet.betId);
    assert.equal(stored?.stake, 1000n);
    assert.equal((await r.wallet.getHold(body.bet.betId))?.status, 'pending');
    assert.equal(await r.liability.current(`${EVENT}#1#1`), 1500n, 'potential loss: payout − stake');
    await waitFor(() => r.betEvents.length === 1);
    assert.deepEqual(r.betEvents[0], {
      v: 1,
      type: 'BetAccepted',
      eventKey: `${body.bet.betId}:accepted`,
      betId: body.bet.betId,
      playerId: 'p1',
      ts: r.clock.now(),
      traceId: r.betEvents[0]!.traceId,
      status: 'open',
      version: 1,
      stake: '10.00',
      currency: 'EUR',
      odds: '2.5',
      potentialPayout: '25.00',
      legs: body.bet.legs,
      delayMs: 0,
    });
  });

  test('an accumulator is priced at the exact product of its legs, payout rounded down', async () => {
    await r.price(THIRD, [{ marketId: 1, prices: { '1': '1.33', '2': '4.10' } }]);
    const request: BetRequest = { stake: '3.33', legs: [r.leg(EVENT, '18/total=2.5', '12'), r.leg(OTHER, '1', '2'), r.leg(THIRD, '1', '1')] };
    const { status, body } = await place(r, request);
    assert.equal(status, 201);
    assert.equal(body.bet.odds, '8.0864'); // 1.90 × 3.20 × 1.33
    assert.equal(body.bet.potentialPayout, '26.92'); // 3.33 × 8.0864 = 26.927712
    for (const key of [`${EVENT}#18/total=2.5#12`, `${OTHER}#1#2`, `${THIRD}#1#1`]) assert.equal(await r.liability.current(key), 2359n);
  });

  test('specifiers are matched in any order', async () => {
    await r.price(THIRD, [{ marketId: 66, specifiers: 'hcp=-1|total=2.5', prices: { '1': '2.00' } }]);
    const { status } = await place(r, { stake: '1.00', legs: [r.leg(THIRD, '66/hcp=-1|total=2.5', '1', { specifiers: 'total=2.5|hcp=-1' })] });
    assert.equal(status, 201);
  });

  const rejections: Array<[string, (r: Rig) => Promise<BetRequest> | BetRequest, string, number]> = [
    ['INVALID_REQUEST', (r) => ({ stake: '1.001', legs: [r.leg(EVENT, '1', '1')] }), 'stake with more decimals than EUR has', 400],
    ['INVALID_REQUEST', (r) => ({ stake: '0.00', legs: [r.leg(EVENT, '1', '1')] }), 'zero stake', 400],
    ['INVALID_REQUEST', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '1', '1'), r.leg(EVENT, '18/total=2.5', '12')] }), 'two legs of one event', 400],
    ['INVALID_REQUEST', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '1', '1', { price: '1.00' })] }), 'odds of 1', 400],
    ['EVENT_NOT_FOUND', (r) => ({ stake: '1.00', legs: [{ ...r.leg(EVENT, '1', '1'), eventId: 'sr:match:999' }] }), 'unknown event', 422],
    ['MARKET_NOT_FOUND', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '1', '1', { marketId: 2 })] }), 'unknown market', 422],
    ['MARKET_NOT_FOUND', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '1', '9')] }), 'unknown outcome', 422],
    ['MARKET_NOT_FOUND', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '18/total=2.5', '12', { specifiers: 'total=3.5' })] }), 'other specifiers', 422],
    ['PRICE_CHANGED', (r) => ({ stake: '1.00', legs: [r.leg(EVENT, '1', '1', { price: '2.60' })] }), 'a price never offered', 422],
    ['STAKE_TOO_LOW', (r) => ({ stake: '0.05', legs: [r.leg(EVENT, '1', '1')] }), 'below the minimum', 422],
    ['STAKE_TOO_HIGH', (r) => ({ stake: '1000.01', legs: [r.leg(EVENT, '1', '1')] }), 'above the maximum', 422],
    ['INSUFFICIENT_FUNDS', (r) => ({ stake: '100.01', legs: [r.leg(EVENT, '1', '1')] }), 'more than the balance', 422],
  ];
  for (const [reason, request, why, status] of rejections) {
    test(`${reason}: ${why}; nothing is held, stored or reserved`, async () => {
      const res = await place(r, await request(r));
      assert.equal(res.status, status);
      assert.equal(res.body.error.code, reason, JSON.stringify(res.body));
      assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
      assert.equal((await r.betStore.listByPlayer('p1', { limit: 10 })).length, 0);
      assert.equal(await r.liability.current(`${EVENT}#1#1`), 0n);
    });
  }

  test('MARKET_SUSPENDED for a suspended, a closed market and an outcome not offered, with why and the current prices', async () => {
    await r.setState(EVENT, '1', 'suspended');
    const suspended = await place(r, single(r));
    assert.equal(suspended.body.error.code, 'MARKET_SUSPENDED');
    assert.deepEqual(suspended.body.error.details.state, 'suspended');
    assert.deepEqual(suspended.body.error.details.suspensions, [{ reason: 'BET_STOP' }]);
    assert.deepEqual(suspended.body.error.details.current, [{ eventId: EVENT, marketKey: '1', outcomeId: '1', price: '2.50', state: 'suspended', priceVersion: { epoch: 'e1', seq: 2 }, version: 1 }]);
    await r.setState(EVENT, '1', 'closed');
    assert.equal((await place(r, single(r))).body.error.code, 'MARKET_SUSPENDED');
    await r.price(OTHER, [{ marketId: 1, prices: { '1': undefined, '2': '3.20' } }]);
    assert.equal((await place(r, single(r, '1.00', OTHER))).body.error.code, 'MARKET_SUSPENDED');
  });

  test('checks run in order: an unknown event is reported before a suspended market or a wrong price', async () => {
    await r.setState(EVENT, '1', 'suspended');
    const res = await place(r, { stake: '0.01', legs: [r.leg(EVENT, '1', '1', { price: '9.00' }), { ...r.leg(OTHER, '1', '1'), eventId: 'sr:match:404' }] });
    assert.equal(res.body.error.code, 'EVENT_NOT_FOUND');
    assert.equal(res.body.error.details.leg, 1);
  });

  test('odds change modes: none takes only the price seen; higher takes it or better at the current price; any takes any', async () => {
    const seen = r.leg(EVENT, '1', '1');
    await r.reprice(EVENT, '1', '1', '2.40');
    const none = await place(r, { stake: '1.00', legs: [seen] });
    assert.equal(none.body.error.code, 'PRICE_CHANGED');
    assert.equal(none.body.error.details.current[0].price, '2.40');
    assert.equal(none.body.error.details.current[0].version, 2);
    assert.equal((await place(r, { stake: '1.00', oddsChange: 'higher', legs: [seen] })).body.error.code, 'PRICE_CHANGED', 'lower is not higher');
    const any = await place(r, { stake: '1.00', oddsChange: 'any', legs: [seen] });
    assert.equal(any.status, 201);
    assert.equal(any.body.bet.legs[0].odds, '2.40');

    await r.reprice(EVENT, '1', '1', '2.70');
    const higher = await place(r, { stake: '1.00', oddsChange: 'higher', legs: [seen] });
    assert.equal(higher.status, 201);
    assert.equal(higher.body.bet.legs[0].odds, '2.70', 'the bet is at the current price');
    assert.deepEqual(higher.body.bet.legs[0].priceVersion, { epoch: 'e1', seq: 3 });

    await r.reprice(EVENT, '1', '1', '2.50');
    assert.equal((await place(r, { stake: '1.00', legs: [seen] })).status, 201, 'none: back at the price seen, a newer version is fine');
  });

  test('limits per sport and market type, the customer factor and the maximum payout', async () => {
    const limited = await rig({
      limits: {
        maxPayout: '500.00',
        rules: [
          { sportId: 'sr:sport:1', maxStake: '50.00' },
          { marketId: 18, maxStake: '20.00' },
          { sportId: 'sr:sport:1', marketId: 18, minStake: '2.00' },
        ],
        stakeFactors: { vip: '2', capped: '0.1' },
      },
    });
    try {
      await limited.price(EVENT, [MATCH_ODDS, TOTAL]);
      await limited.price(OTHER, [MATCH_ODDS]);
      for (const p of ['p1', 'vip', 'capped']) await limited.fund(p, '1000.00');
      const code = async (request: BetRequest, player = 'p1') => {
        const res = await place(limited, request, player);
        return res.status === 201 ? 'accepted' : res.body.error.code;
      };
      assert.equal(await code(single(limited, '50.00')), 'accepted', 'sport maximum');
      assert.equal(await code(single(limited, '50.01')), 'STAKE_TOO_HIGH');
      assert.equal(await code(single(limited, '20.01', EVENT, '18/total=2.5', '12')), 'STAKE_TOO_HIGH', 'market type outranks sport');
      assert.equal(await code(single(limited, '1.99', EVENT, '18/total=2.5', '12')), 'STAKE_TOO_LOW');
      assert.equal(await code({ stake: '1.50', legs: [limited.leg(EVENT, '18/total=2.5', '12'), limited.leg(OTHER, '1', '1')] }), 'STAKE_TOO_LOW', 'an accumulator takes the strictest leg');
      assert.equal(await code(single(limited, '100.00'), 'vip'), 'accepted', 'factor 2 doubles the maximum');
      assert.equal(await code(single(limited, '5.01'), 'capped'), 'STAKE_TOO_HIGH', 'factor 0.1');
      const payout = await place(limited, { stake: '50.00', legs: [limited.leg(EVENT, '1', '2'), limited.leg(OTHER, '1', '2')] }); // 50 × 10.24 = 512
      assert.equal(payout.body.error.code, 'STAKE_TOO_HIGH');
      assert.match(payout.body.error.message, /potential payout 512\.00 is above the maximum 500\.00/);
    } finally {
      await limited.close();
    }
  });

  test('LIABILITY_EXCEEDED once an outcome has no room left; rejected and failed bets give their room back', async () => {
    const tight = await rig({ limits: { liability: '30.00' } });
    try {
      await tight.price(EVENT, [MATCH_ODDS]);
      await tight.fund('p1', '100.00');
      assert.equal((await place(tight, single(tight, '10.00'))).status, 201); // loss 15
      const over = await place(tight, single(tight, '12.00')); // loss 18 > 15 left
      assert.equal(over.body.error.code, 'LIABILITY_EXCEEDED');
      assert.equal(over.body.error.details.room, '15.00');
      await tight.fund('poor', '1.00');
      assert.equal((await place(tight, single(tight, '10.00'), 'poor')).body.error.code, 'INSUFFICIENT_FUNDS');
      assert.equal(await tight.liability.current(`${EVENT}#1#1`), 1500n, 'the poor player\'s reservation was released');
      assert.equal((await place(tight, single(tight, '10.00'))).status, 201, 'exactly to the limit');
      assert.equal(await tight.liability.current(`${EVENT}#1#1`), 3000n);
      assert.equal((await place(tight, single(tight, '10.00', EVENT, '1', '2'))).status, 201, 'other outcomes have their own room');
    } finally {
      await tight.close();
    }
  });

  test('DUPLICATE_REQUEST for the same key with another body; the same body gets the first answer back', async () => {
    const first = await place(r, single(r, '10.00'), 'p1', 'k-1');
    const again = await place(r, single(r, '10.00'), 'p1', 'k-1');
    assert.equal(again.replayed, true);
    assert.deepEqual(again.body, first.body);
    await assert.rejects(r.acceptor.place('p1', 'k-1', single(r, '11.00')), (e) => e instanceof AppError && e.code === 'DUPLICATE_REQUEST');
    const other = await place(r, single(r, '10.00'), 'p2', 'k-1');
    assert.equal(other.body.error.code, 'ACCOUNT_NOT_FOUND', 'keys are per player');
    assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n });
  });

  test('a rejection is the stored answer too: a retry does not run the bet again', async () => {
    const request = { stake: '1.00', legs: [r.leg(EVENT, '1', '1', { price: '2.60' })] };
    assert.equal((await place(r, request, 'p1', 'k-2')).body.error.code, 'PRICE_CHANGED');
    await r.reprice(EVENT, '1', '1', '2.60');
    const retried = await place(r, request, 'p1', 'k-2');
    assert.equal(retried.replayed, true);
    assert.equal(retried.body.error.code, 'PRICE_CHANGED');
  });
});

describe('bet acceptor: the in-play delay', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig({ delays: { defaultMs: 5000, bySport: { 'sr:sport:1': 6000 } } });
    await r.price(EVENT, [{ ...MATCH_ODDS, producer: LIVE }, { ...TOTAL, producer: LIVE }]);
    await r.price(OTHER, [MATCH_ODDS]);
    await r.fund('p1', '100.00');
  });
  afterEach(() => r.close());

  const decide = async (request: BetRequest, during: () => Promise<void> = async () => {}, advance = 6000) => {
    const pending = place(r, request);
    await r.delaying(1);
    await during();
    await r.clock.advanceAsync(advance, 500);
    return pending;
  };

  test('a live bet waits its sport\'s delay, then is accepted at the price re-read; nothing is held meanwhile', async () => {
    const pending = place(r, single(r, '10.00'));
    await r.delaying(1);
    assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
    await r.clock.advanceAsync(5999);
    assert.equal(r.acceptor.delaying(), 1, 'still waiting before 6 s');
    await r.clock.advanceAsync(1);
    const { status, body } = await pending;
    assert.equal(status, 201);
    assert.equal(body.delayMs, 6000);
    await waitFor(() => r.betEvents.some((e) => e.type === 'BetAccepted' && e.delayMs === 6000));
  });

  test('a bet stop during the delay rejects at once with BET_STOPPED_DURING_DELAY and frees the liability', async () => {
    const pending = place(r, single(r, '10.00'));
    await r.delaying(1);
    await r.setState(EVENT, '1', 'suspended');
    const { body } = await pending;
    assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
    assert.equal(body.error.details.cause, 'MARKET_SUSPENDED');
    assert.equal(body.error.details.current[0].state, 'suspended');
    assert.equal(await r.liability.current(`${EVENT}#1#1`), 0n);
    assert.deepEqual(await r.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
  });

  test('a suspension lifted again within the window still rejects', async () => {
    const { body } = await decide(single(r), async () => {
      await r.setState(EVENT, '1', 'suspended');
      await r.setState(EVENT, '1', 'open');
    });
    assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
  });

  test('a suspension the bus has not delivered yet is waited for: the re-read shows a change, the delta then stops the bet', async () => {
    const pending = place(r, single(r));
    await r.delaying(1);
    await r.setState(EVENT, '1', 'suspended', { publish: false });
    await r.setState(EVENT, '1', 'open', { publish: false });
    await r.clock.advanceAsync(6000, 500);
    // The book says version 4, the watch has seen 2: the acceptor waits for the deltas.
    await r.bus.publish('odds.deltas', [
      { key: EVENT, value: { v: 1, type: 'MarketStatusChanged', eventId: EVENT, epoch: 'e1', seq: 3, ts: 0, sourceTs: 0, traceId: 't', marketKey: '1', state: 'suspended', reasons: ['BET_STOP'] } },
    ]);
    const { body } = await pending;
    assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
  });

  test('changes the bus never confirms within the catch-up time reject as unconfirmed', async () => {
    const { body } = await decide(single(r), () => r.reprice(EVENT, '1', '2', '3.30', { publish: false }), 8000);
    assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
    assert.equal(body.error.details.cause, 'UNCONFIRMED');
  });

  test('a suspension of another market of the event does not stop the bet', async () => {
    const { status } = await decide(single(r), () => r.setState(EVENT, '18/total=2.5', 'suspended'));
    assert.equal(status, 201);
  });

  test('a rebuilt event (EpochStarted) during the delay rejects', async () => {
    const { body } = await decide(single(r), () => r.rebuild(EVENT));
    assert.equal(body.error.code, 'BET_STOPPED_DURING_DELAY');
    assert.equal(body.error.details.cause, 'EVENT_REBUILT');
  });

  test('a price that moves during the delay: none rejects; higher takes a better one; any takes a worse one', async () => {
    const none = await decide(single(r), () => r.reprice(EVENT, '1', '1', '2.60'));
    assert.equal(none.body.error.code, 'BET_STOPPED_DURING_DELAY');
    assert.equal(none.body.error.details.cause, 'PRICE_CHANGED');
    assert.equal(none.body.error.details.current[0].price, '2.60');

    const higher = await decide(single(r, '10.00', EVENT, '1', '1', 'higher'), () => r.reprice(EVENT, '1', '1', '2.80'));
    assert.equal(higher.status, 201);
    assert.equal(higher.body.bet.legs[0].odds, '2.80');
    assert.equal(await r.liability.current(`${EVENT}#1#1`), 1800n, 'the liability follows the price accepted');

    const any = await decide(single(r, '10.00', EVENT, '1', '1', 'any'), () => r.reprice(EVENT, '1', '1', '2.20'));
    assert.equal(any.status, 201);
    assert.equal(any.body.bet.legs[0].odds, '2.20');
    assert.equal(await r.liability.current(`${EVENT}#1#1`), 3000n);
  });

  test('an accumulator with one live leg waits the live leg\'s delay', async () => {
    const { status, body } = await decide({ stake: '1.00', legs: [r.leg(OTHER, '1', '1'), r.leg(EVENT, '1', '3')] });
    assert.equal(status, 201);
    assert.equal(body.delayMs, 6000);
  });

  test('a retry while the original waits out its delay waits for it, and past the wait gets REQUEST_IN_FLIGHT', async () => {
    const patient = await rig({ delays: { defaultMs: 5000 }, idempotencyWaitMs: 8000 });
    const impatient = await rig({ delays: { defaultMs: 5000 }, idempotencyWaitMs: 1000 });
    try {
      for (const x of [patient, impatient]) {
        await x.price(EVENT, [{ ...MATCH_ODDS, producer: LIVE }]);
        await x.fund('p1', '100.00');
      }
      const original = place(patient, single(patient), 'p1', 'same');
      await patient.delaying(1);
      const retry = place(patient, single(patient), 'p1', 'same');
      await patient.clock.advanceAsync(5000, 500);
      const [first, second] = await Promise.all([original, retry]);
      assert.equal(first.status, 201);
      assert.deepEqual(second, { ...first, replayed: true });

      const slow = place(impatient, single(impatient), 'p1', 'same');
      await impatient.delaying(1);
      const early = impatient.acceptor.place('p1', 'same', single(impatient)).catch((e: unknown) => e);
      await impatient.clock.advanceAsync(1000, 500);
      const refused = await early;
      assert.ok(refused instanceof AppError && refused.code === 'REQUEST_IN_FLIGHT' && refused.retriable);
      await impatient.clock.advanceAsync(4000, 500);
      assert.equal((await slow).status, 201);
      const later = await place(impatient, single(impatient), 'p1', 'same');
      assert.equal(later.replayed, true);
      assert.deepEqual(await impatient.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n }, 'held once');
    } finally {
      await Promise.all([patient.close(), impatient.close()]);
    }
  });

  test('stop() lets a bet in its delay finish, then refuses new ones', async () => {
    const pending = place(r, single(r));
    await r.delaying(1);
    const stopped = r.acceptor.stop();
    await assert.rejects(r.acceptor.place('p1', 'late', single(r)), (e) => e instanceof AppError && e.code === 'SHUTTING_DOWN');
    await r.clock.advanceAsync(6000, 500);
    assert.equal((await pending).status, 201);
    await stopped;
  });
});

describe('bet acceptor: a held bet is never lost', () => {
  const EVENT_ID = 'sr:match:7001';

  /** A BetStore whose inserts fail `failures` times (after committing, when `afterCommit`), then work. */
  function flaky(failures: number, { afterCommit = false } = {}) {
    let left = failures;
    return (store: BetStore): BetStore =>
      Object.assign(Object.create(store) as BetStore, {
        insert: async (bet: Parameters<BetStore['insert']>[0]) => {
          if (left > 0) {
            left -= 1;
            if (afterCommit) await store.insert(bet);
            throw new AppError('DEPENDENCY_UNAVAILABLE', 'injected: store unreachable');
          }
          return store.insert(bet);
        },
      });
  }

  const ledgerBalances = async (rig: Rig, player: string) => {
    const lines = await rig.wallet.postings({ player, limit: 10_000 });
    const sum = (account: string) => lines.filter((l) => l.account === account).reduce((s, l) => s + l.amount, 0n);
    return { available: sum('available'), held: sum('held') };
  };

  /** Places the bet, moving the manual clock on until it is decided (the store's retry backoff runs on it). */
  const decide = async (x: Rig) => {
    let settled = false;
    const pending = place(x, single(x, '10.00', EVENT_ID), 'p1', 'kk')
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    while (!settled) await x.clock.advanceAsync(10);
    return pending;
  };

  const run = async (failures: number, afterCommit = false) => {
    const x = await rig({ storeAttempts: 3 }, { betStore: flaky(failures, { afterCommit }) });
    await x.price(EVENT_ID, [MATCH_ODDS]);
    await x.fund('p1', '100.00');
    return { result: await decide(x), rig: x };
  };

  test('a store failing every attempt: the hold is released, the answer is retriable, the ledger balances', async () => {
    const { result, rig: x } = await run(3);
    try {
      assert.ok(result instanceof AppError && result.code === 'DEPENDENCY_UNAVAILABLE' && result.retriable);
      assert.deepEqual(await x.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
      assert.deepEqual(await ledgerBalances(x, 'p1'), { available: 10_000n, held: 0n });
      const holds = (await x.wallet.postings({ player: 'p1', limit: 100 })).filter((p) => p.kind === 'hold' || p.kind === 'release');
      assert.equal(holds.length, 4, 'one hold and one release journal, two lines each');
      assert.equal(await x.liability.current(`${EVENT_ID}#1#1`), 0n);
      assert.equal(x.betEvents.length, 0);
      // The key was freed: the client's retry with it runs again and, the store being back, is accepted.
      const retry = (await decide(x)) as { status: number; replayed: boolean };
      assert.equal(retry.status, 201);
      assert.equal(retry.replayed, false);
      assert.deepEqual(await x.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n });
      assert.deepEqual(await ledgerBalances(x, 'p1'), { available: 9000n, held: 1000n });
    } finally {
      await x.close();
    }
  });

  test('a store that recovers within the attempts: accepted once', async () => {
    const { result, rig: x } = await run(2);
    try {
      assert.equal((result as { status: number }).status, 201);
      assert.deepEqual(await x.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n });
      assert.equal((await x.betStore.listByPlayer('p1', { limit: 10 })).length, 1);
    } finally {
      await x.close();
    }
  });

  test('a store that committed but answered with a fault: the bet is found and accepted, not released', async () => {
    const { result, rig: x } = await run(99, true);
    try {
      assert.equal((result as { status: number }).status, 201);
      assert.deepEqual(await x.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 9000n, held: 1000n });
    } finally {
      await x.close();
    }
  });

  test('a hold that committed but answered with a fault is released', async () => {
    const failingHold = (wallet: Wallet): Wallet =>
      Object.assign(Object.create(wallet) as Wallet, {
        hold: async (request: Parameters<Wallet['hold']>[0]) => {
          await wallet.hold(request);
          throw new AppError('DEPENDENCY_UNAVAILABLE', 'injected: connection lost after commit');
        },
      });
    const x = await rig({}, { wallet: failingHold });
    try {
      await x.price(EVENT_ID, [MATCH_ODDS]);
      await x.fund('p1', '100.00');
      await assert.rejects(place(x, single(x, '10.00', EVENT_ID)), (e) => e instanceof AppError && e.code === 'DEPENDENCY_UNAVAILABLE');
      assert.deepEqual(await x.wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 10_000n, held: 0n });
      assert.equal(await x.liability.current(`${EVENT_ID}#1#1`), 0n);
    } finally {
      await x.close();
    }
  });
});
