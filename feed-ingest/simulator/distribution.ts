/**
 * Discrete distributions over integers (goals, games, points) and the questions market pricing
 * asks of them: P(X > line), P(X = line), and the fair two-way probability of a line that may
 * be half, whole (push refunds) or quarter (half the stake on each neighbouring line).
 */

/** P(X = min + i) = p[i]. */
export interface IntDist {
  readonly min: number;
  readonly p: Float64Array;
}

/** Probabilities below this are dropped from tails; prices never need them. */
const TAIL = 1e-12;

function pointMass(value: number): IntDist {
  return { min: value, p: Float64Array.of(1) };
}

/** Poisson(mean), truncated where the tail no longer matters. */
export function poisson(mean: number): IntDist {
  if (mean <= 0) return pointMass(0);
  const max = Math.ceil(mean + 12 * Math.sqrt(mean) + 12);
  const p = new Float64Array(max + 1);
  let term = Math.exp(-mean);
  let last = 0;
  for (let k = 0; k <= max; k += 1) {
    p[k] = term;
    if (term > TAIL) last = k;
    else if (k > mean) break;
    term = (term * mean) / (k + 1);
  }
  return { min: 0, p: p.slice(0, last + 1) };
}

/** Distribution of X + Y for independent X, Y. */
export function sum(x: IntDist, y: IntDist): IntDist {
  const p = new Float64Array(x.p.length + y.p.length - 1);
  for (let i = 0; i < x.p.length; i += 1) {
    const xi = x.p[i]!;
    if (xi === 0) continue;
    for (let j = 0; j < y.p.length; j += 1) p[i + j]! += xi * y.p[j]!;
  }
  return { min: x.min + y.min, p };
}

/** Distribution of X − Y for independent X, Y. */
export function difference(x: IntDist, y: IntDist): IntDist {
  const n = y.p.length;
  const neg = new Float64Array(n);
  for (let j = 0; j < n; j += 1) neg[j] = y.p[n - 1 - j]!;
  return sum(x, { min: -(y.min + n - 1), p: neg });
}

export function shift(x: IntDist, by: number): IntDist {
  return { min: x.min + by, p: x.p };
}

/** Mixture Σ wᵢ·Dᵢ (weights need not sum to 1: the result then carries their total mass). */
export function mixture(parts: readonly { weight: number; dist: IntDist }[]): IntDist {
  const live = parts.filter((part) => part.weight > 0);
  if (live.length === 0) return { min: 0, p: new Float64Array(1) };
  const min = Math.min(...live.map((part) => part.dist.min));
  const max = Math.max(...live.map((part) => part.dist.min + part.dist.p.length - 1));
  const p = new Float64Array(max - min + 1);
  for (const { weight, dist } of live) {
    for (let i = 0; i < dist.p.length; i += 1) p[dist.min - min + i]! += weight * dist.p[i]!;
  }
  return { min, p };
}

/** X conditioned on X ≠ value. */
export function excluding(x: IntDist, value: number): IntDist {
  const p = Float64Array.from(x.p);
  const i = value - x.min;
  if (i >= 0 && i < p.length) p[i] = 0;
  let total = 0;
  for (const v of p) total += v;
  if (total > 0) for (let k = 0; k < p.length; k += 1) p[k]! /= total;
  return { min: x.min, p };
}

export function mass(x: IntDist): number {
  let total = 0;
  for (const v of x.p) total += v;
  return total;
}

export function probEqual(x: IntDist, value: number): number {
  const i = value - x.min;
  return Number.isInteger(value) && i >= 0 && i < x.p.length ? x.p[i]! : 0;
}

/** P(X > value). */
export function probAbove(x: IntDist, value: number): number {
  let total = 0;
  const from = Math.max(0, Math.floor(value) + 1 - x.min);
  for (let i = from; i < x.p.length; i += 1) total += x.p[i]!;
  return total;
}

/** P(X < value). */
export function probBelow(x: IntDist, value: number): number {
  let total = 0;
  const to = Math.min(x.p.length, Math.ceil(value) - x.min);
  for (let i = 0; i < to; i += 1) total += x.p[i]!;
  return total;
}

/** Mean of the distribution (normalised by its mass). */
export function mean(x: IntDist): number {
  let m = 0;
  let total = 0;
  for (let i = 0; i < x.p.length; i += 1) {
    m += (x.min + i) * x.p[i]!;
    total += x.p[i]!;
  }
  return total > 0 ? m / total : 0;
}

/**
 * Fair probabilities of "over" (X > line) and "under" for a line on the quarter grid, as a
 * bettor's expected return sees them: a whole line refunds on X = line, so its push mass is
 * removed; a quarter line stakes half on each neighbouring half/whole line. The two always sum
 * to 1 (when X has any mass off the line).
 */
export function lineProbabilities(x: IntDist, line: number): { over: number; under: number } {
  const halves = splitLine(line);
  let overWin = 0;
  let underWin = 0;
  let push = 0;
  for (const sub of halves) {
    overWin += probAbove(x, sub);
    underWin += probBelow(x, sub);
    push += probEqual(x, sub);
  }
  const stake = halves.length * mass(x) - push;
  if (stake <= 0) return { over: 0.5, under: 0.5 };
  return { over: overWin / stake, under: underWin / stake };
}

/** A quarter line is two bets: on line − 0.25 and line + 0.25; any other line is one bet. */
export function splitLine(line: number): number[] {
  const frac = Math.abs(line * 4) % 2;
  return frac === 1 ? [line - 0.25, line + 0.25] : [line];
}
