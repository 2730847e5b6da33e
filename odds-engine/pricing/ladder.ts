/**
 * The price ladder: the only decimal odds this operator publishes. Prices are held as integers in
 * ten-thousandths (2.06 → 20600), so ladder arithmetic never meets binary floating point (no
 * 1.1 − 0.01 = 1.0900000000000001) and every published price is an exact string.
 *
 * A ladder is a list of segments, each running from the previous segment's top (1 for the first)
 * by a fixed step up to and including its own `upTo`. Lookups are O(1) by index and O(log s) by
 * odds, s being the number of segments.
 */
import { AppError } from '../../core/errors.ts';
import type { OddsString } from '../../core/odds.ts';

export interface LadderSegment {
  /** Highest price of the segment, inclusive. Strings are exact; numbers must have ≤ 4 decimals. */
  readonly upTo: string | number;
  /** Distance between neighbouring prices within the segment. */
  readonly step: string | number;
}

/** Betfair-style ticks: 1.01–2 by 0.01, 2–3 by 0.02, ..., 100–1000 by 10 (350 prices). */
export const DEFAULT_LADDER_SEGMENTS: readonly LadderSegment[] = [
  { upTo: '2', step: '0.01' },
  { upTo: '3', step: '0.02' },
  { upTo: '4', step: '0.05' },
  { upTo: '6', step: '0.1' },
  { upTo: '10', step: '0.2' },
  { upTo: '20', step: '0.5' },
  { upTo: '30', step: '1' },
  { upTo: '50', step: '2' },
  { upTo: '100', step: '5' },
  { upTo: '1000', step: '10' },
];

/** Operator limits on published odds; each defaults to the ladder's own end. */
export interface OddsBounds {
  /** Lowest publishable price; off-ladder values are raised to the next ladder price. */
  readonly minOdds?: OddsString;
  /** Highest publishable price; off-ladder values are lowered to the previous ladder price. */
  readonly maxOdds?: OddsString;
}

/** Ladder indices of the lowest and highest publishable price. */
export interface IndexRange {
  readonly min: number;
  readonly max: number;
}

const SCALE = 10_000;
/** Published prices stay below 10000 so they fit the 4-digit odds strings of core/odds.ts. */
const MAX_UNITS = 10_000 * SCALE - 1;
/** A ladder beyond this many prices is a configuration mistake (and would waste memory). */
const MAX_SIZE = 100_000;
/** Most entries of the segment lookup table (see PriceLadder.#bucketSegment). */
const MAX_BUCKETS = 4096;
/**
 * Odds within a relative 1e-9 below a ladder price count as that price: 1/q computed in floating
 * point lands a few ulps (~1e-16) either side of an exact tick, and rounding 2.1 − 4e-16 down to
 * 2.08 would be wrong. Genuinely lower odds (2.0999999 is 5e-8 below) still round down.
 */
const SNAP = 1e-9;

const ODDS_PATTERN = /^(\d{1,4})(?:\.(\d{1,4}))?$/;

/** Builds a ladder, by default {@link DEFAULT_LADDER_SEGMENTS}. Throws CONFIG_INVALID on a malformed one. */
export function createPriceLadder(segments: readonly LadderSegment[] = DEFAULT_LADDER_SEGMENTS): PriceLadder {
  return new PriceLadder(segments);
}

export class PriceLadder {
  /** Number of prices on the ladder; indices run from 0 (lowest) to size − 1 (highest). */
  readonly size: number;
  readonly minPrice: OddsString;
  readonly maxPrice: OddsString;
  /** Each price in ten-thousandths, by index. */
  readonly #units: Int32Array;
  /** Each price as its published string, by index: made once, shared by every book priced. */
  readonly #prices: OddsString[];
  /** 1 / price, by index: the implied probability the book's overround is summed from. */
  readonly #inverse: Float64Array;
  /** Per segment: its bottom and top (units; prices lie in (bottom, top]), its step (units), and the index of its first price. */
  readonly #segmentBottom: Int32Array;
  readonly #segmentTop: Int32Array;
  readonly #segmentStep: Int32Array;
  readonly #segmentFirstIndex: Int32Array;
  /**
   * Finding the segment of some odds is the innermost step of pricing a book (each outcome, each
   * probe of the band search), so it is a table lookup rather than a binary search: units are cut
   * into buckets of 2^#bucketShift, and #bucketSegment[b] is the segment of the lowest units in
   * bucket b. A bucket is narrower than most segments, so the segment found is the right one or
   * (near a segment top) one of the next few.
   */
  readonly #bucketShift: number;
  readonly #bucketSegment: Int32Array;

  constructor(segments: readonly LadderSegment[]) {
    if (segments.length === 0) throw configInvalid('a price ladder needs at least one segment');
    const count = segments.length;
    this.#segmentBottom = new Int32Array(count);
    this.#segmentTop = new Int32Array(count);
    this.#segmentStep = new Int32Array(count);
    this.#segmentFirstIndex = new Int32Array(count);
    let bottom = SCALE;
    let size = 0;
    for (let s = 0; s < count; s++) {
      const segment = segments[s]!;
      const top = toConfigUnits(segment.upTo, `segment ${s} upTo`);
      const step = toConfigUnits(segment.step, `segment ${s} step`);
      if (top <= bottom) throw configInvalid(`segment ${s} must end above ${formatUnits(bottom)}`);
      if (top > MAX_UNITS) throw configInvalid(`segment ${s} ends above 9999.9999`);
      if (step <= 0 || (top - bottom) % step !== 0) {
        throw configInvalid(`segment ${s}: ${formatUnits(bottom)} to ${formatUnits(top)} is not a whole number of ${formatUnits(step)} steps`);
      }
      this.#segmentBottom[s] = bottom;
      this.#segmentTop[s] = top;
      this.#segmentStep[s] = step;
      this.#segmentFirstIndex[s] = size;
      size += (top - bottom) / step;
      if (size > MAX_SIZE) throw configInvalid(`a price ladder may hold at most ${MAX_SIZE} prices`);
      bottom = top;
    }
    this.size = size;
    this.#units = new Int32Array(size);
    this.#inverse = new Float64Array(size);
    this.#prices = new Array<OddsString>(size);
    let index = 0;
    bottom = SCALE;
    for (let s = 0; s < count; s++) {
      const step = this.#segmentStep[s]!;
      for (let u = bottom + step; u <= this.#segmentTop[s]!; u += step) {
        this.#units[index] = u;
        this.#inverse[index] = SCALE / u;
        this.#prices[index] = formatUnits(u);
        index++;
      }
      bottom = this.#segmentTop[s]!;
    }
    this.minPrice = this.#prices[0]!;
    this.maxPrice = this.#prices[size - 1]!;

    let narrowest = Number.POSITIVE_INFINITY;
    for (let s = 0; s < count; s++) narrowest = Math.min(narrowest, this.#segmentTop[s]! - this.#segmentBottom[s]!);
    const highest = this.#segmentTop[count - 1]!;
    let shift = Math.floor(Math.log2(narrowest));
    while ((highest >>> shift) + 1 > MAX_BUCKETS) shift++;
    this.#bucketShift = shift;
    this.#bucketSegment = new Int32Array((highest >>> shift) + 1);
    for (let b = 0, s = 0; b < this.#bucketSegment.length; b++) {
      while (s < count - 1 && this.#segmentTop[s]! < b << shift) s++;
      this.#bucketSegment[b] = s;
    }
  }

  /** The price at `index` as an exact string ("2.06"); throws PRICING_INPUT_INVALID off the ladder. */
  priceAt(index: number): OddsString {
    return this.#prices[this.#valid(index)]!;
  }

  /** The price at `index` as a number. */
  oddsAt(index: number): number {
    return this.#units[this.#valid(index)]! / SCALE;
  }

  /** 1 / price at `index`, without bounds checks: for loops that already hold valid indices. */
  inverseOddsAt(index: number): number {
    return this.#inverse[index]!;
  }

  /** Index of an exact ladder price ("2.06" and "2.060" alike), or −1 if it is not on the ladder. */
  indexOf(price: OddsString): number {
    const units = parseUnits(price);
    if (units === undefined) return -1;
    const index = this.#floorIndexOfUnits(units);
    return index >= 0 && this.#units[index] === units ? index : -1;
  }

  /** Index of the largest price ≤ odds (see SNAP), −1 below the ladder, size − 1 above it. NaN gives −1. */
  floorIndex(odds: number): number {
    return this.#floorIndexOfUnits(Math.floor(odds * SCALE * (1 + SNAP)));
  }

  /** Index of the smallest price ≥ odds (see SNAP), 0 below the ladder, `size` above it. */
  ceilIndex(odds: number): number {
    if (Number.isNaN(odds)) return this.size;
    return this.#ceilIndexOfUnits(Math.ceil(odds * SCALE * (1 - SNAP)));
  }

  /**
   * Resolves operator bounds to ladder indices. Throws PRICING_INPUT_INVALID on a malformed
   * bound, a bound that leaves no ladder price, or min above max.
   */
  indexRange(bounds: OddsBounds = {}): IndexRange {
    let min = 0;
    let max = this.size - 1;
    if (bounds.minOdds !== undefined) min = this.#ceilIndexOfUnits(boundUnits(bounds.minOdds, 'minOdds'));
    if (bounds.maxOdds !== undefined) max = this.#floorIndexOfUnits(boundUnits(bounds.maxOdds, 'maxOdds'));
    if (min > max || min >= this.size || max < 0) {
      throw pricingInvalid(`no ladder price between minOdds ${bounds.minOdds ?? this.minPrice} and maxOdds ${bounds.maxOdds ?? this.maxPrice}`);
    }
    return { min, max };
  }

  /**
   * The largest publishable price ≤ odds: rounds down onto the ladder, then clamps into the bounds
   * (odds below the minimum get the minimum). Throws PRICING_INPUT_INVALID on NaN.
   */
  roundDown(odds: number, bounds?: OddsBounds): OddsString {
    if (Number.isNaN(odds)) throw pricingInvalid('cannot round NaN odds');
    const range = this.indexRange(bounds);
    return this.priceAt(clamp(this.floorIndex(odds), range.min, range.max));
  }

  /**
   * Moves a ladder price by `ticks` (positive = longer odds), stopping at the bounds. Throws
   * PRICING_INPUT_INVALID when `price` is not on the ladder or `ticks` is not an integer.
   */
  shift(price: OddsString, ticks: number, bounds?: OddsBounds): OddsString {
    const index = this.indexOf(price);
    if (index < 0) throw pricingInvalid(`${JSON.stringify(price)} is not a price on this ladder`);
    if (!Number.isInteger(ticks)) throw pricingInvalid(`a tick shift must be an integer, got ${ticks}`);
    const range = this.indexRange(bounds);
    return this.priceAt(clamp(index + ticks, range.min, range.max));
  }

  /** `index` itself when it is on the ladder; throws PRICING_INPUT_INVALID otherwise. */
  #valid(index: number): number {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) {
      throw pricingInvalid(`ladder index ${index} is outside 0..${this.size - 1}`);
    }
    return index;
  }


  #floorIndexOfUnits(units: number): number {
    const tops = this.#segmentTop;
    if (units >= tops[tops.length - 1]!) return this.size - 1;
    if (!(units > SCALE)) return -1;
    // The segment whose (bottom, top] holds units: units is an integer in (SCALE, highest top).
    let s = this.#bucketSegment[units >>> this.#bucketShift]!;
    while (tops[s]! < units) s++;
    // Whole steps above bottom; zero steps means bottom itself, the previous segment's last price
    // (or below the ladder for the first segment).
    return this.#segmentFirstIndex[s]! + Math.floor((units - this.#segmentBottom[s]!) / this.#segmentStep[s]!) - 1;
  }

  #ceilIndexOfUnits(units: number): number {
    const floor = this.#floorIndexOfUnits(units);
    if (floor >= 0 && this.#units[floor] === units) return floor;
    return floor + 1;
  }
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** Exact ten-thousandths of a decimal string with at most 4 decimals, or undefined. */
function parseUnits(value: string): number | undefined {
  const m = ODDS_PATTERN.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * SCALE + Number((m[2] ?? '').padEnd(4, '0'));
}

/** Formats ten-thousandths with at least two decimals: 20600 → "2.06", 20000 → "2.00", 10050 → "1.005". */
function formatUnits(units: number): string {
  const whole = Math.floor(units / SCALE);
  let fraction = String(units - whole * SCALE).padStart(4, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${whole}.${fraction}`;
}

function toConfigUnits(value: string | number, what: string): number {
  if (typeof value === 'string') {
    const units = parseUnits(value);
    if (units === undefined) throw configInvalid(`${what} ${JSON.stringify(value)} is not a decimal with at most 4 decimals`);
    return units;
  }
  const scaled = value * SCALE;
  const units = Math.round(scaled);
  if (!Number.isFinite(value) || value < 0 || Math.abs(scaled - units) > 1e-6) {
    throw configInvalid(`${what} ${value} is not a non-negative decimal with at most 4 decimals`);
  }
  return units;
}

function boundUnits(value: OddsString, what: string): number {
  const units = parseUnits(value);
  if (units === undefined) throw pricingInvalid(`${what} ${JSON.stringify(value)} is not a decimal odds string`);
  return units;
}

function configInvalid(message: string): AppError {
  return new AppError('CONFIG_INVALID', message);
}

function pricingInvalid(message: string): AppError {
  return new AppError('PRICING_INPUT_INVALID', message);
}
