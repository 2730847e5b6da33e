import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppError, type ErrorCode } from '../../../../core/errors.ts';
import { isOddsString } from '../../../../core/odds.ts';
import { createPriceLadder } from '../../../../odds-engine/pricing/ladder.ts';

const ladder = createPriceLadder();
const failsWith = (code: ErrorCode) => (e: unknown) => isAppError(e) && e.code === code;
/** Hundredths of a price string, in integers: the test's own exact arithmetic. */
const hundredths = (price: string): number => {
  const [whole, fraction = ''] = price.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
};

describe('the default (Betfair-style) ladder', () => {
  test('has 350 prices from 1.01 to 1000', () => {
    // 100 + 50 + 20 + 20 + 20 + 20 + 10 + 10 + 10 + 90 steps.
    assert.equal(ladder.size, 350);
    assert.equal(ladder.minPrice, '1.01');
    assert.equal(ladder.maxPrice, '1000.00');
    assert.equal(ladder.priceAt(0), '1.01');
    assert.equal(ladder.priceAt(99), '2.00');
    assert.equal(ladder.priceAt(100), '2.02');
    assert.equal(ladder.priceAt(349), '1000.00');
  });

  test('every price is an exact odds string, found again by indexOf, with the configured step to its neighbour', () => {
    const steps: [number, number][] = [[200, 1], [300, 2], [400, 5], [600, 10], [1000, 20], [2000, 50], [3000, 100], [5000, 200], [10000, 500], [100000, 1000]];
    let previous = 100;
    for (let i = 0; i < ladder.size; i++) {
      const price = ladder.priceAt(i);
      assert.ok(isOddsString(price), price);
      assert.match(price, /^\d+\.\d{2}$/);
      assert.equal(ladder.indexOf(price), i);
      assert.equal(ladder.oddsAt(i), Number(price));
      const value = hundredths(price);
      const step = steps.find(([upTo]) => value <= upTo)![1];
      assert.equal(value - previous, step, `step below ${price}`);
      previous = value;
    }
  });

  test('indexOf accepts equivalent spellings and rejects prices off the ladder', () => {
    assert.equal(ladder.indexOf('2'), ladder.indexOf('2.00'));
    assert.equal(ladder.indexOf('2.060'), ladder.indexOf('2.06'));
    for (const off of ['2.01', '3.02', '1.00', '1001', '1.015', 'abc', '', '-2', '2,06']) assert.equal(ladder.indexOf(off), -1, off);
  });
});

describe('rounding down', () => {
  test('exact tick values stay put, including every segment boundary', () => {
    for (const price of ['1.01', '1.5', '2', '2.02', '3', '3.05', '4', '4.1', '6', '6.2', '10', '10.5', '20', '21', '30', '32', '50', '55', '100', '110', '1000']) {
      assert.equal(ladder.roundDown(Number(price)), ladder.priceAt(ladder.indexOf(price)), price);
    }
  });

  test('values between ticks go to the tick below, with the step of their own segment', () => {
    const cases: [number, string][] = [
      [1.019, '1.01'],
      [1.999, '1.99'],
      [2.01, '2.00'],
      [2.039, '2.02'],
      [2.999, '2.98'],
      [3.04, '3.00'],
      [3.999, '3.95'],
      [4.09, '4.00'],
      [5.99, '5.90'],
      [6.19, '6.00'],
      [9.99, '9.80'],
      [19.9, '19.50'],
      [29.99, '29.00'],
      [49.9, '48.00'],
      [99, '95.00'],
      [999, '990.00'],
    ];
    for (const [odds, expected] of cases) assert.equal(ladder.roundDown(odds), expected, String(odds));
  });

  test('float noise: results of arithmetic a few ulps under a tick count as the tick; real shortfalls do not', () => {
    assert.equal(1.1 - 0.01, 1.0900000000000001);
    assert.equal(ladder.roundDown(1.1 - 0.01), '1.09');
    assert.equal(3 * 0.7, 2.0999999999999996);
    assert.equal(ladder.roundDown(3 * 0.7), '2.10');
    assert.equal(ladder.roundDown(1 / (0.2 * (1 / 0.96))), '4.80'); // 4.799999999999999 in floating point
    assert.equal(ladder.roundDown(2.0999999), '2.08'); // 5e-8 short of 2.10: genuinely below
    assert.equal(ladder.roundDown(2.0999999999), '2.10'); // 5e-11: within the 1e-9 snap
  });

  test('below the ladder or the minimum: the minimum; above the maximum: the maximum', () => {
    for (const odds of [1.009, 1, 0.5, -3]) assert.equal(ladder.roundDown(odds), '1.01', String(odds));
    for (const odds of [1000.5, 5000, Number.POSITIVE_INFINITY]) assert.equal(ladder.roundDown(odds), '1000.00', String(odds));
    assert.equal(ladder.roundDown(1.2, { minOdds: '1.25' }), '1.25');
    assert.equal(ladder.roundDown(700, { maxOdds: '500' }), '500.00');
    // Off-ladder bounds: the minimum rounds up onto the ladder, the maximum down.
    assert.equal(ladder.roundDown(1.0, { minOdds: '1.015' }), '1.02');
    assert.equal(ladder.roundDown(700, { maxOdds: '501' }), '500.00');
    assert.throws(() => ladder.roundDown(Number.NaN), failsWith('PRICING_INPUT_INVALID'));
  });

  test('floorIndex and ceilIndex agree with a linear scan of the ladder (property)', () => {
    const prices = Array.from({ length: ladder.size }, (_, i) => Number(ladder.priceAt(i)));
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1500, noNaN: true }), (odds) => {
        // Keep clear of the 1e-9 snap zone, where the two definitions differ on purpose.
        fc.pre(prices.every((p) => Math.abs(p - odds) > 1e-6 * p || p === odds));
        const floor = prices.findLastIndex((p) => p <= odds);
        const ceil = prices.findIndex((p) => p >= odds);
        assert.equal(ladder.floorIndex(odds), floor);
        assert.equal(ladder.ceilIndex(odds), ceil === -1 ? ladder.size : ceil);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('shifting by ticks', () => {
  test('moves along the ladder across segment boundaries', () => {
    assert.equal(ladder.shift('1.99', 1), '2.00');
    assert.equal(ladder.shift('1.99', 2), '2.02');
    assert.equal(ladder.shift('2.00', -1), '1.99');
    assert.equal(ladder.shift('2.02', -2), '1.99');
    assert.equal(ladder.shift('2.98', 2), '3.05');
    assert.equal(ladder.shift('5.90', 3), '6.40');
    assert.equal(ladder.shift('100', 1), '110.00');
    assert.equal(ladder.shift('95', 2), '110.00');
    assert.equal(ladder.shift('1.01', 349), '1000.00');
    assert.equal(ladder.shift('2.50', 0), '2.50');
  });

  test('stops at the ends of the ladder and at the bounds', () => {
    assert.equal(ladder.shift('1000', 5), '1000.00');
    assert.equal(ladder.shift('1.02', -3), '1.01');
    assert.equal(ladder.shift('1.30', -10, { minOdds: '1.25' }), '1.25');
    assert.equal(ladder.shift('480', 10, { maxOdds: '500' }), '500.00');
  });

  test('refuses prices off the ladder and fractional ticks', () => {
    assert.throws(() => ladder.shift('2.01', 1), failsWith('PRICING_INPUT_INVALID'));
    assert.throws(() => ladder.shift('2.00', 0.5), failsWith('PRICING_INPUT_INVALID'));
  });
});

describe('configured ladders', () => {
  test('a finer ladder keeps exact prices below 1.1 and formats up to four decimals', () => {
    const fine = createPriceLadder([
      { upTo: '1.1', step: '0.001' },
      { upTo: 2, step: 0.01 },
      { upTo: '5', step: '0.25' },
    ]);
    assert.equal(fine.size, 100 + 90 + 12);
    assert.equal(fine.minPrice, '1.001');
    assert.equal(fine.priceAt(4), '1.005');
    assert.equal(fine.priceAt(99), '1.10');
    assert.equal(fine.roundDown(1.0049), '1.004');
    assert.equal(fine.roundDown(4.9), '4.75');
    assert.equal(fine.shift('1.099', 2), '1.11');
    assert.equal(fine.maxPrice, '5.00');
  });

  test('rejects malformed ladders with CONFIG_INVALID', () => {
    const bad = [
      [],
      [{ upTo: '2', step: '0.03' }], // 1 → 2 is not a whole number of 0.03 steps
      [{ upTo: '2', step: '0.01' }, { upTo: '1.5', step: '0.1' }], // not increasing
      [{ upTo: '2', step: '0' }],
      [{ upTo: 2, step: 0.00001 }], // more than 4 decimals
      [{ upTo: '2', step: 'x' }],
      [{ upTo: '20000', step: '1' }], // beyond 4-digit odds
      [{ upTo: '1000', step: '0.0001' }], // ~10 million prices
    ];
    for (const segments of bad) assert.throws(() => createPriceLadder(segments), failsWith('CONFIG_INVALID'), JSON.stringify(segments));
  });

  test('bounds that leave no price are refused', () => {
    assert.throws(() => ladder.indexRange({ minOdds: '3', maxOdds: '2' }), failsWith('PRICING_INPUT_INVALID'));
    assert.throws(() => ladder.indexRange({ minOdds: '2000' }), failsWith('PRICING_INPUT_INVALID'));
    assert.throws(() => ladder.indexRange({ maxOdds: '1.001' }), failsWith('PRICING_INPUT_INVALID'));
    assert.throws(() => ladder.indexRange({ minOdds: 'cheap' }), failsWith('PRICING_INPUT_INVALID'));
    assert.deepEqual(ladder.indexRange({ minOdds: '1.10', maxOdds: '501' }), { min: ladder.indexOf('1.10'), max: ladder.indexOf('500') });
  });
});
