/**
 * The rules every Wallet implementation shares: what is checked before money moves, the
 * fingerprint that tells a retried call (same key, same call) from a reused key (same key,
 * another call), and the journal each operation posts.
 */
import { AppError } from '../../core/errors.ts';
import { CURRENCIES, type Currency } from '../../core/money.ts';
import type { LedgerAccount, PostingKind } from '../../core/ports/wallet.ts';

const MAX_ID = 200;
/** Control characters (NUL above all, which PostgreSQL text cannot hold) have no place in an id. */
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID || CONTROL.test(value)) {
    throw new AppError('INVALID_REQUEST', `${name} must be 1..${MAX_ID} characters, none of them control characters`);
  }
  return value;
}

/** A positive amount, or ≥ 0 with `allowZero` (a lost bet's payout). */
export function checkAmount(name: string, value: unknown, { allowZero = false } = {}): bigint {
  if (typeof value !== 'bigint') throw new AppError('INVALID_REQUEST', `${name} must be a bigint of minor units`);
  if (value < 0n || (value === 0n && !allowZero)) {
    throw new AppError('INVALID_REQUEST', `${name} must be ${allowZero ? '≥ 0' : '> 0'}: ${value}`);
  }
  return value;
}

export function checkCurrency(value: unknown): Currency {
  if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(CURRENCIES, value)) {
    throw new AppError('INVALID_REQUEST', `unknown currency: ${JSON.stringify(value)}`);
  }
  return value as Currency;
}

export function checkLimit(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AppError('INVALID_REQUEST', `limit must be an integer in 1..${max}`);
  }
  return value;
}

/** A posting id used as a cursor: the decimal form of a positive integer. */
export function checkPostingId(name: string, value: unknown): bigint {
  if (typeof value !== 'string' || !/^[1-9]\d{0,18}$/.test(value)) {
    throw new AppError('INVALID_REQUEST', `${name} must be a posting id`);
  }
  return BigInt(value);
}

export function currencyMismatch(player: string, account: Currency, asked: Currency): AppError {
  return new AppError('INVALID_REQUEST', `${player}'s account is in ${account}, not ${asked}`);
}

/** Identifies one call: the operation and its arguments, in a fixed order. */
export function fingerprint(operation: string, ...args: ReadonlyArray<string | bigint>): string {
  return JSON.stringify([operation, ...args.map((a) => (typeof a === 'bigint' ? `${a}n` : a))]);
}

export function duplicateKey(key: string): AppError {
  return new AppError('DUPLICATE_REQUEST', `the key ${JSON.stringify(key)} was used for another call`);
}

/** One line of a journal before it is numbered. */
export interface Line {
  readonly account: LedgerAccount;
  readonly kind: PostingKind;
  readonly amount: bigint;
}

/**
 * The journal of each operation, zero lines left out (a lost bet posts no payout). Every journal
 * sums to zero: the double-entry rule the reconciliation relies on.
 */
export const JOURNALS = {
  deposit: (amount: bigint): Line[] => [
    { account: 'cashier', kind: 'deposit', amount: -amount },
    { account: 'available', kind: 'deposit', amount },
  ],
  hold: (stake: bigint): Line[] => [
    { account: 'available', kind: 'hold', amount: -stake },
    { account: 'held', kind: 'hold', amount: stake },
  ],
  release: (stake: bigint): Line[] => [
    { account: 'held', kind: 'release', amount: -stake },
    { account: 'available', kind: 'release', amount: stake },
  ],
  settle: (stake: bigint, payout: bigint): Line[] =>
    nonZero([
      { account: 'held', kind: 'stake', amount: -stake },
      { account: 'house', kind: 'stake', amount: stake },
      { account: 'house', kind: 'payout', amount: -payout },
      { account: 'available', kind: 'payout', amount: payout },
    ]),
  reverseSettlement: (stake: bigint, payout: bigint): Line[] =>
    nonZero([
      { account: 'available', kind: 'payout_reversal', amount: -payout },
      { account: 'house', kind: 'payout_reversal', amount: payout },
      { account: 'house', kind: 'stake_reversal', amount: -stake },
      { account: 'held', kind: 'stake_reversal', amount: stake },
    ]),
} as const;

function nonZero(lines: Line[]): Line[] {
  return lines.filter((l) => l.amount !== 0n);
}

/** How a journal moves the player's two balances. */
export function balanceDelta(lines: readonly Line[]): { available: bigint; held: bigint } {
  let available = 0n;
  let held = 0n;
  for (const line of lines) {
    if (line.account === 'available') available += line.amount;
    else if (line.account === 'held') held += line.amount;
  }
  return { available, held };
}
