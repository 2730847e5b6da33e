/**
 * The payout maths, exact, with big.js (DESIGN.md §5):
 *
 *   leg factor = (1 − void_factor) × (won ? odds × dead_heat_factor : 0) + void_factor
 *   payout     = stake × product of the leg factors        (a single has one leg)
 *
 * Products of decimals are exact in big.js (only division rounds), so the one rounding is the
 * last step: the payout is rounded DOWN (towards zero) to the currency's minor unit by
 * core/money.ts bigToMinor. The house never pays a fraction of a minor unit it does not owe, and
 * every implementation that follows this rule gets the same figure to the unit.
 */
import type { LegResult } from '../core/contracts/bets.ts';
import { Big, bigToMinor, minorToBig, type Currency, type Minor } from '../core/money.ts';

/** What a leg's factor depends on: its accepted odds and, once known, its result. */
export interface PricedLeg {
  readonly odds: string;
  readonly result?: Pick<LegResult, 'won' | 'voidFactor' | 'deadHeatFactor'>;
}

const ONE = new Big(1);
const ZERO = new Big(0);

/** The leg's factor: what one unit staked on it returns (0 lost, 1 void, odds won in full). */
export function legFactor(odds: string, result: Pick<LegResult, 'won' | 'voidFactor' | 'deadHeatFactor'>): Big {
  const voidFactor = new Big(result.voidFactor);
  const played = result.won ? new Big(odds).times(result.deadHeatFactor) : ZERO;
  return ONE.minus(voidFactor).times(played).plus(voidFactor);
}

/** stake × Π factors, rounded down to the minor unit. Every leg must have its result. */
export function betPayout(stake: Minor, currency: Currency, legs: readonly PricedLeg[]): Minor {
  let product = ONE;
  for (const leg of legs) {
    if (!leg.result) throw new RangeError('a payout needs every leg resulted');
    product = product.times(legFactor(leg.odds, leg.result));
  }
  return bigToMinor(minorToBig(stake, currency).times(product), currency);
}

