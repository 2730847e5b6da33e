/**
 * The latest priced state of every event, shared by the odds engine (writer), the push gateway
 * (snapshots) and the bet acceptor (validation). In-memory in embedded mode, Redis when services
 * run apart.
 *
 * Promises every implementation keeps (test/contract/price-book.contract.ts):
 * - **Atomic per event.** apply() changes an event's markets and its (epoch, seq) together:
 *   a reader never sees markets of one seq with the seq of another.
 * - **Monotonic.** Within an epoch, an apply() whose seq is not greater than the stored one is
 *   ignored (returns false): replays and duplicate writers are harmless. An apply() with another
 *   epoch replaces the event's whole state (a rebuild) and is always taken.
 * - **Complete markets.** Each market in an apply() replaces the stored market of that key whole.
 * - Reads return what the last successful apply() stored; getMarket is O(1) in the event's size.
 * - remove() deletes an event (finished and settled); reads then return undefined.
 */
import type { EventBook, PricedMarket } from '../contracts/odds.ts';

export interface PriceBookUpdate {
  readonly eventId: string;
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  readonly sportId?: string;
  /** Markets changed by this update, each complete. */
  readonly markets: readonly PricedMarket[];
  /** Market keys no longer offered at all. */
  readonly removed?: readonly string[];
  /** true: this update is the event's whole state; markets not in it are dropped. */
  readonly replace?: boolean;
}

export interface MarketView {
  readonly eventId: string;
  readonly epoch: string;
  /** The event's seq at the time of the read. */
  readonly seq: number;
  readonly market: PricedMarket;
}

export interface PriceBook {
  apply(update: PriceBookUpdate): Promise<boolean>;
  getEvent(eventId: string): Promise<EventBook | undefined>;
  getMarket(eventId: string, marketKey: string): Promise<MarketView | undefined>;
  /** Event ids with their (epoch, seq), for listings and health. */
  listEvents(): Promise<ReadonlyArray<{ eventId: string; epoch: string; seq: number; sportId?: string }>>;
  remove(eventId: string): Promise<void>;
  close(): Promise<void>;
}
