import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProducerWatchdog } from '../../../feed-ingest/producer-watchdog.ts';
import type { FeedMessage, ProducerDown, ProducerUp } from '../../../core/contracts/feed.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { waitFor } from '../../support/wait.ts';

interface Rig {
  clock: ManualClock;
  watchdog: ProducerWatchdog;
  emitted: Array<(ProducerDown | ProducerUp) & { at: number }>;
  requests: Array<{ producer: number; requestId: number; after?: number; at: number }>;
  failNextRequests: number;
}

function rig(options: { maxLagMs?: number } = {}): Rig {
  const clock = new ManualClock();
  const r: Rig = { clock, watchdog: undefined as never, emitted: [], requests: [], failNextRequests: 0 };
  r.watchdog = new ProducerWatchdog(
    {
      clock,
      logger: silentLogger,
      emit: async (m) => void r.emitted.push({ ...m, at: clock.now() }),
      recovery: {
        requestRecovery: async (req) => {
          r.requests.push({ ...req, at: clock.now() });
          if (r.failNextRequests > 0) {
            r.failNextRequests -= 1;
            throw new Error('503 from provider');
          }
        },
      },
    },
    { producers: [1, 3], aliveTimeoutMs: 20_000, maxLagMs: options.maxLagMs ?? 30_000, recoveryTimeoutMs: 300_000 },
  );
  r.watchdog.start();
  return r;
}

const base = { v: 1 as const, traceId: 't', receivedTs: 0 };
const alive = (producer: number, ts: number, subscribed = true): FeedMessage => ({ ...base, messageId: `a${ts}`, type: 'ProducerAlive', producer, sourceTs: ts, subscribed });
const snapshot = (producer: number, requestId: number): FeedMessage => ({ ...base, messageId: `s${requestId}`, type: 'SnapshotCompleted', producer, sourceTs: 0, requestId });

/** Sends an alive every 10 s for `count` periods. */
async function alives(r: Rig, producer: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await r.watchdog.observe(alive(producer, r.clock.now()));
    await r.clock.advanceAsync(10_000);
  }
}

describe('producer watchdog', () => {
  test('alive messages stopped: ProducerDown within the timeout, recovery after the last alive', async () => {
    const r = rig();
    await r.watchdog.observe(alive(3, r.clock.now()));
    await alives(r, 1, 3);
    const lastAlive = r.clock.now() - 10_000;
    await r.clock.advanceAsync(30_000, 500);
    const down = r.emitted.find((m) => m.type === 'ProducerDown' && m.producer === 1);
    assert.ok(down, 'ProducerDown published');
    assert.equal(down.type === 'ProducerDown' && down.reason, 'ALIVE_TIMEOUT');
    assert.ok(down.at - lastAlive <= 20_000 + 1000, `down ${down.at - lastAlive} ms after the last alive`);
    const req = r.requests.find((q) => q.producer === 1);
    assert.equal(req?.after, lastAlive);
    assert.equal(r.watchdog.snapshot()[1]?.status, 'down');
  });

  test('a producer never heard from goes down after the timeout, with a full recovery', async () => {
    const r = rig();
    await r.clock.advanceAsync(20_000);
    assert.deepEqual(r.emitted.map((m) => [m.type, m.producer]).sort(), [['ProducerDown', 1], ['ProducerDown', 3]]);
    assert.ok(r.requests.every((q) => q.after === undefined));
  });

  test('ProducerUp only after the snapshot_complete of our request; other ids are ignored', async () => {
    const r = rig();
    await r.watchdog.observe(alive(1, r.clock.now(), false));
    assert.equal(r.emitted[0]?.type === 'ProducerDown' && r.emitted[0].reason, 'NOT_SUBSCRIBED');
    const requestId = r.requests[0]!.requestId;
    await r.watchdog.observe(snapshot(1, requestId + 1000));
    await r.watchdog.observe(snapshot(3, requestId));
    assert.equal(r.emitted.filter((m) => m.type === 'ProducerUp').length, 0, 'wrong id or producer: still down');
    await r.clock.advanceAsync(1500);
    await r.watchdog.observe(snapshot(1, requestId));
    const up = r.emitted.find((m) => m.type === 'ProducerUp');
    assert.ok(up && up.type === 'ProducerUp');
    assert.equal(up.requestId, requestId);
    assert.equal(up.downForMs, 1500);
    assert.equal(r.watchdog.snapshot()[1]?.status, 'up');
    await r.watchdog.observe(snapshot(1, requestId));
    assert.equal(r.emitted.filter((m) => m.type === 'ProducerUp').length, 1, 'a repeated snapshot_complete changes nothing');
  });

  test('up again, the watchdog watches alives again', async () => {
    const r = rig();
    await r.watchdog.observe(alive(1, r.clock.now(), false));
    await r.watchdog.observe(snapshot(1, r.requests[0]!.requestId));
    await alives(r, 1, 2);
    await r.clock.advanceAsync(20_000, 1000);
    assert.deepEqual(r.emitted.filter((m) => m.producer === 1).map((m) => m.type), ['ProducerDown', 'ProducerUp', 'ProducerDown']);
  });

  test('alives far behind their timestamp mean processing lag', async () => {
    const r = rig({ maxLagMs: 5000 });
    await r.watchdog.observe(alive(1, r.clock.now() - 6000));
    assert.equal(r.emitted[0]?.type === 'ProducerDown' && r.emitted[0].reason, 'PROCESSING_LAG');
  });

  test('a failed recovery request is retried with backoff, and an unanswered one is asked again', async () => {
    const r = rig();
    const ofOne = () => r.requests.filter((q) => q.producer === 1);
    await r.watchdog.observe(alive(3, r.clock.now()));
    r.failNextRequests = 2;
    await r.watchdog.observe(alive(1, r.clock.now(), false));
    await r.clock.advanceAsync(1000);
    await r.clock.advanceAsync(2000);
    await waitFor(() => ofOne().length === 3, { message: 'two retries' });
    assert.deepEqual(ofOne().map((q) => q.at - ofOne()[0]!.at), [0, 1000, 3000]);
    await r.watchdog.observe(alive(3, r.clock.now()));
    await r.clock.advanceAsync(300_000, 10_000);
    assert.equal(ofOne().length, 4, 'asked again after the recovery timeout');
    assert.equal(new Set(ofOne().map((q) => q.requestId)).size, 4, 'every request has its own id');
    await r.watchdog.observe(snapshot(1, ofOne()[2]!.requestId));
    assert.equal(r.emitted.some((m) => m.type === 'ProducerUp'), false, 'a superseded request id does not bring it up');
    await r.watchdog.observe(snapshot(1, ofOne()[3]!.requestId));
    assert.equal(r.emitted.some((m) => m.type === 'ProducerUp' && m.producer === 1), true);
    r.watchdog.stop();
  });

  test('recovery never reaches further back than the producer allows', async () => {
    const r = rig({ maxLagMs: 0 });
    const lastAlive = r.clock.now();
    await r.watchdog.observe(alive(6, lastAlive)); // virtual football: 180 minutes of recovery at most
    r.failNextRequests = Number.POSITIVE_INFINITY;
    await r.clock.advanceAsync(4 * 3600_000, 30_000);
    const ofSix = r.requests.filter((q) => q.producer === 6);
    assert.equal(ofSix[0]?.after, lastAlive, 'the first request starts at the last alive');
    const last = ofSix.at(-1)!;
    assert.ok(last.at - lastAlive > 3 * 3600_000);
    assert.equal(last.after, last.at - 180 * 60_000, 'a later retry is capped to the 180-minute window');
    r.watchdog.stop();
  });
});
