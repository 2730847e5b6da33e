import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../../support/manual-clock.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import { isAppError } from '../../../core/errors.ts';

interface Message {
  readonly root: string;
  readonly attrs: Record<string, string>;
  readonly routingKey: string;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', attributesGroupName: '$', parseAttributeValue: false });
const decoder = new TextDecoder();

async function running(): Promise<{ sim: MatchSimulator; clock: ManualClock; feed: Message[] }> {
  const clock = new ManualClock();
  const sim = new MatchSimulator({ clock }, { seed: 'recovery', liveMatches: 3, upcomingMatches: 2 });
  const feed: Message[] = [];
  await sim.start(async (m) => {
    const doc = parser.parse(decoder.decode(m.payload)) as Record<string, { $?: Record<string, string> }>;
    const root = Object.keys(doc).find((k) => k !== '?xml')!;
    feed.push({ root, attrs: doc[root]!.$ ?? {}, routingKey: m.routingKey ?? '' });
  });
  await clock.advanceAsync(20_000, 250);
  await sim.drain();
  return { sim, clock, feed };
}

describe('simulator recovery', () => {
  for (const producer of [1, 3]) {
    test(`producer ${producer}: an odds_change with the request id per event, then snapshot_complete`, async () => {
      const { sim, feed } = await running();
      const from = feed.length;
      await sim.requestRecovery({ producer, requestId: 4242, after: Date.UTC(2026, 10, 22, 11, 59) });
      await sim.drain();
      const answer = feed.slice(from);
      const events = (await sim.listFixtures()).filter((f) => f.producer === producer).map((f) => f.eventId);
      assert.ok(events.length >= 2);
      assert.equal(answer.length, events.length + 1);
      for (const m of answer.slice(0, -1)) {
        assert.equal(m.root, 'odds_change');
        assert.equal(m.attrs.request_id, '4242');
        assert.equal(m.attrs.product, String(producer));
      }
      assert.deepEqual(answer.slice(0, -1).map((m) => m.attrs.event_id).sort(), [...events].sort());
      const last = answer.at(-1)!;
      assert.equal(last.root, 'snapshot_complete');
      assert.deepEqual(last.attrs, { request_id: '4242', product: String(producer), timestamp: last.attrs.timestamp });
      await sim.stop();
    });
  }
});

describe('simulator producer pause', () => {
  test('a paused producer sends no alive and refuses recovery until resumed', async () => {
    const { sim, clock, feed } = await running();
    sim.pause(1);
    const from = feed.length;
    await clock.advanceAsync(30_000, 250);
    await sim.drain();
    const alives = feed.slice(from).filter((m) => m.root === 'alive');
    assert.ok(alives.length >= 2, 'the pre-match producer keeps sending alive');
    assert.ok(alives.every((m) => m.attrs.product === '3'));
    await assert.rejects(sim.requestRecovery({ producer: 1, requestId: 1 }), (err) => isAppError(err) && err.code === 'RECOVERY_FAILED' && err.retriable);
    const resumedAt = feed.length;
    sim.resume(1);
    await sim.drain();
    assert.deepEqual(feed.slice(resumedAt).map((m) => [m.root, m.attrs.product, m.attrs.subscribed]), [['alive', '1', '1']]);
    await sim.requestRecovery({ producer: 1, requestId: 2 });
    await sim.drain();
    assert.equal(feed.at(-1)!.root, 'snapshot_complete');
    await sim.stop();
  });
});

describe('simulator fixtures', () => {
  test('lists live and upcoming matches with competitors, tournament and sport, and finds them by id', async () => {
    const { sim, feed } = await running();
    const fixtures = await sim.listFixtures();
    assert.equal(fixtures.filter((f) => f.producer === 1).length, 3);
    assert.equal(fixtures.filter((f) => f.producer === 3).length, 2);
    for (const f of fixtures) {
      assert.match(f.eventId, /^sr:match:\d+$/);
      assert.match(f.sport.id, /^sr:sport:(1|2|5)$/);
      assert.match(f.tournament.id, /^sr:tournament:\d+$/);
      assert.deepEqual(f.competitors.map((c) => c.qualifier), ['home', 'away']);
      assert.notEqual(f.competitors[0]!.name, f.competitors[1]!.name);
      assert.ok(!Number.isNaN(Date.parse(f.scheduledStart)));
      assert.deepEqual(await sim.getFixture(f.eventId), f);
    }
    const announced = new Set(feed.filter((m) => m.root === 'fixture_change').map((m) => m.attrs.event_id));
    for (const f of fixtures) assert.ok(announced.has(f.eventId), `${f.eventId} was announced by fixture_change`);
    assert.equal(await sim.getFixture('sr:match:1'), undefined);
    await sim.stop();
  });
});
