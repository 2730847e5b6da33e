import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import type { SimulatorOptions } from '../../../feed-ingest/simulator/simulator.ts';

const decoder = new TextDecoder();

/** Plays `minutes` of simulated feed and returns every message as "routing key + XML". */
async function play(options: SimulatorOptions, minutes: number, consumerDelay = false): Promise<string[]> {
  const clock = new ManualClock();
  const sim = new MatchSimulator({ clock }, options);
  const messages: string[] = [];
  await sim.start(async (m) => {
    if (consumerDelay) await new Promise<void>((resolve) => setImmediate(resolve));
    messages.push(`${m.routingKey} ${decoder.decode(m.payload)}`);
  });
  await clock.advanceAsync(minutes * 60_000, 500);
  await sim.drain();
  await sim.stop();
  return messages;
}

describe('simulator determinism', () => {
  const options: SimulatorOptions = { seed: 'determinism', liveMatches: 3, upcomingMatches: 2 };

  test('the same seed and the same clock steps give byte-identical messages', async () => {
    const first = await play(options, 4);
    const second = await play(options, 4);
    assert.ok(first.length > 200, `a few minutes produce plenty of messages (${first.length})`);
    assert.deepEqual(second, first);
  });

  test('how fast the consumer takes messages changes nothing', async () => {
    assert.deepEqual(await play(options, 2, true), await play(options, 2));
  });

  test('another seed gives another feed', async () => {
    const a = await play(options, 1);
    const b = await play({ ...options, seed: 'another' }, 1);
    assert.notDeepEqual(a, b);
  });
});
