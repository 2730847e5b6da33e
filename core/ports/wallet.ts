/**
 * The players' money: accounts, two-phase holds on stakes, and the ledger that records every
 * movement. In-memory in embedded mode; PostgreSQL (the ledger of record) when services run apart.
 *
 * Promises every implementation keeps (test/contract/wallet.contract.ts):
 * - **Integer money.** Amounts are bigint minor units of the account's currency (core/money.ts);
 *   each player has one account in one currency. Callers convert to decimal strings at the edge.
 * - **Double-entry, append-only ledger.** Every change is one journal of postings that sum to
 *   zero: a player's `available` and `held` accounts against the `house` (stakes in, payouts out)
 *   and the `cashier` (deposits). Postings are never changed or deleted; a correction is a new
 *   journal. A player's balance always equals the sum of their postings on each account.
 * - **Two-phase holds, one per bet.** hold() moves the stake from available to held (pending).
 *   release() voids it (stake back to available). settle() posts it, in one step: the stake goes
 *   to the house and the payout (zero for a lost bet) is credited to available. reverseSettlement()
 *   undoes exactly the last settlement with compensating postings and leaves the hold pending
 *   again, ready to be settled or released anew. Any other order is refused with
 *   HOLD_STATE_CONFLICT (release or settle of a closed hold, reversal of one not posted).
 * - **Idempotent per key.** Every mutating call carries a key. A call with a key already used by
 *   the same call (same operation and arguments) posts nothing and returns the first result,
 *   including the balances of that moment, even a refusal for insufficient funds; a different call
 *   with a used key throws DUPLICATE_REQUEST. Keys are global: derive them from what the call
 *   means (`hold:<betId>`, `settle:<betId>:<rollbacks so far>`). A call that throws posts nothing
 *   and does not use up its key, so retrying a fault (DEPENDENCY_UNAVAILABLE) with the same key
 *   is always safe, even when the first attempt did commit before the connection broke.
 * - **Never below zero through a hold.** hold() returns `insufficient_funds` (a value, not an
 *   error) when available is smaller than the amount, and posts nothing. Only reverseSettlement()
 *   may leave available negative (a payout clawed back after it was spent); holds then fail until
 *   deposits cover the debt. `held` is never negative.
 * - **Atomic and serialized per player.** Each call happens entirely or not at all; concurrent
 *   calls for one player behave as if run one after the other, so concurrent holds never
 *   overdraw and concurrent identical calls make one hold.
 * - **Order.** Posting ids are unique and increase with each of a player's journals; statement()
 *   lists a player's postings newest first. Across players, ids are not promised to become
 *   visible in order while calls are in flight: reconcile a ledger at rest.
 * - Faults: ACCOUNT_NOT_FOUND, HOLD_NOT_FOUND, HOLD_STATE_CONFLICT, DUPLICATE_REQUEST (also for
 *   a second hold on a bet id that has one), INVALID_REQUEST (bad amount, id, key or currency),
 *   DEPENDENCY_UNAVAILABLE (retriable). Calls after close() reject with SHUTTING_DOWN.
 * - close() lets calls in flight finish and releases connections.
 */
import type { Currency, Minor } from '../money.ts';

/** pending: the stake is held. posted: settled (stake to the house). voided: released. */
export type HoldStatus = 'pending' | 'posted' | 'voided';

/** A player's two accounts and the two counterparties every journal balances against. */
export type LedgerAccount = 'available' | 'held' | 'house' | 'cashier';

export type PostingKind =
  | 'deposit'
  | 'hold'
  | 'release'
  | 'stake'
  | 'payout'
  | 'stake_reversal'
  | 'payout_reversal';

export interface Balance {
  readonly player: string;
  readonly currency: Currency;
  /** May be spent on new holds; negative only after a reversal clawed back a spent payout. */
  readonly available: Minor;
  /** The sum of the player's pending holds. */
  readonly held: Minor;
}

export interface Hold {
  readonly holdId: string;
  readonly betId: string;
  readonly player: string;
  readonly amount: Minor;
  readonly currency: Currency;
  readonly status: HoldStatus;
  /** The payout of the settlement in force; present only while posted. */
  readonly payout?: Minor;
}

/** One line of the ledger. The postings of a journal sum to zero. */
export interface Posting {
  /** Decimal string of an increasing integer: the ledger's order. */
  readonly id: string;
  /** Shared by the postings of one call. */
  readonly journalId: string;
  /** The player the journal concerns; house and cashier lines name them too. */
  readonly player: string;
  readonly account: LedgerAccount;
  readonly kind: PostingKind;
  /** Signed: positive credits the account, negative debits it. Never zero. */
  readonly amount: Minor;
  readonly currency: Currency;
  readonly betId?: string;
  /** The idempotency key of the call that made it. */
  readonly key: string;
  /** ms (UTC), from the wallet's clock. */
  readonly at: number;
}

export interface OpenAccountRequest {
  readonly player: string;
  readonly currency: Currency;
}

export interface DepositRequest {
  readonly player: string;
  /** > 0, in the account's currency. */
  readonly amount: Minor;
  readonly currency: Currency;
  readonly key: string;
}

export interface HoldRequest {
  readonly player: string;
  readonly betId: string;
  /** The stake, > 0, in the account's currency. */
  readonly amount: Minor;
  readonly currency: Currency;
  readonly key: string;
}

export interface ReleaseRequest {
  readonly betId: string;
  readonly key: string;
}

export interface SettleRequest {
  readonly betId: string;
  /** ≥ 0, what the bet returns (stake included), in the hold's currency. */
  readonly payout: Minor;
  readonly key: string;
}

export interface ReverseSettlementRequest {
  readonly betId: string;
  readonly key: string;
}

export type HoldResult =
  | { readonly status: 'held'; readonly hold: Hold; readonly balance: Balance }
  | { readonly status: 'insufficient_funds'; readonly balance: Balance };

export interface DepositResult {
  readonly status: 'deposited';
  readonly balance: Balance;
}

export interface ReleaseResult {
  readonly status: 'released';
  readonly hold: Hold;
  readonly balance: Balance;
}

export interface SettleResult {
  readonly status: 'settled';
  readonly hold: Hold;
  readonly balance: Balance;
}

export interface ReverseSettlementResult {
  readonly status: 'reversed';
  readonly hold: Hold;
  /** The payout the reversal took back. */
  readonly reversedPayout: Minor;
  readonly balance: Balance;
}

export interface StatementOptions {
  /** 1..1000. */
  readonly limit: number;
  /** A posting id: only older postings. */
  readonly before?: string;
}

export interface PostingFilter {
  readonly player?: string;
  readonly betId?: string;
  /** A posting id: only newer postings (paging forward). */
  readonly after?: string;
  /** 1..10,000. */
  readonly limit: number;
}

export interface Wallet {
  /** Opens the player's account, or returns it when it exists in this currency (INVALID_REQUEST in another). */
  openAccount(request: OpenAccountRequest): Promise<Balance>;
  deposit(request: DepositRequest): Promise<DepositResult>;
  hold(request: HoldRequest): Promise<HoldResult>;
  release(request: ReleaseRequest): Promise<ReleaseResult>;
  settle(request: SettleRequest): Promise<SettleResult>;
  reverseSettlement(request: ReverseSettlementRequest): Promise<ReverseSettlementResult>;
  /** undefined when the player has no account. */
  balance(player: string): Promise<Balance | undefined>;
  /** The player's postings on available and held, newest first. */
  statement(player: string, options: StatementOptions): Promise<readonly Posting[]>;
  /** Every posting matching the filter (house and cashier lines included), oldest first. */
  postings(filter: PostingFilter): Promise<readonly Posting[]>;
  getHold(betId: string): Promise<Hold | undefined>;
  /** Whether the wallet's store can be reached (for /health). */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
