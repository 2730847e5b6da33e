/** One outcome with its price: picks it for the slip; locked while its market is suspended. */
import { LockIcon } from '../shared/lock-icon.tsx';
import { Price } from '../shared/price.tsx';
import { useBettor } from './context.ts';
import { selectionKey, type Selection } from './selections.ts';

export interface OutcomeButtonProps {
  readonly selection: Selection;
  /** What the button shows above the price (the board shows 1 / X / 2). */
  readonly label: string;
  readonly price: string | undefined;
  readonly locked: boolean;
  readonly lockReason?: string;
}

export function OutcomeButton({ selection, label, price, locked, lockReason }: OutcomeButtonProps) {
  const { selections, toggle } = useBettor();
  const key = selectionKey(selection);
  const picked = selections.some((s) => selectionKey(s) === key);
  const unavailable = locked || price === undefined;
  return (
    <button
      type="button"
      class={`outcome${picked ? ' picked' : ''}${locked ? ' locked' : ''}`}
      disabled={unavailable && !picked}
      aria-pressed={picked}
      title={locked ? lockReason : `${selection.outcomeName} @ ${price ?? '–'}`}
      data-outcome={selection.outcomeId}
      onClick={() => toggle(selection)}
    >
      <span class="outcome-label">{label}</span>
      {locked ? <LockIcon {...(lockReason ? { title: lockReason } : {})} /> : <Price price={price} />}
    </button>
  );
}
