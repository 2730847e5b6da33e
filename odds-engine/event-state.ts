/**
 * One event's priced state: per market the feed status, the provider's odds and probabilities,
 * the fair probabilities, the suspensions, the trader's shifts and the published prices; per
 * event the epoch and seq of what was published.
 *
 * Pure and synchronous: feed messages and trading actions mutate it, then collect() turns what
 * changed since the last collect() into deltas and a PriceBook update, numbering them. Changes are
 * found by comparing with what was last published, so applying the same thing twice publishes
 * nothing.
 *
 * Market state: a result from the feed (bet_settlement / bet_cancel, until rolled back) wins;
 * then the feed status (-3 settled, -4 cancelled, 0 and -2 closed); a market the feed has active
 * (1) or suspended (-1) is open exactly when no suspension reason holds. Closed, settled and
 * cancelled markets offer no prices.
 */
import type { BetStopped, FeedMarketStatus, MarketOdds, MarketRef, OddsChanged, OutcomeOdds } from '../core/contracts/feed.ts';
import type { EpochStarted, MarketState, MarketStatusChanged, OddsDelta, OutcomePrice, PriceChanged, PricedMarket, PricedOutcome, Suspension } from '../core/contracts/odds.ts';
import type { EventId } from '../core/ids.ts';
import type { OddsString } from '../core/odds.ts';
import type { PriceBookUpdate } from '../core/ports/price-book.ts';
import { PRODUCERS } from '../core/ids.ts';
import { fairProbabilities, type FairSource } from './fair-probabilities.ts';
import type { MarginLevel, ResolvedMargin } from './margin-config.ts';
import type { MarketPrices, MarketPricer } from './market-pricer.ts';
import type { MarginMethod } from './pricing/index.ts';
import { NO_SUSPENSIONS, holds, mergeSuspensions, reasonsOf, suspensionsKey, withSuspension, withoutSuspension } from './suspensions.ts';

/** sport_event_status codes after which nothing is offered: ended, closed, cancelled, postponed, abandoned. */
const ENDED_STATUSES: ReadonlySet<number> = new Set([3, 4, 5, 8, 9]);
/** Live, suspended and interrupted matches are in play. */
const LIVE_STATUSES: ReadonlySet<number> = new Set([1, 2, 7]);

export type EventPhase = 'upcoming' | 'live' | 'ended';

/** What the engine knows beyond the event: margins, ladder, producers, market groups. */
export interface EventContext {
  /** Margin and method for a market type of this event. */
  resolveMargin(marketId: number): ResolvedMargin;
  /** How the provider's margin is removed when it sent no probabilities. */
  readonly providerMarginMethod: MarginMethod;
  readonly pricer: MarketPricer;
  /** Since when a producer is down; undefined while it is up. */
  producerDownSince(producer: number): number | undefined;
  /** bet_stop groups of a market type; undefined when unknown (every named group then applies). */
  groupsOf(marketId: number): readonly string[] | undefined;
}

/** Where a published change came from, copied into every delta. */
export interface ChangeMeta {
  readonly sourceTs: number;
  readonly traceId: string;
}

export interface EventOutput {
  readonly deltas: OddsDelta[];
  readonly update: PriceBookUpdate;
}

/** A market as the trading desk sees it: the bettor's view plus how its prices were made. */
export interface TradingMarket extends PricedMarket {
  readonly method: MarginMethod;
  readonly marginLevel: MarginLevel;
  readonly methodLevel: MarginLevel;
  /** Whether the published overround is within the band around the margin. */
  readonly inBand: boolean;
  readonly fairSource: FairSource;
}

export interface MarketPreview {
  readonly marketKey: string;
  readonly state: MarketState;
  readonly current: PricePreview;
  readonly proposed: PricePreview;
}

export interface PricePreview {
  readonly margin: number;
  readonly method: MarginMethod;
  readonly overround?: number;
  readonly prices: Readonly<Record<string, OddsString | null>>;
}

export interface ApplyStats {
  /** Markets skipped because the odds were older than those applied. */
  readonly stale: number;
  /** Outcomes given a price. */
  readonly priced: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface OutcomeEntry {
  readonly id: string;
  feedActive: boolean;
  providerOdds: number | undefined;
  probability: number | undefined;
  fair: number | undefined;
  /** Computed price; published only while the market offers prices. */
  price: OddsString | undefined;
  version: number;
  /** What was last published for it in this epoch. */
  sent: boolean;
  sentPrice: OddsString | undefined;
}

interface MarketEntry {
  readonly key: string;
  readonly marketId: number;
  readonly specifiers: string;
  producer: number;
  feedStatus: FeedMarketStatus;
  /** From bet_settlement / bet_cancel, until rolled back. */
  result: 'settled' | 'cancelled' | undefined;
  /** Provider timestamp of the odds applied last. */
  oddsTs: number;
  readonly outcomes: OutcomeEntry[];
  fairSource: FairSource;
  /** The market's own suspensions; the event's are added when read. */
  suspensions: readonly Suspension[];
  margin: ResolvedMargin | undefined;
  /** From the last pricing: published overround, whether in band, the method used. */
  overround: number | undefined;
  inBand: boolean;
  pricedMethod: MarginMethod | undefined;
  /** What pricing reads changed since the last pricing (outcomes, activity, fair probabilities, shifts). */
  needsPricing: boolean;
  /** Listed for the next collect(). */
  dirty: boolean;
  version: number;
  sentState: MarketState | undefined;
  sentSuspensions: string;
}

export class EventState {
  readonly eventId: EventId;
  #epoch = '';
  #seq = 0;
  #rebuild = true;
  #ts = 0;
  #eventStatus: number | undefined;
  /** Suspensions of every market: EVENT_ENDED and the trader's event suspension. */
  #eventSuspensions: readonly Suspension[] = NO_SUSPENSIONS;
  readonly #markets = new Map<string, MarketEntry>();
  /** Trader tick shifts by `marketKey#outcomeId`: kept through feed updates until removed. */
  readonly #shifts = new Map<string, number>();
  /** Markets changed since the last collect(), in the order they changed (see MarketEntry.dirty). */
  readonly #dirty: MarketEntry[] = [];
  readonly #recentIds: string[] = [];
  readonly #recentSet = new Set<string>();
  readonly #recentCapacity: number;
  readonly #newEpoch: (now: number) => string;
  /** ms (UTC) of the last message or action applied. */
  lastActivity = 0;

  /** newEpoch gives a unique epoch string; recentIds: feed message ids remembered for de-duplication. */
  constructor(eventId: EventId, options: { newEpoch: (now: number) => string; recentIds?: number }) {
    this.eventId = eventId;
    this.#newEpoch = options.newEpoch;
    this.#recentCapacity = Math.max(1, options.recentIds ?? 64);
  }

  get epoch(): string {
    return this.#epoch;
  }

  get seq(): number {
    return this.#seq;
  }

  get phase(): EventPhase {
    if (this.#eventStatus !== undefined) {
      if (ENDED_STATUSES.has(this.#eventStatus)) return 'ended';
      if (LIVE_STATUSES.has(this.#eventStatus)) return 'live';
      return 'upcoming';
    }
    for (const m of this.#markets.values()) if (PRODUCERS[m.producer]?.live) return 'live';
    return 'upcoming';
  }

  get eventSuspensions(): readonly Suspension[] {
    return this.#eventSuspensions;
  }

  /** Ended, or every market resulted: nothing more will be offered. */
  get finished(): boolean {
    if (holds(this.#eventSuspensions, 'EVENT_ENDED')) return true;
    if (this.#markets.size === 0) return false;
    for (const m of this.#markets.values()) if (m.result === undefined && m.feedStatus !== -3 && m.feedStatus !== -4) return false;
    return true;
  }

  /** Records a feed message id; false when it was seen recently (a re-delivery). */
  remember(messageId: string): boolean {
    if (this.#recentSet.has(messageId)) return false;
    this.#recentSet.add(messageId);
    this.#recentIds.push(messageId);
    if (this.#recentIds.length > this.#recentCapacity) this.#recentSet.delete(this.#recentIds.shift()!);
    return true;
  }

  /** Forgets a message id, so a re-delivery of a message whose output failed is applied again. */
  forget(messageId: string): void {
    if (!this.#recentSet.delete(messageId)) return;
    const i = this.#recentIds.lastIndexOf(messageId);
    if (i >= 0) this.#recentIds.splice(i, 1);
  }

  /** The next collect() starts a new epoch with the whole state (after output was lost). */
  requestRebuild(): void {
    this.#rebuild = true;
  }

  get rebuildPending(): boolean {
    return this.#rebuild;
  }

  applyOdds(message: OddsChanged, ctx: EventContext, now: number): ApplyStats {
    this.lastActivity = now;
    if (message.sportEventStatus) this.setEventStatus(message.sportEventStatus.status, now);
    let stale = 0;
    let priced = 0;
    for (const odds of message.markets) {
      let m = this.#markets.get(odds.marketKey);
      if (!m) {
        m = newMarket(odds, message.producer);
        this.#markets.set(m.key, m);
      } else if (message.sourceTs < m.oddsTs) {
        stale++;
        continue;
      }
      m.oddsTs = message.sourceTs;
      m.producer = message.producer;
      m.feedStatus = odds.status;
      if (odds.outcomes.length > 0) this.#updateOutcomes(m, odds.outcomes, ctx.providerMarginMethod);
      let s = m.suspensions;
      s = odds.status === -1 ? withSuspension(s, 'FEED_STATUS', '-1', now) : withoutSuspension(s, 'FEED_STATUS');
      // An odds_change that has the market active is what lifts a bet stop.
      if (odds.status === 1) s = withoutSuspension(s, 'BET_STOP');
      m.suspensions = syncProducerDown(s, m.producer, ctx);
      priced += countPriced(this.#price(m, ctx));
      this.#markDirty(m);
    }
    return { stale, priced };
  }

  /**
   * Suspends the markets of the stopped groups. A market whose groups are unknown is stopped by
   * any bet_stop: suspending too much is recoverable, taking bets through a goal is not.
   */
  applyBetStop(message: BetStopped, ctx: EventContext, now: number): void {
    this.lastActivity = now;
    const all = message.groups.includes('all');
    for (const m of this.#markets.values()) {
      if (m.result !== undefined) continue;
      let groups: readonly string[];
      if (all) groups = ['all'];
      else {
        const known = ctx.groupsOf(m.marketId);
        groups = known === undefined ? message.groups : message.groups.filter((g) => known.includes(g));
      }
      if (groups.length === 0) continue;
      let s = m.suspensions;
      for (const g of groups) s = withSuspension(s, 'BET_STOP', g, now);
      const status = message.marketStatus !== -1 && message.marketStatus !== 1 ? message.marketStatus : m.feedStatus;
      if (s === m.suspensions && status === m.feedStatus) continue;
      m.suspensions = s;
      m.feedStatus = status;
      this.#markDirty(m);
    }
  }

  /** Settles or cancels markets ('settled' / 'cancelled'), or rolls one of those back (`undo`). */
  applyResult(markets: readonly MarketRef[], result: 'settled' | 'cancelled', undo: boolean, now: number): void {
    this.lastActivity = now;
    for (const ref of markets) {
      const m = this.#markets.get(ref.marketKey);
      if (!m) continue;
      const next = undo ? (m.result === result ? undefined : m.result) : result;
      if (next === m.result) continue;
      m.result = next;
      this.#markDirty(m);
    }
  }

  /** Adds or clears PRODUCER_DOWN on the markets this producer prices; true when any changed. */
  syncProducer(producer: number, ctx: EventContext): boolean {
    let changed = false;
    for (const m of this.#markets.values()) {
      if (m.producer !== producer) continue;
      const s = syncProducerDown(m.suspensions, producer, ctx);
      if (s === m.suspensions) continue;
      m.suspensions = s;
      this.#markDirty(m);
      changed = true;
    }
    return changed;
  }

  /** Whether any market of the event is priced by this producer. */
  pricedBy(producer: number): boolean {
    for (const m of this.#markets.values()) if (m.producer === producer) return true;
    return false;
  }

  /** Trader suspension of the whole event; returns the suspension before (undefined if none). */
  suspendEvent(trader: string, now: number): Suspension | undefined {
    const before = this.#eventSuspensions.find((s) => s.reason === 'TRADER');
    if (before) return before;
    this.#setEventSuspensions(withSuspension(this.#eventSuspensions, 'TRADER', trader, now));
    return undefined;
  }

  /** Lifts the trader's event suspension (not those of single markets); returns what was lifted. */
  resumeEvent(): Suspension | undefined {
    const before = this.#eventSuspensions.find((s) => s.reason === 'TRADER');
    if (before) this.#setEventSuspensions(withoutSuspension(this.#eventSuspensions, 'TRADER'));
    return before;
  }

  hasMarket(marketKey: string): boolean {
    return this.#markets.has(marketKey);
  }

  hasOutcome(marketKey: string, outcomeId: string): boolean {
    return this.#markets.get(marketKey)?.outcomes.some((o) => o.id === outcomeId) ?? false;
  }

  /** Trader suspension of one market; returns the suspension already held, if any. */
  suspendMarket(marketKey: string, trader: string, now: number): Suspension | undefined {
    const m = this.#market(marketKey);
    const before = m.suspensions.find((s) => s.reason === 'TRADER');
    if (before) return before;
    m.suspensions = withSuspension(m.suspensions, 'TRADER', trader, now);
    this.#markDirty(m);
    return undefined;
  }

  resumeMarket(marketKey: string): Suspension | undefined {
    const m = this.#market(marketKey);
    const before = m.suspensions.find((s) => s.reason === 'TRADER');
    if (!before) return undefined;
    m.suspensions = withoutSuspension(m.suspensions, 'TRADER');
    this.#markDirty(m);
    return before;
  }

  shiftOf(marketKey: string, outcomeId: string): number {
    return this.#shifts.get(`${marketKey}#${outcomeId}`) ?? 0;
  }

  /** Sets an outcome's tick shift (0 removes it) and re-prices its market; returns the shift before. */
  setShift(marketKey: string, outcomeId: string, ticks: number, ctx: EventContext): number {
    const m = this.#market(marketKey);
    const key = `${marketKey}#${outcomeId}`;
    const before = this.#shifts.get(key) ?? 0;
    if (ticks === 0) this.#shifts.delete(key);
    else this.#shifts.set(key, ticks);
    if (before !== ticks) {
      m.needsPricing = true;
      this.#price(m, ctx);
    }
    return before;
  }

  /**
   * Prices again every offered market `filter` accepts whose margin or method changed (after a
   * margin configuration change); returns how many were. Closed markets are re-priced when the
   * feed reopens them, which always compares their margin with the configuration of the moment.
   */
  reprice(ctx: EventContext, filter: (marketId: number) => boolean = () => true): number {
    let count = 0;
    for (const m of this.#markets.values()) {
      if (!offers(this.#stateOf(m)) || !filter(m.marketId)) continue;
      if (this.#price(m, ctx) !== undefined) count++;
    }
    return count;
  }

  /** What the markets `filter` accepts would publish under `ctx` (a what-if margin), changing nothing. */
  preview(ctx: EventContext, filter: (marketId: number) => boolean): MarketPreview[] {
    const out: MarketPreview[] = [];
    for (const m of this.#markets.values()) {
      const state = this.#stateOf(m);
      if (!offers(state) || !filter(m.marketId)) continue;
      const margin = ctx.resolveMargin(m.marketId);
      const proposed = this.#compute(m, margin, ctx);
      out.push({
        marketKey: m.key,
        state,
        current: pricePreview(m, m.margin, m.overround, m.pricedMethod, m.outcomes.map((o) => o.price)),
        proposed: pricePreview(m, margin, proposed.overround, proposed.method, proposed.prices),
      });
    }
    return out;
  }

  setEventStatus(status: number, now: number): void {
    this.#eventStatus = status;
    const ended = ENDED_STATUSES.has(status);
    // Moving from one ended status to another keeps the suspension (and its `since`) as it is.
    if (ended === holds(this.#eventSuspensions, 'EVENT_ENDED')) return;
    this.#setEventSuspensions(
      ended ? withSuspension(this.#eventSuspensions, 'EVENT_ENDED', String(status), now) : withoutSuspension(this.#eventSuspensions, 'EVENT_ENDED'),
    );
  }

  /**
   * Turns what changed since the last call into numbered deltas and the PriceBook update, or
   * undefined when nothing visible changed. A new epoch (the first call, or after
   * requestRebuild) starts with EpochStarted and republishes every market whole.
   */
  collect(now: number, meta: ChangeMeta, sportId?: string): EventOutput | undefined {
    const deltas: OddsDelta[] = [];
    const rebuild = this.#rebuild;
    if (rebuild) {
      this.#rebuild = false;
      this.#epoch = this.#newEpoch(now);
      this.#seq = 0;
      for (const m of this.#markets.values()) {
        m.sentState = undefined;
        m.sentSuspensions = '';
        for (const o of m.outcomes) o.sent = false;
        this.#markDirty(m);
      }
      const started: EpochStarted = { v: 1, type: 'EpochStarted', eventId: this.eventId, epoch: this.#epoch, seq: ++this.#seq, ts: now, sourceTs: meta.sourceTs, traceId: meta.traceId };
      deltas.push(started);
    }
    if (this.#dirty.length === 0 && !rebuild) return undefined;

    const changed: MarketEntry[] = [];
    for (const m of this.#dirty) {
      m.dirty = false;
      const state = this.#stateOf(m);
      const suspensions = this.#suspensionsOf(m);
      const skey = suspensionsKey(suspensions);
      const offered = offers(state);
      let moved = false;
      for (const o of m.outcomes) {
        if (o.sent && o.sentPrice === (offered ? o.price : undefined)) continue;
        moved = true;
        break;
      }
      const priceDelta = moved || m.sentState === undefined;
      if (priceDelta) {
        const seq = ++this.#seq;
        const outcomes: OutcomePrice[] = [];
        if (moved) {
          for (const o of m.outcomes) {
            const price = offered ? o.price : undefined;
            if (o.sent && o.sentPrice === price) continue;
            outcomes.push(price === undefined ? { outcomeId: o.id, active: false } : { outcomeId: o.id, price, active: true });
            o.sent = true;
            o.sentPrice = price;
            o.version = seq;
          }
        }
        const delta: PriceChanged = {
          v: 1,
          type: 'PriceChanged',
          eventId: this.eventId,
          epoch: this.#epoch,
          seq,
          ts: now,
          sourceTs: meta.sourceTs,
          traceId: meta.traceId,
          marketKey: m.key,
          state,
          outcomes,
        };
        deltas.push(delta);
        m.sentState = state;
      }
      if (skey !== m.sentSuspensions || state !== m.sentState) {
        const delta: MarketStatusChanged = {
          v: 1,
          type: 'MarketStatusChanged',
          eventId: this.eventId,
          epoch: this.#epoch,
          seq: ++this.#seq,
          ts: now,
          sourceTs: meta.sourceTs,
          traceId: meta.traceId,
          marketKey: m.key,
          state,
          reasons: reasonsOf(suspensions),
        };
        deltas.push(delta);
        m.sentState = state;
        m.sentSuspensions = skey;
      } else if (!priceDelta) {
        continue;
      }
      m.version = this.#seq;
      changed.push(m);
    }
    this.#dirty.length = 0;
    if (deltas.length === 0) return undefined;
    this.#ts = now;
    const update: PriceBookUpdate = {
      eventId: this.eventId,
      epoch: this.#epoch,
      seq: this.#seq,
      ts: now,
      ...(sportId !== undefined ? { sportId } : {}),
      markets: changed.map((m) => this.#pricedMarket(m, false)),
      ...(rebuild ? { replace: true } : {}),
    };
    return { deltas, update };
  }

  /** The published state at (epoch, seq): bettor view, or with the trading fields. */
  markets(trading: false): PricedMarket[];
  markets(trading: true): TradingMarket[];
  markets(trading: boolean): PricedMarket[] {
    const out: PricedMarket[] = [];
    for (const m of this.#markets.values()) out.push(trading ? this.#tradingMarket(m) : this.#pricedMarket(m, false));
    return out;
  }

  market(marketKey: string): TradingMarket | undefined {
    const m = this.#markets.get(marketKey);
    return m && this.#tradingMarket(m);
  }

  /** ms (UTC) of the last published change. */
  get ts(): number {
    return this.#ts;
  }

  #setEventSuspensions(s: readonly Suspension[]): void {
    if (s === this.#eventSuspensions) return;
    this.#eventSuspensions = s;
    for (const m of this.#markets.values()) this.#markDirty(m);
  }

  /** A flag and a list rather than a Set: every market of every odds_change passes here. */
  #markDirty(m: MarketEntry): void {
    if (m.dirty) return;
    m.dirty = true;
    this.#dirty.push(m);
  }

  #market(marketKey: string): MarketEntry {
    const m = this.#markets.get(marketKey);
    if (!m) throw new Error(`no market ${marketKey} in ${this.eventId}`);
    return m;
  }

  #stateOf(m: MarketEntry): MarketState {
    if (m.result !== undefined) return m.result;
    switch (m.feedStatus) {
      case -3:
        return 'settled';
      case -4:
        return 'cancelled';
      case 0:
      case -2:
        return 'closed';
      default:
        return m.suspensions.length > 0 || this.#eventSuspensions.length > 0 ? 'suspended' : 'open';
    }
  }

  #suspensionsOf(m: MarketEntry): readonly Suspension[] {
    return mergeSuspensions(m.suspensions, this.#eventSuspensions);
  }

  /**
   * Takes the feed's outcomes. The market is priced again only when what its pricing reads
   * changed: the outcomes listed, which are active, their fair probabilities. Provider odds that
   * move while the feed's probabilities stay put change the trading view, not the prices, and
   * most markets of an odds_change do not move at all.
   */
  #updateOutcomes(m: MarketEntry, feed: readonly OutcomeOdds[], method: MarginMethod): void {
    const entries = sameOutcomes(m.outcomes, feed) ? m.outcomes : this.#matchOutcomes(m, feed);
    let reprice = entries !== m.outcomes || m.outcomes.length !== feed.length;
    let changed = reprice;
    for (let i = 0; i < feed.length; i++) {
      const f = feed[i]!;
      const o = entries[i]!;
      if (o.feedActive === f.active && o.providerOdds === f.odds && o.probability === f.probability) continue;
      if (o.feedActive !== f.active) reprice = true;
      o.feedActive = f.active;
      o.providerOdds = f.odds;
      o.probability = f.probability;
      changed = true;
    }
    if (!changed) return;
    const { fair, source } = fairProbabilities(feed, method);
    for (let i = 0; i < entries.length; i++) {
      const o = entries[i]!;
      if (o.fair === fair[i]) continue;
      o.fair = fair[i];
      reprice = true;
    }
    m.fairSource = source;
    if (reprice) m.needsPricing = true;
  }

  /**
   * The entries of the feed's outcomes, in the feed's order, adding new ones. An outcome the
   * provider no longer lists is no longer offered.
   */
  #matchOutcomes(m: MarketEntry, feed: readonly OutcomeOdds[]): OutcomeEntry[] {
    const entries: OutcomeEntry[] = [];
    for (const f of feed) {
      let o = m.outcomes.find((x) => x.id === f.outcomeId);
      if (!o) {
        o = { id: f.outcomeId, feedActive: false, providerOdds: undefined, probability: undefined, fair: undefined, price: undefined, version: 0, sent: false, sentPrice: undefined };
        m.outcomes.push(o);
      }
      entries.push(o);
    }
    for (const o of m.outcomes) {
      if (entries.includes(o)) continue;
      o.feedActive = false;
      o.providerOdds = undefined;
      o.probability = undefined;
      o.fair = undefined;
    }
    return entries;
  }

  /** Prices the market when its inputs or its margin changed; undefined when neither did. */
  #price(m: MarketEntry, ctx: EventContext): MarketPrices | undefined {
    const margin = ctx.resolveMargin(m.marketId);
    const held = m.margin;
    const sameMargin = held !== undefined && held.margin === margin.margin && held.method === margin.method;
    // Keep the object already held when nothing in it changed: less for the GC to carry.
    if (!(sameMargin && held.marginLevel === margin.marginLevel && held.methodLevel === margin.methodLevel)) m.margin = margin;
    if (!m.needsPricing && sameMargin) return undefined;
    const result = this.#compute(m, margin, ctx);
    // The ladder's own strings: every market shares one copy of each price.
    for (let i = 0; i < m.outcomes.length; i++) m.outcomes[i]!.price = result.prices[i];
    m.overround = result.overround;
    m.inBand = result.inBand;
    m.pricedMethod = result.method;
    m.needsPricing = false;
    this.#markDirty(m);
    return result;
  }

  #compute(m: MarketEntry, margin: ResolvedMargin, ctx: EventContext): MarketPrices {
    const n = m.outcomes.length;
    const probabilities = new Array<number>(n);
    const offered = new Array<boolean>(n);
    const shifts = this.#shifts.size === 0 ? undefined : new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const o = m.outcomes[i]!;
      // Offered: active in the feed with a fair probability above 0 (nothing to price otherwise).
      const active = o.feedActive && o.fair !== undefined && o.fair > 0;
      probabilities[i] = active ? o.fair! : 0;
      offered[i] = active;
      if (shifts) shifts[i] = this.shiftOf(m.key, o.id);
    }
    return ctx.pricer.price(probabilities, offered, shifts, margin.margin, margin.method);
  }

  #pricedMarket(m: MarketEntry, trading: boolean): PricedMarket {
    const state = this.#stateOf(m);
    const offered = offers(state);
    const outcomes: PricedOutcome[] = new Array(m.outcomes.length);
    for (let i = 0; i < outcomes.length; i++) {
      const o = m.outcomes[i]!;
      const price = offered ? o.price : undefined;
      const base: PricedOutcome = price === undefined ? { outcomeId: o.id, active: false, version: o.version } : { outcomeId: o.id, price, active: true, version: o.version };
      outcomes[i] = trading ? withTradingFields(base, o, this.shiftOf(m.key, o.id)) : base;
    }
    const market: Mutable<PricedMarket> = {
      marketKey: m.key,
      marketId: m.marketId,
      specifiers: m.specifiers,
      state,
      suspensions: this.#suspensionsOf(m),
      outcomes,
      producer: m.producer,
      margin: m.margin?.margin ?? 0,
      version: m.version,
    };
    const overround = offered ? m.overround : undefined;
    // Set, not spread: spreading into a literal is several times slower on this per-market path.
    if (overround !== undefined) market.overround = overround;
    return market;
  }

  #tradingMarket(m: MarketEntry): TradingMarket {
    return {
      ...this.#pricedMarket(m, true),
      method: m.pricedMethod ?? m.margin?.method ?? 'proportional',
      marginLevel: m.margin?.marginLevel ?? 'default',
      methodLevel: m.margin?.methodLevel ?? 'default',
      inBand: m.inBand,
      fairSource: m.fairSource,
    };
  }
}

/** True when the feed lists exactly the outcomes held, in the same order (the usual case). */
function sameOutcomes(held: readonly OutcomeEntry[], feed: readonly OutcomeOdds[]): boolean {
  if (held.length !== feed.length) return false;
  for (let i = 0; i < feed.length; i++) if (held[i]!.id !== feed[i]!.outcomeId) return false;
  return true;
}

/** Open and suspended markets show prices; closed and resulted ones offer nothing. */
function offers(state: MarketState): boolean {
  return state === 'open' || state === 'suspended';
}

function countPriced(result: MarketPrices | undefined): number {
  let n = 0;
  if (result) for (const p of result.prices) if (p !== undefined) n++;
  return n;
}

function withTradingFields(base: PricedOutcome, o: OutcomeEntry, shift: number): PricedOutcome {
  return {
    ...base,
    ...(o.fair !== undefined ? { fair: o.fair } : {}),
    ...(o.providerOdds !== undefined ? { providerOdds: o.providerOdds } : {}),
    ...(shift !== 0 ? { shiftTicks: shift } : {}),
  };
}

function newMarket(odds: MarketOdds, producer: number): MarketEntry {
  return {
    key: odds.marketKey,
    marketId: odds.marketId,
    specifiers: odds.specifiers,
    producer,
    feedStatus: odds.status,
    result: undefined,
    oddsTs: Number.NEGATIVE_INFINITY,
    outcomes: [],
    fairSource: 'none',
    suspensions: NO_SUSPENSIONS,
    margin: undefined,
    overround: undefined,
    inBand: false,
    pricedMethod: undefined,
    needsPricing: true,
    dirty: false,
    version: 0,
    sentState: undefined,
    sentSuspensions: '',
  };
}

function syncProducerDown(s: readonly Suspension[], producer: number, ctx: EventContext): readonly Suspension[] {
  const since = ctx.producerDownSince(producer);
  if (since === undefined) return withoutSuspension(s, 'PRODUCER_DOWN');
  const detail = String(producer);
  // A market that moved to another producer drops the old producer's suspension.
  const others = s.some((x) => x.reason === 'PRODUCER_DOWN' && x.detail !== detail) ? withoutSuspension(s, 'PRODUCER_DOWN') : s;
  return withSuspension(others, 'PRODUCER_DOWN', detail, since);
}

function pricePreview(
  m: MarketEntry,
  margin: ResolvedMargin | undefined,
  overround: number | undefined,
  method: MarginMethod | undefined,
  prices: readonly (OddsString | undefined)[],
): PricePreview {
  const byOutcome: Record<string, OddsString | null> = {};
  m.outcomes.forEach((o, i) => (byOutcome[o.id] = prices[i] ?? null));
  return {
    margin: margin?.margin ?? 0,
    method: method ?? margin?.method ?? 'proportional',
    ...(overround !== undefined ? { overround } : {}),
    prices: byOutcome,
  };
}
