/**
 * Analytics: the odds history and the bets, kept for reports and charts (ClickHouse when services
 * run apart, in memory in embedded mode). Never on the money path: the wallet ledger is the
 * record; these reports are computed to agree with it.
 *
 * Promises every implementation keeps (test/contract/analytics.contract.ts):
 *
 * **Facts, at least once, counted once.** Writers hand over facts derived from bus messages, and a
 * redelivered message produces the same fact again. A price fact is identified by
 * (eventId, marketKey, epoch, seq, outcomeId); a bet fact by (betId, version), the bet's version
 * after the change (core/contracts/bets.ts). Reports count each identity once however often it
 * was recorded: the ClickHouse tables are ReplacingMergeTree on those identities (duplicates go
 * away in background merges) and every report also deduplicates at query time — per bet the
 * state in force is the fact with the highest version (argMax), the accepted fact is taken once
 * (anyIf); price points are grouped by their identity — so an answer is exact before any merge.
 * Facts may arrive in any order; a bet's settlement recorded before its acceptance counts once
 * the acceptance arrives.
 *
 * **Two kinds of write.**
 * - recordPrices() never waits: facts are buffered and written in batches (every N rows or T ms).
 *   While the store is unreachable the buffer is bounded; past the bound the OLDEST buffered
 *   price facts are dropped and counted (`sb_analytics_rows_dropped_total`). A price chart may
 *   have a gap after a long outage; nothing waits for it.
 * - recordBets() resolves once the facts are stored (group commit: bets waiting for a write go out
 *   together, at once when no insert is in flight). While the store is unreachable it waits at
 *   most the implementation's write timeout, then rejects with DEPENDENCY_UNAVAILABLE
 *   (retriable); the facts stay buffered and are written when the store is back, and the caller's
 *   retry (the bus redelivers) is harmless by the dedup above. It rejects at once with
 *   DEPENDENCY_UNAVAILABLE when the bet buffer is full. So a bet fact is never lost once
 *   recordBets() resolved, and never silently dropped before.
 * - Invalid facts (an id that is empty or too long, money outside Int64, an unknown currency) are
 *   refused with INVALID_REQUEST, synchronously for recordPrices(), as a rejection for
 *   recordBets(); nothing of that call is recorded.
 *
 * **Visibility.** A fact is in the reports once written: a bet fact when recordBets() resolved, a
 * price fact within the batch interval or after flush(). flush() resolves once everything recorded
 * before the call was written (or dropped and counted); it rejects with DEPENDENCY_UNAVAILABLE when
 * that did not happen within the write timeout. close() refuses new facts from its first moment
 * (SHUTTING_DOWN) and flushes the same way; it resolves even when the store is gone (the facts it
 * could not write are logged and counted as dropped). After close() the ClickHouse store's
 * reports reject with SHUTTING_DOWN too (its connection is gone).
 *
 * **Reports** (GGR semantics chosen to equal the wallet ledger, core/ports/wallet.ts, where a stake
 * reaches the house only when the bet is settled and a released stake never does):
 * - ggrBySportAndDay: rows per (UTC day of acceptance, sport, currency) for days from..to
 *   inclusive. `bets`: bets accepted that day and not cancelled. `turnover`: their stakes (a
 *   cancelled bet's stake was refunded: not turnover, not payout). `openStake`: the part of the
 *   turnover still open. `payouts`: the payout in force of the settled ones (a resettlement
 *   replaces the earlier payout; a reopened bet has none until settled again). `ggr` = settled
 *   stakes − payouts = turnover − openStake − payouts: exactly what the house account of the
 *   ledger gained from these bets. A bet's row never moves: it stays on the day it was accepted.
 *   The sport is the one its legs share, 'multi' when they differ (see the analytics service).
 * - openLiability: per (event, market, outcome, currency) over bets open now: their stakes, their
 *   potential payouts and `liability` = potentialPayout − openStake, what the house loses on
 *   those bets if the outcome wins. An accumulator counts in full on each of its legs (the loss
 *   if that outcome and the bet's other legs win): rows are per-outcome worst cases and must not
 *   be summed across outcomes of one bet. Ordered by liability, largest first.
 * - priceHistory: a market's price points, one per outcome per PriceChanged delta, oldest first;
 *   with `limit`, the most recent `limit` points of the window (what a chart of "now" needs).
 * Money is a decimal string in the currency's units (core/money.ts); counts are numbers. Invalid
 * queries reject with INVALID_REQUEST; an unreachable store with DEPENDENCY_UNAVAILABLE.
 */
import type { MarketState } from '../contracts/odds.ts';
import type { Currency, Minor } from '../money.ts';
import type { OddsString } from '../odds.ts';

/** One outcome's price after one PriceChanged delta. */
export interface PriceFact {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly epoch: string;
  readonly seq: number;
  /** When the engine published it, ms (UTC). */
  readonly ts: number;
  /** Absent when the outcome is not offered. */
  readonly price?: OddsString;
  readonly active: boolean;
  readonly state: MarketState;
}

export interface BetLegFact {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly odds: OddsString;
}

interface BetFactMeta {
  /** The bus event's key (eventKey): kept for tracing; identity is (betId, version). */
  readonly factId: string;
  readonly betId: string;
  /** The bet's version after this change: 1 at acceptance, +1 per change. */
  readonly version: number;
  /** ms (UTC) of the change. */
  readonly ts: number;
}

export interface BetAcceptedFact extends BetFactMeta {
  readonly kind: 'accepted';
  readonly playerId: string;
  /** The legs' sport, 'multi' when they differ, 'unknown' when the catalog does not know it. */
  readonly sportId: string;
  readonly currency: Currency;
  readonly stake: Minor;
  readonly potentialPayout: Minor;
  /** Product of the legs' odds, exact. */
  readonly odds: string;
  readonly legs: readonly BetLegFact[];
}

/** Settled, or settled again after a rollback: `payout` (in the bet's currency) is now in force. */
export interface BetSettledFact extends BetFactMeta {
  readonly kind: 'settled' | 'resettled';
  readonly payout: Minor;
}

/** Voided as a whole; the stake was refunded. */
export interface BetCancelledFact extends BetFactMeta {
  readonly kind: 'cancelled';
  readonly reason: string;
}

/** A rollback made the bet open again; its payout or refund was reversed. */
export interface BetReopenedFact extends BetFactMeta {
  readonly kind: 'reopened';
  readonly reason: string;
}

export type BetFact = BetAcceptedFact | BetSettledFact | BetCancelledFact | BetReopenedFact;

export interface AnalyticsSink {
  /** Buffers; never waits. Throws INVALID_REQUEST (nothing recorded) or SHUTTING_DOWN. */
  recordPrices(facts: readonly PriceFact[]): void;
  /** Resolves once stored; see the port's promises for the timeout and the bounded buffer. */
  recordBets(facts: readonly BetFact[]): Promise<void>;
  /** Writes everything recorded so far. */
  flush(): Promise<void>;
  /** Refuses new facts, then flushes (bounded by the write timeout). Idempotent. */
  close(): Promise<void>;
}

/** UTC days, `YYYY-MM-DD`, both inclusive; at most REPORT_LIMITS.ggrMaxDays days. */
export interface GgrQuery {
  readonly from: string;
  readonly to: string;
}

export interface GgrRow {
  readonly day: string;
  readonly sportId: string;
  readonly currency: Currency;
  readonly bets: number;
  readonly turnover: string;
  readonly openStake: string;
  readonly payouts: string;
  readonly ggr: string;
}

export interface LiabilityQuery {
  /** Only this event's outcomes; all events when absent. */
  readonly eventId?: string;
  /** 1..REPORT_LIMITS.maxRows rows, largest liability first. Default 1000. */
  readonly limit?: number;
}

export interface LiabilityRow {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly currency: Currency;
  readonly bets: number;
  readonly openStake: string;
  readonly potentialPayout: string;
  readonly liability: string;
}

export interface PriceHistoryQuery {
  readonly eventId: string;
  readonly marketKey: string;
  /** ms (UTC), inclusive; unbounded when absent. */
  readonly from?: number;
  readonly to?: number;
  /** 1..REPORT_LIMITS.maxRows: the most recent points of the window. */
  readonly limit: number;
}

export interface PricePoint {
  /** ms (UTC) the price was published. */
  readonly ts: number;
  readonly outcomeId: string;
  /** null when the outcome was not offered. */
  readonly price: OddsString | null;
  readonly active: boolean;
  readonly state: MarketState;
  readonly epoch: string;
  readonly seq: number;
}

export interface AnalyticsReports {
  ggrBySportAndDay(query: GgrQuery): Promise<readonly GgrRow[]>;
  openLiability(query: LiabilityQuery): Promise<readonly LiabilityRow[]>;
  priceHistory(query: PriceHistoryQuery): Promise<readonly PricePoint[]>;
}

/** A store that takes facts and answers the reports from them. */
export interface AnalyticsStore extends AnalyticsSink, AnalyticsReports {
  /** Whether the store can be reached (for /health). */
  health(): Promise<{ ok: boolean; detail?: string }>;
}

export const REPORT_LIMITS = {
  /** Longest GGR window, in days. */
  ggrMaxDays: 366,
  /** Most rows or points one report returns. */
  maxRows: 10_000,
  /** Liability rows when the query names no limit. */
  defaultLiabilityRows: 1000,
} as const;
