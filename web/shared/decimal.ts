/**
 * Exact decimal arithmetic for the bet slip, on bigint: money and odds are decimal strings on the
 * wire and never pass through a float. The acceptor decides the real payout (stake × product of
 * the legs' odds, rounded down to the cent); the slip shows the same figure before placing.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal string as an integer count of 10^-scale units, cut (not rounded) beyond. */
export function toUnits(value: string, scale: number): bigint | undefined {
  const match = DECIMAL.exec(value.trim());
  if (!match) return undefined;
  const fraction = (match[2] ?? '').slice(0, scale).padEnd(scale, '0');
  return BigInt(match[1]! + fraction);
}

/** Units of 10^-scale back to a decimal string with exactly `scale` decimals. */
export function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** A stake as typed: digits with up to two decimals, more than zero. */
export function isStake(value: string): boolean {
  return /^\d{1,9}(\.\d{1,2})?$/.test(value.trim()) && (toUnits(value, 2) ?? 0n) > 0n;
}

const ODDS_SCALE = 4;

/** Product of odds strings, exact; undefined when one is not a decimal. */
export function combinedOdds(odds: readonly string[]): { units: bigint; scale: number } | undefined {
  let units = 1n;
  let scale = 0;
  for (const o of odds) {
    const u = toUnits(o, ODDS_SCALE);
    if (u === undefined) return undefined;
    units *= u;
    scale += ODDS_SCALE;
  }
  return { units, scale };
}

/** Combined odds for display: two decimals, cut down (what a slip shows for an accumulator). */
export function formatCombinedOdds(odds: readonly string[]): string | undefined {
  const product = combinedOdds(odds);
  if (!product) return undefined;
  return fromUnits(product.units / 10n ** BigInt(product.scale - 2), 2);
}

/** stake × product of odds, rounded down to the cent, as a decimal string; undefined when invalid. */
export function potentialPayout(stake: string, odds: readonly string[]): string | undefined {
  const cents = toUnits(stake, 2);
  const product = combinedOdds(odds);
  if (cents === undefined || !product || odds.length === 0) return undefined;
  return fromUnits((cents * product.units) / 10n ** BigInt(product.scale), 2);
}

/** Compares two odds strings: -1, 0 or 1. */
export function compareOdds(a: string, b: string): number {
  const x = toUnits(a, ODDS_SCALE) ?? 0n;
  const y = toUnits(b, ODDS_SCALE) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}
