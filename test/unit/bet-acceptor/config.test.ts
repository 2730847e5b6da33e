import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../app/config.ts';
import { isAppError } from '../../../core/errors.ts';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(isAppError(e) && e.code === 'CONFIG_INVALID', 'CONFIG_INVALID');
    return (e.details?.problems as string[]) ?? [];
  }
  assert.fail('expected CONFIG_INVALID');
};

test('bet settings: in-play delays per sport and amounts are checked at boot', () => {
  const c = loadConfig({ SB_BET_INPLAY_DELAYS: 'sr:sport:1=8,*=4.5', SB_BET_MAX_STAKE: '250.00' });
  assert.deepEqual(c.betInPlayDelays, ['sr:sport:1=8', '*=4.5']);
  assert.equal(c.betMaxStake, '250.00');
  const problems = problemsOf(() => loadConfig({ SB_BET_INPLAY_DELAYS: 'football=6', SB_BET_LIABILITY_LIMIT: '1e6', SB_BET_CURRENCY: 'XYZ' }));
  assert.equal(problems.length, 1, 'the currency is refused first, by its type');
  const later = problemsOf(() => loadConfig({ SB_BET_INPLAY_DELAYS: 'football=6', SB_BET_LIABILITY_LIMIT: '1e6' }));
  assert.match(later.join('\n'), /SB_BET_INPLAY_DELAYS: football=6 is not <sport id>=<seconds>/);
  assert.match(later.join('\n'), /SB_BET_LIABILITY_LIMIT: 1e6 is not a decimal amount/);
});
