import { AppError } from '../../core/errors.ts';

/** The argument checks every EngineLease makes the same way (core/ports/engine-lease.ts). */
export function checkRenewal(holder: string, ttlMs: number): void {
  if (typeof holder !== 'string' || holder === '') throw new AppError('INVALID_REQUEST', 'an engine lease needs a holder');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new AppError('INVALID_REQUEST', `an engine lease lives a positive whole number of ms, not ${ttlMs}`);
}
