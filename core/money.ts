/**
 * Money. Never a JS number: integer minor units (bigint) inside, decimal strings outside.
 * big.js is used where fractions appear (odds × stake) and rounding is explicit.
 */
import Big from 'big.js';
import { AppError } from './errors.ts';

export type Minor = bigint;

/** Currencies the engine books in, with their minor-unit exponent. */
export const CURRENCIES = { EUR: 2, USD: 2, GBP: 2, JPY: 0, BTC: 8 } as const;
export type Currency = keyof typeof CURRENCIES;

const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d+)?$/;

/**
 * "12.50" → 1250n for a 2-decimal currency. Rejects more decimals than the currency has,
 * signs, exponents and anything that is not a plain decimal string.
 */
export function toMinor(amount: string, currency: Currency = 'EUR'): Minor {
  const exp = CURRENCIES[currency];
  if (!DECIMAL.test(amount)) throw new AppError('INVALID_REQUEST', `not a decimal amount: ${JSON.stringify(amount)}`);
  const [whole, digits = ''] = amount.split('.') as [string, string?];
  if (digits.length > exp) {
    throw new AppError('INVALID_REQUEST', `${currency} has ${exp} decimals at most: ${amount}`);
  }
  return BigInt(whole) * 10n ** BigInt(exp) + BigInt(digits.padEnd(exp, '0') || '0');
}

/** 1250n → "12.50". */
export function fromMinor(minor: Minor, currency: Currency = 'EUR'): string {
  const exp = CURRENCIES[currency];
  const neg = minor < 0n;
  const abs = (neg ? -minor : minor).toString().padStart(exp + 1, '0');
  const whole = abs.slice(0, abs.length - exp);
  const frac = exp === 0 ? '' : `.${abs.slice(abs.length - exp)}`;
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/** Minor units as a Big in major units (for multiplying by odds). */
export function minorToBig(minor: Minor, currency: Currency = 'EUR'): Big {
  return new Big(minor.toString()).div(new Big(10).pow(CURRENCIES[currency]));
}

/**
 * Major units (Big) → minor units, rounded DOWN (towards zero): the one rounding rule for payouts,
 * so the house never pays a fraction of a cent it did not owe.
 */
export function bigToMinor(amount: Big, currency: Currency = 'EUR'): Minor {
  const scaled = amount.times(new Big(10).pow(CURRENCIES[currency])).round(0, Big.roundDown);
  return BigInt(scaled.toFixed(0));
}

export { Big };
