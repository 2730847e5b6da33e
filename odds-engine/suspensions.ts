/**
 * Why a market is not open. Each reason is recorded with its detail (the bet_stop group, the feed
 * status, the producer, the trader) and the time it started; a market reopens only when none is
 * left. Lists are small and usually empty, so they are plain immutable arrays: adding or removing
 * returns the same array when nothing changed, which lets callers detect changes by identity.
 */
import type { Suspension, SuspensionReason } from '../core/contracts/odds.ts';

/** The order reasons are listed in: the broadest first. */
const REASON_RANK: Readonly<Record<SuspensionReason, number>> = {
  EVENT_ENDED: 0,
  PRODUCER_DOWN: 1,
  FEED_STATUS: 2,
  BET_STOP: 3,
  TRADER: 4,
};

export const NO_SUSPENSIONS: readonly Suspension[] = Object.freeze([]);

/** The list with `reason`/`detail` held since `since`; the same list when it already was. */
export function withSuspension(list: readonly Suspension[], reason: SuspensionReason, detail: string | undefined, since: number): readonly Suspension[] {
  if (holds(list, reason, detail)) return list;
  const entry: Suspension = detail === undefined ? { reason, since } : { reason, detail, since };
  return [...list, entry].sort(byReason);
}

/**
 * The list without `reason` (only the entry with `detail` when one is given); the same list when
 * there was nothing to remove.
 */
export function withoutSuspension(list: readonly Suspension[], reason: SuspensionReason, detail?: string): readonly Suspension[] {
  if (list.length === 0) return list;
  const kept = list.filter((s) => !(s.reason === reason && (detail === undefined || s.detail === detail)));
  if (kept.length === list.length) return list;
  return kept.length === 0 ? NO_SUSPENSIONS : kept;
}

export function holds(list: readonly Suspension[], reason: SuspensionReason, detail?: string): boolean {
  for (const s of list) if (s.reason === reason && (detail === undefined || s.detail === detail)) return true;
  return false;
}

/** Both lists in reason order; `a` itself when `b` is empty (the common case). */
export function mergeSuspensions(a: readonly Suspension[], b: readonly Suspension[]): readonly Suspension[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...a, ...b].sort(byReason);
}

/** The distinct reasons of a list, in reason order. */
export function reasonsOf(list: readonly Suspension[]): SuspensionReason[] {
  const out: SuspensionReason[] = [];
  for (const s of list) if (!out.includes(s.reason)) out.push(s.reason);
  return out;
}

/** A string equal for two lists exactly when they hold the same reasons with the same details. */
export function suspensionsKey(list: readonly Suspension[]): string {
  if (list.length === 0) return '';
  return list.map((s) => (s.detail === undefined ? s.reason : `${s.reason}:${s.detail}`)).join(',');
}

function byReason(a: Suspension, b: Suspension): number {
  return REASON_RANK[a.reason] - REASON_RANK[b.reason] || (a.detail ?? '').localeCompare(b.detail ?? '');
}
