/**
 * Bet lifecycle events, version 1, on `bets.events` keyed by bet id. Money is a decimal string
 * here (the wire form); `playerId` lets the push gateway route each event to the player's private
 * channel. Published by the bet acceptor (BetAccepted) and settlement (the rest).
 */
import type { Currency } from '../money.ts';
import type { OddsString } from '../odds.ts';
import type { BetStatus, PriceVersion } from './bets.ts';

export interface BetLegView {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly odds: OddsString;
  readonly priceVersion: PriceVersion;
  /** 'won' | 'lost' | 'void' | 'half-won' ... as settled; absent while open. */
  readonly result?: { readonly won: boolean; readonly voidFactor: string; readonly deadHeatFactor: string };
}

interface BetEventMeta {
  readonly v: 1;
  /** Unique per event: consumers are idempotent by it. */
  readonly eventKey: string;
  readonly betId: string;
  readonly playerId: string;
  readonly ts: number;
  readonly traceId: string;
  readonly status: BetStatus;
  /** The bet's version after this change (core/contracts/bets.ts). */
  readonly version: number;
}

export interface BetAccepted extends BetEventMeta {
  readonly type: 'BetAccepted';
  readonly stake: string;
  readonly currency: Currency;
  /** Product of the legs' odds, exact decimal string. */
  readonly odds: string;
  readonly potentialPayout: string;
  readonly legs: readonly BetLegView[];
  /** ms the in-play delay took (0 pre-match). */
  readonly delayMs: number;
}

/** Paid (payout '0.00' for a lost bet). */
export interface BetSettled extends BetEventMeta {
  readonly type: 'BetSettled';
  readonly payout: string;
  readonly currency: Currency;
  readonly legs: readonly BetLegView[];
}

/** A settlement was reversed and the bet settled again with another payout. */
export interface BetResettled extends BetEventMeta {
  readonly type: 'BetResettled';
  readonly previousPayout: string;
  readonly payout: string;
  readonly currency: Currency;
  readonly legs: readonly BetLegView[];
}

/** Void as a whole: the stake was returned. */
export interface BetCancelled extends BetEventMeta {
  readonly type: 'BetCancelled';
  readonly refund: string;
  readonly currency: Currency;
  readonly reason: string;
}

/** A rollback put the bet back to open (its earlier payout or refund reversed). */
export interface BetReopened extends BetEventMeta {
  readonly type: 'BetReopened';
  readonly reason: 'settlement_rolled_back' | 'cancel_rolled_back';
}

export type BetEvent = BetAccepted | BetSettled | BetResettled | BetCancelled | BetReopened;
