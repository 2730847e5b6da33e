/** Bets, decisions and balances as the HTTP API shows them: money as decimal strings. */
import type { Bet } from '../core/contracts/bets.ts';
import { fromMinor, type Currency, type Minor } from '../core/money.ts';
import type { Balance } from '../core/ports/wallet.ts';
import type { AcceptedBet } from './acceptor.ts';
import { combinedOdds, potentialPayout, type Rejection } from './validation.ts';

export interface BalanceView {
  readonly currency: Currency;
  readonly available: string;
  readonly held: string;
}

export function balanceView(balance: Balance): BalanceView {
  return { currency: balance.currency, available: fromMinor(balance.available, balance.currency), held: fromMinor(balance.held, balance.currency) };
}

export function betView(bet: Bet) {
  const odds = combinedOdds(bet.legs);
  return betViewWith(bet, odds.toString(), potentialPayout(bet.stake, odds, bet.currency));
}

/** 201 body of an accepted bet; its odds and payout are the ones it was accepted with. */
export function acceptedView(accepted: AcceptedBet) {
  return {
    status: 'accepted' as const,
    bet: betViewWith(accepted.bet, accepted.odds, accepted.potentialPayout),
    delayMs: accepted.delayMs,
    balance: balanceView(accepted.balance),
  };
}

function betViewWith(bet: Bet, odds: string, payout: Minor) {
  return {
    betId: bet.betId,
    status: bet.status,
    stake: fromMinor(bet.stake, bet.currency),
    currency: bet.currency,
    odds,
    potentialPayout: fromMinor(payout, bet.currency),
    ...(bet.payout === undefined ? {} : { payout: fromMinor(bet.payout, bet.currency) }),
    legs: bet.legs.map((leg) => ({
      eventId: leg.eventId,
      marketKey: leg.marketKey,
      outcomeId: leg.outcomeId,
      odds: leg.odds,
      priceVersion: leg.priceVersion,
      ...(leg.result ? { result: { won: leg.result.won, voidFactor: leg.result.voidFactor, deadHeatFactor: leg.result.deadHeatFactor } } : {}),
    })),
    placedAt: bet.placedAt,
    version: bet.version,
  };
}

/** The error body of a rejection: the reason code, why, and the current prices where known. */
export function rejectionView(rejection: Rejection) {
  const details = {
    ...(rejection.leg === undefined ? {} : { leg: rejection.leg }),
    ...(rejection.current ? { current: rejection.current } : {}),
    ...rejection.details,
  };
  return { error: { code: rejection.reason, message: rejection.message, ...(Object.keys(details).length > 0 ? { details } : {}) } };
}
