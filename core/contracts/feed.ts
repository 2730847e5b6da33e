/**
 * Normalized feed messages, version 1: what feed-ingest publishes on `feed.*` after decoding the
 * provider's XML. Every consumer (odds engine, settlement, fixtures) reads these, never the XML.
 *
 * Compatibility: fields are only ever added; a change of meaning gets a new `v`.
 * Numbers that are money-like factors (void, dead heat) stay decimal strings for big.js.
 */
import type { EventId, ProducerId } from '../ids.ts';
import type { ErrorCode } from '../errors.ts';

/** UOF market status: 1 active, 0 inactive, -1 suspended, -2 handed over, -3 settled, -4 cancelled. */
export type FeedMarketStatus = 1 | 0 | -1 | -2 | -3 | -4;
export const FEED_MARKET_STATUS = {
  active: 1,
  inactive: 0,
  suspended: -1,
  handedOver: -2,
  settled: -3,
  cancelled: -4,
} as const satisfies Record<string, FeedMarketStatus>;

/** Fields every normalized message carries. */
export interface FeedMeta {
  readonly v: 1;
  /** Stable across re-delivery of the same provider message: duplicates are harmless downstream. */
  readonly messageId: string;
  readonly traceId: string;
  readonly producer: ProducerId;
  /** The provider's timestamp, ms since epoch (UTC). */
  readonly sourceTs: number;
  /** When feed-ingest received it, ms since epoch (UTC). */
  readonly receivedTs: number;
  /** Present on messages sent in answer to a recovery request. */
  readonly requestId?: number;
}

export interface OutcomeOdds {
  readonly outcomeId: string;
  /** Provider decimal odds; absent when the provider sent none or an unusable value. */
  readonly odds?: number;
  /** Provider fair probability (0..1); absent when missing or "NaN". */
  readonly probability?: number;
  /** active=0 outcomes are not offered. Defaults to true. */
  readonly active: boolean;
}

export interface MarketOdds {
  readonly marketId: number;
  /** Canonical `k=v|k=v` (sorted); '' when none. */
  readonly specifiers: string;
  readonly marketKey: string;
  readonly extendedSpecifiers?: string;
  readonly status: FeedMarketStatus;
  readonly cashoutStatus?: number;
  readonly favourite?: boolean;
  readonly nextBetstop?: string;
  readonly outcomes: readonly OutcomeOdds[];
}

/**
 * UOF sport_event_status/@status: 0 not started, 1 live, 2 suspended, 3 ended, 4 closed,
 * 5 cancelled, 6 delayed, 7 interrupted, 8 postponed, 9 abandoned.
 */
export interface SportEventStatus {
  readonly status: number;
  readonly matchStatus?: number;
  readonly homeScore?: number;
  readonly awayScore?: number;
  /** "37:12" style match time, when the provider sends a clock. */
  readonly matchTime?: string;
  readonly remainingTime?: string;
  readonly stopped?: boolean;
  readonly periodScores?: readonly { readonly number: number; readonly home: number; readonly away: number; readonly matchStatusCode?: number }[];
}

export interface OddsChanged extends FeedMeta {
  readonly type: 'OddsChanged';
  readonly eventId: EventId;
  /** odds/@betting_status and @betstop_reason, as numeric codes when sent. */
  readonly bettingStatus?: number;
  readonly betstopReason?: number;
  readonly oddsChangeReason?: number;
  readonly sportEventStatus?: SportEventStatus;
  readonly markets: readonly MarketOdds[];
}

export interface BetStopped extends FeedMeta {
  readonly type: 'BetStopped';
  readonly eventId: EventId;
  /** Market groups stopped; ['all'] when the provider named none. */
  readonly groups: readonly string[];
  /** The status the stopped markets take: -1 suspended unless the provider says otherwise. */
  readonly marketStatus: FeedMarketStatus;
}

export interface SettledOutcome {
  readonly outcomeId: string;
  /** true = won, false = lost. */
  readonly won: boolean;
  /** Decimal string 0..1; '0' when absent. */
  readonly voidFactor: string;
  /** Decimal string 0..1; '1' when absent. */
  readonly deadHeatFactor: string;
}

export interface SettledMarket {
  readonly marketId: number;
  readonly specifiers: string;
  readonly marketKey: string;
  readonly voidReason?: number;
  readonly outcomes: readonly SettledOutcome[];
}

export interface BetSettled extends FeedMeta {
  readonly type: 'BetSettled';
  readonly eventId: EventId;
  /** 1 = live scouted, 2 = confirmed. Defaults to 1 when missing. */
  readonly certainty: 1 | 2;
  readonly markets: readonly SettledMarket[];
}

export interface MarketRef {
  readonly marketId: number;
  readonly specifiers: string;
  readonly marketKey: string;
  readonly voidReason?: number;
}

export interface BetCancelled extends FeedMeta {
  readonly type: 'BetCancelled';
  readonly eventId: EventId;
  /** Only bets placed in [startTime, endTime) are void; absent bounds are open-ended. */
  readonly startTime?: number;
  readonly endTime?: number;
  readonly supercededBy?: string;
  readonly markets: readonly MarketRef[];
}

export interface SettlementRolledBack extends FeedMeta {
  readonly type: 'SettlementRolledBack';
  readonly eventId: EventId;
  readonly markets: readonly MarketRef[];
}

export interface CancelRolledBack extends FeedMeta {
  readonly type: 'CancelRolledBack';
  readonly eventId: EventId;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly markets: readonly MarketRef[];
}

/**
 * UOF fixture_change/@change_type: 1 new, 2 date/time, 3 cancelled, 4 format, 5 coverage,
 * 106 pitcher, 107 stream; absent means an unspecified change.
 */
export interface FixtureChanged extends FeedMeta {
  readonly type: 'FixtureChanged';
  readonly eventId: EventId;
  readonly changeType?: number;
  readonly startTime?: number;
  readonly nextLiveTime?: number;
}

export interface ProducerAlive extends FeedMeta {
  readonly type: 'ProducerAlive';
  /** false: the provider says we are not subscribed and must recover. */
  readonly subscribed: boolean;
}

export interface SnapshotCompleted extends FeedMeta {
  readonly type: 'SnapshotCompleted';
  readonly requestId: number;
}

export type ProducerDownReason = 'ALIVE_TIMEOUT' | 'NOT_SUBSCRIBED' | 'PROCESSING_LAG';

export interface ProducerDown extends FeedMeta {
  readonly type: 'ProducerDown';
  readonly reason: ProducerDownReason;
  /** Last alive processed before going down (ms), if any: recovery starts after it. */
  readonly lastAliveTs?: number;
}

export interface ProducerUp extends FeedMeta {
  readonly type: 'ProducerUp';
  readonly requestId: number;
  readonly downForMs: number;
}

/** Event-scoped messages, published on `feed.events` keyed by event id. */
export type FeedEventMessage =
  | OddsChanged
  | BetStopped
  | BetSettled
  | BetCancelled
  | SettlementRolledBack
  | CancelRolledBack
  | FixtureChanged;

/** Producer-scoped messages, published on `feed.producers` keyed by `producer:<id>`. */
export type FeedProducerMessage = ProducerAlive | SnapshotCompleted | ProducerDown | ProducerUp;

export type FeedMessage = FeedEventMessage | FeedProducerMessage;
export type FeedMessageType = FeedMessage['type'];

/** What cannot be decoded or interpreted: kept whole with its reason on `feed.dead-letter`. */
export interface FeedDeadLetter {
  readonly v: 1;
  readonly type: 'FeedDeadLettered';
  readonly messageId: string;
  readonly reason: ErrorCode;
  readonly detail: string;
  /** Where it came from: `amqp:<routing key>`, `replay:<file>`, `simulator`, `cli:<file>`. */
  readonly source: string;
  readonly receivedTs: number;
  /** The raw payload as UTF-8 text, or base64 when it is not valid UTF-8. */
  readonly raw: string;
  readonly rawEncoding: 'utf8' | 'base64';
}

export function isEventMessage(m: FeedMessage): m is FeedEventMessage {
  return 'eventId' in m;
}
