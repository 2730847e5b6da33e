import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BetEvent } from '../../../core/contracts/bet-events.ts';
import { AppError } from '../../../core/errors.ts';
import { fromMinor } from '../../../core/money.ts';
import type { BetStore } from '../../../core/ports/bet-store.ts';
import { TOPICS } from '../../../core/topics.ts';
import { InMemoryBetStore } from '../../../adapters/bet-store/in-memory-bet-store.ts';
import { InMemoryLiabilityLedger } from '../../../adapters/liability/in-memory-liability-ledger.ts';
import { InMemoryWallet } from '../../../adapters/wallet/in-memory-wallet.ts';
import { waitFor } from '../../support/wait.ts';
import { createRig, feed, outcome, type Rig } from './rig.ts';

const E1 = 'sr:match:1';
const E2 = 'sr:match:2';
const HOME = [outcome('1', true), outcome('2', false), outcome('3', false)];
const DRAW = [outcome('1', false), outcome('2', true), outcome('3', false)];

async function available(rig: Rig, player: string): Promise<string> {
  return fromMinor((await rig.wallet.balance(player))!.available);
}

async function settledEvents(rig: Rig, count: number): Promise<BetEvent[]> {
  await waitFor(() => rig.events.length >= count, { message: `${count} bet events` });
  return rig.events;
}

describe('settlement of singles', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await createRig();
    await rig.openAccount('alice');
    await rig.openAccount('bob');
  });
  afterEach(() => rig.close());

  test('a result pays the winners in one step, the losers get nothing, and each hears of it', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await rig.place({ betId: 'b2', player: 'bob', stake: '5.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '3', odds: '4.00' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));

    assert.equal(await available(rig, 'alice'), '110.50');
    assert.equal(await available(rig, 'bob'), '95.00');
    assert.deepEqual((await rig.wallet.balance('alice'))!.held, 0n);
    const b1 = (await rig.bets.get('b1'))!;
    assert.deepEqual([b1.status, b1.payout, b1.legs[0]?.result?.ref], ['settled', 2050n, 's1']);
    assert.deepEqual([(await rig.wallet.getHold('b1'))?.status, (await rig.wallet.getHold('b1'))?.payout], ['posted', 2050n]);

    const events = await settledEvents(rig, 2);
    const byBet = Object.fromEntries(events.map((e) => [e.betId, e]));
    assert.equal(byBet.b1?.type, 'BetSettled');
    assert.equal(byBet.b1?.type === 'BetSettled' && byBet.b1.payout, '20.50');
    assert.equal(byBet.b2?.type === 'BetSettled' && byBet.b2.payout, '0.00');
    assert.equal(byBet.b1?.playerId, 'alice');
    assert.equal(byBet.b1?.traceId, 'trace-s1');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('the same message again, and a confirmation of the same result, change nothing', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    const lines = (await rig.wallet.postings({ limit: 1000 })).length;
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    await rig.settlement.handleFeed(feed.settled('s2', E1, '1', HOME, 2));
    await rig.settlement.handleFeed(feed.settled('s2', E1, '1', HOME, 2));
    assert.equal((await rig.wallet.postings({ limit: 1000 })).length, lines);
    assert.equal((await rig.bets.get('b1'))!.version, 2);
    assert.equal((await rig.results.get(E1, '1'))?.settlement?.certainty, 2);
    await settledEvents(rig, 1);
    assert.equal(rig.events.length, 1);
  });

  test('a confirmed result that differs re-settles: reversed with compensating postings, then settled again', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await rig.place({ betId: 'b2', player: 'bob', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '2', odds: '3.10' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    const before = await rig.wallet.postings({ limit: 1000 });
    await rig.settlement.handleFeed(feed.settled('s2', E1, '1', DRAW, 2));

    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal(await available(rig, 'bob'), '121.00');
    const after = await rig.wallet.postings({ limit: 1000 });
    assert.deepEqual(after.slice(0, before.length), before, 'nothing is changed or deleted');
    assert.ok(after.slice(before.length).some((p) => p.kind === 'payout_reversal' && p.betId === 'b1'));
    const events = await settledEvents(rig, 4);
    const resettled = events.filter((e) => e.type === 'BetResettled');
    assert.deepEqual(
      resettled.map((e) => e.type === 'BetResettled' && [e.betId, e.previousPayout, e.payout]).sort(),
      [
        ['b1', '20.50', '0.00'],
        ['b2', '0.00', '31.00'],
      ],
    );
    const history = await rig.bets.history('b1');
    assert.deepEqual(history.map((h) => `${h.from}→${h.to}:${h.reason}`), ['null→open:accepted', 'open→settled:settled', 'settled→open:settlement_rolled_back', 'open→settled:settled']);
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('a live-scouted result after the confirmed one is ignored', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME, 2));
    await rig.settlement.handleFeed(feed.settled('s2', E1, '1', DRAW, 1));
    assert.equal((await rig.bets.get('b1'))!.payout, 2050n);
  });

  test('a rollback reverses exactly the settlement and the bet is open again; a new result settles it anew', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    await rig.settlement.handleFeed(feed.rolledBack('r1', E1, '1'));
    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal((await rig.wallet.balance('alice'))!.held, 1000n);
    const bet = (await rig.bets.get('b1'))!;
    assert.deepEqual([bet.status, bet.payout, bet.legs[0]?.result], ['open', undefined, undefined]);
    assert.equal((await rig.wallet.getHold('b1'))?.status, 'pending');
    const events = await settledEvents(rig, 2);
    assert.equal(events[1]?.type === 'BetReopened' && events[1].reason, 'settlement_rolled_back');

    await rig.settlement.handleFeed(feed.settled('s3', E1, '1', DRAW));
    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal((await rig.bets.get('b1'))!.status, 'settled');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('bet_cancel voids only the bets placed in its window, whatever the settlement; its rollback undoes that', async () => {
    const t0 = rig.clock.now();
    await rig.place({ betId: 'early', player: 'alice', stake: '10.00', placedAt: t0 - 60_000, legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.place({ betId: 'inside', player: 'bob', stake: '10.00', placedAt: t0, legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.place({ betId: 'other', player: 'bob', stake: '10.00', placedAt: t0, legs: [{ eventId: E1, marketKey: '18/total=2.5', outcomeId: '12', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    await rig.settlement.handleFeed(feed.cancelled('c1', E1, '1', t0 - 1000, t0 + 1000));

    assert.equal((await rig.bets.get('early'))!.status, 'settled');
    const inside = (await rig.bets.get('inside'))!;
    assert.equal(inside.status, 'cancelled');
    assert.equal(inside.legs[0]?.result?.source, 'cancelled');
    assert.equal((await rig.bets.get('other'))!.status, 'open', 'only the named markets');
    assert.equal(await available(rig, 'bob'), '90.00', 'the stake of the void bet is back, the other still held');
    const events = await settledEvents(rig, 4);
    assert.deepEqual(events.filter((e) => e.betId === 'inside').map((e) => e.type), ['BetSettled', 'BetReopened', 'BetCancelled']);

    await rig.settlement.handleFeed(feed.cancelRolledBack('u1', E1, '1', t0 - 1000, t0 + 1000));
    const back = (await rig.bets.get('inside'))!;
    assert.deepEqual([back.status, back.payout], ['settled', 2000n], 'back to the settlement in force');
    assert.equal(await available(rig, 'bob'), '100.00');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('a cancel without settlement refunds; its rollback reopens', async () => {
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.cancelled('c1', E1, '1'));
    assert.equal(await available(rig, 'alice'), '100.00');
    assert.equal((await rig.bets.get('b1'))!.status, 'cancelled');
    await rig.settlement.handleFeed(feed.cancelRolledBack('u1', E1, '1'));
    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal((await rig.bets.get('b1'))!.status, 'open');
    const events = await settledEvents(rig, 2);
    assert.deepEqual(events.map((e) => e.type), ['BetCancelled', 'BetReopened']);
    assert.equal(events[0]?.type === 'BetCancelled' && events[0].refund, '10.00');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('a bet accepted on a market already resulted is settled at once; one on an open market waits', async () => {
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    const late = await rig.place({ betId: 'late', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '1.50' }] });
    const open = await rig.place({ betId: 'open', player: 'alice', stake: '10.00', legs: [{ eventId: E2, marketKey: '1', outcomeId: '1', odds: '1.50' }] });
    await rig.settlement.handleBetEvent(rig.accepted(late));
    await rig.settlement.handleBetEvent(rig.accepted(open));
    assert.deepEqual([(await rig.bets.get('late'))!.status, (await rig.bets.get('late'))!.payout], ['settled', 1500n]);
    assert.equal((await rig.bets.get('open'))!.status, 'open');
  });
});

describe('settlement of accumulators', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await createRig();
    await rig.openAccount('alice');
  });
  afterEach(() => rig.close());

  const legs = [
    { eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' },
    { eventId: E2, marketKey: '1', outcomeId: '1', odds: '1.50' },
  ];

  test('paid when the last leg is resulted; a leg rolled back reopens it', async () => {
    await rig.place({ betId: 'acc', player: 'alice', stake: '10.00', legs });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    let bet = (await rig.bets.get('acc'))!;
    assert.equal(bet.status, 'open');
    assert.equal(bet.legs[0]?.result?.won, true, 'the first leg keeps its result');
    assert.equal(await available(rig, 'alice'), '90.00');

    await rig.settlement.handleFeed(feed.settled('s2', E2, '1', HOME));
    bet = (await rig.bets.get('acc'))!;
    assert.deepEqual([bet.status, bet.payout], ['settled', 3000n]);
    assert.equal(await available(rig, 'alice'), '120.00');

    await rig.settlement.handleFeed(feed.rolledBack('r1', E1, '1'));
    bet = (await rig.bets.get('acc'))!;
    assert.deepEqual([bet.status, bet.legs[0]?.result, bet.legs[1]?.result?.won], ['open', undefined, true]);
    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });

  test('a lost leg makes the payout 0; the bet settles when its last leg is resulted', async () => {
    await rig.place({ betId: 'acc', player: 'alice', stake: '10.00', legs });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', DRAW));
    assert.equal((await rig.bets.get('acc'))!.legs[0]?.result?.won, false);
    await rig.settlement.handleFeed(feed.settled('s2', E2, '1', HOME));
    assert.deepEqual([(await rig.bets.get('acc'))!.status, (await rig.bets.get('acc'))!.payout], ['settled', 0n]);
  });

  test('void and dead-heat legs', async () => {
    await rig.place({ betId: 'acc', player: 'alice', stake: '10.00', legs });
    await rig.settlement.handleFeed(feed.cancelled('c1', E1, '1'));
    await rig.settlement.handleFeed(feed.settled('s2', E2, '1', [outcome('1', true, '0', '0.5'), outcome('2', true, '0', '0.5')]));
    assert.equal((await rig.bets.get('acc'))!.payout, 750n, '10 × 1 × (1.50 × 0.5)');
    assert.equal((await rig.settlement.reconcile()).ok, true);
  });
});

describe('liability', () => {
  test('a resolved bet releases its reservation; an open one keeps it', async () => {
    const liability = new InMemoryLiabilityLedger();
    const rig = await createRig(async (clock) => ({ wallet: new InMemoryWallet({ clock }), bets: new InMemoryBetStore({ clock }), liability }));
    await rig.openAccount('alice');
    for (const [betId, eventId] of [['b1', E1], ['b2', E2]] as const) {
      await rig.place({ betId, player: 'alice', stake: '10.00', legs: [{ eventId, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
      await liability.reserve(betId, [{ key: `${eventId}#1#1`, amount: 1000n, limit: 100_000n }]);
    }
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    assert.equal(await liability.current(`${E1}#1#1`), 0n);
    assert.equal(await liability.current(`${E2}#1#1`), 1000n);
    await rig.close();
  });
});

describe('settlement under faults', () => {
  test('a bet store fault after the wallet paid: the re-delivered message finishes the work, paying once', async () => {
    const rig = await createRig(async (clock) => {
      const bets = new InMemoryBetStore({ clock });
      let failures = 1;
      const flaky: BetStore = Object.assign(Object.create(bets) as BetStore, {
        updateStatus: async (update: Parameters<BetStore['updateStatus']>[0]) => {
          if (failures-- > 0) throw new AppError('DEPENDENCY_UNAVAILABLE', 'connection lost');
          return bets.updateStatus(update);
        },
      });
      return { wallet: new InMemoryWallet({ clock }), bets: flaky };
    });
    await rig.openAccount('alice');
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    await assert.rejects(rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME)), (e) => e instanceof AppError && e.retriable);
    assert.equal((await rig.wallet.getHold('b1'))?.status, 'posted', 'the money moved before the fault');
    assert.equal((await rig.results.get(E1, '1'))?.pending, true);

    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    assert.equal((await rig.bets.get('b1'))!.status, 'settled');
    assert.equal(await available(rig, 'alice'), '110.50');
    assert.equal((await rig.results.get(E1, '1'))?.pending, false);
    assert.equal((await rig.settlement.reconcile()).ok, true);
    await rig.close();
  });

  test('the wallet ahead of the record with a result since changed: reversed and settled anew, never twice', async () => {
    const rig = await createRig();
    await rig.openAccount('alice');
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.05' }] });
    // As if a pass had paid the home win and stopped before recording it.
    await rig.wallet.settle({ betId: 'b1', payout: 2050n, key: 'settle:b1:0' });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', DRAW));
    assert.deepEqual([(await rig.bets.get('b1'))!.status, (await rig.bets.get('b1'))!.payout], ['settled', 0n]);
    assert.equal(await available(rig, 'alice'), '90.00');
    assert.equal((await rig.settlement.reconcile()).ok, true);
    await rig.close();
  });

  test('a bet without a hold is reported and skipped; the others settle', async () => {
    const rig = await createRig();
    await rig.openAccount('alice');
    await rig.bets.insert({ betId: 'a-orphan', player: 'alice', stake: 1000n, currency: 'EUR', placedAt: 1, legs: [{ eventId: E1 as never, marketKey: '1', outcomeId: '1', odds: '2.00', priceVersion: { epoch: 'e', seq: 1 } }] });
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
    assert.equal((await rig.bets.get('a-orphan'))!.status, 'open');
    assert.equal((await rig.bets.get('b1'))!.status, 'settled');
    assert.match(await rig.metrics.render(), /sb_settlement_problems_total\{problem="no_hold"\} 1/);
    const report = await rig.settlement.reconcile();
    assert.deepEqual(report.discrepancies.map((d) => [d.kind, d.betId]), [['bet_without_hold', 'a-orphan']]);
    await rig.close();
  });

  test('a settlement with factors out of form is refused, not guessed at, and does not stop the consumer', async () => {
    const rig = await createRig();
    await rig.openAccount('alice');
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.settled('s1', E1, '1', [outcome('1', true, '2')]));
    assert.equal((await rig.bets.get('b1'))!.status, 'open');
    assert.match(await rig.metrics.render(), /sb_settlement_refused_markets_total 1/);
    await rig.close();
  });
});

describe('settlement on the bus', () => {
  test('consumes feed.events and BetAccepted, publishes on bets.events keyed by bet id', async () => {
    const rig = await createRig();
    await rig.settlement.start();
    await rig.openAccount('alice');
    const bet = await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.bus.publish(TOPICS.bets, [{ key: bet.betId, value: rig.accepted(bet) }]);
    await rig.bus.publish(TOPICS.feedEvents, [{ key: E1, value: feed.settled('s1', E1, '1', HOME) }]);
    await waitFor(() => rig.events.some((e) => e.type === 'BetSettled'), { message: 'BetSettled on bets.events' });
    assert.equal(await available(rig, 'alice'), '110.00');
    assert.equal((await rig.settlement.health!()).ok, true);
    await rig.close();
  });
});
