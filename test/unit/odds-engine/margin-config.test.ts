import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MarginConfig, scopeCovers } from '../../../odds-engine/margin-config.ts';

const ctx = { eventId: 'sr:match:1', marketId: 18, sportId: 'sr:sport:1', tournamentId: 'sr:tournament:17' };

describe('margin configuration', () => {
  test('the most specific level wins: default → sport → tournament → event → market type', () => {
    const config = new MarginConfig({ margin: 0.05, method: 'proportional' });
    const steps = [
      [{ level: 'sport', key: 'sr:sport:1' }, 0.06],
      [{ level: 'tournament', key: 'sr:tournament:17' }, 0.07],
      [{ level: 'event', key: 'sr:match:1' }, 0.08],
      [{ level: 'market-type', key: '18' }, 0.09],
    ] as const;
    assert.deepEqual(config.resolve(ctx), { margin: 0.05, method: 'proportional', marginLevel: 'default', methodLevel: 'default' });
    for (const [scope, margin] of steps) {
      config.set(scope, { margin });
      const resolved = config.resolve(ctx);
      assert.equal(resolved.margin, margin);
      assert.equal(resolved.marginLevel, scope.level);
    }
    // Removing the most specific setting falls back to the next one.
    config.remove({ level: 'market-type', key: '18' });
    assert.equal(config.resolve(ctx).margin, 0.08);
    assert.equal(config.resolve({ ...ctx, eventId: 'sr:match:2' }).margin, 0.07);
    assert.equal(config.resolve({ ...ctx, eventId: 'sr:match:2', tournamentId: 'sr:tournament:9' }).margin, 0.06);
    assert.equal(config.resolve({ eventId: 'sr:match:2', marketId: 1 }).margin, 0.05);
  });

  test('margin and method resolve independently', () => {
    const config = new MarginConfig({ margin: 0.05, method: 'proportional' }, [
      { scope: { level: 'sport', key: 'sr:sport:1' }, setting: { margin: 0.07 } },
      { scope: { level: 'tournament', key: 'sr:tournament:17' }, setting: { method: 'shin' } },
    ]);
    assert.deepEqual(config.resolve(ctx), { margin: 0.07, method: 'shin', marginLevel: 'sport', methodLevel: 'tournament' });
  });

  test('set and remove report before and after; the default cannot be removed or left incomplete', () => {
    const config = new MarginConfig({ margin: 0.05, method: 'proportional' });
    assert.deepEqual(config.set({ level: 'event', key: 'sr:match:1' }, { margin: 0.03 }), { scope: { level: 'event', key: 'sr:match:1' }, before: undefined, after: { margin: 0.03 } });
    assert.deepEqual(config.set({ level: 'event', key: 'sr:match:1' }, { method: 'power' }).before, { margin: 0.03 });
    assert.deepEqual(config.remove({ level: 'event', key: 'sr:match:1' }), { scope: { level: 'event', key: 'sr:match:1' }, before: { method: 'power' }, after: undefined });
    assert.deepEqual(config.set({ level: 'default' }, { margin: 0.04, method: 'power' }).before, { margin: 0.05, method: 'proportional' });
    assert.throws(() => config.remove({ level: 'default' }), { code: 'INVALID_REQUEST' });
    assert.throws(() => config.set({ level: 'default' }, { margin: 0.04 }), { code: 'INVALID_REQUEST' });
  });

  test('values are bounded and keys checked', () => {
    const config = new MarginConfig({ margin: 0.05, method: 'proportional' });
    for (const margin of [-0.01, 0.5000001, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => config.set({ level: 'sport', key: 'sr:sport:1' }, { margin }), { code: 'INVALID_REQUEST' }, String(margin));
    }
    assert.throws(() => config.set({ level: 'sport', key: 'sr:sport:1' }, {}), { code: 'INVALID_REQUEST' });
    assert.throws(() => config.set({ level: 'sport', key: 'sr:sport:1' }, { method: 'magic' as never }), { code: 'INVALID_REQUEST' });
    assert.throws(() => config.set({ level: 'sport', key: 'football' }, { margin: 0.1 }), { code: 'INVALID_REQUEST' });
    assert.throws(() => config.set({ level: 'market-type', key: '18/total=2.5' }, { margin: 0.1 }), { code: 'INVALID_REQUEST' });
    assert.throws(() => new MarginConfig({ margin: 0.9, method: 'proportional' }), { code: 'INVALID_REQUEST' });
    config.set({ level: 'sport', key: 'sr:sport:1' }, { margin: 0 });
    config.set({ level: 'sport', key: 'sr:sport:2' }, { margin: 0.5 });
    assert.equal(config.entries().length, 3);
  });

  test('a clone changes independently (what-if previews)', () => {
    const config = new MarginConfig({ margin: 0.05, method: 'proportional' }, [{ scope: { level: 'sport', key: 'sr:sport:1' }, setting: { margin: 0.06 } }]);
    const copy = config.clone();
    copy.set({ level: 'sport', key: 'sr:sport:1' }, { margin: 0.1 });
    assert.equal(config.resolve(ctx).margin, 0.06);
    assert.equal(copy.resolve(ctx).margin, 0.1);
  });

  test('scopeCovers tells which markets a setting can touch', () => {
    assert.equal(scopeCovers({ level: 'default' }, ctx), true);
    assert.equal(scopeCovers({ level: 'sport', key: 'sr:sport:1' }, ctx), true);
    assert.equal(scopeCovers({ level: 'sport', key: 'sr:sport:2' }, ctx), false);
    assert.equal(scopeCovers({ level: 'market-type', key: '18' }, ctx), true);
    assert.equal(scopeCovers({ level: 'market-type', key: '1' }, ctx), false);
    assert.equal(scopeCovers({ level: 'tournament', key: 'sr:tournament:17' }, { eventId: 'sr:match:1', marketId: 1 }), false);
  });
});
