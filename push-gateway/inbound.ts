/**
 * Shape checks for what the gateway consumes from the bus. A message that fails them is counted
 * and skipped: bad data from one producer must never stop the stream for everyone.
 */
import type { FixtureUpdated } from '../core/contracts/fixtures.ts';
import type { OddsDelta } from '../core/contracts/odds.ts';
import { isEventId } from '../core/ids.ts';

/** A bet lifecycle message as far as the gateway needs it: it is forwarded whole to its player. */
export interface BetUpdate {
  readonly type: string;
  readonly playerId: string;
}

const MARKET_STATES = new Set(['open', 'suspended', 'closed', 'settled', 'cancelled']);

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isOddsDelta(value: unknown): value is OddsDelta {
  if (!isObject(value) || value.v !== 1) return false;
  if (typeof value.eventId !== 'string' || !isEventId(value.eventId)) return false;
  if (typeof value.epoch !== 'string' || value.epoch === '' || !Number.isSafeInteger(value.seq) || (value.seq as number) < 1) return false;
  if (!isFiniteNumber(value.ts) || !isFiniteNumber(value.sourceTs)) return false;
  switch (value.type) {
    case 'EpochStarted':
      return true;
    case 'PriceChanged':
      return typeof value.marketKey === 'string' && MARKET_STATES.has(value.state as string) && Array.isArray(value.outcomes) && value.outcomes.every((o) => isObject(o) && typeof o.outcomeId === 'string');
    case 'MarketStatusChanged':
      return typeof value.marketKey === 'string' && MARKET_STATES.has(value.state as string) && Array.isArray(value.reasons);
    default:
      return false;
  }
}

export function isFixtureUpdated(value: unknown): value is FixtureUpdated {
  if (!isObject(value) || value.v !== 1 || value.type !== 'FixtureUpdated' || !isObject(value.fixture)) return false;
  const f = value.fixture;
  return (
    typeof f.eventId === 'string' &&
    isEventId(f.eventId) &&
    isObject(f.sport) &&
    typeof f.sport.id === 'string' &&
    isObject(f.tournament) &&
    Array.isArray(f.competitors) &&
    typeof f.scheduledStart === 'string' &&
    typeof f.status === 'string' &&
    isFiniteNumber(f.updatedTs)
  );
}

export function isBetUpdate(value: unknown): value is BetUpdate {
  return isObject(value) && typeof value.type === 'string' && typeof value.playerId === 'string' && value.playerId !== '';
}
