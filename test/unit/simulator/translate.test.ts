import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../support/manual-clock.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import { translateFeedMessage } from '../../../feed-ingest/translate.ts';
import type { FeedDeadLetter, FeedMessageType } from '../../../core/contracts/feed.ts';

describe('simulator feed through the UOF decoder', () => {
  test('every message translates to a normalized message, none is dead-lettered', async () => {
    const clock = new ManualClock();
    const sim = new MatchSimulator({ clock }, { seed: 'translate', rollbackProbability: 1, betCancelProbability: 1 });
    const types = new Map<FeedMessageType, number>();
    const dead: FeedDeadLetter[] = [];
    await sim.start(async (raw) => {
      const t = translateFeedMessage(raw);
      if (t.kind === 'dead-letter') dead.push(t.deadLetter);
      else types.set(t.message.type, (types.get(t.message.type) ?? 0) + 1);
    });
    await clock.advanceAsync(10 * 60_000, 1000);
    await sim.requestRecovery({ producer: 3, requestId: 9 });
    await sim.drain();
    await sim.stop();
    assert.deepEqual(dead.map((d) => `${d.reason}: ${d.detail}`), []);
    for (const type of ['OddsChanged', 'BetStopped', 'BetSettled', 'SettlementRolledBack', 'BetCancelled', 'FixtureChanged', 'ProducerAlive', 'SnapshotCompleted'] as const) {
      assert.ok((types.get(type) ?? 0) > 0, `saw ${type}`);
    }
  });
});
