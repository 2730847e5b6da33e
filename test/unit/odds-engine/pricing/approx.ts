import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tolerance, naming both values on failure. */
export function assertClose(actual: number, expected: number, tolerance: number, what = 'value'): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual} (off by ${Math.abs(actual - expected)})`,
  );
}

/** Element-wise {@link assertClose} of two lists of the same length. */
export function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance: number, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => assertClose(actual[i]!, e, tolerance, `${what}[${i}]`));
}

/** Σ 1/odds − 1 of a list of decimal odds (numbers or exact price strings). */
export function overroundOf(odds: readonly (number | string)[]): number {
  return odds.reduce<number>((sum, o) => sum + 1 / Number(o), 0) - 1;
}
