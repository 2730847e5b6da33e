import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyticsContract } from './analytics.contract.ts';
import { InMemoryAnalytics } from '../../adapters/analytics/in-memory-analytics.ts';
import { InMemoryWallet } from '../../adapters/wallet/in-memory-wallet.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { toMinor } from '../../core/money.ts';
import type { BetFact, PriceFact } from '../../core/ports/analytics.ts';
import { ManualClock } from '../support/manual-clock.ts';

analyticsContract('InMemoryAnalytics', async () => {
  const store = new InMemoryAnalytics();
  return { store, cleanup: () => store.close() };
});

const DAY = Date.UTC(2026, 10, 22, 10, 0, 0);

/** "-3.50" → -350n (toMinor takes no sign). */
const signedMinor = (amount: string): bigint => (amount.startsWith('-') ? -toMinor(amount.slice(1)) : toMinor(amount));

describe('InMemoryAnalytics: GGR equals the wallet ledger', () => {
  test('after accepts, settlements, resettlements, reopenings and cancels, Σ GGR = the house account', async () => {
    const clock = new ManualClock(DAY);
    const wallet = new InMemoryWallet({ clock });
    const store = new InMemoryAnalytics();
    const versions = new Map<string, number>();
    const fact = (betId: string): { factId: string; betId: string; version: number; ts: number } => {
      const version = (versions.get(betId) ?? 0) + 1;
      versions.set(betId, version);
      return { factId: `${betId}:${version}`, betId, version, ts: clock.now() };
    };
    // Each step does what settlement does to the wallet and records the fact it would publish.
    const accept = async (betId: string, player: string, stake: string, sportId: string) => {
      const amount = toMinor(stake);
      await wallet.hold({ player, betId, amount, currency: 'EUR', key: `hold:${betId}` });
      await store.recordBets([{ ...fact(betId), kind: 'accepted', playerId: player, sportId, currency: 'EUR', stake: amount, potentialPayout: amount * 2n, odds: '2.00', legs: [{ eventId: 'sr:match:1', marketKey: '1', outcomeId: '1', odds: '2.00' }] }]);
    };
    const settle = async (betId: string, payout: string, kind: 'settled' | 'resettled' = 'settled') => {
      const f = fact(betId);
      await wallet.settle({ betId, payout: toMinor(payout), key: `settle:${betId}:${f.version}` });
      await store.recordBets([{ ...f, kind, payout: toMinor(payout) }]);
    };
    const reopen = async (betId: string) => {
      const f = fact(betId);
      await wallet.reverseSettlement({ betId, key: `reverse:${betId}:${f.version}` });
      await store.recordBets([{ ...f, kind: 'reopened', reason: 'settlement_rolled_back' }]);
    };
    const cancel = async (betId: string) => {
      const f = fact(betId);
      await wallet.release({ betId, key: `release:${betId}` });
      await store.recordBets([{ ...f, kind: 'cancelled', reason: 'void' }]);
    };

    for (const player of ['p1', 'p2']) {
      await wallet.openAccount({ player, currency: 'EUR' });
      await wallet.deposit({ player, amount: toMinor('1000.00'), currency: 'EUR', key: `dep:${player}` });
    }
    await accept('a', 'p1', '10.00', 'sr:sport:1');
    await accept('b', 'p2', '25.50', 'sr:sport:1');
    await accept('c', 'p1', '7.25', 'sr:sport:2');
    await accept('d', 'p2', '3.00', 'sr:sport:2');
    await accept('e', 'p1', '40.00', 'sr:sport:1');
    clock.advance(86_400_000);
    await settle('a', '20.00');
    await settle('b', '0.00');
    await reopen('b');
    await settle('b', '51.00', 'resettled');
    await settle('c', '0.00');
    await reopen('c');
    await cancel('d');
    await settle('e', '0.00');
    await reopen('e');
    await settle('e', '12.34', 'resettled');
    await reopen('e');
    await settle('e', '0.00', 'resettled');

    const house = (await wallet.postings({ limit: 10_000 })).filter((p) => p.account === 'house').reduce((sum, p) => sum + p.amount, 0n);
    const rows = await store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-23' });
    const ggr = rows.reduce((sum, r) => sum + signedMinor(r.ggr), 0n);
    assert.equal(ggr, house);
    assert.equal(house, toMinor('10.00') + toMinor('25.50') + toMinor('40.00') - toMinor('20.00') - toMinor('51.00'));
    // Open stakes (c) are held in the wallet, not the house's: they are turnover, not GGR.
    const held = (await wallet.balance('p1'))!.held + (await wallet.balance('p2'))!.held;
    const open = rows.reduce((sum, r) => sum + toMinor(r.openStake), 0n);
    assert.equal(open, held);
  });
});

describe('InMemoryAnalytics: bounds', () => {
  const price = (seq: number, marketKey = '1'): PriceFact => ({ eventId: 'sr:match:1', marketKey, outcomeId: '1', epoch: 'e', seq, ts: DAY + seq, price: '2.00', active: true, state: 'open' });

  test('keeps the most recent points of a market and counts what it forgets', async () => {
    const metrics = new PromMetrics();
    const store = new InMemoryAnalytics({ maxPointsPerMarket: 3, metrics });
    for (let seq = 1; seq <= 5; seq++) store.recordPrices([price(seq)]);
    assert.deepEqual((await store.priceHistory({ eventId: 'sr:match:1', marketKey: '1', limit: 10 })).map((p) => p.seq), [3, 4, 5]);
    assert.match(await metrics.render(), /sb_analytics_rows_dropped_total\{table="price_changes",reason="evicted"\} 2/);
  });

  test('forgets the market written least recently, and the bet seen first', async () => {
    const store = new InMemoryAnalytics({ maxMarkets: 2, maxBets: 2 });
    store.recordPrices([price(1, 'a')]);
    store.recordPrices([price(1, 'b')]);
    store.recordPrices([price(2, 'a')]);
    store.recordPrices([price(1, 'c')]);
    const has = async (marketKey: string) => (await store.priceHistory({ eventId: 'sr:match:1', marketKey, limit: 10 })).length > 0;
    assert.deepEqual([await has('a'), await has('b'), await has('c')], [true, false, true]);

    const bet = (betId: string): BetFact => ({ kind: 'accepted', factId: betId, betId, version: 1, ts: DAY, playerId: 'p', sportId: 's', currency: 'EUR', stake: 100n, potentialPayout: 200n, odds: '2.00', legs: [{ eventId: 'sr:match:1', marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await store.recordBets([bet('x'), bet('y'), bet('z')]);
    const [row] = await store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-22' });
    assert.equal(row?.bets, 2);
  });
});
