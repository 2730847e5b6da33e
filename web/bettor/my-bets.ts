/**
 * The player's bets: the list GET /v1/bets answered, brought up to date by the bet lifecycle
 * messages of the private channel (`player:<id>`). A bet's `version` rises with every change, so
 * whatever arrives late or twice never overwrites a newer state.
 */
import type { ChannelReducer } from '../shared/channel-store.ts';

export interface BetLeg {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly odds: string;
  readonly result?: { readonly won: boolean; readonly voidFactor: string; readonly deadHeatFactor: string };
}

/** A bet as GET /v1/bets shows it. */
export interface Bet {
  readonly betId: string;
  readonly status: 'open' | 'settled' | 'cancelled';
  readonly stake: string;
  readonly currency: string;
  readonly odds: string;
  readonly potentialPayout: string;
  readonly payout?: string;
  readonly legs: readonly BetLeg[];
  readonly placedAt: number;
  readonly version: number;
}

/** A bet lifecycle message (core/contracts/bet-events.ts), as the private channel carries it. */
export type BetUpdate =
  | ({ readonly type: 'BetAccepted'; readonly stake: string; readonly currency: string; readonly odds: string; readonly potentialPayout: string; readonly legs: readonly BetLeg[] } & Meta)
  | ({ readonly type: 'BetSettled'; readonly payout: string; readonly legs: readonly BetLeg[] } & Meta)
  | ({ readonly type: 'BetResettled'; readonly payout: string; readonly legs: readonly BetLeg[] } & Meta)
  | ({ readonly type: 'BetCancelled' } & Meta)
  | ({ readonly type: 'BetReopened' } & Meta);

interface Meta {
  readonly betId: string;
  readonly ts: number;
  readonly status: Bet['status'];
  readonly version: number;
}

/** Updates kept from the channel; older ones are in the fetched list anyway. */
const KEEP = 200;

export const playerUpdatesReducer: ChannelReducer<readonly BetUpdate[]> = {
  empty: [],
  snapshot(data) {
    return ((data as { updates?: readonly BetUpdate[] } | undefined)?.updates ?? []).slice(-KEEP);
  },
  apply(updates, changes) {
    return [...updates, ...(changes as readonly BetUpdate[])].slice(-KEEP);
  },
};

/** The fetched bets with every newer update applied, newest first. */
export function mergeBets(fetched: readonly Bet[], updates: readonly BetUpdate[]): Bet[] {
  const bets = new Map(fetched.map((b) => [b.betId, b]));
  for (const update of [...updates].sort((a, b) => a.version - b.version)) {
    const bet = bets.get(update.betId);
    if (bet && bet.version >= update.version) continue;
    const next = applyUpdate(bet, update);
    if (next) bets.set(update.betId, next);
  }
  return [...bets.values()].sort((a, b) => b.placedAt - a.placedAt);
}

function applyUpdate(bet: Bet | undefined, update: BetUpdate): Bet | undefined {
  if (update.type === 'BetAccepted') {
    return {
      betId: update.betId,
      status: update.status,
      stake: update.stake,
      currency: update.currency,
      odds: update.odds,
      potentialPayout: update.potentialPayout,
      legs: update.legs,
      placedAt: bet?.placedAt ?? update.ts,
      version: update.version,
    };
  }
  // A change to a bet this page has not seen accepted: the next fetch brings it whole.
  if (!bet) return undefined;
  const base = { ...bet, status: update.status, version: update.version };
  switch (update.type) {
    case 'BetSettled':
    case 'BetResettled':
      return { ...base, payout: update.payout, legs: update.legs };
    case 'BetCancelled':
    case 'BetReopened':
      // No payout in force: a void bet returned its stake, a reopened one awaits its result.
      return withoutPayout(base);
  }
}

function withoutPayout(bet: Bet): Bet {
  const copy: { -readonly [K in keyof Bet]?: Bet[K] } = { ...bet };
  delete copy.payout;
  return copy as Bet;
}
