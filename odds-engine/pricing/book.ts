/**
 * Prices a whole book: fair probabilities → operator margin → ladder prices whose published
 * overround (Σ 1/price over the offered outcomes, minus 1) lies in the target band.
 *
 * Rounding down onto the ladder shortens prices, so it raises the overround (by up to a tenth
 * of each outcome's probability on the default ladder's coarse top end); the minimum- and
 * maximum-odds bounds move it too. The margin is therefore solved through the rounding: along the
 * method's path (margin.ts, MarginPath) every rounded and clamped price is a non-increasing step
 * function of the path coordinate t, so the published overround R(t) is a non-decreasing step
 * function. We bracket the target T (expanding outwards from about the t that gives margin T
 * before rounding: MarginPath.approximate), then bisect until the two bracketing books are
 * neighbours, i.e. provably no book the ladder can publish along this path lies between them.
 * Those two are the same wherever the search starts; only the t reported with them (appliedMargin)
 * depends on it. The one closer to T is chosen if it is in the band. If neither is, the band is
 * unreachable for this ladder and the result says why, with the closest book. Trader tick shifts
 * are applied to that solution and the other outcomes are solved again (see BookOutcome.tickShift).
 */
import { AppError } from '../../core/errors.ts';
import type { OddsString } from '../../core/odds.ts';
import type { OddsBounds, PriceLadder } from './ladder.ts';
import { assertMargin, isMarginMethod, marginPath, normalizeProbabilities, type MarginMethod, type MarginPath } from './margin.ts';

export interface BookOutcome {
  readonly id: string;
  /** Fair probability, from the feed or from removing the provider's margin. */
  readonly probability: number;
  /** False when the outcome is not offered: it gets no price and takes no part in the overround. Default true. */
  readonly active?: boolean;
  /**
   * Trader's adjustment in ladder ticks (negative = shorter odds), relative to the price the
   * model gives this outcome at the target margin. The outcomes without a shift are then priced
   * again so that the whole book stays in the band. Default 0.
   */
  readonly tickShift?: number;
}

export interface BookPricing extends OddsBounds {
  /** Target margin T: the published Σ 1/price should be close to 1 + T. */
  readonly margin: number;
  readonly method: MarginMethod;
  readonly ladder: PriceLadder;
  /** Accepted distance of the published overround from T, either way. Default 0.01. */
  readonly band?: number;
}

export interface PricedOutcome {
  readonly id: string;
  /** The published ladder price, or null for an outcome that is not offered. */
  readonly price: OddsString | null;
}

/**
 * Why a book's overround is outside the band:
 * - 'ladder-step': the band lies between two neighbouring books the ladder can publish (they
 *   differ by one tick on one outcome, or on several outcomes that reach a tick at the same point
 *   of the path, as outcomes of equal probability always do);
 * - 'overround-floor': even the lowest overround the method reaches is above the band (the
 *   maximum-odds cap, or prices held short by tick shifts);
 * - 'overround-ceiling': even the highest is below the band (the minimum-odds floor, prices held
 *   long by tick shifts, or a single offered outcome);
 * - 'nothing-offered': every outcome is inactive.
 */
export type BandMiss = 'ladder-step' | 'overround-floor' | 'overround-ceiling' | 'nothing-offered';

export interface PricedBook {
  /** In input order. */
  readonly outcomes: PricedOutcome[];
  /** Published overround: Σ 1/price over offered outcomes − 1 (0 when nothing is offered). */
  readonly overround: number;
  /**
   * A margin which, applied before rounding, publishes these prices: Σ q_i − 1 at the solution
   * (every margin in a small interval around it publishes the same book). 0 when nothing is offered.
   */
  readonly appliedMargin: number;
  readonly inBand: boolean;
  /** Set when inBand is false. */
  readonly reason?: BandMiss;
  /** The method used: the requested one, or 'proportional' when it could not reach the target margin. */
  readonly method: MarginMethod;
  readonly fellBack: boolean;
}

/** A solved book in ladder indices: what {@link priceBook} returns before it names the prices. */
export interface SolvedBook {
  /**
   * Per outcome in input order, the ladder index of its price, or −1 when it is not offered. The
   * solver's own array, possibly longer than the book and overwritten by its next solve: read the
   * book's entries before that.
   */
  readonly indices: Int32Array;
  readonly overround: number;
  readonly appliedMargin: number;
  /** Undefined when the overround is in the band. */
  readonly reason: BandMiss | undefined;
  readonly method: MarginMethod;
  readonly fellBack: boolean;
}

export const DEFAULT_BAND = 0.01;

/** First step along t when looking for the other side of the target; doubled until found. */
const INITIAL_STEP = 0.01;
/** Bisection budget; float resolution of t is exhausted well before it. */
const MAX_BISECTIONS = 200;
/** Overrounds are sums of a few floats: a book 1e-12 past a band edge is on it. */
const BAND_SLACK = 1e-12;

/**
 * Prices the offered outcomes of a book. Their fair probabilities are renormalized to sum to 1
 * before the margin is applied: prices are conditional on an offered outcome winning (as when a
 * runner is withdrawn), which is also safe for the book when an inactive outcome can still win.
 * Throws PRICING_INPUT_INVALID on invalid probabilities, margin, band, bounds or tick shifts.
 */
export function priceBook(outcomes: readonly BookOutcome[], pricing: BookPricing): PricedBook {
  const { ladder } = pricing;
  const solver = new BookSolver(ladder, pricing);
  const probabilities = outcomes.map((o) => o.probability);
  const offered = outcomes.map((o) => o.active !== false);
  const shifts = outcomes.map((o) => o.tickShift ?? 0);
  const solved = solver.solve(probabilities, offered, shifts, pricing.margin, pricing.method, pricing.band);
  const book: PricedBook = {
    outcomes: outcomes.map((o, i) => ({ id: o.id, price: solved.indices[i]! < 0 ? null : ladder.priceAt(solved.indices[i]!) })),
    overround: solved.overround,
    appliedMargin: solved.appliedMargin,
    inBand: solved.reason === undefined,
    method: solved.method,
    fellBack: solved.fellBack,
  };
  return solved.reason === undefined ? book : { ...book, reason: solved.reason };
}

/**
 * Solves books on one ladder within one pair of odds bounds. It keeps its working arrays from one
 * book to the next (grown to the largest book seen), so a solve allocates little beyond its
 * result: the engine prices thousands of books a second and this is its innermost loop. Not
 * reentrant; one solver per caller.
 */
export class BookSolver {
  readonly ladder: PriceLadder;
  /** Ladder indices of the lowest and highest publishable price. */
  readonly #min: number;
  readonly #max: number;

  /** Offered outcomes in this book. */
  #n = 0;
  #target = 0;
  #path: MarginPath | undefined;
  /** Per offered outcome: its position in the input. */
  #positions = new Int32Array(0);
  /** Per outcome: the solution's ladder index (SolvedBook.indices). */
  #indices = new Int32Array(0);
  /**
   * Per offered outcome: fair probability (summing to 1), trader shift, and priced probability
   * at the t last published (first used to gather the probabilities before they are normalized).
   */
  #fair = new Float64Array(0);
  #shifts = new Int32Array(0);
  #priced = new Float64Array(0);
  /** Per offered outcome, a ladder index it is held at, or −1 while it follows the path. */
  #pinned = new Int32Array(0);

  // The bracket around the target: the best book found on each side, as ladder indices per offered
  // outcome with their path coordinate and overround, and a third buffer the next probe writes.
  #below = new Int32Array(0);
  #belowT = 0;
  #belowOverround = 0;
  #hasBelow = false;
  #above = new Int32Array(0);
  #aboveT = 0;
  #aboveOverround = 0;
  #hasAbove = false;
  #spare = new Int32Array(0);

  // The book chosen by the last band solve.
  #chosen = new Int32Array(0);
  #chosenT = 0;
  #chosenOverround = 0;
  #reason: BandMiss | undefined;

  /** Throws PRICING_INPUT_INVALID when the bounds leave no ladder price. */
  constructor(ladder: PriceLadder, bounds: OddsBounds = {}) {
    this.ladder = ladder;
    const range = ladder.indexRange(bounds);
    this.#min = range.min;
    this.#max = range.max;
  }

  /**
   * Solves one book given per outcome its fair probability, whether it is offered (all when
   * `offered` is undefined) and its trader tick shift (none when undefined). Throws
   * PRICING_INPUT_INVALID on invalid probabilities of offered outcomes, margin, method, band or
   * tick shifts.
   */
  solve(
    probabilities: ArrayLike<number>,
    offered: ArrayLike<boolean> | undefined,
    shifts: ArrayLike<number> | undefined,
    margin: number,
    method: MarginMethod,
    band: number = DEFAULT_BAND,
  ): SolvedBook {
    assertMargin(margin);
    if (!isMarginMethod(method)) throw invalid(`unknown margin method ${JSON.stringify(method)}`);
    if (!(band >= 0 && Number.isFinite(band))) throw invalid(`band must be finite and ≥ 0, got ${band}`);
    const size = probabilities.length;
    this.#reserve(size);
    let n = 0;
    let shifted = false;
    for (let i = 0; i < size; i++) {
      const shift = shifts === undefined ? 0 : shifts[i]!;
      if (!Number.isInteger(shift)) throw invalid(`tick shift of outcome ${i + 1} must be an integer, got ${shift}`);
      if (offered !== undefined && !offered[i]) continue;
      this.#positions[n] = i;
      this.#priced[n] = probabilities[i]!;
      this.#shifts[n] = shift;
      if (shift !== 0) shifted = true;
      n++;
    }
    // Filled by a loop: TypedArray.prototype.fill is a runtime call, slower than the loop for a few outcomes.
    const indices = this.#indices;
    for (let i = 0; i < size; i++) indices[i] = -1;
    if (n === 0) return { indices, overround: 0, appliedMargin: 0, reason: 'nothing-offered', method, fellBack: false };

    this.#n = n;
    this.#target = margin;
    const fair = normalizeProbabilities(this.#priced, n, this.#fair);
    let path = marginPath(method, fair, n);
    let t0 = path.approximate(margin, this.#priced);
    const fellBack = Number.isNaN(t0);
    if (fellBack) {
      path = marginPath('proportional', fair, n);
      t0 = path.approximate(margin, this.#priced);
    }
    this.#path = path;
    for (let k = 0; k < n; k++) this.#pinned[k] = -1;

    this.#solveBand(t0, band);
    if (shifted) {
      // A shift is relative to the model's price. Solving with shifted outcomes on the path would
      // let the margin drift until their shift is undone; instead hold them `shift` ticks from the
      // unshifted solution and solve the band again over the outcomes left on the path.
      for (let k = 0; k < n; k++) {
        const shift = this.#shifts[k]!;
        if (shift !== 0) this.#pinned[k] = clamp(this.#chosen[k]! + shift, this.#min, this.#max);
      }
      this.#solveBand(this.#chosenT, band);
    }

    for (let k = 0; k < n; k++) indices[this.#positions[k]!] = this.#chosen[k]!;
    return {
      indices,
      overround: this.#chosenOverround,
      appliedMargin: path.probabilitiesAt(this.#chosenT, this.#priced) - 1,
      reason: this.#reason,
      method: path.method,
      fellBack,
    };
  }

  /** Makes room for a book of `size` outcomes. */
  #reserve(size: number): void {
    if (size <= this.#positions.length) return;
    const capacity = Math.max(size, 2 * this.#positions.length, 8);
    this.#positions = new Int32Array(capacity);
    this.#indices = new Int32Array(capacity);
    this.#fair = new Float64Array(capacity);
    this.#shifts = new Int32Array(capacity);
    this.#priced = new Float64Array(capacity);
    this.#pinned = new Int32Array(capacity);
    this.#below = new Int32Array(capacity);
    this.#above = new Int32Array(capacity);
    this.#spare = new Int32Array(capacity);
  }

  /**
   * Picks the book to publish: of the two neighbours around the target, the closer one inside
   * the band; if neither is inside, the closer one and the reason.
   */
  #solveBand(t0: number, band: number): void {
    this.#bracketTarget(t0);
    const target = this.#target;
    const belowInBand = this.#hasBelow && target - this.#belowOverround <= band + BAND_SLACK;
    const aboveInBand = this.#hasAbove && this.#aboveOverround - target <= band + BAND_SLACK;
    const belowCloser = target - this.#belowOverround < this.#aboveOverround - target;
    let below: boolean;
    let reason: BandMiss | undefined;
    if (belowInBand && aboveInBand) below = belowCloser;
    else if (belowInBand || aboveInBand) below = belowInBand;
    else if (this.#hasBelow && this.#hasAbove) {
      below = belowCloser;
      reason = 'ladder-step';
    } else {
      below = this.#hasBelow;
      reason = below ? 'overround-ceiling' : 'overround-floor';
    }
    this.#reason = reason;
    this.#chosen = below ? this.#below : this.#above;
    this.#chosenT = below ? this.#belowT : this.#aboveT;
    this.#chosenOverround = below ? this.#belowOverround : this.#aboveOverround;
  }

  /**
   * Finds the two neighbouring books around the target along the path: below with overround ≤
   * target, above with overround > target. One is missing when the whole path stays on one side.
   */
  #bracketTarget(t0: number): void {
    this.#hasBelow = false;
    this.#hasAbove = false;
    this.#probe(t0);
    // Expand away from t0 in doubling steps until the target is bracketed or the path ends.
    const path = this.#path!;
    const lowest = Math.min(path.tMin, t0);
    const highest = Math.max(path.tMax, t0);
    for (let step = INITIAL_STEP; !this.#hasBelow && this.#aboveT > lowest; step *= 2) {
      this.#probe(Math.max(t0 - step, lowest));
    }
    for (let step = INITIAL_STEP; !this.#hasAbove && this.#belowT < highest; step *= 2) {
      this.#probe(Math.min(t0 + step, highest));
    }
    for (let i = 0; i < MAX_BISECTIONS && this.#hasBelow && this.#hasAbove; i++) {
      if (this.#neighbours()) break;
      const mid = 0.5 * (this.#belowT + this.#aboveT);
      // Two tick crossings at the same t to within float resolution: as close as t can get.
      if (mid <= this.#belowT || mid >= this.#aboveT) break;
      this.#probe(mid);
    }
  }

  /** Publishes the book at t and keeps it as the new bound on its side of the target. */
  #probe(t: number): void {
    const indices = this.#spare;
    const overround = this.#publish(t, indices);
    if (overround <= this.#target) {
      this.#spare = this.#below;
      this.#below = indices;
      this.#belowT = t;
      this.#belowOverround = overround;
      this.#hasBelow = true;
    } else {
      this.#spare = this.#above;
      this.#above = indices;
      this.#aboveT = t;
      this.#aboveOverround = overround;
      this.#hasAbove = true;
    }
  }

  /** Writes the ladder indices of the book at t into `indices`; returns its overround. */
  #publish(t: number, indices: Int32Array): number {
    const { ladder } = this;
    const priced = this.#priced;
    const pinned = this.#pinned;
    this.#path!.probabilitiesAt(t, priced);
    let inverseSum = 0;
    for (let i = 0; i < this.#n; i++) {
      const q = priced[i]!;
      const index = pinned[i]! >= 0 ? pinned[i]! : clamp(ladder.floorIndex(q > 0 ? 1 / q : Number.POSITIVE_INFINITY), this.#min, this.#max);
      indices[i] = index;
      inverseSum += ladder.inverseOddsAt(index);
    }
    return inverseSum - 1;
  }

  /**
   * True when no other book can lie between the two bounds along the path: every changed outcome
   * moved by one tick, and all changed outcomes have the same fair probability, hence the same odds
   * at every t, so they cross their tick at the same t. (Prices are monotone in t, so nothing lies
   * between.)
   */
  #neighbours(): boolean {
    const a = this.#below;
    const b = this.#above;
    const fair = this.#fair;
    let first = -1;
    for (let i = 0; i < this.#n; i++) {
      const moved = Math.abs(a[i]! - b[i]!);
      if (moved === 0) continue;
      if (moved > 1) return false;
      if (first < 0) first = i;
      else if (fair[i] !== fair[first]) return false;
    }
    return true;
  }
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

function invalid(message: string): AppError {
  return new AppError('PRICING_INPUT_INVALID', message);
}
