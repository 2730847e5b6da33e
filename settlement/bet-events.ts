/**
 * The bet lifecycle events settlement publishes on bets.events (core/contracts/bet-events.ts),
 * built from the bet of record after the change. Money leaves as decimal strings here.
 */
import type { BetCancelled, BetLegView, BetReopened, BetResettled, BetSettled } from '../core/contracts/bet-events.ts';
import type { Bet } from '../core/contracts/bets.ts';
import { fromMinor, type Minor } from '../core/money.ts';

/** Where the change came from: the feed message's (or the accepted bet's) trace and time. */
export interface Trace {
  readonly traceId: string;
  readonly ts: number;
}

export type SettlementEvent = BetSettled | BetResettled | BetCancelled | BetReopened;

function meta<T extends SettlementEvent['type']>(type: T, bet: Bet, trace: Trace) {
  return {
    v: 1 as const,
    type,
    eventKey: `${type}:${bet.betId}:${bet.version}`,
    betId: bet.betId,
    playerId: bet.player,
    ts: trace.ts,
    traceId: trace.traceId,
    status: bet.status,
    version: bet.version,
  };
}

export function legViews(bet: Bet): BetLegView[] {
  return bet.legs.map((leg) => ({
    eventId: leg.eventId,
    marketKey: leg.marketKey,
    outcomeId: leg.outcomeId,
    odds: leg.odds,
    priceVersion: leg.priceVersion,
    ...(leg.result ? { result: { won: leg.result.won, voidFactor: leg.result.voidFactor, deadHeatFactor: leg.result.deadHeatFactor } } : {}),
  }));
}

export function betSettled(bet: Bet, trace: Trace): BetSettled {
  return { ...meta('BetSettled', bet, trace), payout: fromMinor(bet.payout ?? 0n, bet.currency), currency: bet.currency, legs: legViews(bet) };
}

export function betResettled(bet: Bet, previousPayout: Minor, trace: Trace): BetResettled {
  return {
    ...meta('BetResettled', bet, trace),
    previousPayout: fromMinor(previousPayout, bet.currency),
    payout: fromMinor(bet.payout ?? 0n, bet.currency),
    currency: bet.currency,
    legs: legViews(bet),
  };
}

export function betCancelled(bet: Bet, reason: string, trace: Trace): BetCancelled {
  return { ...meta('BetCancelled', bet, trace), refund: fromMinor(bet.stake, bet.currency), currency: bet.currency, reason };
}

export function betReopened(bet: Bet, reason: BetReopened['reason'], trace: Trace): BetReopened {
  return { ...meta('BetReopened', bet, trace), reason };
}
