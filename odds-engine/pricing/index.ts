/**
 * Pricing mathematics of the odds engine: pure functions, no I/O. See README.md in this folder.
 */
export { applyMargin, removeMargin, isMarginMethod, MARGIN_METHODS, MAX_MARGIN } from './margin.ts';
export type { MarginApplied, MarginMethod, MarginRemoved } from './margin.ts';
export { createPriceLadder, DEFAULT_LADDER_SEGMENTS, PriceLadder } from './ladder.ts';
export type { IndexRange, LadderSegment, OddsBounds } from './ladder.ts';
export { DEFAULT_BAND, priceBook } from './book.ts';
export type { BandMiss, BookOutcome, BookPricing, PricedBook, PricedOutcome } from './book.ts';
