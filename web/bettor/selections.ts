/** What the bettor picked for the slip: outcomes of markets, named as they were shown. */

export interface Selection {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly eventName: string;
  readonly marketName: string;
  readonly outcomeName: string;
}

export const selectionKey = (s: Pick<Selection, 'eventId' | 'marketKey' | 'outcomeId'>): string => `${s.eventId}#${s.marketKey}#${s.outcomeId}`;

/** Picking a selection again removes it; another outcome of the same market replaces it. */
export function toggleSelection(selections: readonly Selection[], picked: Selection): Selection[] {
  const key = selectionKey(picked);
  if (selections.some((s) => selectionKey(s) === key)) return selections.filter((s) => selectionKey(s) !== key);
  return [...selections.filter((s) => !(s.eventId === picked.eventId && s.marketKey === picked.marketKey)), picked];
}

/** Why these selections cannot make an accumulator, or undefined when they can. */
export function accumulatorProblem(selections: readonly Selection[]): string | undefined {
  if (selections.length < 2) return 'An accumulator needs two or more selections.';
  const events = new Set(selections.map((s) => s.eventId));
  return events.size < selections.length ? 'An accumulator takes one selection per event.' : undefined;
}
