/**
 * The result of each market, as the sequence of feed messages about it decides: which settlement
 * is in force, which bet_cancel windows are in force, and so the result each bet on the market
 * has. Pure: no I/O; the service keeps the state in a MarketResultStore.
 *
 * The "last effective message" semantics, message by message (one market of a message at a time):
 *
 * - A message whose id was already applied to the market changes nothing (the bus delivers at
 *   least once, and recovery replays messages): idempotency by event, market and message id.
 * - bet_settlement (certainty c, results R):
 *   - c below the policy's `settleOnCertainty` (default 1): recorded, no effect;
 *   - no settlement in force: R is settled with certainty c;
 *   - a settlement in force with a higher certainty: no effect (a live-scouted result never
 *     overrides a confirmed one);
 *   - R equal to the results in force (outcome by outcome, factors compared as numbers): a
 *     confirmation; the certainty rises to max, nothing else changes, no bet is touched;
 *   - R different: R replaces the settlement in force (certainty c) and every bet on the market
 *     is settled again: reversed, then settled with the new result.
 * - rollback_bet_settlement: the settlement in force is removed, whatever its certainty; bets
 *   return to open (or to the cancel that still covers them). Nothing in force: no effect.
 * - bet_cancel [start, end): the window is in force (one window per start/end pair: a second
 *   cancel of the same window only renames it); bets placed inside it are void, whether or not
 *   the market is settled, and the settlement applies to the others.
 * - rollback_bet_cancel [start, end): removes the window with exactly those bounds (absent bounds
 *   match absent bounds); no such window: no effect.
 *
 * A bet's leg on the market thus has: void (source 'cancelled') when its placement time falls in
 * a window in force; else the settlement's result for its outcome; else no result (open). An
 * outcome the settlement does not list leaves the leg open: the provider lists every outcome of
 * a settled market, so a missing one is a fault to look at, not a loss to assume.
 */
import type { LegResult } from '../core/contracts/bets.ts';
import type { FeedEventMessage, SettledOutcome } from '../core/contracts/feed.ts';
import type { EventId } from '../core/ids.ts';
import { Big } from '../core/money.ts';
import type { CancelWindow, MarketResult, MarketSettlement } from '../core/ports/market-result-store.ts';

export interface CertaintyPolicy {
  /** The lowest certainty that settles: 1 settles on the live-scouted result (default), 2 waits for the confirmed one. */
  readonly settleOnCertainty: 1 | 2;
}

export const DEFAULT_CERTAINTY_POLICY: CertaintyPolicy = { settleOnCertainty: 1 };

/** One market's part of a feed message. */
export type MarketChange =
  | { readonly kind: 'settled'; readonly messageId: string; readonly certainty: 1 | 2; readonly outcomes: readonly SettledOutcome[] }
  | { readonly kind: 'settlement_rolled_back'; readonly messageId: string }
  | { readonly kind: 'cancelled'; readonly messageId: string; readonly startTime?: number; readonly endTime?: number }
  | { readonly kind: 'cancel_rolled_back'; readonly messageId: string; readonly startTime?: number; readonly endTime?: number };

export interface MarketMessage {
  readonly eventId: EventId;
  readonly marketKey: string;
  readonly change: MarketChange;
}

/**
 * What applying a change did:
 * - changed: bets on the market may need a new result;
 * - confirmed: a settlement was confirmed (the state changed, no bet does);
 * - duplicate: the message was applied before;
 * - ignored: applied, without effect (below the policy's certainty, outranked, nothing to roll back).
 */
export type ChangeEffect = 'changed' | 'confirmed' | 'duplicate' | 'ignored';

export interface Applied {
  readonly effect: ChangeEffect;
  /** The new state; the same object as the input for a duplicate. */
  readonly state: MarketResult;
}

export interface MarketMessages {
  readonly accepted: readonly MarketMessage[];
  /** Settled markets whose factors are not plain decimals in range: never guessed at, reported. */
  readonly refused: readonly { readonly marketKey: string; readonly reason: string }[];
}

/** A factor as bets of record keep it: a decimal in [0, 1] with at most 6 places. */
const FACTOR = /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/;

/** The market parts of a feed message; none for messages settlement does not act on. */
export function marketMessages(message: FeedEventMessage): MarketMessages {
  const of = (marketKey: string, change: MarketChange): MarketMessage => ({ eventId: message.eventId, marketKey, change });
  const window = (m: { startTime?: number; endTime?: number }) => ({
    ...(m.startTime === undefined ? {} : { startTime: m.startTime }),
    ...(m.endTime === undefined ? {} : { endTime: m.endTime }),
  });
  const all = (accepted: MarketMessage[]): MarketMessages => ({ accepted, refused: [] });
  switch (message.type) {
    case 'BetSettled': {
      const accepted: MarketMessage[] = [];
      const refused: { marketKey: string; reason: string }[] = [];
      for (const m of message.markets) {
        const bad = m.outcomes.find((o) => !FACTOR.test(o.voidFactor) || !FACTOR.test(o.deadHeatFactor) || Number(o.deadHeatFactor) === 0);
        if (bad) {
          refused.push({ marketKey: m.marketKey, reason: `outcome ${bad.outcomeId}: void ${bad.voidFactor}, dead heat ${bad.deadHeatFactor}` });
          continue;
        }
        accepted.push(of(m.marketKey, { kind: 'settled', messageId: message.messageId, certainty: message.certainty, outcomes: m.outcomes }));
      }
      return { accepted, refused };
    }
    case 'SettlementRolledBack':
      return all(message.markets.map((m) => of(m.marketKey, { kind: 'settlement_rolled_back', messageId: message.messageId })));
    case 'BetCancelled':
      return all(message.markets.map((m) => of(m.marketKey, { kind: 'cancelled', messageId: message.messageId, ...window(message) })));
    case 'CancelRolledBack':
      return all(message.markets.map((m) => of(m.marketKey, { kind: 'cancel_rolled_back', messageId: message.messageId, ...window(message) })));
    default:
      return all([]);
  }
}

export function emptyMarketResult(eventId: EventId, marketKey: string): MarketResult {
  return { eventId, marketKey, cancels: [], seen: [], pending: false, version: 0 };
}

/** The state after `change` (see the module comment for the rules). */
export function applyMarketChange(current: MarketResult, change: MarketChange, policy: CertaintyPolicy = DEFAULT_CERTAINTY_POLICY): Applied {
  if (current.seen.includes(change.messageId)) return { effect: 'duplicate', state: current };
  const next = (effect: ChangeEffect, fields: Partial<Pick<MarketResult, 'settlement' | 'cancels'>> & { clearSettlement?: boolean }): Applied => {
    const { clearSettlement, ...rest } = fields;
    const state: MarketResult = {
      ...current,
      ...rest,
      seen: [...current.seen, change.messageId],
      pending: current.pending || effect === 'changed',
      version: current.version + 1,
    };
    if (clearSettlement) delete (state as { settlement?: MarketSettlement }).settlement;
    return { effect, state };
  };

  switch (change.kind) {
    case 'settled': {
      const inForce = current.settlement;
      if (change.certainty < policy.settleOnCertainty) return next('ignored', {});
      const settlement: MarketSettlement = { certainty: change.certainty, outcomes: change.outcomes, messageId: change.messageId };
      if (!inForce) return next('changed', { settlement });
      if (change.certainty < inForce.certainty) return next('ignored', {});
      if (sameResults(inForce.outcomes, change.outcomes)) {
        return next('confirmed', { settlement: { ...inForce, certainty: change.certainty } });
      }
      return next('changed', { settlement });
    }
    case 'settlement_rolled_back':
      return current.settlement ? next('changed', { clearSettlement: true }) : next('ignored', {});
    case 'cancelled': {
      const window = cancelWindow(change);
      const others = current.cancels.filter((w) => !sameWindow(w, window));
      // Re-cancelling a window in force changes no bet: only the message it answers to.
      return next(others.length === current.cancels.length ? 'changed' : 'ignored', { cancels: [...others, window] });
    }
    case 'cancel_rolled_back': {
      const others = current.cancels.filter((w) => !sameWindow(w, change));
      return others.length === current.cancels.length ? next('ignored', {}) : next('changed', { cancels: others });
    }
  }
}

/**
 * The result a bet placed at `placedAt` on `outcomeId` has from this market, or undefined while
 * it has none. Void when a cancel window in force covers the placement time.
 */
export function legResultFor(state: MarketResult | undefined, outcomeId: string, placedAt: number): LegResult | undefined {
  if (!state) return undefined;
  const cancel = state.cancels.find((w) => covers(w, placedAt));
  if (cancel) return { source: 'cancelled', won: false, voidFactor: '1', deadHeatFactor: '1', ref: cancel.messageId };
  const settlement = state.settlement;
  const outcome = settlement?.outcomes.find((o) => o.outcomeId === outcomeId);
  if (!settlement || !outcome) return undefined;
  return { source: 'settled', won: outcome.won, voidFactor: outcome.voidFactor, deadHeatFactor: outcome.deadHeatFactor, ref: settlement.messageId };
}

/** Whether the state gives any bet a result (a market with none needs no bet looked at). */
export function hasResults(state: MarketResult | undefined): boolean {
  return state !== undefined && (state.settlement !== undefined || state.cancels.length > 0);
}

/** Two leg results that settle a bet the same way (the message they came from aside). */
export function sameLegResult(a: LegResult | undefined, b: LegResult | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.source === b.source && a.won === b.won && sameFactor(a.voidFactor, b.voidFactor) && sameFactor(a.deadHeatFactor, b.deadHeatFactor)
  );
}

/** "0.5" and "0.50" are the same factor; the string test spares the decimal one in the usual case. */
function sameFactor(a: string, b: string): boolean {
  return a === b || new Big(a).eq(b);
}

function sameResults(a: readonly SettledOutcome[], b: readonly SettledOutcome[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(a.map((o) => [o.outcomeId, o]));
  return b.every((o) => {
    const other = byId.get(o.outcomeId);
    return (
      other !== undefined &&
      other.won === o.won &&
      sameFactor(other.voidFactor, o.voidFactor) &&
      sameFactor(other.deadHeatFactor, o.deadHeatFactor)
    );
  });
}

function cancelWindow(change: { messageId: string; startTime?: number; endTime?: number }): CancelWindow {
  return {
    ...(change.startTime === undefined ? {} : { startTime: change.startTime }),
    ...(change.endTime === undefined ? {} : { endTime: change.endTime }),
    messageId: change.messageId,
  };
}

function sameWindow(a: { startTime?: number; endTime?: number }, b: { startTime?: number; endTime?: number }): boolean {
  return a.startTime === b.startTime && a.endTime === b.endTime;
}

function covers(window: CancelWindow, placedAt: number): boolean {
  return (window.startTime === undefined || placedAt >= window.startTime) && (window.endTime === undefined || placedAt < window.endTime);
}
