/**
 * Priced output of the odds engine, version 1: the operator's prices as bettors see them.
 *
 * Per event an `epoch` (a new one whenever the event's priced state is rebuilt from scratch, e.g.
 * the engine restarted) and a `seq` (+1 for every published change, starting at 1 in each
 * epoch). A client holding (epoch, seq) knows exactly which changes it has; a bet names the
 * (epoch, seq) of the price it saw and the acceptor can tell exactly what changed since.
 * Published on `odds.deltas` keyed by event id.
 */
import type { EventId } from '../ids.ts';
import type { OddsString } from '../odds.ts';

/** Why a market is not open. A market is open only when it has none. */
export type SuspensionReason = 'BET_STOP' | 'FEED_STATUS' | 'PRODUCER_DOWN' | 'TRADER' | 'EVENT_ENDED';

export interface Suspension {
  readonly reason: SuspensionReason;
  /** The bet_stop group, the feed status code, the producer id, or the trader's name. */
  readonly detail?: string;
  /** ms (UTC) since when it holds. */
  readonly since: number;
}

/**
 * open: takes bets. suspended: temporarily not (see suspensions). closed: no longer offered
 * (feed inactive or handed over). settled / cancelled: resulted by the feed.
 */
export type MarketState = 'open' | 'suspended' | 'closed' | 'settled' | 'cancelled';

export interface PricedOutcome {
  readonly outcomeId: string;
  /** The published ladder price, exact; absent when the outcome is not offered. */
  readonly price?: OddsString;
  /** Offered: active in the feed and priced. */
  readonly active: boolean;
  /** seq of the change that last touched this outcome's price or offer. */
  readonly version: number;
  /** Trading view (not sent to bettors): fair probability, provider odds, trader shift. */
  readonly fair?: number;
  readonly providerOdds?: number;
  readonly shiftTicks?: number;
}

export interface PricedMarket {
  readonly marketKey: string;
  readonly marketId: number;
  /** Canonical `k=v|k=v`. */
  readonly specifiers: string;
  readonly state: MarketState;
  readonly suspensions: readonly Suspension[];
  readonly outcomes: readonly PricedOutcome[];
  /** Producer whose odds these are. */
  readonly producer: number;
  /** The operator margin applied (0.05 = 5 %) and the published book's overround. */
  readonly margin: number;
  readonly overround?: number;
  /** seq of the change that last touched this market. */
  readonly version: number;
}

/** An event's whole priced state at (epoch, seq): what a snapshot sends. */
export interface EventBook {
  readonly eventId: EventId;
  readonly epoch: string;
  readonly seq: number;
  /** ms (UTC) of the last change. */
  readonly ts: number;
  readonly sportId?: string;
  readonly markets: readonly PricedMarket[];
}

interface DeltaMeta {
  readonly v: 1;
  readonly eventId: EventId;
  readonly epoch: string;
  readonly seq: number;
  /** When the engine published it, ms (UTC). */
  readonly ts: number;
  /** The feed message that caused it (provider timestamp), for feed → wire latency. */
  readonly sourceTs: number;
  readonly traceId: string;
}

export interface OutcomePrice {
  readonly outcomeId: string;
  readonly price?: OddsString;
  readonly active: boolean;
}

/** New prices in one market. Outcomes listed are those whose price or offer changed. */
export interface PriceChanged extends DeltaMeta {
  readonly type: 'PriceChanged';
  readonly marketKey: string;
  readonly state: MarketState;
  readonly outcomes: readonly OutcomePrice[];
}

/** A market's state or suspension reasons changed (prices unchanged). */
export interface MarketStatusChanged extends DeltaMeta {
  readonly type: 'MarketStatusChanged';
  readonly marketKey: string;
  readonly state: MarketState;
  readonly reasons: readonly SuspensionReason[];
}

/**
 * The event's state was rebuilt: a new epoch begins at this seq. Clients drop what they hold
 * for the event and take a fresh snapshot.
 */
export interface EpochStarted extends DeltaMeta {
  readonly type: 'EpochStarted';
}

export type OddsDelta = PriceChanged | MarketStatusChanged | EpochStarted;
