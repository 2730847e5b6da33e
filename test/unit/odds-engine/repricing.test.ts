import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PriceChanged } from '../../../core/contracts/odds.ts';
import type { OutcomeOdds } from '../../../core/contracts/feed.ts';
import { EVENT, bookMarket, feed, market, odds, outcome, pricesOf, rig, trader, type Rig } from './rig.ts';

let r: Rig;
let fresh: Rig | undefined;
afterEach(async () => {
  await r?.close();
  await fresh?.close();
  fresh = undefined;
});

/** Outcome prices computed so far (sb_odds_priced_outcomes_total). */
async function pricedOutcomes(rig: Rig): Promise<number> {
  const match = /^sb_odds_priced_outcomes_total (\d+)$/m.exec(await rig.metrics.render());
  return Number(match?.[1] ?? 0);
}

/** 1x2 with the provider's probabilities (the feed's own fair book) and odds. */
const oneXTwo = (p: readonly [number, number, number], oddsOf: readonly [number, number, number]): OutcomeOdds[] =>
  ['1', '2', '3'].map((id, i) => outcome(id, oddsOf[i]!, { probability: p[i]! }));
const total = (p: number): OutcomeOdds[] => [outcome('12', 1.8, { probability: p }), outcome('13', 1.95, { probability: 1 - p })];

/** What an engine that never saw the earlier messages publishes for `message`'s markets. */
async function pricedFromScratch(message: ReturnType<typeof odds>, key: string): Promise<Record<string, string>> {
  fresh = await rig();
  await feed(fresh, message);
  return pricesOf(await bookMarket(fresh, key));
}

describe('odds engine: a market is priced again only when what its pricing reads moved', () => {
  test('provider odds moving under unchanged feed probabilities: no pricing, no delta, the trading view updated', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, oneXTwo([0.5, 0.3, 0.2], [1.9, 3.2, 4.8]))], { sourceTs: 1 }));
    const prices = pricesOf(await bookMarket(r, '1'));
    const priced = await pricedOutcomes(r);

    await feed(r, odds([market(1, '', 1, oneXTwo([0.5, 0.3, 0.2], [1.85, 3.3, 4.9]))], { sourceTs: 2 }));
    assert.equal(await pricedOutcomes(r), priced, 'nothing priced again');
    assert.equal(r.engine.snapshot(EVENT)?.seq, 2, 'nothing published after EpochStarted and the first PriceChanged');
    assert.deepEqual(pricesOf(await bookMarket(r, '1')), prices);
    const view = r.engine.tradingEvent(EVENT)!.markets[0]!;
    assert.deepEqual(view.outcomes.map((o) => o.providerOdds), [1.85, 3.3, 4.9]);
  });

  test('a moved probability prices its own market again, and only it, as a fresh engine would', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, oneXTwo([0.5, 0.3, 0.2], [1.9, 3.2, 4.8])), market(18, 'total=2.5', 1, total(0.55))], { sourceTs: 1 }));
    const totalBefore = pricesOf(await bookMarket(r, '18/total=2.5'));
    const priced = await pricedOutcomes(r);

    const moved = odds([market(1, '', 1, oneXTwo([0.4, 0.35, 0.25], [1.9, 3.2, 4.8])), market(18, 'total=2.5', 1, total(0.55))], { sourceTs: 2 });
    await feed(r, moved);
    assert.equal(await pricedOutcomes(r), priced + 3, 'the three outcomes of the 1x2 only');
    assert.equal(r.engine.snapshot(EVENT)?.seq, 4, 'one delta after EpochStarted and the two first PriceChanged');
    await r.deltasReach(4);
    const change = r.deltas[3] as PriceChanged;
    assert.equal(change.type, 'PriceChanged');
    assert.equal(change.marketKey, '1');
    assert.deepEqual(pricesOf(await bookMarket(r, '18/total=2.5')), totalBefore);
    assert.deepEqual(pricesOf(await bookMarket(r, '1')), await pricedFromScratch(moved, '1'));
  });

  test('an outcome turning inactive under unchanged probabilities prices the market again', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, oneXTwo([0.5, 0.3, 0.2], [1.9, 3.2, 4.8]))], { sourceTs: 1 }));
    const priced = await pricedOutcomes(r);
    const withdrawn = odds(
      [market(1, '', 1, [outcome('1', 1.9, { probability: 0.5 }), outcome('2', 3.2, { probability: 0.3, active: false }), outcome('3', 4.8, { probability: 0.2 })])],
      { sourceTs: 2 },
    );
    await feed(r, withdrawn);
    assert.equal(await pricedOutcomes(r), priced + 2);
    const m = await bookMarket(r, '1');
    assert.deepEqual(m.outcomes.map((o) => [o.outcomeId, o.active]), [['1', true], ['2', false], ['3', true]]);
    assert.deepEqual(pricesOf(m), await pricedFromScratch(withdrawn, '1'));
  });

  test('a margin change prices again a market whose odds stopped moving, from its latest probabilities', async () => {
    r = await rig();
    const latest = odds([market(1, '', 1, oneXTwo([0.45, 0.33, 0.22], [2, 3.1, 4.6]))], { sourceTs: 2 });
    await feed(r, odds([market(1, '', 1, oneXTwo([0.5, 0.3, 0.2], [1.9, 3.2, 4.8]))], { sourceTs: 1 }), latest);
    // The same probabilities again (provider odds moved): skipped, as above.
    await feed(r, odds([market(1, '', 1, oneXTwo([0.45, 0.33, 0.22], [2.02, 3.1, 4.5]))], { sourceTs: 3 }));
    const result = await r.engine.setMargin({ level: 'event', key: EVENT }, { margin: 0.09 }, trader);
    assert.equal(result.markets, 1);
    const m = await bookMarket(r, '1');
    assert.equal(m.margin, 0.09);
    fresh = await rig({ margin: { margin: 0.09, method: 'proportional' } });
    await feed(fresh, latest);
    assert.deepEqual(pricesOf(m), pricesOf(await bookMarket(fresh, '1')));
  });
});
