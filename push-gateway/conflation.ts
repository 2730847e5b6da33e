/**
 * Conflation: when a channel has several changes waiting to be sent, only the latest price per
 * outcome needs to go out. Pure; the channel hub applies it to each batch it flushes.
 *
 * Rules that keep it safe:
 * - Every change is about one entity (a market, a live-list event). Changes about different
 *   entities commute, so merging may move a later price ahead of another entity's change.
 * - A change merges only into the entity's latest pending change, and only when the rule says
 *   the two may merge (a price into a price of the same market state). A status change is never
 *   merged, so it also stops later prices from merging across it: the order of states is kept
 *   and a suspension is never conflated away.
 */
import type { OddsDelta } from '../core/contracts/odds.ts';
export interface ConflationRule<T> {
  /** The entity a change is about; undefined: never merged and never merged into. */
  entity(change: T): string | undefined;
  /** `prev` and `next` as one change, or undefined when they must both be sent. */
  merge(prev: T, next: T): T | undefined;
}

export interface Conflated<T> {
  readonly changes: T[];
  /** How many changes were merged into others (not sent on their own). */
  readonly merged: number;
}

export function conflate<T>(changes: readonly T[], rule: ConflationRule<T>): Conflated<T> {
  if (changes.length < 2) return { changes: [...changes], merged: 0 };
  const out: T[] = [];
  const latest = new Map<string, number>();
  let merged = 0;
  for (const change of changes) {
    const entity = rule.entity(change);
    if (entity !== undefined) {
      const at = latest.get(entity);
      if (at !== undefined) {
        const combined = rule.merge(out[at]!, change);
        if (combined !== undefined) {
          out[at] = combined;
          merged += 1;
          continue;
        }
      }
      latest.set(entity, out.length);
    }
    out.push(change);
  }
  return { changes: out, merged };
}

/** Outcome lists keyed by outcomeId: `next` wins, `prev`'s order is kept, new ones go last. */
export function mergeById<O extends { readonly outcomeId: string }>(prev: readonly O[], next: readonly O[]): O[] {
  const byId = new Map<string, O>();
  for (const o of prev) byId.set(o.outcomeId, o);
  for (const o of next) byId.set(o.outcomeId, o);
  return [...byId.values()];
}

/**
 * Event channels: a price merges into the market's previous price change when the market's
 * state is the same; status changes and epoch starts are never merged.
 */
export const oddsConflation: ConflationRule<OddsDelta> = {
  entity: (change) => (change.type === 'EpochStarted' ? undefined : change.marketKey),
  merge(prev, next) {
    if (prev.type !== 'PriceChanged' || next.type !== 'PriceChanged' || prev.state !== next.state) return undefined;
    return { ...next, outcomes: mergeById(prev.outcomes, next.outcomes) };
  },
};

/** Channels whose every change matters on its own (private bet updates). */
export const noConflation: ConflationRule<unknown> = {
  entity: () => undefined,
  merge: () => undefined,
};
