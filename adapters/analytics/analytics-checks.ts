/**
 * What every AnalyticsStore refuses, in one place so the in-memory and ClickHouse stores agree:
 * facts that cannot be stored faithfully (ids too long or with control characters, money outside
 * Int64, an unknown currency) and report queries out of bounds.
 */
import { AppError } from '../../core/errors.ts';
import type { MarketState } from '../../core/contracts/odds.ts';
import { CURRENCIES } from '../../core/money.ts';
import { isOddsString } from '../../core/odds.ts';
import {
  REPORT_LIMITS,
  type BetFact,
  type GgrQuery,
  type LiabilityQuery,
  type PriceFact,
  type PriceHistoryQuery,
} from '../../core/ports/analytics.ts';

const MAX_ID = 200;
const MAX_LEGS = 50;
const INT64_MAX = 2n ** 63n - 1n;
const UINT32_MAX = 2 ** 32 - 1;
/** NUL above all: ids travel into SQL literals and JSON. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MARKET_STATES: ReadonlySet<MarketState> = new Set(['open', 'suspended', 'closed', 'settled', 'cancelled']);
const MS_PER_DAY = 86_400_000;

function invalid(message: string): AppError {
  return new AppError('INVALID_REQUEST', message);
}

function id(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID || CONTROL.test(value)) {
    throw invalid(`${name} must be 1..${MAX_ID} characters, none of them control characters`);
  }
}

/** Free text (a reason): may be empty, same bounds otherwise. */
function text(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > MAX_ID || CONTROL.test(value)) {
    throw invalid(`${name} must be at most ${MAX_ID} characters, none of them control characters`);
  }
}

function count(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in ${min}..${max}`);
  }
}

/** ClickHouse's DateTime holds seconds as UInt32: the last instant it can store, in ms. */
const MAX_TS = UINT32_MAX * 1000 + 999;

function timestamp(name: string, value: unknown): void {
  count(name, value, 0, MAX_TS);
}

function money(name: string, value: unknown): void {
  if (typeof value !== 'bigint' || value < 0n || value > INT64_MAX) throw invalid(`${name} must be a bigint in 0..2^63-1 minor units`);
}

function odds(name: string, value: unknown): void {
  if (typeof value !== 'string' || !isOddsString(value)) throw invalid(`${name} must be decimal odds such as "2.05"`);
}

export function checkPriceFacts(facts: readonly PriceFact[]): void {
  for (const f of facts) {
    id('eventId', f.eventId);
    id('marketKey', f.marketKey);
    id('outcomeId', f.outcomeId);
    id('epoch', f.epoch);
    count('seq', f.seq, 0, Number.MAX_SAFE_INTEGER);
    timestamp('ts', f.ts);
    if (f.price !== undefined) odds('price', f.price);
    if (typeof f.active !== 'boolean') throw invalid('active must be a boolean');
    if (!MARKET_STATES.has(f.state)) throw invalid(`unknown market state ${JSON.stringify(f.state)}`);
  }
}

export function checkBetFacts(facts: readonly BetFact[]): void {
  for (const f of facts) {
    id('factId', f.factId);
    id('betId', f.betId);
    count('version', f.version, 1, UINT32_MAX);
    timestamp('ts', f.ts);
    switch (f.kind) {
      case 'accepted':
        id('playerId', f.playerId);
        id('sportId', f.sportId);
        if (typeof f.currency !== 'string' || !Object.prototype.hasOwnProperty.call(CURRENCIES, f.currency)) {
          throw invalid(`unknown currency ${JSON.stringify(f.currency)}`);
        }
        money('stake', f.stake);
        money('potentialPayout', f.potentialPayout);
        id('odds', f.odds);
        if (!Array.isArray(f.legs) || f.legs.length === 0 || f.legs.length > MAX_LEGS) throw invalid(`a bet has 1..${MAX_LEGS} legs`);
        for (const leg of f.legs) {
          id('leg eventId', leg.eventId);
          id('leg marketKey', leg.marketKey);
          id('leg outcomeId', leg.outcomeId);
          odds('leg odds', leg.odds);
        }
        break;
      case 'settled':
      case 'resettled':
        money('payout', f.payout);
        break;
      case 'cancelled':
      case 'reopened':
        text('reason', f.reason);
        break;
      default:
        throw invalid(`unknown bet fact kind ${JSON.stringify((f as { kind?: unknown }).kind)}`);
    }
  }
}

/** The UTC day of a timestamp, `YYYY-MM-DD`. */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, or undefined. */
function dayNumber(day: unknown): number | undefined {
  if (typeof day !== 'string') return undefined;
  const m = DAY.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over into March: a real day formats back to itself.
  return utcDay(ms) === day ? ms / MS_PER_DAY : undefined;
}

export function checkGgrQuery(query: GgrQuery): GgrQuery {
  const from = dayNumber(query.from);
  const to = dayNumber(query.to);
  if (from === undefined || to === undefined) throw invalid('from and to must be days, YYYY-MM-DD');
  // ClickHouse's Date ends in 2105; the in-memory store has no such limit but must answer alike.
  if (query.from < '1970-01-01' || query.to > '2105-12-31') throw invalid('days must lie in 1970..2105');
  if (to < from) throw invalid('to must not be before from');
  if (to - from + 1 > REPORT_LIMITS.ggrMaxDays) throw invalid(`a GGR report covers at most ${REPORT_LIMITS.ggrMaxDays} days`);
  return { from: query.from, to: query.to };
}

export function checkLiabilityQuery(query: LiabilityQuery): { eventId?: string; limit: number } {
  if (query.eventId !== undefined) id('eventId', query.eventId);
  const limit = query.limit ?? REPORT_LIMITS.defaultLiabilityRows;
  count('limit', limit, 1, REPORT_LIMITS.maxRows);
  return { ...(query.eventId !== undefined ? { eventId: query.eventId } : {}), limit };
}

export function checkPriceHistoryQuery(query: PriceHistoryQuery): { eventId: string; marketKey: string; from: number; to: number; limit: number } {
  id('eventId', query.eventId);
  id('marketKey', query.marketKey);
  count('limit', query.limit, 1, REPORT_LIMITS.maxRows);
  const from = query.from ?? 0;
  const to = query.to ?? MAX_TS;
  timestamp('from', from);
  timestamp('to', to);
  if (to < from) throw invalid('to must not be before from');
  return { eventId: query.eventId, marketKey: query.marketKey, from, to, limit: query.limit };
}
