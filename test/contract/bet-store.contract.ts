/**
 * The BetStore port's contract (core/ports/bet-store.ts), run against every implementation. A
 * suite file calls `betStoreContract(name, factory)`; the factory gives a fresh store on a
 * ManualClock and what it needs to clean up. Bet ids, players and events are unique per test, so
 * one store serves every test of a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bet, LegResult, NewBet } from '../../core/contracts/bets.ts';
import { isAppError, type ErrorCode } from '../../core/errors.ts';
import { eventId, type EventId } from '../../core/ids.ts';
import type { BetStore } from '../../core/ports/bet-store.ts';
import type { ManualClock } from '../support/manual-clock.ts';
import { uniqueName } from '../support/wait.ts';

export interface BetStoreUnderTest {
  readonly store: BetStore;
  /** The clock the store stamps its history with. */
  readonly clock: ManualClock;
  cleanup(): Promise<void>;
}

export interface BetStoreContractOptions {
  readonly skip?: string | false;
}

function code(expected: ErrorCode): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isAppError(e), `expected AppError ${expected}, got ${String(e)}`);
    assert.equal(e.code, expected);
    return true;
  };
}

let events = 0;
/** An event id no other test uses. */
function freshEvent(): EventId {
  events += 1;
  return eventId(`sr:match:${process.pid}${Date.now() % 1_000_000}${events}`);
}

const WON: LegResult = { source: 'settled', won: true, voidFactor: '0', deadHeatFactor: '1', ref: 'msg-1' };
const LOST: LegResult = { source: 'settled', won: false, voidFactor: '0', deadHeatFactor: '1' };
const VOID: LegResult = { source: 'cancelled', won: false, voidFactor: '1', deadHeatFactor: '1' };

function newBet(overrides: Partial<NewBet> & { event?: EventId; market?: string } = {}): NewBet {
  const { event, market, ...rest } = overrides;
  return {
    betId: uniqueName('bet'),
    player: uniqueName('player'),
    stake: 1_000n,
    currency: 'EUR',
    legs: [{ eventId: event ?? freshEvent(), marketKey: market ?? '1', outcomeId: '1', odds: '2.05', priceVersion: { epoch: 'e1', seq: 7 } }],
    placedAt: Date.UTC(2026, 10, 22, 12),
    ...rest,
  };
}

export function betStoreContract(name: string, factory: () => Promise<BetStoreUnderTest>, options: BetStoreContractOptions = {}): void {
  describe(`BetStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: BetStoreUnderTest;
    let store: BetStore;
    before(async () => {
      sut = await factory();
      store = sut.store;
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('stores a bet with its legs and reads it back exactly, open at version 1', async () => {
      const input = newBet({ traceId: 'trace-1' });
      const inserted = await store.insert(input);
      assert.equal(inserted.existing, false);
      const expected: Bet = { v: 1, ...input, status: 'open', version: 1 };
      assert.deepEqual(inserted.bet, expected);
      const read = await store.get(input.betId);
      assert.deepEqual(read, expected);
      assert.equal(typeof read!.stake, 'bigint');
      assert.deepEqual(await store.history(input.betId), [{ version: 1, from: null, to: 'open', reason: 'accepted', at: sut.clock.now() }]);
      assert.equal(await store.get(uniqueName('nobody')), undefined);
      assert.deepEqual(await store.history(uniqueName('nobody')), []);
    });

    test('insert is idempotent by bet id, and refuses other content under a used id', async () => {
      const input = newBet();
      const first = await store.insert(input);
      // A retried request may come with a new time and trace id: still the same bet.
      const again = await store.insert({ ...input, placedAt: input.placedAt + 5, traceId: 'retry' });
      assert.equal(again.existing, true);
      assert.deepEqual(again.bet, first.bet);
      await assert.rejects(store.insert({ ...input, stake: 2_000n }), code('DUPLICATE_REQUEST'));
      await assert.rejects(store.insert({ ...input, legs: [{ ...input.legs[0]!, odds: '2.10' }] }), code('DUPLICATE_REQUEST'));
      assert.equal((await store.history(input.betId)).length, 1);
    });

    test('20 concurrent inserts of one bet store it once', async () => {
      const input = newBet();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.insert(input)));
      assert.equal(results.filter((r) => !r.existing).length, 1);
      for (const r of results) assert.deepEqual(r.bet, results[0]!.bet);
      assert.equal((await store.history(input.betId)).length, 1);
      assert.equal((await store.byMarket(input.legs[0]!.eventId, '1')).length, 1);
    });

    test('refuses malformed bets', async () => {
      const leg = newBet().legs[0]!;
      const bad: Array<Partial<NewBet> | Record<string, unknown>> = [
        { legs: [] },
        { stake: 1000 as unknown as bigint },
        { stake: 0n },
        { currency: 'XXX' as 'EUR' },
        { betId: '' },
        { player: 'p\u0000' },
        { legs: [{ ...leg, odds: '1.00' }] },
        { legs: [{ ...leg, odds: 2.05 as unknown as string }] },
        { legs: [{ ...leg, eventId: 'match-1' as EventId }] },
        { legs: [{ ...leg, priceVersion: { epoch: 'e', seq: -1 } }] },
        { placedAt: Number.NaN },
      ];
      for (const overrides of bad) await assert.rejects(store.insert({ ...newBet(), ...overrides } as NewBet), code('INVALID_REQUEST'));
    });

    test('a status change applies only from the expected status, and a retry reads as done', async () => {
      const input = newBet();
      await store.insert(input);
      sut.clock.advance(60_000);
      const settle = { betId: input.betId, from: 'open', to: 'settled', reason: 'settled', payout: 2_050n, legResults: [{ leg: 0, result: WON }] } as const;
      const done = await store.updateStatus(settle);
      assert.equal(done.status, 'updated');
      assert.ok(done.status === 'updated');
      assert.equal(done.bet.status, 'settled');
      assert.equal(done.bet.payout, 2_050n);
      assert.equal(done.bet.version, 2);
      assert.deepEqual(done.bet.legs[0]!.result, WON);
      const again = await store.updateStatus(settle);
      assert.deepEqual(again, { status: 'conflict', bet: done.bet });
      assert.deepEqual(await store.get(input.betId), done.bet);
      assert.deepEqual(await store.updateStatus({ ...settle, betId: uniqueName('nobody') }), { status: 'not_found' });
      const history = await store.history(input.betId);
      assert.deepEqual(history[1], {
        version: 2,
        from: 'open',
        to: 'settled',
        reason: 'settled',
        payout: 2_050n,
        legResults: [{ leg: 0, result: WON }],
        at: sut.clock.now(),
      });
    });

    test('the version check refuses a change computed on a stale read', async () => {
      const input = newBet({ legs: [...newBet().legs, { ...newBet().legs[0]!, marketKey: '18/total=2.5' }] });
      await store.insert(input);
      const first = await store.updateStatus({ betId: input.betId, from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 0, result: WON }], version: 1 });
      assert.equal(first.status, 'updated');
      const stale = await store.updateStatus({ betId: input.betId, from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 1, result: WON }], version: 1 });
      assert.equal(stale.status, 'conflict');
      assert.ok(stale.status === 'conflict');
      assert.equal(stale.bet.version, 2);
      assert.equal(stale.bet.legs[1]!.result, undefined);
    });

    test('of 20 concurrent settlements of one bet exactly one applies', async () => {
      const input = newBet();
      await store.insert(input);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.updateStatus({ betId: input.betId, from: 'open', to: 'settled', reason: 'settled', detail: `worker ${i}`, payout: 0n, legResults: [{ leg: 0, result: LOST }] }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'updated').length, 1);
      assert.equal(results.filter((r) => r.status === 'conflict').length, 19);
      assert.equal((await store.history(input.betId)).length, 2);
    });

    test('the status model is enforced, and a refused change changes nothing', async () => {
      const single = newBet();
      const acca = newBet({ legs: [...newBet().legs, ...newBet().legs] });
      await store.insert(single);
      await store.insert(acca);
      const refused: Array<Parameters<BetStore['updateStatus']>[0]> = [
        { betId: single.betId, from: 'open', to: 'settled', reason: 'settled', legResults: [{ leg: 0, result: WON }] },
        { betId: single.betId, from: 'open', to: 'settled', reason: 'settled', payout: 0n },
        { betId: single.betId, from: 'open', to: 'cancelled', reason: 'cancelled', payout: 1_000n },
        { betId: single.betId, from: 'open', to: 'open', reason: 'leg_resulted' },
        { betId: single.betId, from: 'settled', to: 'cancelled', reason: 'cancelled' },
        { betId: single.betId, from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 3, result: WON }] },
        { betId: single.betId, from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 0, result: WON }, { leg: 0, result: LOST }] },
        { betId: acca.betId, from: 'open', to: 'settled', reason: 'settled', payout: 0n, legResults: [{ leg: 0, result: LOST }] },
      ];
      for (const update of refused) await assert.rejects(store.updateStatus(update), code('BET_TRANSITION_INVALID'));
      await assert.rejects(
        store.updateStatus({ betId: single.betId, from: 'open', to: 'settled', reason: 'settled', payout: 0n, legResults: [{ leg: 0, result: { ...WON, voidFactor: '2' } }] }),
        code('INVALID_REQUEST'),
      );
      await assert.rejects(
        store.updateStatus({ betId: single.betId, from: 'open', to: 'void' as 'open', reason: 'cancelled' }),
        code('INVALID_REQUEST'),
      );
      for (const bet of [single, acca]) {
        const read = await store.get(bet.betId);
        assert.equal(read!.status, 'open');
        assert.equal(read!.version, 1);
        assert.ok(read!.legs.every((l) => l.result === undefined));
        assert.equal((await store.history(bet.betId)).length, 1);
      }
    });

    test('an accumulator resolves leg by leg, settles, rolls back and settles again, all in its history', async () => {
      const base = newBet();
      const input = newBet({
        legs: [base.legs[0]!, { ...base.legs[0]!, eventId: freshEvent(), odds: '1.50' }, { ...base.legs[0]!, eventId: freshEvent(), odds: '3.00' }],
      });
      await store.insert(input);
      const step = async (update: Omit<Parameters<BetStore['updateStatus']>[0], 'betId'>) => {
        sut.clock.advance(1000);
        const r = await store.updateStatus({ betId: input.betId, ...update });
        assert.equal(r.status, 'updated', JSON.stringify(update, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)));
        return (r as { bet: Bet }).bet;
      };
      await step({ from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 0, result: WON }] });
      await step({ from: 'open', to: 'open', reason: 'leg_resulted', legResults: [{ leg: 2, result: VOID }] });
      const settled = await step({ from: 'open', to: 'settled', reason: 'settled', payout: 3_075n, legResults: [{ leg: 1, result: WON }] });
      assert.deepEqual(settled.legs.map((l) => l.result), [WON, WON, VOID]);
      const rolledBack = await step({ from: 'settled', to: 'open', reason: 'settlement_rolled_back', detail: 'rollback msg-9', legResults: [{ leg: 1, result: null }] });
      assert.equal(rolledBack.payout, undefined);
      assert.deepEqual(rolledBack.legs.map((l) => l.result), [WON, undefined, VOID]);
      assert.equal('result' in rolledBack.legs[1]!, false);
      const resettled = await step({ from: 'open', to: 'settled', reason: 'settled', payout: 0n, legResults: [{ leg: 1, result: LOST }] });
      assert.equal(resettled.version, 6);
      const history = await store.history(input.betId);
      assert.deepEqual(
        history.map((h) => [h.version, h.from, h.to, h.reason, h.payout]),
        [
          [1, null, 'open', 'accepted', undefined],
          [2, 'open', 'open', 'leg_resulted', undefined],
          [3, 'open', 'open', 'leg_resulted', undefined],
          [4, 'open', 'settled', 'settled', 3_075n],
          [5, 'settled', 'open', 'settlement_rolled_back', undefined],
          [6, 'open', 'settled', 'settled', 0n],
        ],
      );
      assert.equal(history[4]!.detail, 'rollback msg-9');
      assert.deepEqual(history[4]!.legResults, [{ leg: 1, result: null }]);
      const times = history.map((h) => h.at);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
      assert.equal(times[5], sut.clock.now());
    });

    test('cancel and its rollback: open → cancelled → open', async () => {
      const input = newBet();
      await store.insert(input);
      const cancelled = await store.updateStatus({ betId: input.betId, from: 'open', to: 'cancelled', reason: 'cancelled', detail: 'bet_cancel msg-3' });
      assert.equal(cancelled.status, 'updated');
      const reopened = await store.updateStatus({ betId: input.betId, from: 'cancelled', to: 'open', reason: 'cancel_rolled_back' });
      assert.equal(reopened.status, 'updated');
      assert.equal((await store.get(input.betId))!.status, 'open');
    });

    test('byMarket finds the bets on a market by status, in bet id order, in pages', async () => {
      const event = freshEvent();
      const other = freshEvent();
      const market = '18/total=2.5';
      const ids = ['m-b', 'm-a', 'm-d', 'm-c', 'm-e'].map((s) => `${s}-${uniqueName('x')}`);
      for (const id of ids) await store.insert(newBet({ betId: id, event, market }));
      // An accumulator with one leg on the market, and bets elsewhere that must not appear.
      const acca = newBet({ legs: [newBet({ event: other }).legs[0]!, newBet({ event, market }).legs[0]!] });
      await store.insert(acca);
      await store.insert(newBet({ event, market: '1' }));
      await store.insert(newBet({ event: other, market }));
      await store.updateStatus({ betId: ids[0]!, from: 'open', to: 'settled', reason: 'settled', payout: 0n, legResults: [{ leg: 0, result: LOST }] });
      await store.updateStatus({ betId: ids[1]!, from: 'open', to: 'cancelled', reason: 'cancelled' });

      const open = await store.byMarket(event, market);
      const expectedOpen = [ids[2]!, ids[3]!, ids[4]!, acca.betId].sort();
      assert.deepEqual(open.map((b) => b.betId), expectedOpen);
      assert.ok(open.every((b) => b.status === 'open' && b.legs.some((l) => l.eventId === event && l.marketKey === market)));
      const all = await store.byMarket(event, market, { status: ['open', 'settled', 'cancelled'] });
      assert.deepEqual(all.map((b) => b.betId), [...ids, acca.betId].sort());
      const settled = await store.byMarket(event, market, { status: ['settled'] });
      assert.deepEqual(settled.map((b) => b.betId), [ids[0]]);
      const page1 = await store.byMarket(event, market, { limit: 2 });
      const page2 = await store.byMarket(event, market, { limit: 2, after: page1[1]!.betId });
      assert.deepEqual([...page1, ...page2].map((b) => b.betId), expectedOpen);
      assert.deepEqual(await store.byMarket(freshEvent(), market), []);
    });

    test('listByPlayer gives the newest bets first, filtered by status, in pages', async () => {
      const player = uniqueName('player');
      const t0 = Date.UTC(2026, 10, 22, 12);
      const bets = [0, 1, 2, 3, 4].map((i) => newBet({ player, betId: `${uniqueName('p')}-${i}`, placedAt: t0 + i * 1000 }));
      for (const b of bets) await store.insert(b);
      await store.insert(newBet());
      await store.updateStatus({ betId: bets[3]!.betId, from: 'open', to: 'cancelled', reason: 'cancelled' });
      const newest = await store.listByPlayer(player, { limit: 3 });
      assert.deepEqual(newest.map((b) => b.betId), [bets[4], bets[3], bets[2]].map((b) => b!.betId));
      const older = await store.listByPlayer(player, { limit: 3, before: newest[2]!.betId });
      assert.deepEqual(older.map((b) => b.betId), [bets[1], bets[0]].map((b) => b!.betId));
      const open = await store.listByPlayer(player, { status: 'open', limit: 10 });
      assert.deepEqual(open.map((b) => b.betId), [bets[4], bets[2], bets[1], bets[0]].map((b) => b!.betId));
      assert.deepEqual(await store.listByPlayer(uniqueName('nobody'), { limit: 10 }), []);
      await assert.rejects(store.listByPlayer(player, { limit: 0 }), code('INVALID_REQUEST'));
    });

    test('what a read returns is a snapshot that later changes leave alone', async () => {
      const input = newBet();
      await store.insert(input);
      const before = await store.get(input.betId);
      await store.updateStatus({ betId: input.betId, from: 'open', to: 'cancelled', reason: 'cancelled' });
      assert.equal(before!.status, 'open');
      assert.equal(before!.version, 1);
    });

    test('reports health, and refuses work once closed', async () => {
      const extra = await factory();
      assert.equal((await extra.store.health()).ok, true);
      await extra.store.close();
      assert.equal((await extra.store.health()).ok, false);
      await assert.rejects(extra.store.get('any'), code('SHUTTING_DOWN'));
      await assert.rejects(extra.store.insert(newBet()), code('SHUTTING_DOWN'));
      await extra.cleanup();
    });
  });
}
