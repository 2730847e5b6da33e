/** What every IdempotencyStore implementation checks and defaults the same way. */
import { AppError } from '../../core/errors.ts';

export interface IdempotencyWindows {
  /** How long a completed key keeps its response. Default 24 h. */
  readonly retentionMs?: number;
  /** How long an in-flight key stays claimed when its owner never completes it. Default 60 s. */
  readonly leaseMs?: number;
}

export const DEFAULT_RETENTION_MS = 86_400_000;
export const DEFAULT_LEASE_MS = 60_000;

export function windows(options: IdempotencyWindows): { retentionMs: number; leaseMs: number } {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  for (const [name, value] of [['retentionMs', retentionMs], ['leaseMs', leaseMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new AppError('CONFIG_INVALID', `idempotency ${name} must be a positive integer`);
  }
  return { retentionMs, leaseMs };
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 300) {
    throw new AppError('INVALID_REQUEST', 'an idempotency key is a string of 1..300 characters');
  }
  return key;
}
