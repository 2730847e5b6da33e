/**
 * The AnalyticsStore contract (core/ports/analytics.ts), run against every implementation. A
 * suite file calls `analyticsContract(name, factory)`; the factory gives a fresh, empty store per
 * test and what cleans it up. The reports must give exactly the same answers everywhere: the
 * scripted facts below include redeliveries, resettlements, reopenings, cancellations, a
 * settlement recorded before its acceptance, two sports, two currencies and two days.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError, type ErrorCode } from '../../core/errors.ts';
import type { Currency } from '../../core/money.ts';
import type {
  AnalyticsStore,
  BetAcceptedFact,
  BetFact,
  BetLegFact,
  PriceFact,
} from '../../core/ports/analytics.ts';

export interface AnalyticsUnderTest {
  readonly store: AnalyticsStore;
  cleanup(): Promise<void>;
}

export interface AnalyticsContractOptions {
  readonly skip?: string | false;
}

const D0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const D1 = Date.UTC(2026, 10, 21, 9, 0, 0);
const D2 = Date.UTC(2026, 10, 22, 9, 0, 0);
const HOUR = 3_600_000;
const FOOTBALL = 'sr:sport:1';
const BASKETBALL = 'sr:sport:2';
const E1 = 'sr:match:1001';
const E2 = 'sr:match:1002';
const E3 = 'sr:match:1003';

const leg = (eventId: string, marketKey: string, outcomeId: string, odds: string): BetLegFact => ({ eventId, marketKey, outcomeId, odds });

function accepted(
  betId: string,
  ts: number,
  sportId: string,
  stake: bigint,
  potentialPayout: bigint,
  legs: readonly BetLegFact[],
  currency: Currency = 'EUR',
): BetAcceptedFact {
  const odds = legs.length === 1 ? legs[0]!.odds : 'acc';
  return { kind: 'accepted', factId: `${betId}:1`, betId, version: 1, ts, playerId: `p-${betId}`, sportId, currency, stake, potentialPayout, odds, legs };
}

const settled = (betId: string, version: number, ts: number, payout: bigint): BetFact => ({ kind: 'settled', factId: `${betId}:${version}`, betId, version, ts, payout });
const resettled = (betId: string, version: number, ts: number, payout: bigint): BetFact => ({ kind: 'resettled', factId: `${betId}:${version}`, betId, version, ts, payout });
const cancelled = (betId: string, version: number, ts: number): BetFact => ({ kind: 'cancelled', factId: `${betId}:${version}`, betId, version, ts, reason: 'market voided' });
const reopened = (betId: string, version: number, ts: number, reason = 'settlement_rolled_back'): BetFact => ({ kind: 'reopened', factId: `${betId}:${version}`, betId, version, ts, reason });

/**
 * The GGR scenario. Per bet, what is in force at the end:
 *   b1 D1 football 10.00 won, paid 20.00            b2 D1 football 5.00 lost, resettled to 15.00
 *   b3 D1 basketball 20.00 lost, then reopened      b4 D2 football 7.00 cancelled (not turnover)
 *   b5 D2 football 3.00 open                        b6 D2 accumulator 'multi' 2.00 open
 *   b7 D2 football 4.00 USD lost                    b8 D2 football 4.00 cancelled, cancel rolled back, paid 8.00
 *   b9 D0 football (outside the window)             b10 D2 football 1.00 lost, settled before its acceptance arrived
 */
function ggrScenario(): BetFact[] {
  return [
    accepted('b1', D1, FOOTBALL, 1000n, 2000n, [leg(E1, '1', '1', '2.00')]),
    settled('b1', 2, D1 + 2 * HOUR, 2000n),
    accepted('b2', D1 + HOUR, FOOTBALL, 500n, 1500n, [leg(E1, '1', '2', '3.00')]),
    settled('b2', 2, D1 + 3 * HOUR, 0n),
    resettled('b2', 3, D2 + HOUR, 1500n),
    accepted('b3', D1 + 2 * HOUR, BASKETBALL, 2000n, 3000n, [leg(E2, '219', '4', '1.50')]),
    settled('b3', 2, D1 + 5 * HOUR, 0n),
    reopened('b3', 3, D2 + 2 * HOUR),
    accepted('b4', D2, FOOTBALL, 700n, 1750n, [leg(E1, '18/total=2.5', '12', '2.50')]),
    cancelled('b4', 2, D2 + HOUR),
    accepted('b5', D2 + HOUR, FOOTBALL, 300n, 600n, [leg(E3, '1', '1', '2.00')]),
    accepted('b6', D2 + HOUR, 'multi', 200n, 600n, [leg(E2, '219', '4', '1.50'), leg(E1, '1', '1', '2.00')]),
    accepted('b7', D2 + 2 * HOUR, FOOTBALL, 400n, 800n, [leg(E3, '1', '2', '2.00')], 'USD'),
    settled('b7', 2, D2 + 3 * HOUR, 0n),
    accepted('b8', D2 + 2 * HOUR, FOOTBALL, 400n, 800n, [leg(E3, '1', '1', '2.00')]),
    cancelled('b8', 2, D2 + 3 * HOUR),
    reopened('b8', 3, D2 + 4 * HOUR, 'cancel_rolled_back'),
    settled('b8', 4, D2 + 5 * HOUR, 800n),
    accepted('b9', D0, FOOTBALL, 900n, 1800n, [leg(E1, '1', '1', '2.00')]),
    settled('b9', 2, D1, 0n),
    settled('b10', 2, D2 + 6 * HOUR, 0n),
    accepted('b10', D2 + 3 * HOUR, FOOTBALL, 100n, 300n, [leg(E3, '1', '3', '3.00')]),
  ];
}

const EXPECTED_GGR = [
  { day: '2026-11-21', sportId: FOOTBALL, currency: 'EUR', bets: 2, turnover: '15.00', openStake: '0.00', payouts: '35.00', ggr: '-20.00' },
  { day: '2026-11-21', sportId: BASKETBALL, currency: 'EUR', bets: 1, turnover: '20.00', openStake: '20.00', payouts: '0.00', ggr: '0.00' },
  { day: '2026-11-22', sportId: 'multi', currency: 'EUR', bets: 1, turnover: '2.00', openStake: '2.00', payouts: '0.00', ggr: '0.00' },
  { day: '2026-11-22', sportId: FOOTBALL, currency: 'EUR', bets: 3, turnover: '8.00', openStake: '3.00', payouts: '8.00', ggr: '-3.00' },
  { day: '2026-11-22', sportId: FOOTBALL, currency: 'USD', bets: 1, turnover: '4.00', openStake: '0.00', payouts: '0.00', ggr: '4.00' },
];

/** Open bets for the liability report; l3 is settled and l6 open again after a cancel rollback. */
function liabilityScenario(): BetFact[] {
  return [
    accepted('l1', D2, FOOTBALL, 1000n, 2500n, [leg(E1, '1', '1', '2.50')]),
    accepted('l2', D2, FOOTBALL, 500n, 1000n, [leg(E1, '1', '1', '2.00')]),
    accepted('l3', D2, FOOTBALL, 2000n, 3000n, [leg(E1, '1', '2', '1.50')]),
    settled('l3', 2, D2 + HOUR, 3000n),
    accepted('l4', D2, 'multi', 200n, 1200n, [leg(E1, '1', '2', '3.00'), leg(E2, '219', '4', '2.00')]),
    accepted('l5', D2, BASKETBALL, 100n, 150n, [leg(E2, '219', '4', '1.50')]),
    accepted('l6', D2, BASKETBALL, 300n, 900n, [leg(E2, '219', '5', '3.00')]),
    cancelled('l6', 2, D2 + HOUR),
    reopened('l6', 3, D2 + 2 * HOUR, 'cancel_rolled_back'),
  ];
}

const EXPECTED_LIABILITY = [
  { eventId: E1, marketKey: '1', outcomeId: '1', currency: 'EUR', bets: 2, openStake: '15.00', potentialPayout: '35.00', liability: '20.00' },
  { eventId: E2, marketKey: '219', outcomeId: '4', currency: 'EUR', bets: 2, openStake: '3.00', potentialPayout: '13.50', liability: '10.50' },
  { eventId: E1, marketKey: '1', outcomeId: '2', currency: 'EUR', bets: 1, openStake: '2.00', potentialPayout: '12.00', liability: '10.00' },
  { eventId: E2, marketKey: '219', outcomeId: '5', currency: 'EUR', bets: 1, openStake: '3.00', potentialPayout: '9.00', liability: '6.00' },
];

/** A PriceChanged delta as facts: one per outcome. */
function delta(eventId: string, marketKey: string, seq: number, ts: number, prices: Record<string, string | undefined>, state: PriceFact['state'] = 'open', epoch = 'ep1'): PriceFact[] {
  return Object.entries(prices).map(([outcomeId, price]) => ({
    eventId,
    marketKey,
    outcomeId,
    epoch,
    seq,
    ts,
    ...(price !== undefined ? { price } : {}),
    active: price !== undefined,
    state,
  }));
}

function isCode(code: ErrorCode) {
  return (e: unknown) => isAppError(e) && e.code === code;
}

export function analyticsContract(name: string, factory: () => Promise<AnalyticsUnderTest>, options: AnalyticsContractOptions = {}): void {
  describe(`AnalyticsStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    async function withStore(fn: (store: AnalyticsStore) => Promise<void>): Promise<void> {
      const sut = await factory();
      try {
        await fn(sut.store);
      } finally {
        await sut.cleanup();
      }
    }

    test('GGR by sport and day: each bet once, in its state in force, on the day it was accepted', () =>
      withStore(async (store) => {
        const facts = ggrScenario();
        // Recorded concurrently one by one (as bus handlers would), then every fact again in reverse: redeliveries.
        await Promise.all(facts.map((f) => store.recordBets([f])));
        await store.recordBets([...facts].reverse());
        const rows = await store.ggrBySportAndDay({ from: '2026-11-21', to: '2026-11-22' });
        assert.deepEqual(rows, EXPECTED_GGR);
        for (const r of rows) {
          // ggr = settled stakes − payouts = turnover − open stakes − payouts.
          assert.equal(Number(r.ggr) * 100, Math.round((Number(r.turnover) - Number(r.openStake) - Number(r.payouts)) * 100));
        }
      }));

    test('GGR window: from and to are inclusive UTC days, other days are left out', () =>
      withStore(async (store) => {
        await store.recordBets(ggrScenario());
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-22' }), EXPECTED_GGR.slice(2));
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-20', to: '2026-11-20' }), [
          { day: '2026-11-20', sportId: FOOTBALL, currency: 'EUR', bets: 1, turnover: '9.00', openStake: '0.00', payouts: '0.00', ggr: '9.00' },
        ]);
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-23', to: '2026-12-31' }), []);
        // The last millisecond of a day belongs to it.
        await store.recordBets([accepted('late', Date.UTC(2026, 10, 23, 23, 59, 59, 999), FOOTBALL, 100n, 200n, [leg(E1, '1', '1', '2.00')])]);
        assert.deepEqual((await store.ggrBySportAndDay({ from: '2026-11-23', to: '2026-11-23' })).map((r) => [r.day, r.bets]), [['2026-11-23', 1]]);
      }));

    test('a bet counts from its acceptance on, whatever arrived before it', () =>
      withStore(async (store) => {
        await store.recordBets([settled('early', 2, D1 + HOUR, 0n)]);
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-21', to: '2026-11-21' }), []);
        assert.deepEqual(await store.openLiability({}), []);
        await store.recordBets([accepted('early', D1, FOOTBALL, 250n, 500n, [leg(E1, '1', '1', '2.00')])]);
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-21', to: '2026-11-21' }), [
          { day: '2026-11-21', sportId: FOOTBALL, currency: 'EUR', bets: 1, turnover: '2.50', openStake: '0.00', payouts: '0.00', ggr: '2.50' },
        ]);
        assert.deepEqual(await store.openLiability({}), [], 'settled: no liability');
      }));

    test('money stays exact beyond 2^53 minor units and in currencies of 0 and 8 decimals', () =>
      withStore(async (store) => {
        const big = 2n ** 53n + 1n;
        await store.recordBets([
          accepted('big1', D1, FOOTBALL, big, big * 2n, [leg(E1, '1', '1', '2.00')]),
          accepted('big2', D1, FOOTBALL, big, big * 2n, [leg(E1, '1', '1', '2.00')]),
          settled('big2', 2, D1 + HOUR, 0n),
          accepted('yen', D1, FOOTBALL, 5000n, 12500n, [leg(E1, '1', '1', '2.50')], 'JPY'),
          accepted('btc', D1, FOOTBALL, 12345678n, 24691356n, [leg(E1, '1', '1', '2.00')], 'BTC'),
        ]);
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-21', to: '2026-11-21' }), [
          { day: '2026-11-21', sportId: FOOTBALL, currency: 'BTC', bets: 1, turnover: '0.12345678', openStake: '0.12345678', payouts: '0.00000000', ggr: '0.00000000' },
          { day: '2026-11-21', sportId: FOOTBALL, currency: 'EUR', bets: 2, turnover: '180143985094819.86', openStake: '90071992547409.93', payouts: '0.00', ggr: '90071992547409.93' },
          { day: '2026-11-21', sportId: FOOTBALL, currency: 'JPY', bets: 1, turnover: '5000', openStake: '5000', payouts: '0', ggr: '0' },
        ]);
        const liability = await store.openLiability({});
        assert.deepEqual(
          liability.map((r) => [r.currency, r.openStake, r.liability]),
          // Ordered by liability in minor units, whatever the currency.
          [
            ['EUR', '90071992547409.93', '90071992547409.93'],
            ['BTC', '0.12345678', '0.12345678'],
            ['JPY', '5000', '7500'],
          ],
        );
      }));

    test('open liability: open bets per outcome, accumulators on each leg, largest first', () =>
      withStore(async (store) => {
        const facts = liabilityScenario();
        await store.recordBets(facts);
        await store.recordBets(facts.slice(2, 6)); // redelivered
        assert.deepEqual(await store.openLiability({}), EXPECTED_LIABILITY);
        assert.deepEqual(await store.openLiability({ eventId: E2 }), [EXPECTED_LIABILITY[1], EXPECTED_LIABILITY[3]]);
        assert.deepEqual(await store.openLiability({ limit: 1 }), [EXPECTED_LIABILITY[0]]);
        assert.deepEqual(await store.openLiability({ eventId: 'sr:match:999' }), []);
        // Settling l1 removes it; reopening puts it back.
        await store.recordBets([settled('l1', 2, D2 + 3 * HOUR, 0n)]);
        assert.deepEqual((await store.openLiability({ eventId: E1 }))[0], { ...EXPECTED_LIABILITY[2], eventId: E1 });
        await store.recordBets([reopened('l1', 3, D2 + 4 * HOUR)]);
        assert.deepEqual(await store.openLiability({}), EXPECTED_LIABILITY);
      }));

    test('price history: oldest first, deduplicated, per market, with not-offered outcomes', () =>
      withStore(async (store) => {
        const t = D2 + 1234;
        const seq1 = delta(E1, '1', 1, t, { '1': '2.10', '2': '3.40', '3': '3.60' });
        const seq2 = delta(E1, '1', 2, t + 1500, { '1': '2.05', '3': '3.75' });
        const seq3 = delta(E1, '1', 3, t + 2999, { '1': undefined }, 'suspended');
        store.recordPrices(seq1);
        // Out of order and redelivered: the history is ordered all the same.
        store.recordPrices([...seq3, ...seq2]);
        store.recordPrices(seq2);
        store.recordPrices(delta(E1, '18/total=2.5', 1, t, { '12': '1.90', '13': '1.90' }));
        store.recordPrices(delta(E2, '1', 1, t, { '1': '1.50' }));
        await store.flush();
        const points = await store.priceHistory({ eventId: E1, marketKey: '1', limit: 100 });
        assert.deepEqual(points, [
          { ts: t, outcomeId: '1', price: '2.10', active: true, state: 'open', epoch: 'ep1', seq: 1 },
          { ts: t, outcomeId: '2', price: '3.40', active: true, state: 'open', epoch: 'ep1', seq: 1 },
          { ts: t, outcomeId: '3', price: '3.60', active: true, state: 'open', epoch: 'ep1', seq: 1 },
          { ts: t + 1500, outcomeId: '1', price: '2.05', active: true, state: 'open', epoch: 'ep1', seq: 2 },
          { ts: t + 1500, outcomeId: '3', price: '3.75', active: true, state: 'open', epoch: 'ep1', seq: 2 },
          { ts: t + 2999, outcomeId: '1', price: null, active: false, state: 'suspended', epoch: 'ep1', seq: 3 },
        ]);
        assert.equal((await store.priceHistory({ eventId: E1, marketKey: '18/total=2.5', limit: 100 })).length, 2);
        assert.deepEqual(await store.priceHistory({ eventId: E3, marketKey: '1', limit: 100 }), []);
      }));

    test('price history: the window is exact to the millisecond and the limit keeps the most recent', () =>
      withStore(async (store) => {
        const t = D2 + 999;
        for (let seq = 1; seq <= 10; seq++) store.recordPrices(delta(E1, '1', seq, t + seq * 250, { '1': `2.${String(seq).padStart(2, '0')}` }));
        // A new epoch (the engine rebuilt the event): its seq starts again, time goes on.
        store.recordPrices(delta(E1, '1', 1, t + 11 * 250, { '1': '3.00' }, 'open', 'ep2'));
        await store.flush();
        const all = await store.priceHistory({ eventId: E1, marketKey: '1', limit: 100 });
        assert.deepEqual(all.map((p) => p.price), ['2.01', '2.02', '2.03', '2.04', '2.05', '2.06', '2.07', '2.08', '2.09', '2.10', '3.00']);
        const window = await store.priceHistory({ eventId: E1, marketKey: '1', from: t + 3 * 250, to: t + 6 * 250, limit: 100 });
        assert.deepEqual(window.map((p) => p.seq), [3, 4, 5, 6]);
        const beforeFirstMs = await store.priceHistory({ eventId: E1, marketKey: '1', from: t + 3 * 250 + 1, to: t + 6 * 250 - 1, limit: 100 });
        assert.deepEqual(beforeFirstMs.map((p) => p.seq), [4, 5]);
        const recent = await store.priceHistory({ eventId: E1, marketKey: '1', limit: 3 });
        assert.deepEqual(recent.map((p) => `${p.epoch}/${p.seq}`), ['ep1/9', 'ep1/10', 'ep2/1']);
        const recentInWindow = await store.priceHistory({ eventId: E1, marketKey: '1', to: t + 5 * 250, limit: 2 });
        assert.deepEqual(recentInWindow.map((p) => p.seq), [4, 5]);
      }));

    test('ids with quotes, backslashes and non-ASCII are stored and matched exactly', () =>
      withStore(async (store) => {
        const marketKey = "9/player=O'Neil\\ \"x\"; DROP TABLE y; --|é";
        store.recordPrices(delta(E1, marketKey, 1, D2, { "o'1": '2.00' }));
        store.recordPrices(delta(E1, '9', 1, D2, { '1': '2.00' }));
        await store.flush();
        const points = await store.priceHistory({ eventId: E1, marketKey, limit: 10 });
        assert.deepEqual(points.map((p) => p.outcomeId), ["o'1"]);
        await store.recordBets([accepted("bet'\\1", D2, "sport'x", 100n, 200n, [leg(E1, marketKey, "o'1", '2.00')])]);
        assert.deepEqual((await store.openLiability({ eventId: E1 })).map((r) => [r.marketKey, r.outcomeId]), [[marketKey, "o'1"]]);
        assert.deepEqual((await store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-22' })).map((r) => r.sportId), ["sport'x"]);
        assert.deepEqual(await store.priceHistory({ eventId: `${E1}' OR '1'='1`, marketKey: '9', limit: 10 }), []);
      }));

    test('invalid facts are refused whole with INVALID_REQUEST', () =>
      withStore(async (store) => {
        const good = delta(E1, '1', 1, D2, { '1': '2.00' });
        assert.throws(() => store.recordPrices([...good, { ...good[0]!, outcomeId: '2', price: 'abc' }]), isCode('INVALID_REQUEST'));
        assert.throws(() => store.recordPrices([{ ...good[0]!, eventId: '' }]), isCode('INVALID_REQUEST'));
        assert.throws(() => store.recordPrices([{ ...good[0]!, seq: 1.5 }]), isCode('INVALID_REQUEST'));
        assert.throws(() => store.recordPrices([{ ...good[0]!, state: 'weird' as never }]), isCode('INVALID_REQUEST'));
        const bet = accepted('x1', D2, FOOTBALL, 100n, 200n, [leg(E1, '1', '1', '2.00')]);
        await assert.rejects(store.recordBets([bet, { ...bet, betId: 'x2', stake: -1n }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, stake: 2n ** 63n }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, stake: 100 as unknown as bigint }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, currency: 'XXX' as Currency }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, legs: [] }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, betId: 'a\u0000b' }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, version: 0 }]), isCode('INVALID_REQUEST'));
        await assert.rejects(store.recordBets([{ ...bet, kind: 'paid' } as unknown as BetFact]), isCode('INVALID_REQUEST'));
        await store.flush();
        assert.deepEqual(await store.priceHistory({ eventId: E1, marketKey: '1', limit: 10 }), []);
        assert.deepEqual(await store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-22' }), []);
      }));

    test('report queries out of bounds are refused with INVALID_REQUEST', () =>
      withStore(async (store) => {
        for (const query of [
          { from: '2026-02-30', to: '2026-03-01' },
          { from: '2026-11-22', to: '2026-11-21' },
          { from: '2025-01-01', to: '2026-11-22' },
          { from: '22-11-2026', to: '2026-11-22' },
          { from: "2026-11-22' OR 1=1", to: '2026-11-22' },
        ]) {
          await assert.rejects(store.ggrBySportAndDay(query), isCode('INVALID_REQUEST'), JSON.stringify(query));
        }
        await assert.rejects(store.openLiability({ limit: 0 }), isCode('INVALID_REQUEST'));
        await assert.rejects(store.openLiability({ limit: 10_001 }), isCode('INVALID_REQUEST'));
        await assert.rejects(store.openLiability({ eventId: '' }), isCode('INVALID_REQUEST'));
        await assert.rejects(store.priceHistory({ eventId: E1, marketKey: '1', limit: 0 }), isCode('INVALID_REQUEST'));
        await assert.rejects(store.priceHistory({ eventId: E1, marketKey: '1', from: 10, to: 5, limit: 10 }), isCode('INVALID_REQUEST'));
        await assert.rejects(store.priceHistory({ eventId: E1, marketKey: '1', from: -1, limit: 10 }), isCode('INVALID_REQUEST'));
      }));

    test('close() flushes what was recorded, is idempotent, and refuses facts afterwards', async () => {
      const sut = await factory();
      try {
        sut.store.recordPrices(delta(E1, '1', 1, D2, { '1': '2.00' }));
        await Promise.all([sut.store.close(), sut.store.close()]);
        assert.throws(() => sut.store.recordPrices(delta(E1, '1', 2, D2, { '1': '2.02' })), isCode('SHUTTING_DOWN'));
        await assert.rejects(sut.store.recordBets([settled('c1', 2, D2, 0n)]), isCode('SHUTTING_DOWN'));
        assert.equal((await sut.store.health()).ok, false);
      } finally {
        await sut.cleanup();
      }
    });
  });
}
