import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MarketWatcher, waitOnWatch, type StopCause } from '../../../bet-acceptor/delay.ts';
import type { OddsDelta } from '../../../core/contracts/odds.ts';
import type { EventId } from '../../../core/ids.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const E = 'sr:match:1' as EventId;
const meta = (seq: number, epoch = 'e1') => ({ v: 1 as const, eventId: E, epoch, seq, ts: 0, sourceTs: 0, traceId: 't' });
const status = (seq: number, marketKey: string, state: 'open' | 'suspended', epoch = 'e1'): OddsDelta => ({ ...meta(seq, epoch), type: 'MarketStatusChanged', marketKey, state, reasons: state === 'open' ? [] : ['BET_STOP'] });
const price = (seq: number, marketKey: string, state: 'open' | 'suspended' = 'open'): OddsDelta => ({ ...meta(seq), type: 'PriceChanged', marketKey, state, outcomes: [] });

describe('MarketWatcher and Watch', () => {
  test('deltas after the baseline on a watched market stop the watch; older ones and other markets do not', () => {
    const watcher = new MarketWatcher();
    const watch = watcher.watch([{ eventId: E, marketKey: '1' }]);
    watch.setBaseline(E, 'e1', 10);
    watcher.onDelta(status(9, '1', 'suspended'));
    watcher.onDelta(status(11, '18/total=2.5', 'suspended'));
    watcher.onDelta(price(12, '1'));
    assert.equal(watch.stopped, undefined);
    assert.equal(watch.seenSeq(E), 12);
    watcher.onDelta(price(13, '1', 'suspended'));
    assert.deepEqual(watch.stopped, { eventId: E, kind: 'market_not_open', marketKey: '1', state: 'suspended', seq: 13 });
    watch.close();
    assert.equal(watcher.size, 0, 'a closed watch is forgotten');
  });

  test('deltas that arrive before the baseline is known are judged against it', () => {
    const watcher = new MarketWatcher();
    const early = watcher.watch([{ eventId: E, marketKey: '1' }]);
    watcher.onDelta(status(5, '1', 'suspended'));
    early.setBaseline(E, 'e1', 5);
    assert.equal(early.stopped, undefined, 'the read already included seq 5');
    const late = watcher.watch([{ eventId: E, marketKey: '1' }]);
    watcher.onDelta(status(6, '1', 'suspended'));
    late.setBaseline(E, 'e1', 5);
    assert.equal(late.stopped?.seq, 6, 'seq 6 came after the read');
  });

  test('an EpochStarted of another epoch stops it; deltas of another epoch are not counted', () => {
    const watcher = new MarketWatcher();
    const watch = watcher.watch([{ eventId: E, marketKey: '1' }]);
    watch.setBaseline(E, 'e1', 3);
    watcher.onDelta(status(1, '1', 'suspended', 'e0'));
    assert.equal(watch.stopped, undefined);
    assert.equal(watch.seenSeq(E), 3);
    watcher.onDelta({ ...meta(1, 'e2'), type: 'EpochStarted' });
    // Read through a function: the compiler would keep the narrowing of the assert above.
    const cause = (): StopCause | undefined => watch.stopped;
    assert.equal(cause()?.kind, 'event_rebuilt');
  });

  test('waitOnWatch resolves early when its condition holds, or false at the deadline', async () => {
    const clock = new ManualClock();
    const watcher = new MarketWatcher();
    const watch = watcher.watch([{ eventId: E, marketKey: '1' }]);
    watch.setBaseline(E, 'e1', 1);
    const stoppedEarly = waitOnWatch(clock, watch, 5000, () => watch.stopped !== undefined);
    clock.advance(1000);
    watcher.onDelta(status(2, '1', 'suspended'));
    assert.equal(await stoppedEarly, true);
    const timedOut = waitOnWatch(clock, watch, 100, () => watch.seenSeq(E) >= 9);
    clock.advance(100);
    assert.equal(await timedOut, false);
    assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
  });
});
