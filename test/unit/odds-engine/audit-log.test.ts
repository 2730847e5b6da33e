import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../../odds-engine/audit-log.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const actor = { sub: 'trader-1' };

describe('audit log', () => {
  test('entries get rising ids and the clock’s time; reads are newest first and filtered', () => {
    const clock = new ManualClock();
    const log = new AuditLog(clock);
    log.record({ actor, action: 'event.suspended', target: { eventId: 'sr:match:1' }, before: { suspended: false }, after: { suspended: true } });
    clock.advance(1000);
    log.record({ actor: { sub: 'trader-2' }, action: 'margin.set', target: { level: 'default' }, before: null, after: { margin: 0.06 } });
    log.record({ actor, action: 'event.resumed', target: { eventId: 'sr:match:1' }, before: { suspended: true }, after: { suspended: false } });
    assert.deepEqual(log.list().map((e) => e.id), [3, 2, 1]);
    assert.equal(log.list()[1]?.ts, clock.now());
    assert.deepEqual(log.list({ eventId: 'sr:match:1' }).map((e) => e.action), ['event.resumed', 'event.suspended']);
    assert.deepEqual(log.list({ actor: 'trader-2' }).map((e) => e.id), [2]);
    assert.deepEqual(log.list({ action: 'margin.set' }).map((e) => e.id), [2]);
    assert.deepEqual(log.list({ afterId: 1 }).map((e) => e.id), [3, 2]);
    assert.deepEqual(log.list({ limit: 1 }).map((e) => e.id), [3]);
  });

  test('keeps the newest `capacity` entries', () => {
    const log = new AuditLog(new ManualClock(), { capacity: 2 });
    for (let i = 0; i < 5; i++) log.record({ actor, action: 'margin.set', target: { level: 'default' }, before: null, after: { margin: i / 100 } });
    assert.deepEqual(log.list().map((e) => e.id), [5, 4]);
    assert.equal(log.oldestId, 4);
  });
});
