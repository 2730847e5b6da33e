/**
 * odds-engine: normalized feed messages in, the operator's prices out.
 *
 * Consumes `feed.events` and `feed.producers`; keeps one EventState per event; publishes
 * PriceChanged / MarketStatusChanged deltas on `odds.deltas` keyed by event id and writes the
 * PriceBook. The trading desk changes margins, suspends and resumes, and shifts prices through
 * the methods below (http.ts exposes them); every such change is audited.
 *
 * Ordering: all work on one event (feed messages, trading actions, re-pricing) runs one task at
 * a time in arrival order, and each task writes the PriceBook before it publishes the deltas, so
 * a reader that takes a snapshot and then applies deltas never misses a change.
 *
 * Output failures: when the PriceBook or the bus refuses a task's output, the event starts a new
 * epoch with its whole state on its next output, and the feed message is handed back to the bus
 * for re-delivery. Clients seeing the new epoch take a fresh snapshot.
 *
 * Liveness: with a lease (deps.lease), the engine renews it while it runs and releases it when it
 * stops; acceptors refuse bets while it is missing, as the prices are then no longer tended.
 *
 * Limits: margins, trader suspensions and shifts and the audit log live in this process; when
 * several engine processes share the feed's partitions, each trades the events it holds, and
 * they share one lease: it lapses only when every engine is gone.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '../core/ports/bus.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { EngineLease } from '../core/ports/engine-lease.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { HealthReport, Service } from '../core/service.ts';
import type { FeedEventMessage, FeedMessage, FeedProducerMessage } from '../core/contracts/feed.ts';
import type { EventBook, OddsDelta, Suspension } from '../core/contracts/odds.ts';
import type { OddsString } from '../core/odds.ts';
import { AppError } from '../core/errors.ts';
import { isEventId, type EventId } from '../core/ids.ts';
import { marketDescription } from '../core/market-descriptions.ts';
import { TOPICS } from '../core/topics.ts';
import { AuditLog, type Actor, type AuditEntry, type AuditQuery } from './audit-log.ts';
import { EventState, type ChangeMeta, type EventContext, type EventPhase, type MarketPreview, type TradingMarket } from './event-state.ts';
import { MarginConfig, scopeCovers, scopeCoversEvent, type MarginChange, type MarginEntry, type MarginScope, type MarginSetting, type ResolvedMargin } from './margin-config.ts';
import { MarketPricer } from './market-pricer.ts';
import { DEFAULT_BAND, createPriceLadder, type LadderSegment, type MarginMethod } from './pricing/index.ts';

/** Sport and tournament of an event, as the fixture catalog knows them. */
export interface EventInfo {
  readonly sportId?: string;
  readonly tournamentId?: string;
}

export interface OddsEngineDeps {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly priceBook: PriceBook;
  /** Sport and tournament of an event; without it only event and market-type margins apply. */
  readonly eventInfo?: (eventId: string) => EventInfo | undefined;
  /**
   * Renewed while the engine runs, so bet acceptors can tell its prices are still tended (bet
   * stops applied). Without it nobody can tell this engine died.
   */
  readonly lease?: EngineLease;
}

export interface OddsEngineOptions {
  /** Consumer group on the bus. Default 'odds-engine'. */
  readonly groupId?: string;
  /** Default margin and method. Default 5 %, proportional. */
  readonly margin?: { readonly margin: number; readonly method: MarginMethod };
  /** Margin settings at the other levels to start with. Default none. */
  readonly marginOverrides?: readonly MarginEntry[];
  /** How the provider's margin is removed from its odds when it sends no probabilities. Default proportional. */
  readonly providerMarginMethod?: MarginMethod;
  /** Price ladder. Default the Betfair-style ladder of pricing/ladder.ts. */
  readonly ladder?: readonly LadderSegment[];
  /** Lowest and highest published price. Default the ladder's ends. */
  readonly minOdds?: OddsString;
  readonly maxOdds?: OddsString;
  /** Accepted distance of a book's published overround from its margin. Default 0.01. */
  readonly band?: number;
  /** Feed message ids remembered per event to drop re-deliveries. Default 64. */
  readonly recentMessageIds?: number;
  /** Audit entries kept. Default 10,000. */
  readonly auditCapacity?: number;
  /** A finished event (ended, or all markets resulted) is dropped after this long without messages. Default 1 h. */
  readonly retainFinishedMs?: number;
  /**
   * Before consuming, give every event already in the PriceBook a new epoch with no markets
   * (and publish its EpochStarted). Default false. For a PriceBook that outlives the engine
   * (Redis): the prices there come from an engine that is gone, whose state (bet stops, trader
   * suspensions) this one does not have, so nothing of them may stay bettable. Each event is
   * offered again, under a newer epoch, from its first odds. Only for a single engine process:
   * it would also withdraw the events of another engine that is still running.
   */
  readonly withdrawOnStart?: boolean;
  /**
   * Time to live of each lease renewal; renewed every third of it. Default 3000 ms. It bounds how
   * long acceptors keep taking bets at the prices of an engine that died.
   */
  readonly leaseTtlMs?: number;
}

export interface TradingEvent {
  readonly eventId: EventId;
  readonly sportId?: string;
  readonly tournamentId?: string;
  readonly phase: EventPhase;
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  /** Suspensions of the whole event (trader, event ended); each market lists them too. */
  readonly suspensions: readonly Suspension[];
  readonly markets: readonly TradingMarket[];
}

export interface TradingEventFilter {
  /** Default live and upcoming. */
  readonly phases?: readonly EventPhase[];
  readonly sportId?: string;
  readonly limit?: number;
}

export interface MarginChangeResult {
  readonly scope: MarginScope;
  readonly before: MarginSetting | undefined;
  readonly after: MarginSetting | undefined;
  /** Events and markets re-priced by the change. */
  readonly events: number;
  readonly markets: number;
  readonly auditId: number;
}

export interface MarginPreview {
  readonly scope: MarginScope;
  readonly proposed: MarginSetting | undefined;
  readonly markets: ReadonlyArray<MarketPreview & { readonly eventId: EventId }>;
  /** More markets would change than `limit` allowed to list. */
  readonly truncated: boolean;
}

export interface TradingResult<T> {
  /** False when the action changed nothing (already suspended, same shift). */
  readonly changed: boolean;
  readonly auditId?: number;
  readonly view: T;
}

export interface OddsEngine extends Service {
  /** Applies one feed message (the bus handler; tests and benchmarks call it directly). */
  handle(message: FeedMessage): Promise<void>;
  /** An event's whole published state at its current (epoch, seq), as a snapshot sends it. */
  snapshot(eventId: string): EventBook | undefined;
  tradingEvents(filter?: TradingEventFilter): TradingEvent[];
  tradingEvent(eventId: string): TradingEvent | undefined;
  margins(): MarginEntry[];
  /** Sets a margin and re-prices every affected market before resolving. */
  setMargin(scope: MarginScope, setting: MarginSetting, actor: Actor): Promise<MarginChangeResult>;
  removeMargin(scope: MarginScope, actor: Actor): Promise<MarginChangeResult>;
  /** The prices a margin change (or removal, with `setting` undefined) would publish; publishes nothing. */
  previewMargin(scope: MarginScope, setting: MarginSetting | undefined, limit?: number): MarginPreview;
  suspendEvent(eventId: string, actor: Actor): Promise<TradingResult<TradingEvent>>;
  resumeEvent(eventId: string, actor: Actor): Promise<TradingResult<TradingEvent>>;
  suspendMarket(eventId: string, marketKey: string, actor: Actor): Promise<TradingResult<TradingMarket>>;
  resumeMarket(eventId: string, marketKey: string, actor: Actor): Promise<TradingResult<TradingMarket>>;
  /** Moves an outcome's price by `ticks` on the ladder (0 removes the shift); kept through feed updates. */
  shiftPrice(eventId: string, marketKey: string, outcomeId: string, ticks: number, actor: Actor): Promise<TradingResult<TradingMarket>>;
  audit(query?: AuditQuery): AuditEntry[];
}

/** Largest trader shift in ticks, either way. */
export const MAX_SHIFT_TICKS = 50;

interface Slot {
  readonly state: EventState;
  /** The event's task queue: the last task's completion. */
  tail: Promise<void>;
}

const noop = (): void => undefined;

/**
 * What an event's state reads from the engine while it applies one message or trading action.
 * One is made per message: a class, so that making it makes no closures.
 */
class EngineContext implements EventContext {
  readonly providerMarginMethod: MarginMethod;
  readonly pricer: MarketPricer;
  readonly #down: ReadonlyMap<number, number>;
  readonly #margins: MarginConfig;
  readonly #eventId: string;
  readonly #info: EventInfo | undefined;

  constructor(engine: { providerMarginMethod: MarginMethod; pricer: MarketPricer; down: ReadonlyMap<number, number> }, margins: MarginConfig, eventId: string, info: EventInfo | undefined) {
    this.providerMarginMethod = engine.providerMarginMethod;
    this.pricer = engine.pricer;
    this.#down = engine.down;
    this.#margins = margins;
    this.#eventId = eventId;
    this.#info = info;
  }

  resolveMargin(marketId: number): ResolvedMargin {
    return this.#margins.resolve({ eventId: this.#eventId, marketId, sportId: this.#info?.sportId, tournamentId: this.#info?.tournamentId });
  }

  producerDownSince(producer: number): number | undefined {
    return this.#down.get(producer);
  }

  groupsOf(marketId: number): readonly string[] | undefined {
    // A market type missing from the descriptions has no known groups: every bet_stop stops it.
    return marketDescription(marketId)?.groups;
  }
}

export function createOddsEngine(deps: OddsEngineDeps, options: OddsEngineOptions = {}): OddsEngine {
  const { bus, clock, priceBook, metrics } = deps;
  const logger = deps.logger.child({ service: 'odds-engine' });
  const margins = new MarginConfig(options.margin ?? { margin: 0.05, method: 'proportional' }, options.marginOverrides ?? []);
  const audit = new AuditLog(clock, options.auditCapacity === undefined ? {} : { capacity: options.auditCapacity });
  const band = options.band ?? DEFAULT_BAND;
  // Fails at construction, not on the first message, when the bounds leave no price.
  const pricer = new MarketPricer({
    ladder: createPriceLadder(options.ladder),
    band,
    ...(options.minOdds !== undefined ? { minOdds: options.minOdds } : {}),
    ...(options.maxOdds !== undefined ? { maxOdds: options.maxOdds } : {}),
  });
  const providerMarginMethod = options.providerMarginMethod ?? 'proportional';
  const retainFinishedMs = options.retainFinishedMs ?? 3_600_000;
  const events = new Map<string, Slot>();
  /** Producers currently down, with since when. */
  const down = new Map<number, number>();

  const messagesTotal = metrics.counter('sb_odds_messages_total', 'Feed messages handled by the odds engine, by type and result.', ['type', 'result']);
  const deltasTotal = metrics.counter('sb_odds_deltas_total', 'Deltas published on odds.deltas, by type.', ['type']);
  const pricedTotal = metrics.counter('sb_odds_priced_outcomes_total', 'Outcome prices computed from feed odds.');
  const staleTotal = metrics.counter('sb_odds_stale_markets_total', 'Markets skipped because their odds were older than those applied.');
  const outputFailures = metrics.counter('sb_odds_output_failures_total', 'Outputs the PriceBook or the bus refused (the event then starts a new epoch).');
  const processing = metrics.histogram('sb_odds_message_seconds', 'Time to apply one odds_change and publish its output.', [], [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05]);
  const feedToPublish = metrics.histogram('sb_odds_feed_to_publish_seconds', 'Provider timestamp to published delta.', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]);
  const eventsGauge = metrics.gauge('sb_odds_events', 'Events the odds engine holds.');
  const downGauge = metrics.gauge('sb_odds_producers_down', 'Producers whose markets are suspended as down.');
  const leaseFailures = metrics.counter('sb_odds_lease_renewal_failures_total', 'Engine lease renewals the store refused.');

  const engineParts = { providerMarginMethod, pricer, down };
  const contextFor = (eventId: string, config: MarginConfig = margins): EventContext => new EngineContext(engineParts, config, eventId, deps.eventInfo?.(eventId));

  const newEpoch = (now: number): string => `${now.toString(36)}-${randomBytes(4).toString('hex')}`;

  const slotFor = (eventId: EventId): Slot => {
    let slot = events.get(eventId);
    if (!slot) {
      slot = { state: new EventState(eventId, { newEpoch, recentIds: options.recentMessageIds ?? 64 }), tail: Promise.resolve() };
      events.set(eventId, slot);
      eventsGauge.set(events.size);
    }
    return slot;
  };

  /** Runs `task` after every task already queued for the event. */
  const enqueue = <T>(slot: Slot, task: () => Promise<T>): Promise<T> => {
    const run = slot.tail.then(task);
    slot.tail = run.then(noop, noop);
    return run;
  };

  /** Publishes what changed in the event: PriceBook first, then the deltas. */
  const flush = async (slot: Slot, meta: ChangeMeta, messageId?: string): Promise<void> => {
    const st = slot.state;
    const out = st.collect(clock.now(), meta, deps.eventInfo?.(st.eventId)?.sportId);
    if (!out) return;
    try {
      await priceBook.apply(out.update);
      await bus.publish<OddsDelta>(TOPICS.oddsDeltas, out.deltas.map((d) => ({ key: st.eventId, value: d })));
    } catch (error) {
      st.requestRebuild();
      if (messageId !== undefined) st.forget(messageId);
      outputFailures.inc();
      throw error;
    }
    countDeltas(out.deltas);
    feedToPublish.observe(Math.max(0, clock.now() - meta.sourceTs) / 1000);
  };

  const countDeltas = (deltas: readonly OddsDelta[]): void => {
    let price = 0;
    let status = 0;
    let epoch = 0;
    for (const d of deltas) {
      if (d.type === 'PriceChanged') price++;
      else if (d.type === 'MarketStatusChanged') status++;
      else epoch++;
    }
    if (price) deltasTotal.inc({ type: 'PriceChanged' }, price);
    if (status) deltasTotal.inc({ type: 'MarketStatusChanged' }, status);
    if (epoch) deltasTotal.inc({ type: 'EpochStarted' }, epoch);
  };

  const applyToState = (st: EventState, message: FeedEventMessage): void => {
    const now = clock.now();
    switch (message.type) {
      case 'OddsChanged': {
        const stats = st.applyOdds(message, contextFor(st.eventId), now);
        if (stats.priced) pricedTotal.inc(undefined, stats.priced);
        if (stats.stale) staleTotal.inc(undefined, stats.stale);
        return;
      }
      case 'BetStopped':
        return st.applyBetStop(message, contextFor(st.eventId), now);
      case 'BetSettled':
        return st.applyResult(message.markets, 'settled', false, now);
      case 'SettlementRolledBack':
        return st.applyResult(message.markets, 'settled', true, now);
      case 'BetCancelled':
        return st.applyResult(message.markets, 'cancelled', false, now);
      case 'CancelRolledBack':
        return st.applyResult(message.markets, 'cancelled', true, now);
      case 'FixtureChanged':
        return;
    }
  };

  const handleEventMessage = async (message: FeedEventMessage): Promise<void> => {
    // Only odds create an event: results and stops for markets never priced change nothing here.
    const slot = message.type === 'OddsChanged' ? slotFor(message.eventId) : events.get(message.eventId);
    if (!slot || message.type === 'FixtureChanged') {
      messagesTotal.inc({ type: message.type, result: 'ignored' });
      return;
    }
    const started = message.type === 'OddsChanged' ? performance.now() : 0;
    await enqueue(slot, async () => {
      const st = slot.state;
      const fresh = st.remember(message.messageId);
      if (!fresh && !st.rebuildPending) {
        messagesTotal.inc({ type: message.type, result: 'duplicate' });
        return;
      }
      let result = 'applied';
      if (fresh) {
        try {
          applyToState(st, message);
        } catch (error) {
          // A fault in the engine itself: the event is republished whole rather than half-applied.
          st.requestRebuild();
          result = 'failed';
          logger.error({ err: error, eventId: st.eventId, messageId: message.messageId, traceId: message.traceId }, 'feed message could not be applied');
        }
      }
      await flush(slot, message, message.messageId);
      messagesTotal.inc({ type: message.type, result });
    });
    if (started) processing.observe((performance.now() - started) / 1000);
  };

  /** Runs `change` on every event `affects` selects, each in its own queue, then publishes. */
  const forEvents = async (affects: (slot: Slot) => boolean, change: (st: EventState) => number, meta: () => ChangeMeta): Promise<{ events: number; markets: number }> => {
    const selected = [...events.values()].filter(affects);
    let markets = 0;
    const results = await Promise.allSettled(
      selected.map((slot) =>
        enqueue(slot, async () => {
          markets += change(slot.state);
          await flush(slot, meta());
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { events: selected.length, markets };
  };

  const handleProducerMessage = async (message: FeedProducerMessage): Promise<void> => {
    const producer = message.producer;
    if (message.type === 'ProducerDown') {
      if (!down.has(producer)) down.set(producer, clock.now());
    } else if (message.type === 'ProducerUp') {
      down.delete(producer);
    } else {
      messagesTotal.inc({ type: message.type, result: 'ignored' });
      return;
    }
    downGauge.set(down.size);
    logger.info({ producer, type: message.type, traceId: message.traceId }, message.type === 'ProducerDown' ? 'producer down: suspending its markets' : 'producer up: lifting its suspension');
    await forEvents(
      (slot) => slot.state.pricedBy(producer),
      (st) => (st.syncProducer(producer, contextFor(st.eventId)) ? 1 : 0),
      () => message,
    );
    messagesTotal.inc({ type: message.type, result: 'applied' });
  };

  const handle = async (message: FeedMessage): Promise<void> => {
    // Bad input never blocks the partition: what is not a feed message is counted and dropped.
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
      messagesTotal.inc({ type: 'unknown', result: 'ignored' });
      return;
    }
    if ('eventId' in message) {
      if (!isEventId(message.eventId)) {
        messagesTotal.inc({ type: String(message.type), result: 'ignored' });
        return;
      }
      return handleEventMessage(message);
    }
    return handleProducerMessage(message);
  };

  const tradingMeta = (): ChangeMeta => ({ sourceTs: clock.now(), traceId: `trading-${randomUUID()}` });

  /** An event with published state (a slot is created a moment before its first output). */
  const publishedSlot = (eventId: string): Slot | undefined => {
    const slot = events.get(eventId);
    return slot && slot.state.seq > 0 ? slot : undefined;
  };

  const requireSlot = (eventId: string): Slot => {
    const slot = publishedSlot(eventId);
    if (!slot) throw new AppError('NOT_FOUND', `the odds engine prices no event ${eventId}`, { details: { eventId } });
    return slot;
  };

  const requireMarket = (slot: Slot, marketKey: string): void => {
    if (!slot.state.hasMarket(marketKey)) {
      throw new AppError('NOT_FOUND', `event ${slot.state.eventId} has no market ${marketKey}`, { details: { eventId: slot.state.eventId, marketKey } });
    }
  };

  const eventView = (slot: Slot): TradingEvent => {
    const st = slot.state;
    const info = deps.eventInfo?.(st.eventId);
    return {
      eventId: st.eventId,
      ...(info?.sportId !== undefined ? { sportId: info.sportId } : {}),
      ...(info?.tournamentId !== undefined ? { tournamentId: info.tournamentId } : {}),
      phase: st.phase,
      epoch: st.epoch,
      seq: st.seq,
      ts: st.ts,
      suspensions: st.eventSuspensions,
      markets: st.markets(true),
    };
  };

  const marketView = (slot: Slot, marketKey: string): TradingMarket => slot.state.market(marketKey)!;

  /** Runs a trading action on one event: change, audit when it changed something, publish. */
  const tradingAction = <T>(slot: Slot, act: (st: EventState) => { changed: boolean; audit?: Omit<AuditEntry, 'id' | 'ts'> }, view: () => T): Promise<TradingResult<T>> =>
    enqueue(slot, async () => {
      const { changed, audit: entry } = act(slot.state);
      const recorded = changed && entry ? audit.record(entry) : undefined;
      await flush(slot, tradingMeta());
      return { changed, ...(recorded ? { auditId: recorded.id } : {}), view: view() };
    });

  const changeMargin = async (change: MarginChange, action: 'margin.set' | 'margin.removed', actor: Actor): Promise<MarginChangeResult> => {
    const scope = change.scope;
    let effect = { events: 0, markets: 0 };
    let failure: unknown;
    try {
      effect = await forEvents(
        (slot) => scopeCoversEvent(scope, { eventId: slot.state.eventId, ...deps.eventInfo?.(slot.state.eventId) }),
        (st) => {
          const ctx = contextFor(st.eventId);
          const info = deps.eventInfo?.(st.eventId);
          return st.reprice(ctx, (marketId) => scopeCovers(scope, { eventId: st.eventId, marketId, ...info }));
        },
        tradingMeta,
      );
    } catch (error) {
      failure = error;
    }
    // The configuration changed whether or not every event could publish: audit it either way.
    const entry = audit.record({
      actor,
      action,
      target: scope.level === 'default' ? { level: 'default' } : { level: scope.level, key: scope.key },
      before: change.before ?? null,
      after: change.after ?? null,
      effect,
    });
    logger.info({ scope, before: change.before, after: change.after, by: actor.sub, ...effect }, 'margin changed');
    if (failure !== undefined) throw failure;
    return { scope, before: change.before, after: change.after, ...effect, auditId: entry.id };
  };

  let subscription: Subscription | undefined;
  let pruneTimer: Timer | undefined;

  const leaseTtlMs = options.leaseTtlMs ?? 3000;
  const leaseHolder = `odds-engine-${randomBytes(4).toString('hex')}`;
  let leaseTimer: Timer | undefined;
  let renewing = false;
  let leaseFailing = false;
  /** One renewal at a time; a failed one is retried on the next tick, well before the lease lapses. */
  const renewLease = (): void => {
    if (!deps.lease || renewing) return;
    renewing = true;
    deps.lease.renew(leaseHolder, leaseTtlMs).then(
      () => {
        if (leaseFailing) logger.info({ holder: leaseHolder }, 'engine lease renewed again');
        leaseFailing = false;
      },
      (error: unknown) => {
        leaseFailures.inc();
        // Logged once per outage: the ticks after it fail the same way.
        if (!leaseFailing) logger.warn({ err: error, holder: leaseHolder }, 'engine lease not renewed: acceptors refuse bets once it lapses');
        leaseFailing = true;
      },
    ).finally(() => {
      renewing = false;
    });
  };

  /** See OddsEngineOptions.withdrawOnStart. Runs before the subscription: no event has a slot yet. */
  const withdrawInherited = async (): Promise<number> => {
    let withdrawn = 0;
    for (const { eventId, sportId } of await priceBook.listEvents()) {
      if (!isEventId(eventId)) continue;
      const now = clock.now();
      const epoch = newEpoch(now);
      const started: OddsDelta = { v: 1, type: 'EpochStarted', eventId, epoch, seq: 1, ts: now, sourceTs: now, traceId: `restart-${randomUUID()}` };
      // PriceBook first, as for every output: a reader that sees the delta finds the new epoch.
      await priceBook.apply({ eventId, epoch, seq: 1, ts: now, ...(sportId !== undefined ? { sportId } : {}), markets: [], replace: true });
      await bus.publish<OddsDelta>(TOPICS.oddsDeltas, [{ key: eventId, value: started }]);
      withdrawn++;
    }
    return withdrawn;
  };

  const prune = (): void => {
    const now = clock.now();
    for (const [eventId, slot] of events) {
      if (!slot.state.finished || now - slot.state.lastActivity < retainFinishedMs) continue;
      void enqueue(slot, async () => {
        // Checked again in the queue: a message may have arrived since.
        if (!slot.state.finished || clock.now() - slot.state.lastActivity < retainFinishedMs) return;
        events.delete(eventId);
        eventsGauge.set(events.size);
        await priceBook.remove(eventId);
      }).catch((error: unknown) => logger.warn({ err: error, eventId }, 'finished event could not be removed from the price book'));
    }
  };

  return {
    name: 'odds-engine',
    handle,

    snapshot(eventId) {
      const slot = publishedSlot(eventId);
      if (!slot) return undefined;
      const st = slot.state;
      const sportId = deps.eventInfo?.(eventId)?.sportId;
      return { eventId: st.eventId, epoch: st.epoch, seq: st.seq, ts: st.ts, ...(sportId !== undefined ? { sportId } : {}), markets: st.markets(false) };
    },

    tradingEvents(filter = {}) {
      const phases = filter.phases ?? ['live', 'upcoming'];
      const out: TradingEvent[] = [];
      for (const slot of events.values()) {
        if (out.length >= (filter.limit ?? 200)) break;
        if (slot.state.seq === 0 || !phases.includes(slot.state.phase)) continue;
        if (filter.sportId !== undefined && deps.eventInfo?.(slot.state.eventId)?.sportId !== filter.sportId) continue;
        out.push(eventView(slot));
      }
      return out;
    },

    tradingEvent(eventId) {
      const slot = publishedSlot(eventId);
      return slot && eventView(slot);
    },

    margins: () => margins.entries(),

    async setMargin(scope, setting, actor) {
      return changeMargin(margins.set(scope, setting), 'margin.set', actor);
    },

    async removeMargin(scope, actor) {
      return changeMargin(margins.remove(scope), 'margin.removed', actor);
    },

    previewMargin(scope, setting, limit = 500) {
      const proposedConfig = margins.clone();
      if (setting === undefined) proposedConfig.remove(scope);
      else proposedConfig.set(scope, setting);
      const markets: Array<MarketPreview & { eventId: EventId }> = [];
      let truncated = false;
      for (const slot of events.values()) {
        const eventId = slot.state.eventId;
        const info = deps.eventInfo?.(eventId);
        if (!scopeCoversEvent(scope, { eventId, ...info })) continue;
        const changes = (marketId: number): boolean => {
          if (!scopeCovers(scope, { eventId, marketId, ...info })) return false;
          const now = margins.resolve({ eventId, marketId, ...info });
          const then = proposedConfig.resolve({ eventId, marketId, ...info });
          return now.margin !== then.margin || now.method !== then.method;
        };
        for (const preview of slot.state.preview(contextFor(eventId, proposedConfig), changes)) {
          if (markets.length >= limit) {
            truncated = true;
            break;
          }
          markets.push({ eventId, ...preview });
        }
        if (truncated) break;
      }
      return { scope, proposed: setting === undefined ? undefined : proposedConfig.get(scope), markets, truncated };
    },

    async suspendEvent(eventId, actor) {
      const slot = requireSlot(eventId);
      return tradingAction(
        slot,
        (st) => {
          const held = st.suspendEvent(actor.name ?? actor.sub, clock.now());
          return { changed: !held, audit: { actor, action: 'event.suspended', target: { eventId }, before: { suspended: false }, after: { suspended: true } } };
        },
        () => eventView(slot),
      );
    },

    async resumeEvent(eventId, actor) {
      const slot = requireSlot(eventId);
      return tradingAction(
        slot,
        (st) => {
          const lifted = st.resumeEvent();
          return { changed: lifted !== undefined, audit: { actor, action: 'event.resumed', target: { eventId }, before: { suspended: true, by: lifted?.detail, since: lifted?.since }, after: { suspended: false } } };
        },
        () => eventView(slot),
      );
    },

    async suspendMarket(eventId, marketKey, actor) {
      const slot = requireSlot(eventId);
      requireMarket(slot, marketKey);
      return tradingAction(
        slot,
        (st) => {
          const held = st.suspendMarket(marketKey, actor.name ?? actor.sub, clock.now());
          return { changed: !held, audit: { actor, action: 'market.suspended', target: { eventId, marketKey }, before: { suspended: false }, after: { suspended: true } } };
        },
        () => marketView(slot, marketKey),
      );
    },

    async resumeMarket(eventId, marketKey, actor) {
      const slot = requireSlot(eventId);
      requireMarket(slot, marketKey);
      return tradingAction(
        slot,
        (st) => {
          const lifted = st.resumeMarket(marketKey);
          return { changed: lifted !== undefined, audit: { actor, action: 'market.resumed', target: { eventId, marketKey }, before: { suspended: true, by: lifted?.detail, since: lifted?.since }, after: { suspended: false } } };
        },
        () => marketView(slot, marketKey),
      );
    },

    async shiftPrice(eventId, marketKey, outcomeId, ticks, actor) {
      if (!Number.isInteger(ticks) || Math.abs(ticks) > MAX_SHIFT_TICKS) {
        throw new AppError('INVALID_REQUEST', `ticks must be an integer from -${MAX_SHIFT_TICKS} to ${MAX_SHIFT_TICKS}, got ${ticks}`);
      }
      const slot = requireSlot(eventId);
      requireMarket(slot, marketKey);
      if (!slot.state.hasOutcome(marketKey, outcomeId)) {
        throw new AppError('NOT_FOUND', `market ${marketKey} of ${eventId} has no outcome ${outcomeId}`, { details: { eventId, marketKey, outcomeId } });
      }
      return tradingAction(
        slot,
        (st) => {
          const before = st.setShift(marketKey, outcomeId, ticks, contextFor(eventId));
          return {
            changed: before !== ticks,
            audit: { actor, action: ticks === 0 ? 'price.shift-removed' : 'price.shifted', target: { eventId, marketKey, outcomeId }, before: { ticks: before }, after: { ticks } },
          };
        },
        () => marketView(slot, marketKey),
      );
    },

    audit: (query) => audit.list(query),

    async start() {
      if (subscription) return;
      if (options.withdrawOnStart) {
        const withdrawn = await withdrawInherited();
        if (withdrawn > 0) logger.info({ events: withdrawn }, 'events inherited from an earlier engine withdrawn until re-priced');
      }
      // Only after the withdrawal: a lease taken earlier would make the dead engine's prices
      // bettable again for as long as the withdrawal takes.
      if (deps.lease) {
        await deps.lease.renew(leaseHolder, leaseTtlMs);
        leaseTimer = clock.setInterval(renewLease, Math.max(1, Math.floor(leaseTtlMs / 3)));
      }
      subscription = await bus.subscribe<FeedMessage>({
        topics: [TOPICS.feedEvents, TOPICS.feedProducers],
        groupId: options.groupId ?? 'odds-engine',
        handler: ({ value }) => handle(value),
      });
      pruneTimer = clock.setInterval(prune, 60_000);
      const defaults = margins.get({ level: 'default' });
      logger.info({ margin: defaults?.margin, method: defaults?.method, providerMarginMethod, band }, 'odds engine started');
    },

    async stop() {
      // First: from here on no bet stop may be applied any more, so the prices stop being bettable.
      leaseTimer?.cancel();
      leaseTimer = undefined;
      await deps.lease?.release(leaseHolder).catch((error: unknown) => logger.warn({ err: error }, 'engine lease not released: it lapses by itself'));
      pruneTimer?.cancel();
      pruneTimer = undefined;
      await subscription?.close();
      subscription = undefined;
      await Promise.all([...events.values()].map((slot) => slot.tail));
    },

    async health(): Promise<HealthReport> {
      const busHealth = await bus.health();
      const checks: Record<string, { ok: boolean; detail?: string }> = { bus: busHealth };
      for (const [producer, since] of down) checks[`producer:${producer}`] = { ok: false, detail: `down since ${new Date(since).toISOString()}` };
      // A producer down is a degraded feed with its markets suspended as designed, not a sick process.
      return { ok: busHealth.ok && subscription !== undefined, checks };
    },
  };
}
