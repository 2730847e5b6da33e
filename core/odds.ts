/**
 * Decimal odds. A published price is an exact string ("2.05"); floating point is used only while
 * computing a price, up to ladder rounding. Feed odds are accepted as the provider writes them.
 */
export type OddsString = string;

const ODDS = /^\d{1,4}(\.\d{1,4})?$/;

/** True for a decimal-odds string > 1 with at most 4 decimals, as clients send and we publish. */
export function isOddsString(value: string): boolean {
  return ODDS.test(value) && Number(value) > 1;
}

/** Implied probability of decimal odds (1 / odds); NaN for odds ≤ 1 or non-finite input. */
export function impliedProbability(odds: number): number {
  return Number.isFinite(odds) && odds > 1 ? 1 / odds : Number.NaN;
}

/** Overround of a book: sum of implied probabilities minus one (0.05 = 5 %). */
export function overround(odds: readonly number[]): number {
  let sum = 0;
  for (const o of odds) sum += 1 / o;
  return sum - 1;
}
