/**
 * What every PriceBook implementation checks before it applies an update, so that the memory and
 * Redis books accept and refuse exactly the same input.
 */
import { AppError } from '../../core/errors.ts';
import { isEventId } from '../../core/ids.ts';
import type { PriceBookUpdate } from '../../core/ports/price-book.ts';

/**
 * Throws INVALID_REQUEST for an update no book can store faithfully. The event id must be a URN:
 * it is what reads hand back as an EventId, and it never contains the braces a Redis Cluster
 * hash tag is made of.
 */
export function assertValidUpdate(update: PriceBookUpdate): void {
  const problem = findProblem(update);
  if (problem !== undefined) {
    throw new AppError('INVALID_REQUEST', `price book update for ${JSON.stringify(String(update.eventId).slice(0, 80))}: ${problem}`);
  }
}

function findProblem(u: PriceBookUpdate): string | undefined {
  if (typeof u.eventId !== 'string' || !isEventId(u.eventId)) return 'eventId is not an event URN';
  if (typeof u.epoch !== 'string' || u.epoch === '') return 'epoch must be a non-empty string';
  if (!Number.isSafeInteger(u.seq) || u.seq < 0) return 'seq must be a non-negative integer';
  if (!Number.isFinite(u.ts)) return 'ts must be a finite number';
  if (u.sportId !== undefined && typeof u.sportId !== 'string') return 'sportId must be a string';
  if (!Array.isArray(u.markets)) return 'markets must be an array';
  for (const market of u.markets) {
    if (typeof market?.marketKey !== 'string' || market.marketKey === '') return 'every market needs a marketKey';
  }
  if (u.removed !== undefined && (!Array.isArray(u.removed) || u.removed.some((k) => typeof k !== 'string'))) {
    return 'removed must be an array of market keys';
  }
  return undefined;
}
