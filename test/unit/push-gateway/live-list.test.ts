import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fixture, FixtureStatus } from '../../../core/contracts/fixtures.ts';
import type { EventId } from '../../../core/ids.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import type { MarketView } from '../../../core/ports/price-book.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import { parseChannel } from '../../../push-gateway/channels.ts';
import { DEFAULT_MAIN_MARKETS, LiveList, type LiveChange } from '../../../push-gateway/live-list.ts';
import { deferred } from '../../support/wait.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { createHub, FakeEngine, settle } from './hub-harness.ts';

const fixture = (eventId: string, status: FixtureStatus, updatedTs: number, extra: Partial<Fixture> = {}): Fixture => ({
  eventId: eventId as EventId,
  sport: { id: 'sr:sport:1', name: 'Soccer' },
  tournament: { id: 'sr:tournament:17', name: 'Premier League' },
  competitors: [
    { id: 'sr:competitor:1', name: 'Home FC', qualifier: 'home' },
    { id: 'sr:competitor:2', name: 'Away United', qualifier: 'away' },
  ],
  scheduledStart: '2026-11-22T12:00:00.000Z',
  status,
  updatedTs,
  ...extra,
});

function setup(readMarket?: (eventId: string, key: string) => Promise<MarketView | undefined>) {
  const book = new InMemoryPriceBook();
  const published: Array<{ sportId: string; change: LiveChange }> = [];
  const list = new LiveList(
    { readMarket: readMarket ?? ((id, key) => book.getMarket(id, key)), publish: (sportId, change) => published.push({ sportId, change }), clock: new ManualClock(), logger: silentLogger },
    { mainMarkets: DEFAULT_MAIN_MARKETS, defaultMainMarket: '1' },
  );
  const summary = () => published.splice(0).map(({ change: c }) => (c.type === 'LiveMarketChanged' ? `${c.type}:${c.eventId}:${c.market.state}:${c.market.outcomes.map((o) => `${o.outcomeId}=${o.price}`).join(',')}` : `${c.type}:${c.eventId}${c.type === 'LiveEventUpdated' ? `:${c.event.status}:${c.event.score?.home ?? '-'}-${c.event.score?.away ?? '-'}` : ''}`));
  return { book, list, published, summary };
}

describe('LiveList', () => {
  test('a live event enters with its main market read whole, then follows its deltas', async () => {
    const { book, list, summary } = setup();
    const engine = new FakeEngine(book, 'sr:match:1');
    const epoch = await engine.newEpoch();
    await engine.price('1', { '1': '2.10', X: '3.30', '2': '3.60' });
    list.applyFixture(fixture('sr:match:1', 'not_started', 1));
    assert.deepEqual(summary(), [], 'not live: not listed');
    list.applyFixture(fixture('sr:match:1', 'live', 2, { score: { home: 0, away: 0 } }));
    await settle();
    assert.deepEqual(summary(), ['LiveEventUpdated:sr:match:1:live:0-0', 'LiveMarketChanged:sr:match:1:open:1=2.10,X=3.30,2=3.60']);

    list.applyDelta(epoch, 'duplicate');
    list.applyDelta(await engine.price('18/total=2.5', { '1': '1.90' }), 'accepted');
    const d = await engine.price('1', { '1': '2.20' });
    list.applyDelta(d, 'accepted');
    list.applyDelta(d, 'accepted');
    list.applyDelta(await engine.status('1', 'suspended'), 'accepted');
    assert.deepEqual(summary(), ['LiveMarketChanged:sr:match:1:open:1=2.20,X=3.30,2=3.60', 'LiveMarketChanged:sr:match:1:suspended:1=2.20,X=3.30,2=3.60']);
    assert.deepEqual(list.snapshot('sr:sport:1').events.map((e) => [e.eventId, e.main?.state, e.main?.reasons]), [['sr:match:1', 'suspended', ['TRADER']]]);
  });

  test('score and status changes are published once; older fixture states are ignored; leaving removes', async () => {
    const { list, summary } = setup();
    list.applyFixture(fixture('sr:match:2', 'live', 10, { score: { home: 0, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'live', 11, { score: { home: 0, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'live', 12, { score: { home: 1, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'live', 9, { score: { home: 0, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'suspended', 13, { score: { home: 1, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'ended', 14, { score: { home: 1, away: 0 } }));
    list.applyFixture(fixture('sr:match:2', 'ended', 15));
    await settle();
    assert.deepEqual(summary(), ['LiveEventUpdated:sr:match:2:live:0-0', 'LiveEventUpdated:sr:match:2:live:1-0', 'LiveEventUpdated:sr:match:2:suspended:1-0', 'LiveEventRemoved:sr:match:2']);
    assert.equal(list.size, 0);
  });

  test('deltas that arrive while the main market is read are applied on top of it', async () => {
    const gate = deferred();
    const book = new InMemoryPriceBook();
    const { list, summary } = setup(async (id, key) => {
      const view = await book.getMarket(id, key);
      await gate.promise;
      return view;
    });
    const engine = new FakeEngine(book, 'sr:match:3');
    await engine.newEpoch();
    await engine.price('1', { '1': '2.00' });
    list.applyFixture(fixture('sr:match:3', 'live', 1));
    const later = await engine.price('1', { '1': '2.50' });
    list.applyDelta(later, 'accepted');
    gate.resolve();
    await settle();
    assert.deepEqual(summary(), ['LiveEventUpdated:sr:match:3:live:---', 'LiveMarketChanged:sr:match:3:open:1=2.00,X=2.00,2=2.00', 'LiveMarketChanged:sr:match:3:open:1=2.50,X=2.00,2=2.00']);
  });

  test('a new epoch or a gap reads the main market again', async () => {
    const { book, list, summary } = setup();
    const engine = new FakeEngine(book, 'sr:match:4');
    await engine.newEpoch();
    await engine.price('1', { '1': '2.00' });
    list.applyFixture(fixture('sr:match:4', 'live', 1));
    await settle();
    summary();
    list.applyDelta(await engine.newEpoch(), 'restarted');
    const p = await engine.price('1', { '1': '4.00' });
    list.applyDelta(p, 'accepted');
    await settle();
    assert.deepEqual(summary().at(-1), 'LiveMarketChanged:sr:match:4:open:1=4.00,X=2.00,2=2.00');
    await engine.price('1', { X: '5.00' }); // lost
    list.applyDelta(await engine.price('1', { '2': '6.00' }), 'restarted');
    await settle();
    assert.deepEqual(summary().at(-1), 'LiveMarketChanged:sr:match:4:open:1=4.00,X=5.00,2=6.00');
  });

  test('through the hub: a live channel snapshot lists the events, changes follow as deltas', async () => {
    const book = new InMemoryPriceBook();
    let list!: LiveList;
    const { hub, fanout } = createHub({}, { liveSnapshot: (sportId) => list.snapshot(sportId) }, book);
    list = new LiveList(
      { readMarket: (id, key) => book.getMarket(id, key), publish: (sportId, change) => hub.publish(`sport:${sportId}:live`, change), clock: new ManualClock(), logger: silentLogger },
      { mainMarkets: DEFAULT_MAIN_MARKETS, defaultMainMarket: '1' },
    );
    const engine = new FakeEngine(book, 'sr:match:5');
    await engine.newEpoch();
    await engine.price('1', { '1': '1.50' });
    list.applyFixture(fixture('sr:match:5', 'live', 1, { score: { home: 2, away: 1 } }));
    list.applyFixture(fixture('sr:match:6', 'live', 1, { scheduledStart: '2026-11-22T11:00:00.000Z' }));
    await settle();
    hub.subscribe('a', [parseChannel('sport:sr:sport:1:live')!]);
    const [snapshot] = fanout.framesOf('a');
    const body = snapshot!.body as { seq: number; data: { events: Array<{ eventId: string; score?: unknown; main?: { outcomes: unknown[] } }> } };
    assert.equal(snapshot!.event, 'snapshot');
    assert.deepEqual(body.data.events.map((e) => e.eventId), ['sr:match:6', 'sr:match:5'], 'by scheduled start');
    assert.deepEqual(body.data.events[1]?.score, { home: 2, away: 1 });
    assert.equal(body.data.events[1]?.main?.outcomes.length, 3);

    const d = await engine.price('1', { '1': '1.55' });
    list.applyDelta(d, hub.onOddsDelta(d));
    list.applyFixture(fixture('sr:match:6', 'closed', 2));
    await settle();
    const delta = fanout.framesOf('a')[1]!.body as unknown as { from: number; seq: number; changes: LiveChange[] };
    assert.equal(delta.from, body.seq + 1);
    assert.deepEqual(delta.changes.map((c) => `${c.type}:${c.eventId}`), ['LiveMarketChanged:sr:match:5', 'LiveEventRemoved:sr:match:6']);
  });
});
