/**
 * feed-ingest as a whole: the simulator's UOF XML in, normalized messages on the bus out, with
 * the producer watchdog and recovery working against the simulator on a manual clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { MatchSimulator } from '../../feed-ingest/simulator/simulator.ts';
import { createFeedIngest, type FeedIngest } from '../../feed-ingest/feed-ingest-service.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { TOPICS } from '../../core/topics.ts';
import type { FeedDeadLetter, FeedMessage } from '../../core/contracts/feed.ts';
import type { FeedSource, RawFeedMessage } from '../../core/ports/feed-source.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { waitFor } from '../support/wait.ts';

interface Seen {
  topic: string;
  key: string;
  value: FeedMessage;
  at: number;
}

describe('feed-ingest with the match simulator', () => {
  const clock = new ManualClock();
  const bus = new InMemoryBus();
  const simulator = new MatchSimulator({ clock }, { seed: 'ingest', liveMatches: 3, upcomingMatches: 2 });
  const recoveryRequests: Array<{ producer: number; requestId: number; after?: number; at: number }> = [];
  const seen: Seen[] = [];
  const deadLetters: FeedDeadLetter[] = [];
  let ingest: FeedIngest;

  before(async () => {
    await bus.subscribe<FeedMessage>({
      topics: [TOPICS.feedEvents, TOPICS.feedProducers],
      groupId: 'observer',
      handler: async (d) => void seen.push({ topic: d.topic, key: d.key, value: d.value, at: clock.now() }),
    });
    await bus.subscribe<FeedDeadLetter>({ topics: [TOPICS.feedDeadLetter], groupId: 'dlq', handler: async (d) => void deadLetters.push(d.value) });
    ingest = createFeedIngest(
      {
        bus,
        clock,
        logger: silentLogger,
        metrics: new PromMetrics(),
        source: simulator,
        recovery: {
          requestRecovery: async (request) => {
            recoveryRequests.push({ ...request, at: clock.now() });
            await simulator.requestRecovery(request);
          },
        },
      },
      { producers: [1, 3], aliveTimeoutMs: 20_000, maxLagMs: 30_000, summaryIntervalMs: 0 },
    );
    await ingest.start();
  });
  after(async () => {
    await ingest.stop();
    await bus.close();
  });

  async function play(ms: number): Promise<void> {
    await clock.advanceAsync(ms, 250);
    await simulator.drain();
    await new Promise((resolve) => setImmediate(resolve));
  }

  test('normalized messages flow onto feed.events keyed by event id, and producers stay up', async () => {
    await play(60_000);
    const events = seen.filter((s) => s.topic === TOPICS.feedEvents);
    assert.ok(events.some((s) => s.value.type === 'OddsChanged'), 'odds changes');
    assert.ok(events.every((s) => 'eventId' in s.value && s.key === s.value.eventId), 'keyed by event id');
    const alives = seen.filter((s) => s.value.type === 'ProducerAlive');
    assert.ok(alives.every((s) => s.key === `producer:${s.value.producer}`));
    assert.deepEqual([...new Set(alives.map((s) => s.value.producer))].sort(), [1, 3]);
    assert.equal(deadLetters.length, 0, JSON.stringify(deadLetters[0]));
    assert.deepEqual(ingest.producers()[1]?.status, 'up');
    assert.equal(seen.some((s) => s.value.type === 'ProducerDown'), false);
  });

  test('alives stop: ProducerDown within timeout + 1 s, recovery after the last alive, ProducerUp only on its snapshot_complete', async () => {
    simulator.pause(1);
    const pausedAt = clock.now();
    const lastAlive = Math.max(...seen.filter((s) => s.value.type === 'ProducerAlive' && s.value.producer === 1).map((s) => s.value.sourceTs));
    await play(25_000);
    const down = seen.find((s) => s.value.type === 'ProducerDown' && s.value.producer === 1);
    assert.ok(down, 'ProducerDown published');
    assert.ok(down.at - lastAlive <= 21_000, `published ${down.at - lastAlive} ms after the last alive`);
    assert.ok(down.at >= pausedAt);
    const first = recoveryRequests.find((r) => r.producer === 1);
    assert.equal(first?.after, lastAlive, 'recovery asks from the last processed alive');
    assert.equal(seen.some((s) => s.value.type === 'ProducerUp'), false, 'still down while the producer is silent');

    simulator.resume(1);
    await waitFor(
      async () => {
        await play(1000);
        return seen.some((s) => s.value.type === 'ProducerUp' && s.value.producer === 1);
      },
      { timeoutMs: 10_000, message: 'ProducerUp after recovery' },
    );
    const up = seen.find((s) => s.value.type === 'ProducerUp')!;
    const answered = recoveryRequests.filter((r) => r.producer === 1).at(-1)!;
    assert.equal(up.value.type === 'ProducerUp' && up.value.requestId, answered.requestId, 'up on the snapshot of the request in force');
    const snapshots = seen.filter((s) => s.value.type === 'SnapshotCompleted' && s.value.producer === 1);
    assert.ok(snapshots.length >= 1);
    const recovered = seen.filter((s) => s.value.type === 'OddsChanged' && s.value.requestId === answered.requestId);
    assert.ok(recovered.length >= 1, 'the recovery answered with odds for the producer’s events');
    assert.ok(seen.indexOf(up) > seen.indexOf(recovered.at(-1)!), 'ProducerUp after the recovered odds');
  });
});

test('what cannot be decoded goes to feed.dead-letter with its reason, and the rest still flows', async () => {
  const bus = new InMemoryBus();
  const deadLetters: FeedDeadLetter[] = [];
  const messages: FeedMessage[] = [];
  await bus.subscribe<FeedDeadLetter>({ topics: [TOPICS.feedDeadLetter], groupId: 'dlq', handler: async (d) => void deadLetters.push(d.value) });
  await bus.subscribe<FeedMessage>({ topics: [TOPICS.feedEvents, TOPICS.feedProducers], groupId: 'c', handler: async (d) => void messages.push(d.value) });
  const encode = (s: string) => new TextEncoder().encode(s);
  const raw = (payload: string): RawFeedMessage => ({ payload: encode(payload), source: 'test', receivedTs: 0 });
  const scripted: FeedSource = {
    name: 'scripted',
    async start(onMessage) {
      await onMessage(raw('<odds_change product="1" event_id="sr:match:1" timestamp="1700000000000"><odds'));
      await onMessage(raw('<alive product="1" timestamp="1700000000000" subscribed="1"/>'));
      await onMessage(raw(''));
    },
    async stop() {},
  };
  const metrics = new PromMetrics();
  const ingest = createFeedIngest(
    { bus, clock: new ManualClock(), logger: silentLogger, metrics, source: scripted, recovery: { requestRecovery: async () => {} } },
    { producers: [], summaryIntervalMs: 0, maxLagMs: 0 },
  );
  await ingest.start();
  await waitFor(() => deadLetters.length === 2 && messages.length === 1);
  assert.deepEqual(deadLetters.map((d) => d.reason), ['FEED_MALFORMED_XML', 'FEED_EMPTY_PAYLOAD']);
  assert.match(deadLetters[0]!.raw, /^<odds_change/);
  assert.equal(messages[0]?.type, 'ProducerAlive');
  assert.match(await metrics.render(), /sb_feed_dead_letters_total\{reason="FEED_MALFORMED_XML"\} 1/);
  await ingest.stop();
  await bus.close();
});
