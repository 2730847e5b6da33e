/**
 * What the sport models hand to the simulator: fair quotes for the markets offered now and the
 * results of markets once decided, in the provider's ids (market id, canonical specifiers,
 * outcome ids). Also the line arithmetic every sport shares: choosing lines around the balanced
 * one, quoting over/under and handicap lines, settling them with push and half-win rules.
 */
import { canonicalSpecifiers } from '../../core/market-key.ts';
import type { IntDist } from './distribution.ts';
import { lineProbabilities, mean, probAbove, splitLine } from './distribution.ts';

export interface OutcomeQuote {
  readonly id: string;
  /** Fair probability under the model (push-adjusted for whole and quarter lines). */
  readonly probability: number;
}

export interface MarketQuote {
  readonly marketId: number;
  /** Canonical `k=v|k=v`; '' when the market has none. */
  readonly specifiers: string;
  readonly outcomes: readonly OutcomeQuote[];
  /** The provider margin this market is priced with (0.06 = 6 %). */
  readonly margin: number;
  /** The main line of a line market (UOF favourite="1"). */
  readonly favourite?: boolean;
}

export interface OutcomeResult {
  readonly id: string;
  readonly result: 0 | 1;
  /** 0.5 for half won / half lost, 1 for a full refund. */
  readonly voidFactor?: 0.5 | 1;
}

export interface MarketResult {
  readonly marketId: number;
  readonly specifiers: string;
  readonly outcomes: readonly OutcomeResult[];
}

export function quote(
  marketId: number,
  specifiers: Readonly<Record<string, string | number>>,
  outcomes: readonly (readonly [string, number])[],
  margin: number,
  favourite = false,
): MarketQuote {
  return {
    marketId,
    specifiers: specifierString(specifiers),
    outcomes: outcomes.map(([id, probability]) => ({ id, probability })),
    margin,
    ...(favourite ? { favourite: true } : {}),
  };
}

function specifierString(specifiers: Readonly<Record<string, string | number>>): string {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(specifiers)) text[k] = typeof v === 'number' ? formatLine(v) : v;
  return canonicalSpecifiers(text);
}

/** Specifier values as the provider writes them: "2.5", "-0.25", "0", never "-0". */
export function formatLine(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? '0' : String(rounded);
}

/** Over (X > line) / under quote of a total line. Outcome ids are UOF's 12 over, 13 under. */
export function totalQuote(
  marketId: number,
  specifiers: Readonly<Record<string, string | number>>,
  line: number,
  dist: IntDist,
  margin: number,
  favourite = false,
): MarketQuote {
  const { over, under } = lineProbabilities(dist, line);
  return quote(marketId, { ...specifiers, total: line }, [['12', over], ['13', under]], margin, favourite);
}

/**
 * Handicap quote on the difference D = competitor1 − competitor2: outcome 1714 wins when
 * D + hcp > 0, 1715 when D + hcp < 0 (UOF "{$competitor1} ({+hcp})" / "{$competitor2} ({-hcp})").
 */
export function handicapQuote(
  marketId: number,
  specifiers: Readonly<Record<string, string | number>>,
  hcp: number,
  diff: IntDist,
  margin: number,
  favourite = false,
): MarketQuote {
  const { over, under } = lineProbabilities(diff, -hcp);
  return quote(marketId, { ...specifiers, hcp }, [['1714', over], ['1715', under]], margin, favourite);
}

export interface Line {
  readonly value: number;
  /** The most balanced line of the set (UOF favourite="1"). */
  readonly main: boolean;
}

/**
 * The half line (x.5) nearest to an even over/under split, then `offsets` around it, keeping
 * only lines still open (above `floor`) whose over probability stays within [lo, 1 − lo].
 */
export function totalLines(dist: IntDist, offsets: readonly number[], floor: number, lo = 0.06): Line[] {
  const centre = balancedHalfLine(dist);
  const lines: Line[] = [];
  for (const offset of offsets) {
    const value = centre + offset;
    if (value <= floor) continue;
    const { over } = lineProbabilities(dist, value);
    if (over >= lo && over <= 1 - lo) lines.push({ value, main: offset === 0 });
  }
  return lines;
}

/**
 * Handicap lines on the grid origin + k·step: the most balanced one and `offsets` (in steps)
 * around it, filtered like totalLines. Football uses the quarter grid (origin 0, step 0.25),
 * tennis and basketball half lines (origin 0.5, step 1).
 */
export function handicapLines(
  diff: IntDist,
  grid: { readonly origin: number; readonly step: number },
  offsets: readonly number[],
  lo = 0.06,
): Line[] {
  const { origin, step } = grid;
  const centre = origin + Math.round((-mean(diff) - origin) / step) * step;
  let best = centre;
  let bestGap = Infinity;
  for (let k = -8; k <= 8; k += 1) {
    const hcp = centre + k * step;
    const gap = Math.abs(lineProbabilities(diff, -hcp).over - 0.5);
    if (gap < bestGap - 1e-12) {
      best = hcp;
      bestGap = gap;
    }
  }
  const lines: Line[] = [];
  for (const offset of offsets) {
    const value = best + offset * step;
    const { over } = lineProbabilities(diff, -value);
    if (over >= lo && over <= 1 - lo) lines.push({ value, main: offset === 0 });
  }
  return lines;
}

function balancedHalfLine(dist: IntDist): number {
  let best = dist.min + 0.5;
  let bestGap = Infinity;
  for (let i = 0; i < dist.p.length; i += 1) {
    const line = dist.min + i + 0.5;
    const gap = Math.abs(probAbove(dist, line) - 0.5);
    if (gap < bestGap) {
      best = line;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * Results of a two-way line settled on `value`: X > line wins "over" (first id). A whole line that
 * lands exactly refunds both (void_factor 1); a quarter line is half won or half lost when one of
 * its halves pushes (void_factor 0.5).
 */
export function settleLine(value: number, line: number, overId: string, underId: string): OutcomeResult[] {
  const halves = splitLine(line);
  let over = 0;
  let under = 0;
  for (const sub of halves) {
    if (value > sub) over += 1;
    else if (value < sub) under += 1;
  }
  if (halves.length === 1) {
    if (over === 1) return [{ id: overId, result: 1 }, { id: underId, result: 0 }];
    if (under === 1) return [{ id: overId, result: 0 }, { id: underId, result: 1 }];
    return [{ id: overId, result: 0, voidFactor: 1 }, { id: underId, result: 0, voidFactor: 1 }];
  }
  if (over === 2) return [{ id: overId, result: 1 }, { id: underId, result: 0 }];
  if (under === 2) return [{ id: overId, result: 0 }, { id: underId, result: 1 }];
  // One half won, the other pushed: the winner is half won, the loser half lost.
  const overHalf = over === 1;
  return [
    { id: overId, result: overHalf ? 1 : 0, voidFactor: 0.5 },
    { id: underId, result: overHalf ? 0 : 1, voidFactor: 0.5 },
  ];
}

/** Exactly one winning outcome among `ids`. */
export function settleWinner(ids: readonly string[], winner: string): OutcomeResult[] {
  return ids.map((id) => ({ id, result: id === winner ? 1 : 0 }));
}

/** Everyone refunded (a draw-no-bet market on a draw). */
export function settleVoid(ids: readonly string[]): OutcomeResult[] {
  return ids.map((id) => ({ id, result: 0, voidFactor: 1 }));
}
