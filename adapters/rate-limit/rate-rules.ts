/** The rule check and the GCRA step shared by every RateLimiter implementation. */
import { AppError } from '../../core/errors.ts';
import type { RateRule } from '../../core/ports/rate-limiter.ts';

export function checkRule(rule: RateRule): RateRule {
  if (!Number.isInteger(rule.limit) || rule.limit < 1 || !Number.isInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new AppError('INVALID_REQUEST', 'a rate rule has an integer limit ≥ 1 and windowMs ≥ 1');
  }
  return rule;
}

export function checkRateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 300) throw new AppError('INVALID_REQUEST', 'a rate key is a string of 1..300 characters');
  return key;
}
