/**
 * Bus messages → analytics facts. Shape checks first (a message that fails them is counted and
 * skipped by the service: bad data from one producer must never stop the stream), then money from
 * wire decimal strings to minor units of the bet's currency. The store checks the facts in
 * detail again (ids, bounds) when they are recorded.
 */
import type { BetEvent } from '../core/contracts/bet-events.ts';
import type { OddsDelta } from '../core/contracts/odds.ts';
import { AppError } from '../core/errors.ts';
import { CURRENCIES, toMinor, type Currency } from '../core/money.ts';
import type { BetFact, PriceFact } from '../core/ports/analytics.ts';

type Loose = Record<string, unknown>;

const BET_EVENT_TYPES = new Set(['BetAccepted', 'BetSettled', 'BetResettled', 'BetCancelled', 'BetReopened']);

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function malformed(what: string): AppError {
  return new AppError('INVALID_REQUEST', `malformed ${what}`);
}

function currencyOf(value: unknown): Currency {
  if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(CURRENCIES, value)) throw malformed(`currency ${JSON.stringify(value)}`);
  return value as Currency;
}

/**
 * A PriceChanged delta → one fact per outcome listed. Other deltas (status changes, new epochs)
 * carry no price: undefined. Throws INVALID_REQUEST for a malformed message.
 */
export function priceFactsOf(value: unknown): PriceFact[] | undefined {
  if (!isObject(value) || value.v !== 1) throw malformed('odds delta');
  if (value.type !== 'PriceChanged') return undefined;
  const d = value as unknown as Extract<OddsDelta, { type: 'PriceChanged' }>;
  if (!isString(d.eventId) || !isString(d.epoch) || !isCount(d.seq) || !isCount(d.ts) || !isString(d.marketKey) || typeof d.state !== 'string' || !Array.isArray(d.outcomes)) {
    throw malformed('PriceChanged');
  }
  return d.outcomes.map((o) => {
    if (!isObject(o) || !isString(o.outcomeId) || typeof o.active !== 'boolean' || (o.price !== undefined && typeof o.price !== 'string')) throw malformed('PriceChanged outcome');
    return {
      eventId: d.eventId,
      marketKey: d.marketKey,
      outcomeId: o.outcomeId,
      epoch: d.epoch,
      seq: d.seq,
      ts: d.ts,
      ...(o.price !== undefined ? { price: o.price } : {}),
      active: o.active,
      state: d.state,
    };
  });
}

/** Checks the envelope of a bet event and the fields of its type; throws INVALID_REQUEST. */
export function parseBetEvent(value: unknown): BetEvent {
  if (!isObject(value) || value.v !== 1 || typeof value.type !== 'string' || !BET_EVENT_TYPES.has(value.type)) throw malformed('bet event');
  if (!isString(value.eventKey) || !isString(value.betId) || !isCount(value.ts) || !isCount(value.version)) throw malformed(`${value.type} envelope`);
  const e = value as unknown as BetEvent;
  const type = value.type;
  switch (e.type) {
    case 'BetAccepted':
      if (!isString(e.playerId) || !isString(e.stake) || !isString(e.potentialPayout) || !isString(e.odds) || !Array.isArray(e.legs) || e.legs.length === 0) throw malformed('BetAccepted');
      for (const leg of e.legs as unknown[]) {
        if (!isObject(leg) || !isString(leg.eventId) || !isString(leg.marketKey) || !isString(leg.outcomeId) || !isString(leg.odds)) throw malformed('BetAccepted leg');
      }
      currencyOf(e.currency);
      break;
    case 'BetSettled':
    case 'BetResettled':
      if (!isString(e.payout)) throw malformed(type);
      currencyOf(e.currency);
      break;
    case 'BetCancelled':
    case 'BetReopened':
      if (typeof e.reason !== 'string') throw malformed(type);
      break;
  }
  return e;
}

/** The fact of a parsed bet event; `sportId` is the accepted bet's (ignored for the others). */
export function betFactOf(event: BetEvent, sportId: string): BetFact {
  const meta = { factId: event.eventKey, betId: event.betId, version: event.version, ts: event.ts };
  switch (event.type) {
    case 'BetAccepted':
      return {
        ...meta,
        kind: 'accepted',
        playerId: event.playerId,
        sportId,
        currency: event.currency,
        stake: toMinor(event.stake, event.currency),
        potentialPayout: toMinor(event.potentialPayout, event.currency),
        odds: event.odds,
        legs: event.legs.map((l) => ({ eventId: l.eventId, marketKey: l.marketKey, outcomeId: l.outcomeId, odds: l.odds })),
      };
    case 'BetSettled':
      return { ...meta, kind: 'settled', payout: toMinor(event.payout, event.currency) };
    case 'BetResettled':
      return { ...meta, kind: 'resettled', payout: toMinor(event.payout, event.currency) };
    case 'BetCancelled':
      return { ...meta, kind: 'cancelled', reason: event.reason };
    case 'BetReopened':
      return { ...meta, kind: 'reopened', reason: event.reason };
  }
}
