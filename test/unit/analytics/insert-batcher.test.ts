import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InsertBatcher, type InsertBatcherOptions } from '../../../adapters/analytics/insert-batcher.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { isAppError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { deferred } from '../../support/wait.ts';

class Retriable extends Error {}

/** An insert the test answers: each call waits for ok() or fail(). */
function fakeInsert() {
  const calls: Array<{ rows: number[]; answer: ReturnType<typeof deferred<void>> }> = [];
  return {
    calls,
    insert: (rows: readonly number[]) => {
      const answer = deferred<void>();
      calls.push({ rows: [...rows], answer });
      return answer.promise;
    },
    /** Answers the latest call and lets the batcher react. */
    async ok() {
      calls.at(-1)!.answer.resolve();
      await settle();
    },
    async fail(error: unknown = new Retriable('connection refused')) {
      calls.at(-1)!.answer.reject(error);
      await settle();
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: Partial<InsertBatcherOptions<number>> = {}) {
  const clock = new ManualClock();
  const metrics = new PromMetrics();
  const fake = fakeInsert();
  const batcher = new InsertBatcher<number>(
    { clock, logger: silentLogger, metrics },
    {
      table: 't',
      insert: fake.insert,
      isRetriable: (e) => e instanceof Retriable,
      maxRows: 3,
      intervalMs: 1000,
      maxBuffered: 10,
      overflow: 'reject',
      writeTimeoutMs: 5000,
      backoff: { initialMs: 100, maxMs: 400 },
      ...options,
    },
  );
  const metric = async (name: string, labels: string) => {
    const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  return { clock, fake, batcher, metric };
}

/** Records whether a promise settled, without leaving a rejection unhandled. */
function track(promise: Promise<void>) {
  const state: { done: boolean; error?: unknown } = { done: false };
  promise.then(
    () => void (state.done = true),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

describe('InsertBatcher', () => {
  test('buffered rows go out when the interval has passed on the Clock', async () => {
    const { clock, fake, batcher } = setup();
    batcher.add([1, 2]);
    clock.advance(999);
    assert.equal(fake.calls.length, 0);
    clock.advance(1);
    assert.deepEqual(fake.calls.map((c) => c.rows), [[1, 2]]);
    await fake.ok();
    assert.equal(batcher.pending, 0);
  });

  test('a full batch goes out at once; one insert in flight; order kept', async () => {
    const { fake, batcher } = setup();
    batcher.add([1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(fake.calls.map((c) => c.rows), [[1, 2, 3]]);
    await fake.ok();
    assert.deepEqual(fake.calls.map((c) => c.rows), [[1, 2, 3], [4, 5, 6]]);
    await fake.ok();
    // One row left: under a batch, it waits for the interval.
    assert.equal(fake.calls.length, 2);
    assert.equal(batcher.pending, 1);
  });

  test('write() goes out at once; writes arriving meanwhile share the next insert (group commit)', async () => {
    const { fake, batcher } = setup({ maxRows: 100 });
    const a = track(batcher.write([1]));
    const b = track(batcher.write([2]));
    const c = track(batcher.write([3]));
    assert.deepEqual(fake.calls.map((x) => x.rows), [[1]]);
    await fake.ok();
    assert.equal(a.done && !b.done && !c.done, true);
    assert.deepEqual(fake.calls.map((x) => x.rows), [[1], [2, 3]]);
    await fake.ok();
    assert.deepEqual([a, b, c].map((s) => [s.done, s.error]), [[true, undefined], [true, undefined], [true, undefined]]);
  });

  test('a retriable failure keeps the rows at the head and retries with a doubling backoff', async () => {
    const { clock, fake, batcher, metric } = setup();
    const w = track(batcher.write([1, 2]));
    await fake.fail();
    batcher.add([3]);
    assert.equal(fake.calls.length, 1, 'no insert while backing off');
    clock.advance(99);
    assert.equal(fake.calls.length, 1);
    clock.advance(1);
    assert.deepEqual(fake.calls.at(-1)!.rows, [1, 2, 3]);
    await fake.fail();
    clock.advance(199);
    assert.equal(fake.calls.length, 2);
    clock.advance(1);
    await fake.fail();
    clock.advance(400);
    await fake.fail();
    clock.advance(400); // capped at maxMs
    assert.equal(fake.calls.length, 5);
    await fake.ok();
    assert.equal(w.done && w.error === undefined, true);
    assert.equal(await metric('sb_analytics_insert_failures_total', 'table="t",retriable="true"'), 4);
    assert.equal(await metric('sb_analytics_rows_written_total', 'table="t"'), 3);
  });

  test('a writer waits at most the write timeout; its rows are still written afterwards', async () => {
    const { clock, fake, batcher } = setup({ backoff: { initialMs: 10_000, maxMs: 10_000 } });
    const w = track(batcher.write([1]));
    await fake.fail();
    clock.advance(5000);
    await settle();
    assert.ok(isAppError(w.error) && w.error.code === 'DEPENDENCY_UNAVAILABLE' && w.error.retriable);
    clock.advance(5000);
    assert.deepEqual(fake.calls.at(-1)!.rows, [1]);
    await fake.ok();
    assert.equal(batcher.pending, 0);
  });

  test('a failure that is not retriable drops the batch, rejects its writers, and the rest goes on', async () => {
    const { fake, batcher, metric } = setup({ maxRows: 2 });
    const first = track(batcher.write([1, 2]));
    const second = track(batcher.write([3]));
    const refused = new Error('type mismatch');
    await fake.fail(refused);
    assert.equal(first.error, refused);
    assert.equal(second.done, false);
    assert.deepEqual(fake.calls.at(-1)!.rows, [3]);
    await fake.ok();
    assert.equal(second.done && second.error === undefined, true);
    assert.equal(await metric('sb_analytics_rows_dropped_total', 'table="t",reason="failed"'), 2);
  });

  test('reject mode: a full buffer, in-flight rows included, refuses new rows at once', async () => {
    const { fake, batcher, metric } = setup({ maxBuffered: 4 });
    batcher.add([1, 2, 3]); // in flight
    batcher.add([4]);
    assert.throws(() => batcher.add([5]), (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE');
    assert.equal(await metric('sb_analytics_rows_refused_total', 'table="t"'), 1);
    await fake.fail();
    assert.equal(batcher.pending, 4, 'the failed batch is back; nothing was dropped');
  });

  test('drop-oldest mode: the oldest waiting rows make room, counted; flush() still resolves', async () => {
    const { clock, fake, batcher, metric } = setup({ overflow: 'drop-oldest', maxBuffered: 4, maxRows: 100 });
    const flushed = track((async () => {
      batcher.add([1, 2]);
      await batcher.flush();
    })());
    await fake.fail();
    batcher.add([3, 4, 5, 6]);
    assert.equal(await metric('sb_analytics_rows_dropped_total', 'table="t",reason="overflow"'), 2);
    clock.advance(100);
    assert.deepEqual(fake.calls.at(-1)!.rows, [3, 4, 5, 6]);
    await fake.ok();
    assert.equal(flushed.done && flushed.error === undefined, true);
  });

  test('close() flushes, then refuses; during an outage it gives up after the write timeout, counting the rows', async () => {
    const { clock, fake, batcher, metric } = setup();
    batcher.add([1]);
    const closed = track(batcher.close());
    assert.throws(() => batcher.add([2]), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
    await fake.fail();
    clock.advance(5000); // a retry is in flight when the write timeout ends the flush
    await settle();
    assert.equal(closed.done, false, 'close waits for the insert in flight');
    await fake.fail();
    assert.equal(closed.done && closed.error === undefined, true);
    assert.equal(await metric('sb_analytics_rows_dropped_total', 'table="t",reason="closed"'), 1);
    assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
    await batcher.close();
  });
});
