import { AppError } from '../../core/errors.ts';

/** The argument checks every EngineLease and LeaderLease makes the same way. */
export function checkRenewal(holder: string, ttlMs: number): void {
  if (typeof holder !== 'string' || holder === '') throw new AppError('INVALID_REQUEST', 'a lease needs a holder');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new AppError('INVALID_REQUEST', `a lease lives a positive whole number of ms, not ${ttlMs}`);
}
