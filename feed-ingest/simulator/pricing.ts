/**
 * From fair probabilities to what the provider publishes: odds carrying its margin (applied in
 * proportion to each outcome's probability), rounded to two decimals, and the probabilities
 * themselves. Outcomes too unlikely to offer are sent inactive, as the provider does.
 */
import type { MarketQuote } from './market.ts';
import type { XmlOutcome } from './xml.ts';

/** Below this fair probability an outcome is not offered (active="0"). */
const MIN_PROBABILITY = 0.001;
const MIN_ODDS = 1.01;
const MAX_ODDS = 500;

export function publishOutcomes(market: MarketQuote): XmlOutcome[] {
  return market.outcomes.map((o) =>
    o.probability < MIN_PROBABILITY || !Number.isFinite(o.probability)
      ? { id: o.id, active: 0 }
      : { id: o.id, odds: formatOdds(o.probability, market.margin), probabilities: formatProbability(o.probability), active: 1 },
  );
}

/** Decimal odds with the margin in, e.g. p 0.5 at 6 % → "1.89". */
export function formatOdds(probability: number, margin: number): string {
  const odds = Math.min(MAX_ODDS, Math.max(MIN_ODDS, 1 / (probability * (1 + margin))));
  return String(Math.round(odds * 100) / 100);
}

/** Seven decimals, trailing zeros dropped, never in exponent form. */
export function formatProbability(p: number): string {
  const text = Math.min(1, Math.max(0, p)).toFixed(7);
  return text.replace(/\.?0+$/, '') || '0';
}
