/**
 * Prices a whole book: fair probabilities → operator margin → ladder prices whose published
 * overround (Σ 1/price over the offered outcomes, minus 1) lies in the target band.
 *
 * Rounding down onto the ladder shortens prices, so it raises the overround (by up to a tenth
 * of each outcome's probability on the default ladder's coarse top end); the minimum- and
 * maximum-odds bounds move it too. The margin is therefore solved through the rounding: along the
 * method's path (margin.ts, MarginPath) every rounded and clamped price is a non-increasing step
 * function of the path coordinate t, so the published overround R(t) is a non-decreasing step
 * function. We bracket the target T (expanding outwards from the t that gives margin T before
 * rounding), then bisect until the two bracketing books are neighbours, i.e. provably no book the
 * ladder can publish along this path lies between them. The one closer to T is chosen if it is in
 * the band. If neither is, the band is unreachable for this ladder and the result says why, with
 * the closest book. Trader tick shifts are applied to that solution and the other outcomes are
 * solved again (see BookOutcome.tickShift).
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
  const { ladder, margin: target, method } = pricing;
  assertMargin(target);
  if (!isMarginMethod(method)) throw invalid(`unknown margin method ${JSON.stringify(method)}`);
  const band = pricing.band ?? DEFAULT_BAND;
  if (!(band >= 0 && Number.isFinite(band))) throw invalid(`band must be finite and ≥ 0, got ${band}`);
  const range = ladder.indexRange(pricing);

  const offered: number[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i]!;
    const shift = outcome.tickShift ?? 0;
    if (!Number.isInteger(shift)) throw invalid(`tick shift of ${outcome.id} must be an integer, got ${shift}`);
    if (outcome.active !== false) offered.push(i);
  }
  if (offered.length === 0) {
    return {
      outcomes: outcomes.map((o) => ({ id: o.id, price: null })),
      overround: 0,
      appliedMargin: 0,
      inBand: false,
      reason: 'nothing-offered',
      method,
      fellBack: false,
    };
  }

  const n = offered.length;
  const fair = normalizeProbabilities(offered.map((i) => outcomes[i]!.probability));
  const shifts = Int32Array.from(offered, (i) => outcomes[i]!.tickShift ?? 0);
  let path = marginPath(method, fair);
  let t0 = path.solve(target);
  const fellBack = Number.isNaN(t0);
  if (fellBack) {
    path = marginPath('proportional', fair);
    t0 = path.solve(target);
  }

  const priced = new Float64Array(n);
  /** Per outcome, a ladder index it is held at, or −1 while it follows the path. */
  const pinned = new Int32Array(n).fill(-1);
  /** Publishes the book at t into `indices`; returns its overround. */
  const publish = (t: number, indices: Int32Array): number => {
    path.probabilitiesAt(t, priced);
    let inverseSum = 0;
    for (let i = 0; i < n; i++) {
      const q = priced[i]!;
      const index = pinned[i]! >= 0 ? pinned[i]! : clamp(ladder.floorIndex(q > 0 ? 1 / q : Number.POSITIVE_INFINITY), range.min, range.max);
      indices[i] = index;
      inverseSum += ladder.inverseOddsAt(index);
    }
    return inverseSum - 1;
  };

  let solved = solveBand(path, t0, target, band, fair, publish);
  if (shifts.some((shift) => shift !== 0)) {
    // A shift is relative to the model's price. Solving with shifted outcomes on the path would let
    // the margin drift until their shift is undone; instead hold them `shift` ticks from the
    // unshifted solution and solve the band again over the outcomes left on the path.
    for (let i = 0; i < n; i++) {
      if (shifts[i] !== 0) pinned[i] = clamp(solved.chosen.indices[i]! + shifts[i]!, range.min, range.max);
    }
    solved = solveBand(path, solved.chosen.t, target, band, fair, publish);
  }

  const { chosen } = solved;
  const prices: (OddsString | null)[] = outcomes.map(() => null);
  for (let k = 0; k < n; k++) prices[offered[k]!] = ladder.priceAt(chosen.indices[k]!);
  const book: PricedBook = {
    outcomes: outcomes.map((o, i) => ({ id: o.id, price: prices[i]! })),
    overround: chosen.overround,
    appliedMargin: path.probabilitiesAt(chosen.t, priced) - 1,
    inBand: solved.reason === undefined,
    method: path.method,
    fellBack,
  };
  return solved.reason === undefined ? book : { ...book, reason: solved.reason };
}

/**
 * Picks the book to publish: of the two neighbours around the target, the closer one inside the
 * band; if neither is inside, the closer one and the reason.
 */
function solveBand(
  path: MarginPath,
  t0: number,
  target: number,
  band: number,
  fair: Float64Array,
  publish: (t: number, indices: Int32Array) => number,
): { chosen: Candidate; reason: BandMiss | undefined } {
  const { below, above } = bracketTarget(path, t0, target, fair, publish);
  const belowInBand = below !== undefined && target - below.overround <= band + BAND_SLACK;
  const aboveInBand = above !== undefined && above.overround - target <= band + BAND_SLACK;
  const closer = (a: Candidate, b: Candidate): Candidate => (target - a.overround < b.overround - target ? a : b);
  if (belowInBand && aboveInBand) return { chosen: closer(below, above), reason: undefined };
  if (belowInBand) return { chosen: below, reason: undefined };
  if (aboveInBand) return { chosen: above, reason: undefined };
  if (below && above) return { chosen: closer(below, above), reason: 'ladder-step' };
  if (below) return { chosen: below, reason: 'overround-ceiling' };
  return { chosen: above!, reason: 'overround-floor' };
}

/** A published book along the path: its coordinate, its overround and its ladder indices. */
interface Candidate {
  t: number;
  overround: number;
  readonly indices: Int32Array;
}

/**
 * The two neighbouring books around the target along the path: `below` with overround ≤ target,
 * `above` with overround > target. One is undefined when the whole path stays on one side.
 */
function bracketTarget(
  path: MarginPath,
  t0: number,
  target: number,
  fair: Float64Array,
  publish: (t: number, indices: Int32Array) => number,
): { below: Candidate | undefined; above: Candidate | undefined } {
  const bracket = new Bracket(fair.length, target, publish);
  bracket.probe(t0);
  // Expand away from t0 in doubling steps until the target is bracketed or the path ends.
  const lowest = Math.min(path.tMin, t0);
  const highest = Math.max(path.tMax, t0);
  for (let step = INITIAL_STEP; bracket.below === undefined && bracket.above!.t > lowest; step *= 2) {
    bracket.probe(Math.max(t0 - step, lowest));
  }
  for (let step = INITIAL_STEP; bracket.above === undefined && bracket.below!.t < highest; step *= 2) {
    bracket.probe(Math.min(t0 + step, highest));
  }
  for (let i = 0; i < MAX_BISECTIONS && bracket.below && bracket.above; i++) {
    const { below, above } = bracket;
    if (areNeighbours(below.indices, above.indices, fair)) break;
    const mid = 0.5 * (below.t + above.t);
    // Two tick crossings at the same t to within float resolution: as close as t can get.
    if (mid <= below.t || mid >= above.t) break;
    bracket.probe(mid);
  }
  return { below: bracket.below, above: bracket.above };
}

/** Keeps the best book found on each side of the target, recycling index buffers. */
class Bracket {
  below: Candidate | undefined;
  above: Candidate | undefined;
  readonly #size: number;
  readonly #target: number;
  readonly #publish: (t: number, indices: Int32Array) => number;
  #spare: Candidate;

  constructor(size: number, target: number, publish: (t: number, indices: Int32Array) => number) {
    this.#size = size;
    this.#target = target;
    this.#publish = publish;
    this.#spare = { t: 0, overround: 0, indices: new Int32Array(size) };
  }

  /** Publishes the book at t and keeps it as the new bound on its side of the target. */
  probe(t: number): void {
    const candidate = this.#spare;
    candidate.t = t;
    candidate.overround = this.#publish(t, candidate.indices);
    let replaced: Candidate | undefined;
    if (candidate.overround <= this.#target) {
      replaced = this.below;
      this.below = candidate;
    } else {
      replaced = this.above;
      this.above = candidate;
    }
    this.#spare = replaced ?? { t: 0, overround: 0, indices: new Int32Array(this.#size) };
  }
}

/**
 * True when no other book can lie between the two along the path: every changed outcome moved by
 * one tick, and all changed outcomes have the same fair probability, hence the same odds at every
 * t, so they cross their tick at the same t. (Prices are monotone in t, so nothing lies between.)
 */
function areNeighbours(a: Int32Array, b: Int32Array, fair: Float64Array): boolean {
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const moved = Math.abs(a[i]! - b[i]!);
    if (moved === 0) continue;
    if (moved > 1) return false;
    if (first < 0) first = i;
    else if (fair[i] !== fair[first]) return false;
  }
  return true;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

function invalid(message: string): AppError {
  return new AppError('PRICING_INPUT_INVALID', message);
}
