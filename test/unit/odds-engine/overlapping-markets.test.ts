import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverOf, priceMarket } from '../../../odds-engine/market-pricer.ts';
import { fairProbabilities } from '../../../odds-engine/fair-probabilities.ts';
import { createPriceLadder } from '../../../odds-engine/pricing/index.ts';

const options = { ladder: createPriceLadder(), band: 0.01 };

test('a partition covers each result once; double chance twice', () => {
  assert.equal(coverOf([0.5, 0.3, 0.2]), 1);
  assert.equal(coverOf([0.78, 0.55, 0.67]), 2);
});

test('double chance is priced outcome by outcome, not normalized as one book', () => {
  // 1x2 fair 0.45 / 0.33 / 0.22 → double chance 1X 0.78, X2 0.55, 12 0.67.
  const result = priceMarket(
    [
      { id: '9', probability: 0.78 },
      { id: '10', probability: 0.55 },
      { id: '11', probability: 0.67 },
    ],
    0.05,
    'proportional',
    options,
  );
  // Two-way books at 5 %: 1 / (0.78 × 1.05) = 1.221 → 1.22 on the ladder (rounded down), and so on.
  assert.deepEqual(result.prices, ['1.22', '1.73', '1.42']);
  const overround = (1 / 1.22 + 1 / 1.73 + 1 / 1.42) / 2 - 1;
  assert.ok(Math.abs(result.overround! - overround) < 1e-12);
  assert.ok(result.overround! > 0.04 && result.overround! < 0.07);
});

test('removing the provider margin from double-chance odds keeps probabilities that sum to two', () => {
  const { fair, source } = fairProbabilities(
    [
      { outcomeId: '9', odds: 1.21, active: true },
      { outcomeId: '10', odds: 1.71, active: true },
      { outcomeId: '11', odds: 1.42, active: true },
    ],
    'shin',
  );
  assert.equal(source, 'odds');
  const sum = fair.reduce<number>((a, p) => a + p!, 0);
  assert.ok(Math.abs(sum - 2) < 1e-12);
  const implied = 1 / 1.21 + 1 / 1.71 + 1 / 1.42;
  assert.ok(Math.abs(fair[0]! - (2 / 1.21) / implied) < 1e-12, 'scaled proportionally');
});
