/**
 * An odds engine on in-memory parts, with builders for normalized feed messages. The engine's
 * deltas are captured from the bus; `handle` is awaited, so the PriceBook and the engine's own
 * views are current as soon as it resolves.
 */
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import type { BetStopped, FeedMarketStatus, FeedMessage, MarketOdds, OddsChanged, OutcomeOdds, ProducerDown, ProducerUp } from '../../../core/contracts/feed.ts';
import type { OddsDelta, PricedMarket } from '../../../core/contracts/odds.ts';
import type { EventId } from '../../../core/ids.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { marketKey } from '../../../core/market-key.ts';
import { TOPICS } from '../../../core/topics.ts';
import { createOddsEngine, type EventInfo, type OddsEngine, type OddsEngineOptions } from '../../../odds-engine/odds-engine-service.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { uniqueName, waitFor } from '../../support/wait.ts';

export interface Rig {
  readonly engine: OddsEngine;
  readonly bus: InMemoryBus;
  readonly priceBook: InMemoryPriceBook;
  readonly clock: ManualClock;
  readonly metrics: PromMetrics;
  /** Sport and tournament per event, read by the engine on every lookup. */
  readonly info: Map<string, EventInfo>;
  /** Every delta published on odds.deltas, in order. */
  readonly deltas: OddsDelta[];
  /** Waits until `count` deltas have been captured in total. */
  deltasReach(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function rig(options: OddsEngineOptions = {}): Promise<Rig> {
  const bus = new InMemoryBus();
  const priceBook = new InMemoryPriceBook();
  const clock = new ManualClock();
  const metrics = new PromMetrics();
  const info = new Map<string, EventInfo>();
  const deltas: OddsDelta[] = [];
  const capture = await bus.subscribe<OddsDelta>({
    topics: [TOPICS.oddsDeltas],
    groupId: uniqueName('capture'),
    handler: async ({ value }) => void deltas.push(value),
  });
  const engine = createOddsEngine(
    { bus, clock, logger: silentLogger, metrics, priceBook, eventInfo: (id) => info.get(id) },
    { groupId: uniqueName('odds-engine'), ...options },
  );
  return {
    engine,
    bus,
    priceBook,
    clock,
    metrics,
    info,
    deltas,
    deltasReach: (count) => waitFor(() => deltas.length >= count, { message: `${count} deltas (have ${deltas.length})` }),
    async close() {
      await engine.stop();
      await capture.close();
      await bus.close();
      await priceBook.close();
    },
  };
}

export const EVENT = 'sr:match:1001' as EventId;
export const OTHER_EVENT = 'sr:match:2002' as EventId;

let counter = 0;
const meta = (producer: number, sourceTs: number) => ({ v: 1 as const, messageId: `m${++counter}`, traceId: `t${counter}`, producer, sourceTs, receivedTs: sourceTs });

export function outcome(outcomeId: string, odds: number | undefined, extra: { probability?: number; active?: boolean } = {}): OutcomeOdds {
  return { outcomeId, active: extra.active ?? true, ...(odds !== undefined ? { odds } : {}), ...(extra.probability !== undefined ? { probability: extra.probability } : {}) };
}

export function market(marketId: number, specifiers: string, status: FeedMarketStatus, outcomes: readonly OutcomeOdds[]): MarketOdds {
  return { marketId, specifiers, marketKey: marketKey(marketId, specifiers), status, outcomes };
}

/** 1x2 with a provider margin of about 5 %. */
export const ONE_X_TWO: readonly OutcomeOdds[] = [outcome('1', 2.1), outcome('2', 3.4), outcome('3', 3.5)];
/** Total goals 2.5, over / under. */
export const TOTAL: readonly OutcomeOdds[] = [outcome('12', 1.8), outcome('13', 1.95)];

export function odds(
  markets: readonly MarketOdds[],
  options: { eventId?: EventId; producer?: number; sourceTs?: number; eventStatus?: number; messageId?: string } = {},
): OddsChanged {
  const m = meta(options.producer ?? 1, options.sourceTs ?? 1_000);
  return {
    ...m,
    ...(options.messageId !== undefined ? { messageId: options.messageId } : {}),
    type: 'OddsChanged',
    eventId: options.eventId ?? EVENT,
    markets,
    ...(options.eventStatus !== undefined ? { sportEventStatus: { status: options.eventStatus } } : {}),
  };
}

export function betStop(groups: readonly string[], options: { eventId?: EventId; producer?: number; sourceTs?: number; marketStatus?: FeedMarketStatus } = {}): BetStopped {
  return { ...meta(options.producer ?? 1, options.sourceTs ?? 1_000), type: 'BetStopped', eventId: options.eventId ?? EVENT, groups, marketStatus: options.marketStatus ?? -1 };
}

export function producerDown(producer: number): ProducerDown {
  return { ...meta(producer, 0), type: 'ProducerDown', reason: 'ALIVE_TIMEOUT' };
}

export function producerUp(producer: number): ProducerUp {
  return { ...meta(producer, 0), type: 'ProducerUp', requestId: 1, downForMs: 1 };
}

/** The market as the PriceBook holds it now. */
export async function bookMarket(r: Rig, key: string, eventId: string = EVENT): Promise<PricedMarket> {
  const view = await r.priceBook.getMarket(eventId, key);
  if (!view) throw new Error(`no market ${key} of ${eventId} in the price book`);
  return view.market;
}

/** Published prices of a market by outcome id (offered outcomes only). */
export function pricesOf(market: PricedMarket): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of market.outcomes) if (o.price !== undefined) out[o.outcomeId] = o.price;
  return out;
}

export const trader = { sub: 'trader-1', name: 'Ann' } as const;

export async function feed(r: Rig, ...messages: FeedMessage[]): Promise<void> {
  for (const m of messages) await r.engine.handle(m);
}
