/**
 * Fair probabilities of one market's outcomes: the provider's own `probabilities` when it sent one
 * for every active outcome, otherwise its odds with its margin removed.
 *
 * Inactive outcomes take no part in removing the margin (they are not in the provider's book);
 * they keep the provider's probability when it sent one, for the trading view.
 */
import type { OutcomeOdds } from '../core/contracts/feed.ts';
import { removeMargin, type MarginMethod } from './pricing/index.ts';

export type FairSource = 'feed' | 'odds' | 'none';

export interface FairProbabilities {
  /** Per outcome, in input order; undefined where none can be given. */
  readonly fair: (number | undefined)[];
  readonly source: FairSource;
}

export function fairProbabilities(outcomes: readonly OutcomeOdds[], method: MarginMethod): FairProbabilities {
  // One plain loop: this runs for every market of every odds_change.
  const fair = new Array<number | undefined>(outcomes.length);
  let active = 0;
  let withProbability = 0;
  let withOdds = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    const probability = isProbability(o.probability) ? o.probability : undefined;
    fair[i] = probability;
    if (!o.active) continue;
    active++;
    if (probability !== undefined) withProbability++;
    if (isOdds(o.odds)) withOdds++;
  }
  if (active === 0) return { fair, source: 'none' };
  if (withProbability === active) return { fair, source: 'feed' };
  if (withOdds === 0) return { fair: fair.map((p, i) => (outcomes[i]!.active ? undefined : p)), source: 'none' };

  // A single priced outcome is no book: its implied probability is the best estimate there is.
  const indices: number[] = [];
  const odds: number[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.active && isOdds(o.odds)) {
      indices.push(i);
      odds.push(o.odds);
    } else if (o.active) {
      fair[i] = undefined;
    }
  }
  const removed = odds.length === 1 ? [1 / odds[0]!] : removeFrom(odds, method);
  for (let k = 0; k < indices.length; k++) fair[indices[k]!] = removed[k]!;
  return { fair, source: 'odds' };
}

/**
 * Removes the provider's margin. A market whose outcomes cover each result k times (double
 * chance: k = 2) has implied probabilities summing to about k(1 + margin); the methods assume a
 * partition, so such a book is scaled proportionally to sum to k instead.
 */
function removeFrom(odds: readonly number[], method: MarginMethod): readonly number[] {
  let implied = 0;
  for (const o of odds) implied += 1 / o;
  // Any provider margin below about 50 % keeps round() on the right cover.
  const cover = Math.max(1, Math.round(implied / 1.05));
  if (cover === 1) return removeMargin(odds, method).probabilities;
  return odds.map((o) => ((1 / o) * cover) / implied);
}

function isProbability(p: number | undefined): p is number {
  return p !== undefined && Number.isFinite(p) && p >= 0 && p <= 1;
}

function isOdds(o: number | undefined): o is number {
  return o !== undefined && Number.isFinite(o) && o > 1;
}
