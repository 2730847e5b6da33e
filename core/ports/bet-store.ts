/**
 * Bets of record: every accepted bet with its legs and status history, read back by id, by
 * player, and by market for settlement. In-memory in embedded mode; PostgreSQL when services run
 * apart. The status model is in core/contracts/bets.ts.
 *
 * Promises every implementation keeps (test/contract/bet-store.contract.ts):
 * - **Durable once inserted.** insert() resolves after the bet is stored (PostgreSQL: committed).
 *   It is idempotent by bet id: inserting a bet that exists returns it with `existing`; inserting
 *   different content under a used id throws DUPLICATE_REQUEST.
 * - **Optimistic status changes.** updateStatus() applies only if the bet's status is `from` (and
 *   its version is `version`, when given); otherwise it changes nothing and returns `conflict` with
 *   the bet as it is, so a retried change reads as already done. The change, the leg results it
 *   carries and its history entry are applied together or not at all.
 * - **The status model is enforced.** A change that BET_TRANSITIONS does not allow, a settlement
 *   without payout or with a leg still unresolved, a payout on any other change, an open → open
 *   change without leg results, or a leg index out of range throws BET_TRANSITION_INVALID.
 * - **History is append-only**: one entry per change, in version order, never rewritten.
 * - **byMarket() is indexed**: its cost grows with the bets on that market, not with the store.
 *   Results are ordered by bet id; `after` pages on. Without `limit` it returns every match.
 * - listByPlayer() returns the newest bets first (placedAt, then bet id, descending).
 * - Returned objects are snapshots: later changes do not alter them, and callers must not
 *   mutate them.
 * - Faults: INVALID_REQUEST (malformed bet or query), DEPENDENCY_UNAVAILABLE (retriable).
 *   Calls after close() reject with SHUTTING_DOWN; close() lets calls in flight finish.
 */
import type { Bet, BetStatus, BetStatusChange, BetStatusReason, LegResultChange, NewBet } from '../contracts/bets.ts';
import type { Minor } from '../money.ts';

export interface InsertResult {
  readonly bet: Bet;
  /** true when the bet was already stored (the insert was a retry). */
  readonly existing: boolean;
}

export interface StatusUpdate {
  readonly betId: string;
  readonly from: BetStatus;
  readonly to: BetStatus;
  readonly reason: BetStatusReason;
  readonly detail?: string;
  /** Required when `to` is 'settled', refused otherwise. */
  readonly payout?: Minor;
  readonly legResults?: readonly LegResultChange[];
  /** When given, the change applies only at this version too (the bet was read, then computed on). */
  readonly version?: number;
}

export type StatusUpdateResult =
  | { readonly status: 'updated'; readonly bet: Bet }
  | { readonly status: 'conflict'; readonly bet: Bet }
  | { readonly status: 'not_found' };

export interface PlayerQuery {
  readonly status?: BetStatus;
  /** 1..1000. */
  readonly limit: number;
  /** A bet id: only bets listed after it (older). */
  readonly before?: string;
}

export interface MarketQuery {
  /** Statuses to include. Default ['open']: the bets settlement still has to resolve. */
  readonly status?: readonly BetStatus[];
  /** A bet id: only bets with a greater id. */
  readonly after?: string;
  /** At most this many (≥ 1). */
  readonly limit?: number;
}

export interface BetStore {
  insert(bet: NewBet): Promise<InsertResult>;
  get(betId: string): Promise<Bet | undefined>;
  /** The bet's status changes, oldest first; empty for an unknown bet. */
  history(betId: string): Promise<readonly BetStatusChange[]>;
  listByPlayer(player: string, query: PlayerQuery): Promise<readonly Bet[]>;
  /** Bets with a leg on this market, by status (open by default). */
  byMarket(eventId: string, marketKey: string, query?: MarketQuery): Promise<readonly Bet[]>;
  updateStatus(update: StatusUpdate): Promise<StatusUpdateResult>;
  /** Whether the store can be reached (for /health). */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
