/** Input checks shared by every LiabilityLedger implementation, so they refuse the same things. */
import { AppError } from '../../core/errors.ts';
import type { LiabilityEntry } from '../../core/ports/liability-ledger.ts';

/**
 * Amounts and limits stay below 10^14 minor units (a trillion in a two-decimal currency): Redis
 * scripts turn numbers into text with 14 significant digits, and this keeps that text exact.
 */
export const MAX_LIABILITY = 10n ** 14n - 1n;
const MAX_ID = 200;

const invalid = (message: string) => new AppError('INVALID_REQUEST', `liability: ${message}`);

export function checkReservationId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) throw invalid(`a reservation id is a string of 1..${MAX_ID} characters`);
  return id;
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 500) throw invalid('a key is a string of 1..500 characters');
  return key;
}

/** The entries copied and checked: 1..100 of them, distinct keys, amount > 0, limit ≥ 0, both < 10^14. */
export function checkEntries(entries: readonly LiabilityEntry[]): LiabilityEntry[] {
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 100) throw invalid('a reservation has 1..100 entries');
  const seen = new Set<string>();
  return entries.map((entry: LiabilityEntry) => {
    const key = checkKey(entry?.key);
    if (seen.has(key)) throw invalid(`key ${key} appears twice`);
    seen.add(key);
    const { amount, limit } = entry;
    if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_LIABILITY) throw invalid(`amount of ${key} must be a bigint in 1..${MAX_LIABILITY}`);
    if (typeof limit !== 'bigint' || limit < 0n || limit > MAX_LIABILITY) throw invalid(`limit of ${key} must be a bigint in 0..${MAX_LIABILITY}`);
    return { key, amount, limit };
  });
}

export function releasedId(id: string): AppError {
  return new AppError('DUPLICATE_REQUEST', `liability reservation ${id} was released; a new reservation needs a new id`);
}
