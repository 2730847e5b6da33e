/**
 * What a bettor may see of an event's priced state: the published prices and why a market is
 * not open. The trading view (fair probabilities, provider odds, shifts, margin, overround, who
 * suspended) stays inside.
 */
import type { EventBook, MarketState, PricedMarket, SuspensionReason } from '../core/contracts/odds.ts';
import type { OddsString } from '../core/odds.ts';

export interface BettorOutcome {
  readonly outcomeId: string;
  readonly price?: OddsString;
  readonly active: boolean;
  readonly version: number;
}

export interface BettorMarket {
  readonly marketKey: string;
  readonly marketId: number;
  readonly specifiers: string;
  readonly state: MarketState;
  readonly reasons: readonly SuspensionReason[];
  readonly outcomes: readonly BettorOutcome[];
  readonly version: number;
}

/** The `data` of an `event:<id>` snapshot. */
export interface EventSnapshot {
  readonly eventId: string;
  readonly sportId?: string;
  /** ms (UTC) of the last change; absent when the event is not priced yet. */
  readonly ts?: number;
  readonly markets: readonly BettorMarket[];
}

export function bettorMarket(market: PricedMarket): BettorMarket {
  return {
    marketKey: market.marketKey,
    marketId: market.marketId,
    specifiers: market.specifiers,
    state: market.state,
    reasons: market.suspensions.map((s) => s.reason),
    outcomes: market.outcomes.map((o) => ({
      outcomeId: o.outcomeId,
      ...(o.price === undefined ? {} : { price: o.price }),
      active: o.active,
      version: o.version,
    })),
    version: market.version,
  };
}

export function eventSnapshot(eventId: string, book: EventBook | undefined): EventSnapshot {
  if (book === undefined) return { eventId, markets: [] };
  return {
    eventId,
    ...(book.sportId === undefined ? {} : { sportId: book.sportId }),
    ts: book.ts,
    markets: book.markets.map(bettorMarket),
  };
}
