/**
 * Prices one market for publication: its offered outcomes' fair probabilities, the operator's
 * margin and method, the ladder with its bounds and band, and the trader's tick shifts, through
 * the pricing book (pricing/book.ts). A market pricing refuses (bad input) offers nothing.
 */
import { isAppError } from '../core/errors.ts';
import type { OddsString } from '../core/odds.ts';
import { priceBook, type BandMiss, type BookOutcome, type MarginMethod, type PriceLadder } from './pricing/index.ts';

export interface PricerOptions {
  readonly ladder: PriceLadder;
  /** Lowest and highest published price; default the ladder's ends. */
  readonly minOdds?: OddsString;
  readonly maxOdds?: OddsString;
  /** Accepted distance of the published overround from the target margin. */
  readonly band: number;
}

export interface MarketPrices {
  /** Per outcome, in input order; undefined where not offered. */
  readonly prices: (OddsString | undefined)[];
  /** Published Σ 1/price − 1 over the offered outcomes; undefined when nothing is offered. */
  readonly overround: number | undefined;
  readonly inBand: boolean;
  readonly bandMiss?: BandMiss;
  /** The method used (the configured one, or proportional when it could not reach the margin). */
  readonly method: MarginMethod;
  /** Set when pricing refused the input (the market then offers nothing). */
  readonly error?: string;
}

/**
 * How many times a market's outcomes cover each result: 1 for a partition (1x2, totals), 2 for
 * double chance (each outcome covers two of the three results). Read off the fair probabilities'
 * sum, which is k for a k-fold cover.
 */
export function coverOf(probabilities: readonly number[]): number {
  let sum = 0;
  for (const p of probabilities) sum += p;
  return Math.max(1, Math.round(sum));
}

/**
 * Prices the offered outcomes (active, with a probability above 0) with `margin` by `method`.
 * Outcomes not offered get no price.
 */
export function priceMarket(outcomes: readonly BookOutcome[], margin: number, method: MarginMethod, options: PricerOptions): MarketPrices {
  let offered = 0;
  for (const o of outcomes) if (o.active !== false) offered++;
  if (offered === 0) return { prices: outcomes.map(() => undefined), overround: undefined, inBand: false, bandMiss: 'nothing-offered', method };
  const cover = coverOf(outcomes.filter((o) => o.active !== false).map((o) => o.probability));
  if (cover > 1) return priceOverlapping(outcomes, cover, margin, method, options);
  try {
    const priced = priceBook(outcomes, { margin, method, ladder: options.ladder, band: options.band, minOdds: options.minOdds, maxOdds: options.maxOdds });
    const prices: (OddsString | undefined)[] = new Array(priced.outcomes.length);
    for (let i = 0; i < prices.length; i++) prices[i] = priced.outcomes[i]!.price ?? undefined;
    const result: MarketPrices = { prices, overround: priced.overround, inBand: priced.inBand, method: priced.method };
    return priced.reason === undefined ? result : { ...result, bandMiss: priced.reason };
  } catch (error) {
    if (!isAppError(error) || error.code !== 'PRICING_INPUT_INVALID') throw error;
    return { prices: outcomes.map(() => undefined), overround: undefined, inBand: false, method, error: error.message };
  }
}

/**
 * A market whose outcomes overlap (double chance) is no book: normalizing it to 1 would price a
 * 78 % outcome as if it were 39 %. Each offered outcome is priced as its own two-way book against
 * its complement, so it carries the margin on its own; the market's overround is reported per
 * cover (Σ 1/price ÷ k − 1).
 */
function priceOverlapping(outcomes: readonly BookOutcome[], cover: number, margin: number, method: MarginMethod, options: PricerOptions): MarketPrices {
  const prices: (OddsString | undefined)[] = outcomes.map(() => undefined);
  let inverse = 0;
  let inBand = true;
  let used: MarginMethod = method;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.active === false || !(o.probability > 0 && o.probability < 1)) continue;
    const two = priceMarket(
      [
        { id: o.id, probability: o.probability, ...(o.tickShift ? { tickShift: o.tickShift } : {}) },
        { id: 'complement', probability: 1 - o.probability },
      ],
      margin,
      method,
      options,
    );
    const price = two.prices[0];
    if (price === undefined) continue;
    prices[i] = price;
    inverse += 1 / Number(price);
    inBand &&= two.inBand;
    if (two.method !== method) used = two.method;
  }
  const overround = inverse === 0 ? undefined : inverse / cover - 1;
  return { prices, overround, inBand: inBand && overround !== undefined, method: used };
}
