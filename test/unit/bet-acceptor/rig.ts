/**
 * A bet acceptor on in-memory parts and a manual clock, with a stand-in for the odds engine that
 * writes the PriceBook and then publishes the matching deltas, as the engine does.
 */
import { InMemoryBetStore } from '../../../adapters/bet-store/in-memory-bet-store.ts';
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { InMemoryIdempotencyStore } from '../../../adapters/idempotency/in-memory-idempotency-store.ts';
import { InMemoryLiabilityLedger } from '../../../adapters/liability/in-memory-liability-ledger.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import { InMemoryRateLimiter } from '../../../adapters/rate-limit/in-memory-rate-limiter.ts';
import { InMemoryWallet } from '../../../adapters/wallet/in-memory-wallet.ts';
import { createBetAcceptor, type BetAcceptor, type BetAcceptorDeps, type BetAcceptorOptions } from '../../../bet-acceptor/bet-acceptor-service.ts';
import type { LegRequest } from '../../../bet-acceptor/validation.ts';
import type { BetEvent } from '../../../core/contracts/bet-events.ts';
import type { MarketState, OddsDelta, PricedMarket } from '../../../core/contracts/odds.ts';
import type { EventId } from '../../../core/ids.ts';
import { marketKey } from '../../../core/market-key.ts';
import { toMinor } from '../../../core/money.ts';
import type { BetStore } from '../../../core/ports/bet-store.ts';
import type { EngineLease } from '../../../core/ports/engine-lease.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import type { PriceBook } from '../../../core/ports/price-book.ts';
import type { Wallet } from '../../../core/ports/wallet.ts';
import { TOPICS } from '../../../core/topics.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { uniqueName, waitFor } from '../../support/wait.ts';

export const FOOTBALL = 'sr:sport:1';
export const PRE_MATCH = 3;
export const LIVE = 1;

interface EventState {
  epoch: string;
  seq: number;
  sportId: string;
  markets: Map<string, PricedMarket>;
}

export interface MarketSpec {
  readonly marketId: number;
  readonly specifiers?: string;
  /** outcome id → price; undefined price: not offered. */
  readonly prices: Readonly<Record<string, string | undefined>>;
  readonly state?: MarketState;
  readonly producer?: number;
}

export interface Rig {
  readonly acceptor: BetAcceptor;
  readonly clock: ManualClock;
  readonly bus: InMemoryBus;
  readonly priceBook: InMemoryPriceBook;
  readonly wallet: InMemoryWallet;
  readonly betStore: InMemoryBetStore;
  readonly liability: InMemoryLiabilityLedger;
  readonly metrics: PromMetrics;
  /** Everything published on bets.events. */
  readonly betEvents: BetEvent[];
  /** Prices an event (a new epoch the first time): writes the book, then publishes. */
  price(eventId: string, markets: readonly MarketSpec[], options?: { sportId?: string }): Promise<void>;
  /** Moves one outcome's price (PriceChanged). */
  reprice(eventId: string, key: string, outcomeId: string, price: string, options?: { publish?: boolean }): Promise<void>;
  /** Changes a market's state (MarketStatusChanged, reason BET_STOP when suspended). */
  setState(eventId: string, key: string, state: MarketState, options?: { publish?: boolean }): Promise<void>;
  /** Rebuilds the event under a new epoch (EpochStarted). */
  rebuild(eventId: string): Promise<void>;
  /** A leg on the event's market at its current price and version. */
  leg(eventId: string, key: string, outcomeId: string, overrides?: Partial<LegRequest>): LegRequest;
  fund(player: string, amount: string): Promise<void>;
  /** Waits until `count` bets are in their in-play delay. */
  delaying(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function rig(
  options: BetAcceptorOptions = {},
  wrap: { betStore?: (s: BetStore) => BetStore; wallet?: (w: Wallet) => Wallet; priceBook?: (b: PriceBook) => PriceBook; engineLease?: (clock: ManualClock) => EngineLease } = {},
): Promise<Rig> {
  const clock = new ManualClock();
  const bus = new InMemoryBus();
  const priceBook = new InMemoryPriceBook();
  const wallet = new InMemoryWallet({ clock });
  const betStore = new InMemoryBetStore({ clock });
  const liability = new InMemoryLiabilityLedger();
  const idempotency = new InMemoryIdempotencyStore({ clock });
  const rateLimiter = new InMemoryRateLimiter({ clock });
  const metrics = new PromMetrics();
  const betEvents: BetEvent[] = [];
  const capture = await bus.subscribe<BetEvent>({ topics: [TOPICS.bets], groupId: uniqueName('capture'), handler: async ({ value }) => void betEvents.push(value) });
  const deps: BetAcceptorDeps = {
    bus,
    clock,
    logger: silentLogger,
    metrics,
    priceBook: wrap.priceBook ? wrap.priceBook(priceBook) : priceBook,
    wallet: wrap.wallet ? wrap.wallet(wallet) : wallet,
    betStore: wrap.betStore ? wrap.betStore(betStore) : betStore,
    ...(wrap.engineLease ? { engineLease: wrap.engineLease(clock) } : {}),
    liability,
    idempotency,
    rateLimiter,
  };
  const acceptor = createBetAcceptor(deps, { rateLimits: { player: { limit: 100_000, windowMs: 1000 }, ip: { limit: 100_000, windowMs: 1000 } }, ...options });
  await acceptor.start();

  const events = new Map<string, EventState>();
  let epochs = 0;

  const write = async (eventId: string, state: EventState, changed: readonly PricedMarket[], deltas: readonly OddsDelta[], publish = true) => {
    await priceBook.apply({ eventId, epoch: state.epoch, seq: state.seq, ts: clock.now(), sportId: state.sportId, markets: changed });
    if (publish) await bus.publish(TOPICS.oddsDeltas, deltas.map((value) => ({ key: eventId, value })));
  };
  const meta = (eventId: string, state: EventState) => ({ v: 1 as const, eventId: eventId as EventId, epoch: state.epoch, seq: state.seq, ts: clock.now(), sourceTs: clock.now(), traceId: 't' });
  const stateOf = (eventId: string) => {
    const state = events.get(eventId);
    if (!state) throw new Error(`${eventId} is not priced`);
    return state;
  };
  const marketOf = (state: EventState, key: string) => {
    const market = state.markets.get(key);
    if (!market) throw new Error(`no market ${key}`);
    return market;
  };

  const r: Rig = {
    acceptor,
    clock,
    bus,
    priceBook,
    wallet,
    betStore,
    liability,
    metrics,
    betEvents,
    async price(eventId, specs, { sportId = FOOTBALL } = {}) {
      const state = events.get(eventId) ?? { epoch: `e${++epochs}`, seq: 0, sportId, markets: new Map() };
      events.set(eventId, state);
      state.seq += 1;
      const changed = specs.map((spec): PricedMarket => {
        const key = marketKey(spec.marketId, spec.specifiers ?? '');
        const market: PricedMarket = {
          marketKey: key,
          marketId: spec.marketId,
          specifiers: spec.specifiers ?? '',
          state: spec.state ?? 'open',
          suspensions: (spec.state ?? 'open') === 'suspended' ? [{ reason: 'BET_STOP', since: clock.now() }] : [],
          outcomes: Object.entries(spec.prices).map(([outcomeId, price]) => ({ outcomeId, active: price !== undefined, version: state.seq, ...(price ? { price } : {}) })),
          producer: spec.producer ?? PRE_MATCH,
          margin: 0.05,
          version: state.seq,
        };
        state.markets.set(key, market);
        return market;
      });
      const deltas: OddsDelta[] = changed.map((m) => ({
        ...meta(eventId, state),
        type: 'PriceChanged',
        marketKey: m.marketKey,
        state: m.state,
        outcomes: m.outcomes.map((o) => ({ outcomeId: o.outcomeId, active: o.active, ...(o.price ? { price: o.price } : {}) })),
      }));
      await write(eventId, state, changed, deltas);
    },
    async reprice(eventId, key, outcomeId, price, { publish = true } = {}) {
      const state = stateOf(eventId);
      state.seq += 1;
      const before = marketOf(state, key);
      const market: PricedMarket = {
        ...before,
        version: state.seq,
        outcomes: before.outcomes.map((o) => (o.outcomeId === outcomeId ? { ...o, price, active: true, version: state.seq } : o)),
      };
      state.markets.set(key, market);
      await write(eventId, state, [market], [{ ...meta(eventId, state), type: 'PriceChanged', marketKey: key, state: market.state, outcomes: [{ outcomeId, price, active: true }] }], publish);
    },
    async setState(eventId, key, marketState, { publish = true } = {}) {
      const state = stateOf(eventId);
      state.seq += 1;
      const market: PricedMarket = {
        ...marketOf(state, key),
        state: marketState,
        suspensions: marketState === 'suspended' ? [{ reason: 'BET_STOP', since: clock.now() }] : [],
        version: state.seq,
      };
      state.markets.set(key, market);
      const reasons = marketState === 'suspended' ? (['BET_STOP'] as const) : [];
      await write(eventId, state, [market], [{ ...meta(eventId, state), type: 'MarketStatusChanged', marketKey: key, state: marketState, reasons }], publish);
    },
    async rebuild(eventId) {
      const state = stateOf(eventId);
      state.epoch = `e${++epochs}`;
      state.seq = 1;
      const markets = [...state.markets.values()].map((m) => ({ ...m, version: 1, outcomes: m.outcomes.map((o) => ({ ...o, version: 1 })) }));
      for (const m of markets) state.markets.set(m.marketKey, m);
      await priceBook.apply({ eventId, epoch: state.epoch, seq: 1, ts: clock.now(), sportId: state.sportId, markets, replace: true });
      await bus.publish(TOPICS.oddsDeltas, [{ key: eventId, value: { ...meta(eventId, state), type: 'EpochStarted' } satisfies OddsDelta }]);
    },
    leg(eventId, key, outcomeId, overrides = {}) {
      const state = stateOf(eventId);
      const market = marketOf(state, key);
      const outcome = market.outcomes.find((o) => o.outcomeId === outcomeId);
      return {
        eventId,
        marketId: market.marketId,
        ...(market.specifiers ? { specifiers: market.specifiers } : {}),
        outcomeId,
        price: outcome?.price ?? '2.00',
        priceVersion: { epoch: state.epoch, seq: state.seq },
        ...overrides,
      };
    },
    async fund(player, amount) {
      await wallet.openAccount({ player, currency: 'EUR' });
      await wallet.deposit({ player, amount: toMinor(amount), currency: 'EUR', key: uniqueName(`fund-${player}`) });
    },
    delaying: (count) => waitFor(() => acceptor.delaying() >= count, { message: `${count} bets in their delay` }),
    async close() {
      await acceptor.stop();
      await capture.close();
      await bus.close();
    },
  };
  return r;
}
