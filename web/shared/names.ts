/**
 * Names a person reads: markets and outcomes from the provider's market descriptions (the same
 * table the engine uses, core/market-descriptions.ts), suspension reasons and bet rejections in
 * plain words.
 */
import { describeMarket } from '../../core/market-descriptions.ts';
import { parseMarketKey } from '../../core/market-key.ts';

export interface Competitor {
  readonly name: string;
  readonly qualifier: 'home' | 'away';
}

export interface MarketNames {
  readonly name: string;
  outcome(outcomeId: string): string;
}

/** A market's name and its outcomes' names; unknown markets fall back to their ids. */
export function marketNames(marketKey: string, competitors?: readonly Competitor[]): MarketNames {
  const { marketId, specifiers } = parseMarketKey(marketKey);
  const described = describeMarket(marketId, specifiers, competitors);
  if (!described) return { name: `Market ${marketKey}`, outcome: (id) => `Outcome ${id}` };
  return { name: capitalize(described.name), outcome: (id) => capitalize(described.outcomes[id] ?? `Outcome ${id}`) };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Home v Away". */
export function matchName(competitors: readonly Competitor[] | undefined): string {
  const home = competitors?.find((c) => c.qualifier === 'home')?.name ?? 'Home';
  const away = competitors?.find((c) => c.qualifier === 'away')?.name ?? 'Away';
  return `${home} v ${away}`;
}

export type SuspensionReason = 'BET_STOP' | 'FEED_STATUS' | 'PRODUCER_DOWN' | 'TRADER' | 'EVENT_ENDED';

const SUSPENSION_WORDS: Readonly<Record<SuspensionReason, string>> = {
  BET_STOP: 'a moment of play under review',
  FEED_STATUS: 'the odds provider',
  PRODUCER_DOWN: 'an interruption of the odds feed',
  TRADER: 'the trading desk',
  EVENT_ENDED: 'the end of the event',
};

/** "Suspended by the trading desk", "Suspended: a moment of play under review". */
export function suspensionText(reasons: readonly string[]): string {
  if (reasons.includes('TRADER')) return 'Suspended by the trading desk';
  const first = reasons[0] as SuspensionReason | undefined;
  return first && first in SUSPENSION_WORDS ? `Suspended: ${SUSPENSION_WORDS[first]}` : 'Suspended';
}

/** The trading desk's short label of one suspension. */
export function suspensionLabel(reason: string, detail?: string): string {
  switch (reason) {
    case 'BET_STOP':
      return `Bet stop${detail ? ` (${detail})` : ''}`;
    case 'FEED_STATUS':
      return detail ? `Feed status ${detail}` : 'Feed status';
    case 'PRODUCER_DOWN':
      return detail ? `Producer ${detail} down` : 'Producer down';
    case 'TRADER':
      return `Trader${detail ? `: ${detail}` : ''}`;
    case 'EVENT_ENDED':
      return 'Event ended';
    default:
      return reason;
  }
}

interface RejectionDetails {
  readonly leg?: number;
  readonly current?: ReadonlyArray<{ readonly price?: string; readonly state?: string }>;
  readonly suspensions?: ReadonlyArray<{ readonly reason: string; readonly detail?: string }>;
  readonly minStake?: string;
  readonly maxStake?: string;
  readonly maxPayout?: string;
}

/** Why a bet was not taken, in words a bettor understands; `money` formats amounts. */
export function rejectionText(code: string, message: string, details: unknown, money: (amount: string) => string): string {
  const d = (details ?? {}) as RejectionDetails;
  const current = d.leg === undefined ? undefined : d.current?.[d.leg];
  switch (code) {
    case 'MARKET_SUSPENDED': {
      const reasons = d.suspensions?.map((s) => s.reason) ?? [];
      if (reasons.length === 0) return 'This selection is not available right now.';
      return `${suspensionText(reasons)}. Your bet was not placed.`;
    }
    case 'PRICE_CHANGED':
      return current?.price ? `The price moved to ${current.price}. Check the new price and place the bet again.` : 'The price moved. Check the new price and place the bet again.';
    case 'BET_STOPPED_DURING_DELAY':
      return 'The market changed while your bet was being confirmed, so it was not placed. You can try again.';
    case 'STAKE_TOO_LOW':
      return d.minStake ? `The minimum stake is ${money(d.minStake)}.` : 'The stake is below the minimum.';
    case 'STAKE_TOO_HIGH':
      return /payout/.test(message) && d.maxPayout ? `The potential payout is above the maximum of ${money(d.maxPayout)}. Lower the stake.` : d.maxStake ? `The maximum stake is ${money(d.maxStake)}.` : 'The stake is above the maximum.';
    case 'LIABILITY_EXCEEDED':
      return 'We cannot take that much on this selection right now. Try a smaller stake.';
    case 'INSUFFICIENT_FUNDS':
      return 'Your balance does not cover the stake.';
    case 'EVENT_NOT_FOUND':
      return 'This event is no longer offered.';
    case 'MARKET_NOT_FOUND':
      return 'This selection is no longer offered.';
    case 'RATE_LIMITED':
      return 'Too many requests in a short time. Wait a moment and try again.';
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return 'Your session has expired. Reload the page to sign in again.';
    case 'NETWORK':
      return 'The server cannot be reached. Check your connection and try again.';
    default:
      return message;
  }
}
