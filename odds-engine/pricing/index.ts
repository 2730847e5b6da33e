/**
 * Pricing mathematics of the odds engine: pure functions and a book solver that reuses its working
 * arrays; no I/O. See README.md in this folder.
 */
export { applyMargin, removeMargin, isMarginMethod, MARGIN_METHODS, MAX_MARGIN } from './margin.ts';
export type { MarginApplied, MarginMethod, MarginRemoved } from './margin.ts';
export { createPriceLadder, DEFAULT_LADDER_SEGMENTS, PriceLadder } from './ladder.ts';
export type { IndexRange, LadderSegment, OddsBounds } from './ladder.ts';
export { BookSolver, DEFAULT_BAND, priceBook } from './book.ts';
export type { BandMiss, BookOutcome, BookPricing, PricedBook, PricedOutcome, SolvedBook } from './book.ts';
