/**
 * The pure checks of a bet, in the order they run (DESIGN.md §4–5). Each returns `{ok: true, ...}`
 * or a rejection with a stable reason code and, where it helps the client to re-offer the bet,
 * the current prices of its legs:
 *
 *   1. request        the body makes sense: stake in the currency's precision, legs on distinct
 *                     events, well-formed prices                                  INVALID_REQUEST
 *   2. existence      every leg's event, market and outcome are in the price book  EVENT_NOT_FOUND,
 *                                                                                  MARKET_NOT_FOUND
 *   3. status         every market is open and its outcome offered with a price   MARKET_SUSPENDED
 *                     (and, where a lease is kept, an odds engine holds it: without one every
 *                     price is stale, details.cause PRICES_STALE)
 *   4. price          each leg's current price against the one the bettor saw, by the odds-change
 *                     mode: none = exactly it, higher = it or better, any = whatever it is now
 *                                                                                  PRICE_CHANGED
 *   5. stake limits   min/max stake (with the customer's factor) and max payout    STAKE_TOO_LOW,
 *                                                                                  STAKE_TOO_HIGH
 * Liability, the in-play delay and the wallet follow in acceptor.ts: they need I/O.
 */
import type { MarketState, PricedMarket } from '../core/contracts/odds.ts';
import type { PriceVersion } from '../core/contracts/bets.ts';
import type { ErrorCode } from '../core/errors.ts';
import { isAppError } from '../core/errors.ts';
import { isEventId, type EventId } from '../core/ids.ts';
import { marketKey } from '../core/market-key.ts';
import { Big, fromMinor, toMinor, type Currency, type Minor } from '../core/money.ts';
import { isOddsString, type OddsString } from '../core/odds.ts';
import type { MarketView } from '../core/ports/price-book.ts';

export const ODDS_CHANGE_MODES = ['none', 'higher', 'any'] as const;
export type OddsChangeMode = (typeof ODDS_CHANGE_MODES)[number];

/** One leg as the client sends it (POST /v1/bets). */
export interface LegRequest {
  readonly eventId: string;
  readonly marketId: number;
  /** `k=v|k=v` in any order; absent or '' for a market without specifiers. */
  readonly specifiers?: string;
  readonly outcomeId: string;
  /** The price the bettor saw, exact ("2.05"). */
  readonly price: string;
  /** The (epoch, seq) of the event's priced state that price came with. */
  readonly priceVersion: PriceVersion;
}

export interface BetRequest {
  /** Decimal string in the acceptor's currency ("10.00"). */
  readonly stake: string;
  /** Default 'none'. */
  readonly oddsChange?: OddsChangeMode;
  readonly legs: readonly LegRequest[];
}

export interface ParsedLeg {
  readonly eventId: EventId;
  readonly marketId: number;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly requested: OddsString;
  readonly seen: PriceVersion;
}

export interface ParsedBet {
  readonly stake: Minor;
  readonly currency: Currency;
  readonly mode: OddsChangeMode;
  readonly legs: readonly ParsedLeg[];
}

/** What the acceptor read from the price book for one leg. */
export interface LegRead {
  /** undefined when the market is not in the book. */
  readonly view: MarketView | undefined;
  /** Whether the event is in the book at all (told apart only when the market is missing). */
  readonly eventKnown: boolean;
}

/** A leg that passed existence, status and price: the price it is accepted at, and where from. */
export interface PricedLeg extends ParsedLeg {
  readonly odds: OddsString;
  readonly version: PriceVersion;
  /** The producer of the market's odds (live producers mean an in-play delay). */
  readonly producer: number;
}

/** A leg's price now, as a rejection reports it so the client can offer the bet again. */
export interface CurrentPrice {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  /** Absent when the outcome is not offered or the market is unknown. */
  readonly price?: OddsString;
  readonly state?: MarketState;
  readonly priceVersion?: PriceVersion;
  /** seq of the change that last touched this outcome. */
  readonly version?: number;
}

/** Every reason a bet is turned down for (DESIGN.md §4), a subset of the error codes. */
export const REJECT_REASONS = [
  'INVALID_REQUEST',
  'EVENT_NOT_FOUND',
  'MARKET_NOT_FOUND',
  'MARKET_SUSPENDED',
  'PRICE_CHANGED',
  'STAKE_TOO_LOW',
  'STAKE_TOO_HIGH',
  'LIABILITY_EXCEEDED',
  'INSUFFICIENT_FUNDS',
  'BET_STOPPED_DURING_DELAY',
] as const satisfies readonly ErrorCode[];

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  readonly ok: false;
  readonly status: 'rejected';
  readonly reason: RejectReason;
  readonly message: string;
  /** Index of the leg that failed, when one did. */
  readonly leg?: number;
  readonly current?: readonly CurrentPrice[];
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Check<T> = ({ readonly ok: true } & T) | Rejection;

export function reject(reason: RejectReason, message: string, extra: Omit<Rejection, 'ok' | 'status' | 'reason' | 'message'> = {}): Rejection {
  return { ok: false, status: 'rejected', reason, message, ...extra };
}

/** 1. The request: what the JSON schema cannot say. */
export function parseBet(request: BetRequest, currency: Currency, maxLegs: number): Check<{ bet: ParsedBet }> {
  let stake: Minor;
  try {
    stake = toMinor(request.stake, currency);
  } catch (error) {
    return reject('INVALID_REQUEST', isAppError(error) ? `stake: ${error.message}` : 'stake is not a decimal amount');
  }
  if (stake <= 0n) return reject('INVALID_REQUEST', 'stake must be more than zero');
  if (request.legs.length === 0 || request.legs.length > maxLegs) return reject('INVALID_REQUEST', `a bet has 1..${maxLegs} legs`);
  const events = new Set<string>();
  const legs: ParsedLeg[] = [];
  for (let i = 0; i < request.legs.length; i++) {
    const leg = request.legs[i]!;
    if (!isEventId(leg.eventId)) return reject('INVALID_REQUEST', `leg ${i}: eventId is not an event URN`, { leg: i });
    if (events.has(leg.eventId)) {
      return reject('INVALID_REQUEST', `leg ${i}: an accumulator takes one leg per event (${leg.eventId} appears twice)`, { leg: i });
    }
    events.add(leg.eventId);
    if (!isOddsString(leg.price)) return reject('INVALID_REQUEST', `leg ${i}: price must be decimal odds above 1 with at most 4 decimals`, { leg: i });
    legs.push({
      eventId: leg.eventId,
      marketId: leg.marketId,
      marketKey: marketKey(leg.marketId, leg.specifiers ?? ''),
      outcomeId: leg.outcomeId,
      requested: leg.price,
      seen: { epoch: leg.priceVersion.epoch, seq: leg.priceVersion.seq },
    });
  }
  return { ok: true, bet: { stake, currency, mode: request.oddsChange ?? 'none', legs } };
}

/** 3. No odds engine holds the lease: nothing applies bet stops to the book, so no price stands. */
export function pricesStale(): Rejection {
  return reject('MARKET_SUSPENDED', 'prices are not being kept up to date (no odds engine is running); bets are refused until they are', {
    details: { cause: 'PRICES_STALE' },
  });
}

/** 2–4. Existence, status and price of every leg, each check over all legs before the next. */
export function checkLegs(bet: ParsedBet, reads: readonly LegRead[]): Check<{ legs: readonly PricedLeg[] }> {
  const { legs } = bet;
  const outcomes: PricedOutcome[] = [];
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    const read = reads[i]!;
    if (read.view === undefined && !read.eventKnown) {
      return reject('EVENT_NOT_FOUND', `leg ${i}: event ${leg.eventId} is not offered`, { leg: i, current: currentPrices(bet, reads) });
    }
    const outcome = read.view === undefined ? undefined : outcomeOf(read.view.market, leg.outcomeId);
    if (outcome === undefined) {
      return reject('MARKET_NOT_FOUND', `leg ${i}: ${leg.eventId} has no market ${leg.marketKey} with outcome ${leg.outcomeId}`, { leg: i, current: currentPrices(bet, reads) });
    }
    outcomes.push(outcome);
  }
  for (let i = 0; i < legs.length; i++) {
    const market = reads[i]!.view!.market;
    const outcome = outcomes[i]!;
    if (market.state !== 'open' || !outcome.active || outcome.price === undefined) {
      const why = market.state !== 'open' ? `market is ${market.state}` : 'outcome is not offered';
      return reject('MARKET_SUSPENDED', `leg ${i}: ${why}`, {
        leg: i,
        current: currentPrices(bet, reads),
        details: { state: market.state, suspensions: market.suspensions.map((s) => ({ reason: s.reason, ...(s.detail === undefined ? {} : { detail: s.detail }) })) },
      });
    }
  }
  const priced: PricedLeg[] = [];
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    const view = reads[i]!.view!;
    const price = outcomes[i]!.price!;
    if (!priceAcceptable(bet.mode, leg.requested, price)) {
      return reject('PRICE_CHANGED', `leg ${i}: the price is ${price} now, not ${leg.requested} (odds change mode ${bet.mode})`, { leg: i, current: currentPrices(bet, reads) });
    }
    priced.push({
      eventId: leg.eventId,
      marketId: leg.marketId,
      marketKey: leg.marketKey,
      outcomeId: leg.outcomeId,
      requested: leg.requested,
      seen: leg.seen,
      odds: price,
      version: { epoch: view.epoch, seq: view.seq },
      producer: view.market.producer,
    });
  }
  return { ok: true, legs: priced };
}

/** none: exactly the price seen; higher: that or better; any: whatever the price is now. */
export function priceAcceptable(mode: OddsChangeMode, requested: OddsString, current: OddsString): boolean {
  // The same text is the same price: the common case needs no decimal arithmetic.
  switch (mode) {
    case 'none':
      return current === requested || new Big(current).eq(requested);
    case 'higher':
      return current === requested || new Big(current).gte(requested);
    case 'any':
      return true;
  }
}

/** Product of the legs' odds, exact. */
export function combinedOdds(legs: readonly { readonly odds: OddsString }[]): Big {
  return legs.reduce((product, leg) => product.times(leg.odds), new Big(1));
}

/**
 * stake × odds, rounded down to the minor unit. Minor units times odds are minor units whatever
 * the currency's exponent, so this is one exact bigint product and division.
 */
export function potentialPayout(stake: Minor, odds: Big, _currency: Currency): Minor {
  const text = odds.toFixed();
  const point = text.indexOf('.');
  if (point < 0) return stake * BigInt(text);
  const digits = BigInt(text.slice(0, point) + text.slice(point + 1));
  // Stakes are positive, so bigint division (towards zero) rounds down, as the money rule says.
  return (stake * digits) / 10n ** BigInt(text.length - point - 1);
}

export interface StakeLimits {
  readonly minStake: Minor;
  /** Already scaled by the customer's stake factor. */
  readonly maxStake: Minor;
  readonly maxPayout: Minor;
}

/** 5. Stake within min/max, potential payout within the maximum. */
export function checkStake(stake: Minor, payout: Minor, limits: StakeLimits, currency: Currency): Check<object> {
  if (stake >= limits.minStake && stake <= limits.maxStake && payout <= limits.maxPayout) return STAKE_OK;
  const limitDetails = { minStake: fromMinor(limits.minStake, currency), maxStake: fromMinor(limits.maxStake, currency), maxPayout: fromMinor(limits.maxPayout, currency) };
  if (stake < limits.minStake) return reject('STAKE_TOO_LOW', `the minimum stake is ${limitDetails.minStake}`, { details: limitDetails });
  if (stake > limits.maxStake) return reject('STAKE_TOO_HIGH', `the maximum stake is ${limitDetails.maxStake}`, { details: limitDetails });
  return reject('STAKE_TOO_HIGH', `the potential payout ${fromMinor(payout, currency)} is above the maximum ${limitDetails.maxPayout}`, { details: limitDetails });
}

const STAKE_OK: Check<object> = Object.freeze({ ok: true });

export function currentPrice(leg: ParsedLeg, view: MarketView | undefined): CurrentPrice {
  const base = { eventId: leg.eventId, marketKey: leg.marketKey, outcomeId: leg.outcomeId };
  if (view === undefined) return base;
  const outcome = outcomeOf(view.market, leg.outcomeId);
  return {
    ...base,
    ...(outcome?.active && outcome.price !== undefined ? { price: outcome.price } : {}),
    state: view.market.state,
    priceVersion: { epoch: view.epoch, seq: view.seq },
    ...(outcome ? { version: outcome.version } : {}),
  };
}

type PricedOutcome = PricedMarket['outcomes'][number];

function outcomeOf(market: PricedMarket, outcomeId: string): PricedOutcome | undefined {
  const { outcomes } = market;
  for (let i = 0; i < outcomes.length; i++) if (outcomes[i]!.outcomeId === outcomeId) return outcomes[i];
  return undefined;
}

/** Every leg's price now, for a rejection. */
function currentPrices(bet: ParsedBet, reads: readonly LegRead[]): CurrentPrice[] {
  return bet.legs.map((leg, i) => currentPrice(leg, reads[i]?.view));
}
