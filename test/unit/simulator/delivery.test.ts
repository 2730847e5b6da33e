import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { waitFor } from '../../support/wait.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import type { RawFeedMessage } from '../../../core/ports/feed-source.ts';
import { Fifo } from '../../../feed-ingest/simulator/fifo.ts';

const decoder = new TextDecoder();
const options = { seed: 'delivery', liveMatches: 2, upcomingMatches: 1 };

describe('simulator delivery', () => {
  test('hands messages over one at a time, in order', async () => {
    const clock = new ManualClock();
    const sim = new MatchSimulator({ clock }, options);
    let inFlight = 0;
    let most = 0;
    let count = 0;
    await sim.start(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
      count += 1;
    });
    await clock.advanceAsync(30_000, 250);
    await sim.drain();
    await sim.stop();
    assert.ok(count > 20);
    assert.equal(most, 1);
  });

  test('a message the consumer failed on comes again after the retry delay, before any later one', async () => {
    const reference: string[] = [];
    {
      const clock = new ManualClock();
      const sim = new MatchSimulator({ clock }, options);
      await sim.start(async (m) => void reference.push(decoder.decode(m.payload)));
      await clock.advanceAsync(5000, 250);
      await sim.drain();
      await sim.stop();
    }
    const clock = new ManualClock();
    const sim = new MatchSimulator({ clock }, { ...options, retryDelayMs: 2000 });
    const delivered: string[] = [];
    let failed = false;
    await sim.start(async (m: RawFeedMessage) => {
      if (delivered.length === 3 && !failed) {
        failed = true;
        throw new Error('bus unavailable');
      }
      delivered.push(decoder.decode(m.payload));
    });
    await waitFor(() => failed, { message: 'the consumer failed once' });
    assert.equal(delivered.length, 3, 'nothing is delivered while the failed message waits');
    await clock.advanceAsync(5000, 250);
    await sim.drain();
    await sim.stop();
    assert.deepEqual(delivered, reference);
  });

  test('stop() does not wait for a pending redelivery', async () => {
    const clock = new ManualClock();
    const sim = new MatchSimulator({ clock }, { ...options, retryDelayMs: 60_000 });
    let attempts = 0;
    await sim.start(async () => {
      attempts += 1;
      throw new Error('always failing');
    });
    await waitFor(() => attempts === 1, { message: 'first attempt' });
    await sim.stop();
    assert.equal(attempts, 1);
  });
});

describe('fifo', () => {
  test('keeps order across compactions and reports its size', () => {
    const fifo = new Fifo<number>();
    const pushed: number[] = [];
    const taken: number[] = [];
    const push = (v: number): void => {
      fifo.push(v);
      pushed.push(v);
    };
    for (let i = 0; i < 5000; i += 1) push(i);
    for (let i = 0; i < 4000; i += 1) {
      taken.push(fifo.peek()!);
      fifo.drop();
      if (i % 3 === 0) push(10_000 + i);
    }
    assert.equal(fifo.size, pushed.length - taken.length);
    while (fifo.size > 0) {
      taken.push(fifo.peek()!);
      fifo.drop();
    }
    assert.deepEqual(taken, pushed);
    assert.equal(fifo.peek(), undefined);
    fifo.drop();
    assert.equal(fifo.size, 0);
  });
});
