/**
 * Brent's bracketing root finder (R. P. Brent, "Algorithms for Minimization without Derivatives",
 * 1973, ch. 4; the same algorithm as R's `uniroot`, which the "implied" package uses for these
 * margin methods). It keeps a sign-changing bracket at every step, so it cannot diverge the way
 * Newton's method can, and falls back to bisection whenever interpolation would not shrink the
 * bracket fast enough: guaranteed convergence, usually superlinear.
 */

export interface RootOptions {
  /** Absolute tolerance on x. Default 1e-13. */
  readonly tolerance?: number;
  /** Evaluation budget after the two end points. Default 200. */
  readonly maxIterations?: number;
  /** f(a) and f(b) when the caller has them already (a bracket search does): saves two evaluations. */
  readonly fa?: number;
  readonly fb?: number;
}

export interface Root {
  /** The root, or NaN when f(a) and f(b) have the same sign (no bracket). */
  readonly x: number;
  /** Evaluations of f after the two end points. */
  readonly iterations: number;
  /** False when the budget ran out before the bracket shrank below the tolerance. */
  readonly converged: boolean;
}

const DEFAULT_TOLERANCE = 1e-13;
const DEFAULT_MAX_ITERATIONS = 200;

/** Finds x in [a, b] with f(x) = 0, given f(a) and f(b) of opposite signs (or one of them zero). */
export function findRoot(f: (x: number) => number, a: number, b: number, options: RootOptions = {}): Root {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  let fa = options.fa ?? f(a);
  let fb = options.fb ?? f(b);
  if (fa === 0) return { x: a, iterations: 0, converged: true };
  if (fb === 0) return { x: b, iterations: 0, converged: true };
  if (!(fa * fb < 0)) return { x: Number.NaN, iterations: 0, converged: false };

  // b is the best estimate, a the previous one, c the point that keeps the root bracketed in [b, c].
  let c = a;
  let fc = fa;
  let step = b - a;
  let previousStep = step;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      step = b - a;
      previousStep = step;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tolerance;
    const half = 0.5 * (c - b);
    if (Math.abs(half) <= tol || fb === 0) return { x: b, iterations: iteration - 1, converged: true };

    if (Math.abs(previousStep) >= tol && Math.abs(fa) > Math.abs(fb)) {
      // Interpolate: secant when only two distinct points are known, inverse quadratic otherwise.
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * half * s;
        q = 1 - s;
      } else {
        const r1 = fa / fc;
        const r2 = fb / fc;
        p = s * (2 * half * r1 * (r1 - r2) - (b - a) * (r2 - 1));
        q = (r1 - 1) * (r2 - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      // Accept the interpolation only if it lands well inside the bracket and shrinks faster
      // than the step before last; otherwise bisect.
      if (2 * p < Math.min(3 * half * q - Math.abs(tol * q), Math.abs(previousStep * q))) {
        previousStep = step;
        step = p / q;
      } else {
        step = half;
        previousStep = step;
      }
    } else {
      step = half;
      previousStep = step;
    }
    a = b;
    fa = fb;
    b += Math.abs(step) > tol ? step : half > 0 ? tol : -tol;
    fb = f(b);
  }
  return { x: b, iterations: maxIterations, converged: false };
}
