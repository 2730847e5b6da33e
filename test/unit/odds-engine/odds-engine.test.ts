import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MarketStatusChanged, PriceChanged } from '../../../core/contracts/odds.ts';
import type { BetSettled, BetCancelled, SettlementRolledBack } from '../../../core/contracts/feed.ts';
import { AppError } from '../../../core/errors.ts';
import { createPriceLadder } from '../../../odds-engine/pricing/index.ts';
import { waitFor } from '../../support/wait.ts';
import { EVENT, ONE_X_TWO, OTHER_EVENT, TOTAL, bookMarket, feed, market, odds, outcome, pricesOf, rig, type Rig } from './rig.ts';

const ladder = createPriceLadder();
let r: Rig;
afterEach(() => r?.close());

const ref = (key: string) => {
  const [id, spec = ''] = key.split('/');
  return { marketId: Number(id), specifiers: spec, marketKey: key };
};

describe('odds engine: pricing and publication', () => {
  test('the first odds start an epoch: EpochStarted seq 1, then one PriceChanged per market, seq +1 each', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)]));
    await r.deltasReach(3);
    const [first, ...rest] = r.deltas;
    assert.equal(first?.type, 'EpochStarted');
    assert.equal(first.seq, 1);
    assert.deepEqual(rest.map((d) => [d.type, d.seq]), [['PriceChanged', 2], ['PriceChanged', 3]]);
    assert.ok(r.deltas.every((d) => d.epoch === first.epoch && d.eventId === EVENT && d.v === 1));
    const book = await r.priceBook.getEvent(EVENT);
    assert.equal(book?.epoch, first.epoch);
    assert.equal(book?.seq, 3);
    assert.deepEqual(r.engine.snapshot(EVENT)?.markets, book?.markets);
  });

  test('published prices are ladder prices, the overround sits in the band around the margin', async () => {
    r = await rig({ margin: { margin: 0.06, method: 'power' }, band: 0.01 });
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)]));
    const m = await bookMarket(r, '1');
    assert.equal(m.state, 'open');
    assert.equal(m.margin, 0.06);
    for (const o of m.outcomes) {
      assert.ok(o.price && ladder.indexOf(o.price) >= 0, `${o.price} is on the ladder`);
      assert.equal(o.active, true);
    }
    const overround = m.outcomes.reduce((s, o) => s + 1 / Number(o.price), 0) - 1;
    assert.ok(Math.abs(overround - 0.06) <= 0.01 + 1e-9, `overround ${overround}`);
    assert.ok(Math.abs((m.overround ?? 0) - overround) < 1e-9);
  });

  test('fair probabilities come from the feed when sent for every active outcome, else from the odds', async () => {
    r = await rig();
    const withProbabilities = [outcome('1', 2.1, { probability: 0.5 }), outcome('2', 3.4, { probability: 0.25 }), outcome('3', 3.5, { probability: 0.25 })];
    const partly = [outcome('1', 2.1, { probability: 0.5 }), outcome('2', 3.4), outcome('3', 3.5)];
    await feed(r, odds([market(1, '', 1, withProbabilities), market(2, '', 1, partly)]));
    const view = r.engine.tradingEvent(EVENT)!;
    const m1 = view.markets.find((m) => m.marketKey === '1')!;
    const m2 = view.markets.find((m) => m.marketKey === '2')!;
    assert.equal(m1.fairSource, 'feed');
    assert.deepEqual(m1.outcomes.map((o) => o.fair), [0.5, 0.25, 0.25]);
    assert.equal(m2.fairSource, 'odds');
    const implied = [1 / 2.1, 1 / 3.4, 1 / 3.5];
    const sum = implied.reduce((a, b) => a + b, 0);
    m2.outcomes.forEach((o, i) => assert.ok(Math.abs(o.fair! - implied[i]! / sum) < 1e-12));
    assert.deepEqual(m2.outcomes.map((o) => o.providerOdds), [2.1, 3.4, 3.5]);
  });

  test('an outcome with active=0 is not offered; the others are priced as a book of their own', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, [outcome('1', 2.1), outcome('2', 3.4, { active: false }), outcome('3', 3.5)])]));
    const m = await bookMarket(r, '1');
    assert.deepEqual(
      m.outcomes.map((o) => [o.outcomeId, o.active, o.price === undefined]),
      [['1', true, false], ['2', false, true], ['3', true, false]],
    );
  });

  test('a re-delivered message (same id) and odds older than those applied change nothing', async () => {
    r = await rig();
    const first = odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: 2_000 });
    await feed(r, first, first);
    await feed(r, odds([market(1, '', 1, [outcome('1', 1.5), outcome('2', 4), outcome('3', 6)])], { sourceTs: 1_500 }));
    await r.deltasReach(2);
    assert.equal(r.deltas.length, 2);
    const text = await r.metrics.render();
    assert.match(text, /sb_odds_messages_total\{type="OddsChanged",result="duplicate"\} 1/);
    assert.match(text, /sb_odds_stale_markets_total 1/);
  });

  test('the same odds again under a new message id publish nothing; changed odds publish only the outcomes that moved', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: 1 }), odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: 2 }));
    const before = pricesOf(await bookMarket(r, '1'));
    await feed(r, odds([market(1, '', 1, [outcome('1', 2.1), outcome('2', 3.4), outcome('3', 3.5)])], { sourceTs: 3 }));
    assert.equal(r.engine.snapshot(EVENT)?.seq, 2);
    await feed(r, odds([market(1, '', 1, [outcome('1', 1.6), outcome('2', 4.2), outcome('3', 5.5)])], { sourceTs: 4 }));
    await r.deltasReach(3);
    const change = r.deltas[2] as PriceChanged;
    assert.equal(change.type, 'PriceChanged');
    assert.equal(change.seq, 3);
    const after = pricesOf(await bookMarket(r, '1'));
    assert.deepEqual(change.outcomes.map((o) => o.outcomeId).sort(), Object.keys(after).filter((k) => after[k] !== before[k]).sort());
    const m = await bookMarket(r, '1');
    for (const o of m.outcomes) assert.equal(o.version, change.outcomes.some((c) => c.outcomeId === o.outcomeId) ? 3 : 2);
  });

  test('market status: 0 and -2 close, -3 settles, -4 cancels; closed markets offer no price', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 0, ONE_X_TWO), market(2, '', -2, ONE_X_TWO), market(3, '', -3, ONE_X_TWO), market(4, '', -4, ONE_X_TWO)]));
    const states = await Promise.all(['1', '2', '3', '4'].map((k) => bookMarket(r, k)));
    assert.deepEqual(states.map((m) => m.state), ['closed', 'closed', 'settled', 'cancelled']);
    assert.ok(states.every((m) => m.outcomes.every((o) => !o.active && o.price === undefined)));
  });

  test('bet_settlement settles, its rollback returns to the feed status; bet_cancel and its rollback likewise', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)]));
    const base = { v: 1 as const, traceId: 't', producer: 1, sourceTs: 5, receivedTs: 5, eventId: EVENT };
    const settled: BetSettled = { ...base, messageId: 's1', type: 'BetSettled', certainty: 2, markets: [{ ...ref('1'), outcomes: [] }] };
    const rolledBack: SettlementRolledBack = { ...base, messageId: 's2', type: 'SettlementRolledBack', markets: [ref('1')] };
    const cancelled: BetCancelled = { ...base, messageId: 's3', type: 'BetCancelled', markets: [ref('18/total=2.5')] };
    await feed(r, settled);
    assert.equal((await bookMarket(r, '1')).state, 'settled');
    await feed(r, rolledBack, cancelled);
    assert.equal((await bookMarket(r, '1')).state, 'open');
    assert.deepEqual(pricesOf(await bookMarket(r, '1')), pricesOf(r.engine.snapshot(EVENT)!.markets[0]!));
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'cancelled');
    await feed(r, { ...base, messageId: 's4', type: 'CancelRolledBack', markets: [ref('18/total=2.5')] });
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'open');
  });

  test('messages for an event never priced are ignored', async () => {
    r = await rig();
    await feed(r, { v: 1, messageId: 'x', traceId: 't', producer: 1, sourceTs: 1, receivedTs: 1, type: 'BetStopped', eventId: EVENT, groups: ['all'], marketStatus: -1 });
    assert.equal(r.engine.snapshot(EVENT), undefined);
    assert.equal(await r.priceBook.getEvent(EVENT), undefined);
  });

  test('an output the bus refuses: the message is handed back, and its re-delivery starts a new epoch with the whole state', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: 1 }));
    const firstEpoch = r.engine.snapshot(EVENT)!.epoch;
    const publish = r.bus.publish.bind(r.bus);
    r.bus.publish = async () => {
      throw new AppError('BUS_PUBLISH_FAILED', 'broker unavailable');
    };
    const message = odds([market(1, '', 1, [outcome('1', 1.5), outcome('2', 4), outcome('3', 6)])], { sourceTs: 2 });
    await assert.rejects(r.engine.handle(message), { code: 'BUS_PUBLISH_FAILED' });
    r.bus.publish = publish;
    await r.engine.handle(message);
    const book = await r.priceBook.getEvent(EVENT);
    assert.notEqual(book?.epoch, firstEpoch);
    await r.deltasReach(4);
    const restarted = r.deltas.slice(2);
    assert.deepEqual(restarted.map((d) => [d.type, d.seq, d.epoch]), [['EpochStarted', 1, book?.epoch], ['PriceChanged', 2, book?.epoch]]);
    assert.equal((restarted[1] as PriceChanged).outcomes.length, 3);
    assert.deepEqual(pricesOf(book!.markets[0]!), pricesOf(r.engine.snapshot(EVENT)!.markets[0]!));
    assert.match(await r.metrics.render(), /sb_odds_output_failures_total 1/);
  });

  test('a finished event is dropped from the engine and the PriceBook after the retention time', async () => {
    r = await rig({ retainFinishedMs: 3_600_000 });
    await r.engine.start();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { eventId: OTHER_EVENT, sourceTs: 1 }));
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { eventStatus: 4, sourceTs: 1 }));
    r.clock.advance(3_600_000 + 60_000);
    await waitFor(async () => (await r.priceBook.getEvent(EVENT)) === undefined, { message: 'the ended event removed' });
    assert.equal(r.engine.snapshot(EVENT), undefined);
    assert.ok(r.engine.snapshot(OTHER_EVENT), 'an event still running is kept');
    assert.ok(await r.priceBook.getEvent(OTHER_EVENT));
  });

  test('started, the engine consumes feed.events from the bus and publishes on odds.deltas', async () => {
    r = await rig();
    await r.engine.start();
    await r.bus.publish('feed.events', [{ key: EVENT, value: odds([market(1, '', -1, ONE_X_TWO)]) }]);
    await r.deltasReach(3);
    const status = r.deltas[2] as MarketStatusChanged;
    assert.equal(status.type, 'MarketStatusChanged');
    assert.equal(status.state, 'suspended');
    assert.deepEqual(status.reasons, ['FEED_STATUS']);
    assert.equal((await r.engine.health!()).ok, true);
  });
});
