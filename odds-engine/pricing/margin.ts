/**
 * Operator margin: turning fair probabilities into priced ones (and back), by five published
 * methods. Notation: p_i fair probabilities (Σp = 1), q_i priced probabilities (decimal odds are
 * 1/q_i), m the margin (Σq = 1 + m; 0.05 is a 105 % book), n the number of outcomes; when removing
 * a provider's margin, π_i = 1/odds_i and B = Σπ (the booksum).
 *
 * | method       | apply (p → q)                                   | remove (π → p)                                         |
 * |--------------|-------------------------------------------------|--------------------------------------------------------|
 * | proportional | q_i = p_i (1 + m)                               | p_i = π_i / B                                          |
 * | additive     | q_i = p_i + m / n                               | p_i = π_i − (B − 1) / n                                |
 * | power        | q_i = p_i^k, k solved                           | p_i = π_i^(1/k), k solved                              |
 * | shin         | q_i = y_i Σy, y_i = √(z p_i + (1 − z) p_i²)     | p_i = (√(z² + 4 (1 − z) π_i² / B) − z) / (2 (1 − z))   |
 * | odds-ratio   | q_i = OR p_i / (1 − p_i + OR p_i), OR solved    | p_i = π_i / (OR + π_i − OR π_i), OR solved             |
 *
 * Sources. Proportional ("basic"), additive, power, Shin and odds ratio as in J. C. Lindstrøm's R
 * package "implied" (functions implied_probabilities and implied_odds, and its README).
 * Additive and power: Clarke, Kovalchik & Ingram (2017), "Adjusting bookmaker's odds to allow for
 * overround"; power is Buchdahl's "logarithmic" method ("Using the wisdom of the crowd..."). Shin:
 * H. S. Shin (1993), "Measuring the incidence of insider trading in a market for state-contingent
 * claims", eq. 5 for the priced side; the removal formula is Jullien & Salanié (1994) as used by
 * Štrumbelj (2014), "On determining probability forecasts from betting odds". z is the share of
 * insider money, so 0 ≤ z < 1. Odds ratio: K. Cheung (2015), "Fixed-odds betting and traditional
 * odds" (sportstradingnetwork.com), OR = [q/(1 − q)] / [p/(1 − p)] the same for every outcome.
 *
 * The unknown parameter (k, z, OR) is found with Brent's method on a bracket, so every method is a
 * one-dimensional monotone root find. When a method cannot produce the requested margin for the
 * given probabilities, the whole book falls back to proportional and the result says so:
 * - additive would give an outcome a probability ≤ 0 (a longshot in a wide book when removing a
 *   margin, or a negative applied margin larger than n · min p): a non-positive probability has no
 *   price, and clamping one outcome would shift the margin of all others arbitrarily;
 * - Shin cannot describe a book whose overround is negative (z < 0 is not a share of money) and
 *   tops out at Σq = (Σ√p_i)² as z → 1 (about 6 % for a 0.999 / 0.001 book);
 * - power and odds ratio cannot exceed Σq = (number of outcomes with p > 0).
 * Proportional, additive and Shin (which equals additive in a two-way book) can push a heavy
 * favourite's q to 1 or more (odds ≤ 1); those odds are returned as computed and the price ladder
 * raises them to its minimum. Power and odds ratio keep every q below 1. Outcomes with p = 0 get
 * infinite odds (the ladder caps them at its maximum), except under additive; so do outsiders whose
 * p^k underflows under power with a large negative margin.
 */
import { AppError } from '../../core/errors.ts';
import { findRoot } from './root-finding.ts';

export type MarginMethod = 'proportional' | 'additive' | 'power' | 'shin' | 'odds-ratio';

export const MARGIN_METHODS: readonly MarginMethod[] = ['proportional', 'additive', 'power', 'shin', 'odds-ratio'];

export function isMarginMethod(value: string): value is MarginMethod {
  return (MARGIN_METHODS as readonly string[]).includes(value);
}

/** Margins are accepted in (−1, MAX_MARGIN]: a book can neither sum to zero nor sensibly to more than 11. */
export const MAX_MARGIN = 10;

export interface MarginApplied {
  /**
   * Decimal odds, in input order. Infinity for an outcome with zero probability; at or below 1
   * where proportional, additive or Shin push a heavy favourite's probability to 1 or more.
   */
  readonly odds: number[];
  /** Σ 1/odds − 1 as reached (the request, to about 1e-12). */
  readonly margin: number;
  /** The method used: the requested one, or 'proportional' when it fell back. */
  readonly method: MarginMethod;
  readonly fellBack: boolean;
  /** The solved parameter: factor 1 + m, per-outcome shift m/n, exponent k, Shin's z, or the odds ratio. */
  readonly parameter: number;
}

export interface MarginRemoved {
  /** Fair probabilities, in input order, summing to 1. */
  readonly probabilities: number[];
  /** The provider's margin: Σ 1/odds − 1. */
  readonly margin: number;
  /** The method used: the requested one, or 'proportional' when it fell back. */
  readonly method: MarginMethod;
  readonly fellBack: boolean;
  /** The parameter that maps these fair probabilities onto the provider's: as in {@link MarginApplied}. */
  readonly parameter: number;
}

/**
 * Prices fair probabilities with margin `margin` by `method`. The probabilities are normalized to
 * sum to 1 first (a feed rounds them). Throws PRICING_INPUT_INVALID on a negative or non-finite
 * probability, probabilities summing to zero, or a margin outside (−1, MAX_MARGIN].
 */
export function applyMargin(probabilities: readonly number[], margin: number, method: MarginMethod): MarginApplied {
  assertMargin(margin);
  const fair = normalizeProbabilities(probabilities);
  const priced = new Float64Array(fair.length);
  let path = marginPath(method, fair);
  let t = path.solve(margin, priced);
  const fellBack = Number.isNaN(t);
  if (fellBack) {
    path = marginPath('proportional', fair);
    t = path.solve(margin, priced);
  }
  const sum = path.probabilitiesAt(t, priced);
  return {
    odds: Array.from(priced, (q) => (q > 0 ? 1 / q : Number.POSITIVE_INFINITY)),
    margin: sum - 1,
    method: path.method,
    fellBack,
    parameter: path.parameterAt(t),
  };
}

/**
 * Recovers fair probabilities from a provider's decimal odds by `method` (the inverse of
 * {@link applyMargin} with the same method: applying margin m and removing it gives back p).
 * Throws PRICING_INPUT_INVALID unless every odds value is finite and greater than 1.
 */
export function removeMargin(odds: readonly number[], method: MarginMethod): MarginRemoved {
  if (odds.length === 0) throw invalid('no odds to remove a margin from');
  const implied = new Float64Array(odds.length);
  let booksum = 0;
  for (let i = 0; i < odds.length; i++) {
    const o = odds[i]!;
    if (!(Number.isFinite(o) && o > 1)) throw invalid(`odds must be finite and greater than 1, got ${o}`);
    implied[i] = 1 / o;
    booksum += implied[i]!;
  }
  const fair = new Float64Array(odds.length);
  let used = method;
  let parameter: number;
  if (Math.abs(booksum - 1) <= FAIR_BOOK_SLACK) {
    // Odds quoted from a fair book sum to 1 only up to float rounding: take them as fair rather
    // than let the noise pick a direction for the solver (or a fallback, for Shin below 1).
    removeWith('proportional', implied, booksum, fair);
    parameter = FAIR_PARAMETER[method];
  } else {
    parameter = removeWith(method, implied, booksum, fair);
    if (Number.isNaN(parameter)) {
      used = 'proportional';
      parameter = removeWith(used, implied, booksum, fair);
    }
  }
  let sum = 0;
  for (const p of fair) sum += p;
  // As the "implied" package does (normalize = TRUE): remove the solver's last ~1e-13.
  return {
    probabilities: Array.from(fair, (p) => p / sum),
    margin: booksum - 1,
    method: used,
    fellBack: used !== method,
    parameter,
  };
}

/**
 * One method's family of priced books for fixed fair probabilities, along one real coordinate t:
 * t = 0 is the fair book and every q_i(t) is non-decreasing in t, so the margin rises with t.
 * Pricing a whole book searches along t through ladder rounding (book.ts). The coordinates are
 * t = ln(1 + m) (proportional), t = m/n (additive), k = e^−t (power), z = 1 − e^−t (Shin),
 * OR = e^t (odds ratio), which keep every method's parameter in its valid range.
 */
export interface MarginPath {
  readonly method: MarginMethod;
  /**
   * Ends of the path: the method's own limits (Shin's z = 0, additive's smallest q = 0), or the
   * points beyond which every price is pinned to an end of any ladder.
   */
  readonly tMin: number;
  readonly tMax: number;
  /** Writes q_i(t) into `out` and returns Σq (1 + the margin at t). */
  probabilitiesAt(t: number, out: Float64Array): number;
  /** The method's own parameter at t, as reported in {@link MarginApplied.parameter}. */
  parameterAt(t: number): number;
  /**
   * The t at which Σq = 1 + margin, or NaN when this method cannot reach that margin. `scratch`
   * (at least as long as the book) is written freely by the methods that search for t.
   */
  solve(margin: number, scratch: Float64Array): number;
  /**
   * A t near the one solve() finds, for a search that only needs a good start (the book solver
   * steps out from it in ticks): exact where solve() is closed-form, otherwise one secant step
   * from the fair book. NaN exactly when solve() gives NaN. Writes `scratch` freely.
   */
  approximate(margin: number, scratch: Float64Array): number;
}

/** A booksum within this of 1 is a fair book. */
const FAIR_BOOK_SLACK = 1e-12;

/** Each method's parameter for a fair book (margin 0). */
const FAIR_PARAMETER: Readonly<Record<MarginMethod, number>> = { proportional: 1, additive: 0, power: 1, shin: 0, 'odds-ratio': 1 };

/** Beyond |t| = 40 (factors of e^40 ≈ 2e17) every price is pinned to an end of any ladder. */
const T_LIMIT = 40;

/**
 * Builds the path of `method` over the first `n` fair probabilities of `fair` (all of them by
 * default), which sum to 1 (see {@link normalizeProbabilities}). The path reads `fair` on every
 * call: a caller reusing the array must not change it while it uses the path.
 */
export function marginPath(method: MarginMethod, fair: Float64Array, n: number = fair.length): MarginPath {
  switch (method) {
    case 'proportional':
      return new ProportionalPath(fair, n);
    case 'additive':
      return new AdditivePath(fair, n);
    case 'power':
      return new PowerPath(fair, n);
    case 'odds-ratio':
      return new OddsRatioPath(fair, n);
    case 'shin':
      return new ShinPath(fair, n);
  }
}

// The paths are classes rather than object literals of closures: a book is priced many times a
// second, and one shape per method keeps the calls monomorphic and allocates nothing per call.

/** The fair book itself (t = 0 on every path): copies p into `out`, returns Σp = 1. */
function fairBook(fair: Float64Array, n: number, out: Float64Array): number {
  for (let i = 0; i < n; i++) out[i] = fair[i]!;
  return 1;
}

class ProportionalPath implements MarginPath {
  readonly method = 'proportional';
  readonly tMin = -T_LIMIT;
  readonly tMax = T_LIMIT;
  readonly #fair: Float64Array;
  readonly #n: number;

  constructor(fair: Float64Array, n: number) {
    this.#fair = fair;
    this.#n = n;
  }

  probabilitiesAt(t: number, out: Float64Array): number {
    const fair = this.#fair;
    const n = this.#n;
    if (t === 0) return fairBook(fair, n, out);
    const factor = Math.exp(t);
    for (let i = 0; i < n; i++) out[i] = fair[i]! * factor;
    return factor;
  }

  parameterAt(t: number): number {
    return Math.exp(t);
  }

  solve(margin: number): number {
    return Math.log1p(margin);
  }

  approximate(margin: number): number {
    return this.solve(margin);
  }
}

class AdditivePath implements MarginPath {
  readonly method = 'additive';
  /** At −min p the smallest q reaches 0. */
  readonly tMin: number;
  /** At +1 every q ≥ 1. */
  readonly tMax = 1;
  readonly #fair: Float64Array;
  readonly #n: number;

  constructor(fair: Float64Array, n: number) {
    this.#fair = fair;
    this.#n = n;
    let smallest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) smallest = Math.min(smallest, fair[i]!);
    this.tMin = -smallest;
  }

  probabilitiesAt(t: number, out: Float64Array): number {
    const fair = this.#fair;
    const n = this.#n;
    if (t === 0) return fairBook(fair, n, out);
    for (let i = 0; i < n; i++) out[i] = fair[i]! + t;
    return 1 + n * t;
  }

  parameterAt(t: number): number {
    return t;
  }

  solve(margin: number): number {
    return margin / this.#n > this.tMin ? margin / this.#n : Number.NaN;
  }

  approximate(margin: number): number {
    return this.solve(margin);
  }
}

class PowerPath implements MarginPath {
  readonly method = 'power';
  readonly tMin = -T_LIMIT;
  readonly tMax = T_LIMIT;
  readonly #fair: Float64Array;
  readonly #n: number;
  /** ln p_i: p^k is computed as e^(k ln p), several times faster than Math.pow (ln 0 = −∞ gives 0). */
  readonly #logs: Float64Array;

  constructor(fair: Float64Array, n: number) {
    this.#fair = fair;
    this.#n = n;
    this.#logs = new Float64Array(n);
    for (let i = 0; i < n; i++) this.#logs[i] = Math.log(fair[i]!);
  }

  probabilitiesAt(t: number, out: Float64Array): number {
    const n = this.#n;
    if (t === 0) return fairBook(this.#fair, n, out);
    const k = Math.exp(-t);
    const logs = this.#logs;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += out[i] = Math.exp(k * logs[i]!);
    return sum;
  }

  parameterAt(t: number): number {
    return Math.exp(-t);
  }

  solve(margin: number, scratch: Float64Array): number {
    return solveSum(this, margin, scratch);
  }

  approximate(margin: number, scratch: Float64Array): number {
    return approximateSum(this, margin, scratch);
  }
}

class OddsRatioPath implements MarginPath {
  readonly method = 'odds-ratio';
  readonly tMin = -T_LIMIT;
  readonly tMax = T_LIMIT;
  readonly #fair: Float64Array;
  readonly #n: number;

  constructor(fair: Float64Array, n: number) {
    this.#fair = fair;
    this.#n = n;
  }

  probabilitiesAt(t: number, out: Float64Array): number {
    const fair = this.#fair;
    const n = this.#n;
    if (t === 0) return fairBook(fair, n, out);
    const ratio = Math.exp(t);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = fair[i]!;
      sum += out[i] = (ratio * p) / (1 - p + ratio * p);
    }
    return sum;
  }

  parameterAt(t: number): number {
    return Math.exp(t);
  }

  solve(margin: number, scratch: Float64Array): number {
    return solveSum(this, margin, scratch);
  }

  approximate(margin: number, scratch: Float64Array): number {
    return approximateSum(this, margin, scratch);
  }
}

class ShinPath implements MarginPath {
  readonly method = 'shin';
  readonly tMin = 0;
  readonly tMax = T_LIMIT;
  readonly #fair: Float64Array;
  readonly #n: number;

  constructor(fair: Float64Array, n: number) {
    this.#fair = fair;
    this.#n = n;
  }

  probabilitiesAt(t: number, out: Float64Array): number {
    const fair = this.#fair;
    const n = this.#n;
    if (t === 0) return fairBook(fair, n, out);
    const z = -Math.expm1(-t);
    let root = 0;
    for (let i = 0; i < n; i++) {
      const p = fair[i]!;
      // Shin (1993) eq. 5: √(z p + (1 − z) p²), written p² + z p (1 − p) to keep it exact near z = 0.
      root += out[i] = Math.sqrt(p * p + z * p * (1 - p));
    }
    for (let i = 0; i < n; i++) out[i]! *= root;
    return root * root;
  }

  parameterAt(t: number): number {
    return -Math.expm1(-t);
  }

  solve(margin: number, scratch: Float64Array): number {
    return margin < 0 ? Number.NaN : solveSum(this, margin, scratch);
  }

  approximate(margin: number, scratch: Float64Array): number {
    return margin < 0 ? Number.NaN : approximateSum(this, margin, scratch);
  }
}

/**
 * Validates fair probabilities and scales them to sum to 1: the first `count` values (all by
 * default), written into `out` (a new array by default). Throws PRICING_INPUT_INVALID on an empty
 * list, a negative or non-finite value, or a zero sum.
 */
export function normalizeProbabilities(probabilities: ArrayLike<number>, count: number = probabilities.length, out: Float64Array = new Float64Array(count)): Float64Array {
  if (count === 0) throw invalid('no probabilities to price');
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const p = probabilities[i]!;
    if (!(Number.isFinite(p) && p >= 0)) throw invalid(`probabilities must be finite and ≥ 0, got ${p}`);
    sum += p;
  }
  if (!(sum > 0)) throw invalid('probabilities sum to zero');
  for (let i = 0; i < count; i++) out[i] = probabilities[i]! / sum;
  return out;
}

export function assertMargin(margin: number): void {
  if (!(margin > -1 && margin <= MAX_MARGIN)) throw invalid(`margin must be in (−1, ${MAX_MARGIN}], got ${margin}`);
}

function invalid(message: string): AppError {
  return new AppError('PRICING_INPUT_INVALID', message);
}

/** The t at which the path's Σq equals 1 + margin (Σq rises with t), NaN if out of reach. */
function solveSum(path: MarginPath, margin: number, scratch: Float64Array): number {
  if (margin === 0) return 0;
  const target = 1 + margin;
  return solveIncreasing((t) => path.probabilitiesAt(t, scratch) - target, path.tMin, path.tMax);
}

/**
 * Where the path's Σq reaches 1 + margin, roughly: NaN when it does not within the path's ends
 * (Σq rises with t, so checking the end towards the margin decides, as solveIncreasing's search
 * would), otherwise the secant through the fair book (t = 0, Σq = 1) and the path at t = margin.
 * Two evaluations where Brent's method takes five or more; the error is of second order in the
 * margin, well inside the book solver's first step for everyday margins.
 */
function approximateSum(path: MarginPath, margin: number, scratch: Float64Array): number {
  if (margin === 0) return 0;
  const target = 1 + margin;
  const end = margin > 0 ? path.tMax : path.tMin;
  const atEnd = path.probabilitiesAt(end, scratch);
  if (margin > 0 ? atEnd < target : atEnd > target) return Number.NaN;
  const guess = Math.min(Math.max(margin, path.tMin), path.tMax);
  const rise = path.probabilitiesAt(guess, scratch) - 1;
  if (rise === 0) return guess;
  return Math.min(Math.max((guess * margin) / rise, path.tMin), path.tMax);
}

/**
 * Root of an increasing f within [lower, upper] (lower ≤ 0 ≤ upper), bracketed by stepping out
 * from 0 towards the side f(0) points to, in growing steps (0.25, 1, 4, ...), so that everyday
 * margins are solved on a tight bracket. NaN when f keeps its sign all the way to the limit.
 */
function solveIncreasing(f: (t: number) => number, lower: number, upper: number): number {
  const atZero = f(0);
  if (atZero === 0) return 0;
  const limit = atZero < 0 ? upper : lower;
  let inner = 0;
  let atInner = atZero;
  let outer = Math.sign(limit) * Math.min(0.25, Math.abs(limit));
  while (outer !== inner) {
    const value = f(outer);
    if (value === 0) return outer;
    if (value < 0 !== atZero < 0) return findRoot(f, inner, outer, { fa: atInner, fb: value }).x;
    inner = outer;
    atInner = value;
    outer = Math.sign(limit) * Math.min(Math.abs(outer) * 4, Math.abs(limit));
  }
  return Number.NaN;
}

/**
 * Writes the fair probabilities recovered by `method` into `fair` and returns the method's
 * parameter, or NaN when the method cannot explain these odds (see the module comment).
 */
function removeWith(method: MarginMethod, implied: Float64Array, booksum: number, fair: Float64Array): number {
  const n = implied.length;
  switch (method) {
    case 'proportional':
      for (let i = 0; i < n; i++) fair[i] = implied[i]! / booksum;
      return booksum;
    case 'additive': {
      const shift = (booksum - 1) / n;
      for (let i = 0; i < n; i++) {
        fair[i] = implied[i]! - shift;
        if (!(fair[i]! > 0)) return Number.NaN;
      }
      return shift;
    }
    case 'power': {
      // Σ π_i^e = 1 falls as e rises; e = e^s is the reciprocal of the applying exponent k.
      const sumAt = (s: number): number => {
        const exponent = Math.exp(s);
        let sum = 0;
        for (let i = 0; i < n; i++) sum += fair[i] = Math.pow(implied[i]!, exponent);
        return sum;
      };
      const s = solveIncreasing((x) => 1 - sumAt(x), -T_LIMIT, T_LIMIT);
      if (Number.isNaN(s)) return s;
      sumAt(s);
      return Math.exp(-s);
    }
    case 'odds-ratio': {
      const sumAt = (s: number): number => {
        const ratio = Math.exp(s);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const pi = implied[i]!;
          sum += fair[i] = pi / (ratio + pi - ratio * pi);
        }
        return sum;
      };
      const s = solveIncreasing((x) => 1 - sumAt(x), -T_LIMIT, T_LIMIT);
      if (Number.isNaN(s)) return s;
      sumAt(s);
      return Math.exp(s);
    }
    case 'shin': {
      // p_i = (√(z² + 4 (1 − z) π_i²/B) − z) / (2 (1 − z)), rewritten without the division by
      // 1 − z (multiply by the conjugate): 2 π_i²/B / (√(...) + z). Same value, stable up to z = 1.
      const sumAt = (s: number): number => {
        const z = -Math.expm1(-s);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const scaled = (implied[i]! * implied[i]!) / booksum;
          sum += fair[i] = (2 * scaled) / (Math.sqrt(z * z + 4 * (1 - z) * scaled) + z);
        }
        return sum;
      };
      const s = solveIncreasing((x) => 1 - sumAt(x), 0, T_LIMIT);
      if (Number.isNaN(s)) return s;
      sumAt(s);
      return -Math.expm1(-s);
    }
  }
}
