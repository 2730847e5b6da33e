/**
 * Bets of record, version 1: what the bet acceptor stores once a bet is accepted and what
 * settlement resolves. Money is bigint minor units here (core/money.ts); the wire forms (HTTP,
 * bus) carry decimal strings.
 *
 * Status model. A bet is `open` from acceptance until it is resolved as a whole:
 *
 *   open ──► settled    every leg has a result; the wallet paid `payout` (0 for a lost bet)
 *   open ──► cancelled  the whole bet is void (bet_cancel of a single, an operator decision);
 *                       the wallet released the stake
 *   open ──► open       a leg got (or lost) its result while others are still open
 *   settled ──► open    a settlement rollback; legs named in it lose their results
 *   cancelled ──► open  a cancel rollback
 *
 * A settled bet that must be cancelled goes back to open first, so every step has exactly one
 * wallet operation. Each change adds an entry to the bet's status history, which is never
 * rewritten.
 */
import type { EventId } from '../ids.ts';
import type { Currency, Minor } from '../money.ts';
import type { OddsString } from '../odds.ts';

export type BetStatus = 'open' | 'settled' | 'cancelled';

/** The changes the status model allows, from → to. */
export const BET_TRANSITIONS: Readonly<Record<BetStatus, readonly BetStatus[]>> = {
  open: ['open', 'settled', 'cancelled'],
  settled: ['open'],
  cancelled: ['open'],
};

export function isAllowedTransition(from: BetStatus, to: BetStatus): boolean {
  return BET_TRANSITIONS[from].includes(to);
}

/** Why a bet changed status; `detail` on the change says more (a feed message id, a trader). */
export type BetStatusReason =
  | 'accepted'
  | 'leg_resulted'
  | 'settled'
  | 'cancelled'
  | 'settlement_rolled_back'
  | 'cancel_rolled_back'
  | 'operator';

/** The price a leg was accepted at: the (epoch, seq) of the event's priced state it came from. */
export interface PriceVersion {
  readonly epoch: string;
  readonly seq: number;
}

/**
 * How a leg was resolved, as the feed says it (core/contracts/feed.ts): the leg's factor is
 * (1 − voidFactor) × (won ? odds × deadHeatFactor : 0) + voidFactor.
 */
export interface LegResult {
  /** 'settled': a bet settlement; 'cancelled': a bet cancel voided the leg's market (voidFactor '1'). */
  readonly source: 'settled' | 'cancelled';
  readonly won: boolean;
  /** Decimal string 0..1. */
  readonly voidFactor: string;
  /** Decimal string 0..1. */
  readonly deadHeatFactor: string;
  /** The feed message or operator action that decided it. */
  readonly ref?: string;
}

export interface BetLeg {
  readonly eventId: EventId;
  readonly marketKey: string;
  readonly outcomeId: string;
  /** The accepted ladder price, exact. */
  readonly odds: OddsString;
  readonly priceVersion: PriceVersion;
  /** Absent while the leg is open. */
  readonly result?: LegResult;
}

export interface Bet {
  readonly v: 1;
  readonly betId: string;
  readonly player: string;
  readonly stake: Minor;
  readonly currency: Currency;
  /** One leg: a single; more: an accumulator (every leg must win). */
  readonly legs: readonly BetLeg[];
  /** When the bet was accepted, ms (UTC). */
  readonly placedAt: number;
  readonly traceId?: string;
  readonly status: BetStatus;
  /** What the wallet paid; present only while settled. */
  readonly payout?: Minor;
  /** 1 at acceptance, +1 for each status change: an optimistic-concurrency token. */
  readonly version: number;
}

/** A bet as the acceptor hands it to the store: open, no results yet. */
export interface NewBet {
  readonly betId: string;
  readonly player: string;
  readonly stake: Minor;
  readonly currency: Currency;
  readonly legs: readonly Omit<BetLeg, 'result'>[];
  readonly placedAt: number;
  readonly traceId?: string;
}

/** Sets (a result) or clears (null) the result of the leg at index `leg`. */
export interface LegResultChange {
  readonly leg: number;
  readonly result: LegResult | null;
}

/** One entry of a bet's status history. */
export interface BetStatusChange {
  /** The bet's version this change produced. */
  readonly version: number;
  /** null for the acceptance. */
  readonly from: BetStatus | null;
  readonly to: BetStatus;
  readonly reason: BetStatusReason;
  readonly detail?: string;
  /** The payout set by a settlement. */
  readonly payout?: Minor;
  readonly legResults?: readonly LegResultChange[];
  /** ms (UTC), from the store's clock. */
  readonly at: number;
}
