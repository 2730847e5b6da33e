/**
 * Prices one market for publication: its offered outcomes' fair probabilities, the operator's
 * margin and method, the ladder with its bounds and band, and the trader's tick shifts, through
 * the book solver (pricing/book.ts). A market pricing refuses (bad input) offers nothing.
 */
import { isAppError } from '../core/errors.ts';
import type { OddsString } from '../core/odds.ts';
import { BookSolver, type BandMiss, type BookOutcome, type MarginMethod, type PriceLadder, type SolvedBook } from './pricing/index.ts';

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
  return coverOfSum(sum);
}

function coverOfSum(sum: number): number {
  return Math.max(1, Math.round(sum));
}

/**
 * Prices the offered outcomes (active, with a probability above 0) with `margin` by `method`.
 * Outcomes not offered get no price. For one-off calls; the engine keeps a {@link MarketPricer}.
 */
export function priceMarket(outcomes: readonly BookOutcome[], margin: number, method: MarginMethod, options: PricerOptions): MarketPrices {
  return new MarketPricer(options).price(
    outcomes.map((o) => o.probability),
    outcomes.map((o) => o.active !== false),
    outcomes.map((o) => o.tickShift ?? 0),
    margin,
    method,
  );
}

/**
 * Prices markets on one ladder, bounds and band. It holds a book solver and its working arrays,
 * so pricing a market allocates little more than its result. Not reentrant.
 */
export class MarketPricer {
  readonly #ladder: PriceLadder;
  readonly #band: number;
  readonly #solver: BookSolver;
  /** A double-chance outcome and its complement, priced as a two-way book. */
  readonly #pair = [0, 0];
  readonly #pairShift = [0, 0];

  /** Throws PRICING_INPUT_INVALID when the bounds leave no ladder price. */
  constructor(options: PricerOptions) {
    this.#ladder = options.ladder;
    this.#band = options.band;
    this.#solver = new BookSolver(options.ladder, options);
  }

  /**
   * Prices one market given per outcome its fair probability, whether it is offered (all when
   * `offered` is undefined) and its trader tick shift (none when `shifts` is undefined).
   */
  price(
    probabilities: ArrayLike<number>,
    offered: ArrayLike<boolean> | undefined,
    shifts: ArrayLike<number> | undefined,
    margin: number,
    method: MarginMethod,
  ): MarketPrices {
    const n = probabilities.length;
    let count = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (offered !== undefined && !offered[i]) continue;
      count++;
      sum += probabilities[i]!;
    }
    if (count === 0) return { prices: new Array<undefined>(n).fill(undefined), overround: undefined, inBand: false, bandMiss: 'nothing-offered', method };
    const cover = coverOfSum(sum);
    if (cover > 1) return this.#priceOverlapping(probabilities, offered, shifts, cover, margin, method);
    const solved = this.#solve(probabilities, offered, shifts, margin, method);
    if (typeof solved === 'string') return { prices: new Array<undefined>(n).fill(undefined), overround: undefined, inBand: false, method, error: solved };
    const prices = new Array<OddsString | undefined>(n);
    for (let i = 0; i < n; i++) {
      const index = solved.indices[i]!;
      prices[i] = index < 0 ? undefined : this.#ladder.priceAt(index);
    }
    const result: MarketPrices = { prices, overround: solved.overround, inBand: solved.reason === undefined, method: solved.method };
    return solved.reason === undefined ? result : { ...result, bandMiss: solved.reason };
  }

  /** The solved book, or the message of a PRICING_INPUT_INVALID refusal. */
  #solve(
    probabilities: ArrayLike<number>,
    offered: ArrayLike<boolean> | undefined,
    shifts: ArrayLike<number> | undefined,
    margin: number,
    method: MarginMethod,
  ): SolvedBook | string {
    try {
      return this.#solver.solve(probabilities, offered, shifts, margin, method, this.#band);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'PRICING_INPUT_INVALID') throw error;
      return error.message;
    }
  }

  /**
   * A market whose outcomes overlap (double chance) is no book: normalizing it to 1 would price a
   * 78 % outcome as if it were 39 %. Each offered outcome is priced as its own two-way book
   * against its complement, so it carries the margin on its own; the market's overround is
   * reported per cover (Σ 1/price ÷ k − 1).
   */
  #priceOverlapping(
    probabilities: ArrayLike<number>,
    offered: ArrayLike<boolean> | undefined,
    shifts: ArrayLike<number> | undefined,
    cover: number,
    margin: number,
    method: MarginMethod,
  ): MarketPrices {
    const n = probabilities.length;
    const prices = new Array<OddsString | undefined>(n).fill(undefined);
    let inverse = 0;
    let inBand = true;
    let used: MarginMethod = method;
    for (let i = 0; i < n; i++) {
      const p = probabilities[i]!;
      if ((offered !== undefined && !offered[i]) || !(p > 0 && p < 1)) continue;
      this.#pair[0] = p;
      this.#pair[1] = 1 - p;
      this.#pairShift[0] = shifts === undefined ? 0 : shifts[i]!;
      const two = this.#solve(this.#pair, undefined, this.#pairShift, margin, method);
      if (typeof two === 'string') continue;
      const index = two.indices[0]!;
      prices[i] = this.#ladder.priceAt(index);
      inverse += this.#ladder.inverseOddsAt(index);
      inBand &&= two.reason === undefined;
      if (two.method !== method) used = two.method;
    }
    const overround = inverse === 0 ? undefined : inverse / cover - 1;
    return { prices, overround, inBand: inBand && overround !== undefined, method: used };
  }
}
