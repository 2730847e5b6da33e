import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PriceChanged } from '../../../core/contracts/odds.ts';
import { createPriceLadder } from '../../../odds-engine/pricing/index.ts';
import { priceMarket } from '../../../odds-engine/market-pricer.ts';
import { EVENT, ONE_X_TWO, OTHER_EVENT, TOTAL, bookMarket, feed, market, odds, outcome, pricesOf, rig, trader, type Rig } from './rig.ts';

const ladder = createPriceLadder();
let r: Rig;
afterEach(() => r?.close());

const overroundOf = (prices: Record<string, string>) => Object.values(prices).reduce((s, p) => s + 1 / Number(p), 0) - 1;

/** Two football events (one in another tournament) and a tennis event, each with 1x2 and a total. */
async function sportsRig(): Promise<Rig> {
  const rr = await rig({ margin: { margin: 0.05, method: 'proportional' } });
  rr.info.set(EVENT, { sportId: 'sr:sport:1', tournamentId: 'sr:tournament:17' });
  rr.info.set(OTHER_EVENT, { sportId: 'sr:sport:1', tournamentId: 'sr:tournament:8' });
  rr.info.set('sr:match:3003', { sportId: 'sr:sport:5', tournamentId: 'sr:tournament:2' });
  for (const eventId of [EVENT, OTHER_EVENT, 'sr:match:3003'] as const) {
    await feed(rr, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)], { eventId: eventId as typeof EVENT }));
  }
  return rr;
}

describe('margin changes re-price what they affect, at once', () => {
  test('a sport margin re-prices that sport’s open markets only, publishes, and is audited', async () => {
    r = await sportsRig();
    const before = { football: pricesOf(await bookMarket(r, '1')), tennis: pricesOf(await bookMarket(r, '1', 'sr:match:3003')) };
    const published = r.deltas.length;
    const result = await r.engine.setMargin({ level: 'sport', key: 'sr:sport:1' }, { margin: 0.12 }, trader);
    assert.deepEqual([result.events, result.markets], [2, 4]);

    // Already in the PriceBook when setMargin resolves.
    const after = pricesOf(await bookMarket(r, '1'));
    assert.notDeepEqual(after, before.football);
    assert.ok(Math.abs(overroundOf(after) - 0.12) <= 0.01 + 1e-9, `overround ${overroundOf(after)}`);
    assert.equal((await bookMarket(r, '1')).margin, 0.12);
    assert.deepEqual(pricesOf(await bookMarket(r, '1', 'sr:match:3003')), before.tennis);
    await r.deltasReach(published + 4);
    const changes = r.deltas.slice(published) as PriceChanged[];
    assert.ok(changes.every((d) => d.type === 'PriceChanged' && d.eventId !== 'sr:match:3003'));

    const [entry] = r.engine.audit({ action: 'margin.set' });
    assert.deepEqual(
      { actor: entry?.actor, target: entry?.target, before: entry?.before, after: entry?.after, effect: entry?.effect },
      { actor: trader, target: { level: 'sport', key: 'sr:sport:1' }, before: null, after: { margin: 0.12 }, effect: { events: 2, markets: 4 } },
    );
  });

  test('a market-type margin outranks the event’s; removing it restores the event margin', async () => {
    r = await sportsRig();
    await r.engine.setMargin({ level: 'event', key: EVENT }, { margin: 0.02 }, trader);
    await r.engine.setMargin({ level: 'market-type', key: '18' }, { margin: 0.15, method: 'shin' }, trader);
    const view = r.engine.tradingEvent(EVENT)!;
    const total = view.markets.find((m) => m.marketKey === '18/total=2.5')!;
    const winner = view.markets.find((m) => m.marketKey === '1')!;
    assert.deepEqual([total.margin, total.method, total.marginLevel, total.methodLevel], [0.15, 'shin', 'market-type', 'market-type']);
    assert.deepEqual([winner.margin, winner.marginLevel], [0.02, 'event']);
    const removed = await r.engine.removeMargin({ level: 'market-type', key: '18' }, trader);
    assert.deepEqual(removed.before, { margin: 0.15, method: 'shin' });
    assert.equal((await bookMarket(r, '18/total=2.5')).margin, 0.02);
    assert.equal(r.engine.audit({ action: 'margin.removed' }).length, 1);
  });

  test('a change that resolves to the same margin re-prices nothing and publishes nothing', async () => {
    r = await sportsRig();
    const published = r.engine.snapshot(EVENT)!.seq;
    const result = await r.engine.setMargin({ level: 'sport', key: 'sr:sport:1' }, { margin: 0.05 }, trader);
    assert.equal(result.markets, 0);
    assert.equal(r.engine.snapshot(EVENT)!.seq, published);
  });

  test('a later odds_change is priced with the new margin', async () => {
    r = await sportsRig();
    await r.engine.setMargin({ level: 'default' }, { margin: 0.1, method: 'power' }, trader);
    await feed(r, odds([market(1, '', 1, [outcome('1', 1.9), outcome('2', 3.6), outcome('3', 4.2)])], { sourceTs: 5_000 }));
    const m = await bookMarket(r, '1');
    assert.equal(m.margin, 0.1);
    assert.ok(Math.abs(overroundOf(pricesOf(m)) - 0.1) <= 0.01 + 1e-9);
  });

  test('a preview returns the prices a change would publish, and publishes nothing', async () => {
    r = await sportsRig();
    const seq = r.engine.snapshot(EVENT)!.seq;
    const published = r.deltas.length;
    const preview = r.engine.previewMargin({ level: 'tournament', key: 'sr:tournament:17' }, { margin: 0.2, method: 'odds-ratio' });
    assert.deepEqual(preview.markets.map((m) => [m.eventId, m.marketKey]), [[EVENT, '1'], [EVENT, '18/total=2.5']]);
    const winner = preview.markets[0]!;
    assert.equal(winner.current.margin, 0.05);
    assert.deepEqual(winner.current.prices, pricesOf(await bookMarket(r, '1')));
    assert.equal(winner.proposed.margin, 0.2);
    assert.equal(winner.proposed.method, 'odds-ratio');
    assert.ok(Math.abs(winner.proposed.overround! - 0.2) <= 0.01 + 1e-9);
    assert.equal(r.engine.snapshot(EVENT)!.seq, seq);
    assert.equal(r.engine.margins().length, 1);
    assert.equal(r.deltas.length, published);

    // Applying the change publishes exactly the previewed prices.
    await r.engine.setMargin({ level: 'tournament', key: 'sr:tournament:17' }, { margin: 0.2, method: 'odds-ratio' }, trader);
    assert.deepEqual(pricesOf(await bookMarket(r, '1')), winner.proposed.prices);
    assert.equal(r.engine.previewMargin({ level: 'default' }, { margin: 0.08, method: 'proportional' }, 2).truncated, true);
  });
});

describe('trader actions', () => {
  test('suspend and resume an event or a market: TRADER with the trader’s name, audited once per change', async () => {
    r = await sportsRig();
    const suspended = await r.engine.suspendMarket(EVENT, '18/total=2.5', trader);
    assert.equal(suspended.changed, true);
    assert.deepEqual(suspended.view.suspensions.map((s) => [s.reason, s.detail]), [['TRADER', 'Ann']]);
    assert.equal((await r.engine.suspendMarket(EVENT, '18/total=2.5', trader)).changed, false);
    assert.equal((await bookMarket(r, '1')).state, 'open');

    await r.engine.suspendEvent(EVENT, { sub: 'trader-2' });
    assert.equal((await bookMarket(r, '1')).state, 'suspended');
    await r.engine.resumeEvent(EVENT, trader);
    assert.equal((await bookMarket(r, '1')).state, 'open');
    // The market's own suspension is not lifted by resuming the event.
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'suspended');
    await r.engine.resumeMarket(EVENT, '18/total=2.5', trader);
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'open');

    const log = r.engine.audit({ eventId: EVENT });
    assert.deepEqual(log.map((e) => e.action), ['market.resumed', 'event.resumed', 'event.suspended', 'market.suspended']);
    assert.equal(log[2]?.actor.sub, 'trader-2');
    assert.deepEqual(log[1]?.before, { suspended: true, by: 'trader-2', since: r.clock.now() });
    await assert.rejects(r.engine.suspendEvent('sr:match:404', trader), { code: 'NOT_FOUND' });
    await assert.rejects(r.engine.suspendMarket(EVENT, '77', trader), { code: 'NOT_FOUND' });
  });

  test('a price shift moves the outcome by ticks, survives feed updates until removed, and is audited', async () => {
    r = await sportsRig();
    const unshifted = (await bookMarket(r, '1')).outcomes.find((o) => o.outcomeId === '2')!.price!;
    const shifted = await r.engine.shiftPrice(EVENT, '1', '2', 3, trader);
    const shiftedPrice = shifted.view.outcomes.find((o) => o.outcomeId === '2')!;
    assert.equal(shiftedPrice.shiftTicks, 3);
    assert.ok(ladder.indexOf(shiftedPrice.price!) > ladder.indexOf(unshifted), `${shiftedPrice.price} is longer than ${unshifted}`);
    assert.equal((await bookMarket(r, '1')).outcomes.find((o) => o.outcomeId === '2')!.price, shiftedPrice.price);

    // New odds: the shift is applied to the new price.
    const fresh = [outcome('1', 1.8), outcome('2', 3.9), outcome('3', 4.5)];
    await feed(r, odds([market(1, '', 1, fresh)], { sourceTs: 5_000 }));
    const implied = fresh.map((o) => 1 / o.odds!);
    const sum = implied.reduce((a, b) => a + b, 0);
    const expected = (shift: number) =>
      priceMarket(
        fresh.map((o, i) => ({ id: o.outcomeId, probability: implied[i]! / sum, tickShift: o.outcomeId === '2' ? shift : 0 })),
        0.05,
        'proportional',
        { ladder, band: 0.01 },
      ).prices;
    assert.deepEqual(Object.values(pricesOf(await bookMarket(r, '1'))), expected(3));

    const removed = await r.engine.shiftPrice(EVENT, '1', '2', 0, trader);
    assert.equal(removed.changed, true);
    assert.deepEqual(Object.values(pricesOf(await bookMarket(r, '1'))), expected(0));
    assert.deepEqual(
      r.engine.audit({ eventId: EVENT }).map((e) => [e.action, e.before, e.after]),
      [
        ['price.shift-removed', { ticks: 3 }, { ticks: 0 }],
        ['price.shifted', { ticks: 0 }, { ticks: 3 }],
      ],
    );
    await assert.rejects(r.engine.shiftPrice(EVENT, '1', '9', 1, trader), { code: 'NOT_FOUND' });
    await assert.rejects(r.engine.shiftPrice(EVENT, '1', '2', 51, trader), { code: 'INVALID_REQUEST' });
  });

  test('the trading view lists live and upcoming events with fair, provider and published prices', async () => {
    r = await sportsRig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { eventId: OTHER_EVENT, eventStatus: 4, sourceTs: 9_000 }));
    const listed = r.engine.tradingEvents().map((e) => e.eventId);
    assert.deepEqual(listed, [EVENT, 'sr:match:3003']);
    assert.deepEqual(r.engine.tradingEvents({ phases: ['ended'] }).map((e) => e.eventId), [OTHER_EVENT]);
    assert.deepEqual(r.engine.tradingEvents({ sportId: 'sr:sport:5' }).map((e) => e.eventId), ['sr:match:3003']);
    const m = r.engine.tradingEvent(EVENT)!.markets[0]!;
    assert.equal(r.engine.tradingEvent(EVENT)!.phase, 'live');
    assert.ok(m.outcomes.every((o) => o.fair !== undefined && o.providerOdds !== undefined && o.price !== undefined));
    assert.equal(m.margin, 0.05);
    assert.ok(m.overround !== undefined && m.inBand);
    // Bettors' view (PriceBook, snapshot) carries no trading fields.
    assert.ok((await bookMarket(r, '1')).outcomes.every((o) => o.fair === undefined && o.providerOdds === undefined));
  });
});
