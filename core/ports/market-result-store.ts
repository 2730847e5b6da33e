/**
 * What the feed has said about each market's result, as settlement keeps it: the settlement in
 * force (with its certainty), the bet_cancel windows in force, and the feed messages already
 * applied. Settlement derives every bet's result from this state, so it must outlive a restart
 * wherever settlement runs as its own process; embedded mode keeps it in memory.
 *
 * The meaning of the state (which message wins) is settlement's (settlement/market-results.ts);
 * a store only keeps it.
 *
 * Promises every implementation keeps (test/contract/market-result-store.contract.ts):
 * - **Optimistic writes.** put() stores the state only when the stored version is `expected`
 *   (0: no state yet) and the new state's version is `expected + 1`; otherwise it changes nothing
 *   and returns false. One market's messages arrive in order on one consumer (the bus keys
 *   feed.events by event id), so a false return means another process took over the event.
 * - **Durable once put** (PostgreSQL: committed before put() resolves).
 * - Returned states are snapshots: later puts do not change them; callers must not mutate them.
 * - Faults: INVALID_REQUEST (a state without event id or market key), DEPENDENCY_UNAVAILABLE
 *   (retriable). Calls after close() reject with SHUTTING_DOWN.
 */
import type { SettledOutcome } from '../contracts/feed.ts';
import type { EventId } from '../ids.ts';

/** The bet_settlement in force for a market. */
export interface MarketSettlement {
  /** 1 live scouted, 2 confirmed. */
  readonly certainty: 1 | 2;
  readonly outcomes: readonly SettledOutcome[];
  /** The feed message that set these results (a later confirmation does not replace it). */
  readonly messageId: string;
}

/** A bet_cancel in force: bets placed in [startTime, endTime) are void; absent bounds are open. */
export interface CancelWindow {
  readonly startTime?: number;
  readonly endTime?: number;
  readonly messageId: string;
}

export interface MarketResult {
  readonly eventId: EventId;
  readonly marketKey: string;
  readonly settlement?: MarketSettlement;
  readonly cancels: readonly CancelWindow[];
  /** Feed message ids already applied to this market, oldest first: a re-delivery changes nothing. */
  readonly seen: readonly string[];
  /**
   * true from the moment the state changed until every bet of the market was brought in line
   * with it: a re-delivered message then finishes the work instead of being skipped.
   */
  readonly pending: boolean;
  /** 1 for the first state, +1 per put. */
  readonly version: number;
}

export interface MarketResultStore {
  get(eventId: string, marketKey: string): Promise<MarketResult | undefined>;
  /** Stores `result` if the stored version is `expected` (0 for none); false when it was not. */
  put(result: MarketResult, expected: number): Promise<boolean>;
  /** Whether the store can be reached (for /health). */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
