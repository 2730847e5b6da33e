import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Limits } from '../../../bet-acceptor/limits.ts';
import { isAppError } from '../../../core/errors.ts';

describe('Limits', () => {
  const limits = new Limits('EUR', {
    minStake: '0.50',
    maxStake: '500.00',
    liability: '10000.00',
    maxPayout: '25000.00',
    rules: [
      { sportId: 'sr:sport:1', maxStake: '300.00', liability: '8000.00' },
      { marketId: 18, maxStake: '200.00' },
      { sportId: 'sr:sport:1', marketId: 18, maxStake: '150.00', minStake: '1.00' },
      { sportId: 'sr:sport:5', liability: '2000.00' },
    ],
    stakeFactors: { shark: '0.25', vip: '3' },
  });

  test('the most specific rule that sets a value wins: sport + market, market, sport, default', () => {
    assert.deepEqual(limits.forMarket('sr:sport:1', 18), { minStake: 100n, maxStake: 15_000n, liability: 800_000n });
    assert.deepEqual(limits.forMarket('sr:sport:2', 18), { minStake: 50n, maxStake: 20_000n, liability: 1_000_000n });
    assert.deepEqual(limits.forMarket('sr:sport:1', 1), { minStake: 50n, maxStake: 30_000n, liability: 800_000n });
    assert.deepEqual(limits.forMarket('sr:sport:5', 1), { minStake: 50n, maxStake: 50_000n, liability: 200_000n });
    assert.deepEqual(limits.forMarket(undefined, 1), { minStake: 50n, maxStake: 50_000n, liability: 1_000_000n });
  });

  test('a bet takes its strictest leg, and the player\'s factor scales the maximum (rounded down)', () => {
    const legs = [
      { sportId: 'sr:sport:1', marketId: 18 },
      { sportId: 'sr:sport:2', marketId: 1 },
    ];
    assert.deepEqual(limits.forBet('anyone', legs), { minStake: 100n, maxStake: 15_000n, maxPayout: 2_500_000n });
    assert.equal(limits.forBet('shark', legs).maxStake, 3750n);
    assert.equal(limits.forBet('vip', legs).maxStake, 45_000n);
    assert.equal(new Limits('EUR', { stakeFactors: { x: '0.333' } }).forBet('x', [{ sportId: undefined, marketId: 1 }]).maxStake, 33_300n);
  });

  test('bad values fail with CONFIG_INVALID', () => {
    const bad = [{ maxStake: '1.234' }, { minStake: 'ten' }, { rules: [{ liability: '-5' }] }, { stakeFactors: { p: '-1' } }];
    for (const options of bad) assert.throws(() => new Limits('EUR', options), (e) => isAppError(e) && e.code === 'CONFIG_INVALID', JSON.stringify(options));
  });
});
