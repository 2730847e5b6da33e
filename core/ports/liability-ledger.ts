/**
 * The house's exposure per outcome: for every outcome, what the open bets on it would cost the
 * house if it won (potential payout minus stake). Bet acceptors reserve a bet's share before
 * accepting it; settlement (or the acceptor, when a bet is not taken after all) releases it. In
 * memory in embedded mode; Redis when several acceptor replicas must share one view.
 *
 * Promises every implementation keeps (test/contract/liability-ledger.contract.ts):
 * - **Atomic check-and-set.** reserve() sets a reservation's amounts on one or more keys as one
 *   step: either every key stays within its limit and every amount is booked, or nothing changes
 *   and the first key that would pass its limit is reported (`exceeded`, a value, not an error).
 *   Concurrent reserves from any number of processes never take a key past its limit together.
 * - **Only increases are checked.** A key's total may already be above a limit (limits were
 *   lowered); a reservation that does not raise it is always taken there.
 * - **Idempotent per reservation id.** Reserving the same amounts again changes nothing and says
 *   `existing`. Reserving other amounts under a held id moves the reservation to them (checking
 *   the increase), which is how an acceptor re-prices a bet whose odds moved. A released id is
 *   spent: reserving under it again throws DUPLICATE_REQUEST.
 * - **release()** takes a reservation's amounts off its keys once; releasing again, or an id
 *   never reserved, changes nothing and returns false.
 * - Amounts and limits are integer minor units of the one currency a ledger books in (callers
 *   keep one ledger, or one key prefix, per currency); amounts > 0, limits ≥ 0, keys distinct
 *   within a call. Malformed input throws INVALID_REQUEST.
 * - Faults: DEPENDENCY_UNAVAILABLE (retriable; a reserve() that failed may or may not have been
 *   booked: retry it with the same id, or release the id). Calls after close() reject with
 *   SHUTTING_DOWN.
 */
import type { Minor } from '../money.ts';

export interface LiabilityEntry {
  /** Usually an outcome key (core/market-key.ts outcomeKey). */
  readonly key: string;
  /** What the reservation puts on this key, > 0. */
  readonly amount: Minor;
  /** The most the key may total once this reservation is booked, ≥ 0. */
  readonly limit: Minor;
}

export type ReserveResult =
  | { readonly status: 'reserved'; readonly existing: boolean }
  | {
      readonly status: 'exceeded';
      readonly key: string;
      /** The key's total without this reservation's increase. */
      readonly current: Minor;
      readonly limit: Minor;
      /** The increase that did not fit. */
      readonly increase: Minor;
    };

export interface LiabilityLedger {
  reserve(reservationId: string, entries: readonly LiabilityEntry[]): Promise<ReserveResult>;
  release(reservationId: string): Promise<boolean>;
  /** The key's total over every held reservation (0 for an unknown key). */
  current(key: string): Promise<Minor>;
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
