/**
 * The in-play delay: a live bet waits a few seconds (per sport) before it is taken, so a bettor
 * who sees a goal before the odds move cannot bet on it. While it waits, the acceptor watches the
 * bet's markets on `odds.deltas` (the PriceBook has no change feed): a MarketStatusChanged or
 * PriceChanged that leaves a watched market not open, or an EpochStarted of a watched event, stops
 * the bet at once. At the end the acceptor reads the PriceBook again and re-validates.
 *
 * Exactness. A watch is registered before the acceptor's first read of the PriceBook, and that
 * read's (epoch, seq) becomes the watch's baseline per event: deltas at or below it are older than
 * what the bet was validated against and are ignored, later ones count. Because the odds engine
 * writes the PriceBook before it publishes, the final read can be ahead of the deltas delivered;
 * `seenSeq` lets the acceptor wait (briefly) for the deltas up to the version it read, so a
 * suspension that was lifted again within the window is never missed.
 */
import type { OddsDelta } from '../core/contracts/odds.ts';
import type { Clock } from '../core/ports/clock.ts';

export interface WatchedMarket {
  readonly eventId: string;
  readonly marketKey: string;
}

/** Why a watched bet was stopped. */
export interface StopCause {
  readonly eventId: string;
  readonly kind: 'market_not_open' | 'event_rebuilt';
  readonly marketKey?: string;
  readonly state?: string;
  readonly seq: number;
}

/** Routes odds deltas to the watches of their event. One per acceptor process. */
export class MarketWatcher {
  private readonly byEvent = new Map<string, Set<Watch>>();

  onDelta(delta: OddsDelta): void {
    const watches = this.byEvent.get(delta.eventId);
    if (watches === undefined) return;
    for (const watch of watches) watch.see(delta);
  }

  /** Starts watching the markets; call before reading them, and close() the watch when done. */
  watch(markets: readonly WatchedMarket[]): Watch {
    const watch = new Watch(markets, this);
    for (const { eventId } of markets) {
      const set = this.byEvent.get(eventId);
      if (set === undefined) this.byEvent.set(eventId, new Set([watch]));
      else set.add(watch);
    }
    return watch;
  }

  /** Called by Watch.close(). */
  unregister(watch: Watch, markets: readonly WatchedMarket[]): void {
    for (const { eventId } of markets) {
      const set = this.byEvent.get(eventId);
      if (set?.delete(watch) && set.size === 0) this.byEvent.delete(eventId);
    }
  }

  /** Watches open now (for metrics and tests). */
  get size(): number {
    const all = new Set<Watch>();
    for (const set of this.byEvent.values()) for (const w of set) all.add(w);
    return all.size;
  }
}

/**
 * The watch of one bet. Most bets are pre-match and their watch only lives for the first read, so
 * what is needed only once a delta arrives is made then.
 */
export class Watch {
  private readonly markets: readonly WatchedMarket[];
  private readonly watcher: MarketWatcher;
  private readonly baselines = new Map<string, { readonly epoch: string; readonly seq: number }>();
  /** Deltas delivered before the event's baseline was known, judged once it is. */
  private early: Map<string, OddsDelta[]> | undefined;
  /** Per event, the highest seq seen in the baseline's epoch. */
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private cause: StopCause | undefined;
  private closed = false;

  constructor(markets: readonly WatchedMarket[], watcher: MarketWatcher) {
    this.markets = markets;
    this.watcher = watcher;
  }

  get stopped(): StopCause | undefined {
    return this.cause;
  }

  /** The (epoch, seq) the bet was validated at; deltas after it count. */
  setBaseline(eventId: string, epoch: string, seq: number): void {
    this.baselines.set(eventId, { epoch, seq });
    this.seen.set(eventId, seq);
    const early = this.early?.get(eventId);
    if (early !== undefined) {
      this.early!.delete(eventId);
      for (const delta of early) this.judge(delta);
    }
    this.notify();
  }

  /** The highest seq of the event's baseline epoch delivered so far (the baseline's own at least). */
  seenSeq(eventId: string): number {
    return this.seen.get(eventId) ?? -1;
  }

  see(delta: OddsDelta): void {
    if (this.closed) return;
    if (!this.baselines.has(delta.eventId)) {
      this.early ??= new Map();
      const list = this.early.get(delta.eventId);
      if (list === undefined) this.early.set(delta.eventId, [delta]);
      else list.push(delta);
      return;
    }
    this.judge(delta);
    this.notify();
  }

  /** Calls `listener` after every delta or baseline this watch takes in; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.watcher.unregister(this, this.markets);
  }

  private judge(delta: OddsDelta): void {
    const baseline = this.baselines.get(delta.eventId)!;
    if (delta.type === 'EpochStarted') {
      // A rebuild after the bet was validated; one of an older epoch is a late delivery.
      if (delta.epoch !== baseline.epoch) this.stop({ eventId: delta.eventId, kind: 'event_rebuilt', seq: delta.seq });
      return;
    }
    if (delta.epoch !== baseline.epoch || delta.seq <= baseline.seq) return;
    this.seen.set(delta.eventId, Math.max(this.seenSeq(delta.eventId), delta.seq));
    if (delta.state !== 'open' && this.markets.some((m) => m.eventId === delta.eventId && m.marketKey === delta.marketKey)) {
      this.stop({ eventId: delta.eventId, kind: 'market_not_open', marketKey: delta.marketKey, state: delta.state, seq: delta.seq });
    }
  }

  private stop(cause: StopCause): void {
    this.cause ??= cause;
  }

  private notify(): void {
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Resolves true as soon as `done()` holds (checked now and after every change the watch takes in),
 * or false once `ms` have passed on the clock.
 */
export function waitOnWatch(clock: Clock, watch: Watch, ms: number, done: () => boolean): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const finish = (value: boolean) => {
      timer.cancel();
      unsubscribe();
      resolve(value);
    };
    const timer = clock.setTimeout(() => finish(done()), ms);
    const unsubscribe = watch.onChange(() => {
      if (done()) finish(true);
    });
  });
}
