/**
 * bet-acceptor: takes bets against the live price book (acceptor.ts), once per Idempotency-Key
 * (idempotent-requests.ts), and answers the player's own bets and balance. One subscription to
 * `odds.deltas` per process (its own consumer group, so every replica sees every delta) feeds the
 * watches of bets in their in-play delay.
 *
 * stop() refuses new bets (SHUTTING_DOWN), lets bets in flight reach their decision (an in-play
 * bet may take its whole delay), then leaves the bus.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Bet, BetStatus } from '../core/contracts/bets.ts';
import type { OddsDelta } from '../core/contracts/odds.ts';
import { AppError, ERROR_CODES } from '../core/errors.ts';
import { toMinor, type Currency } from '../core/money.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import type { Bus, Subscription } from '../core/ports/bus.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { EngineLease } from '../core/ports/engine-lease.ts';
import type { IdempotencyStore } from '../core/ports/idempotency-store.ts';
import type { LiabilityLedger } from '../core/ports/liability-ledger.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { RateDecision, RateLimiter, RateRule } from '../core/ports/rate-limiter.ts';
import type { Balance, Wallet } from '../core/ports/wallet.ts';
import type { HealthReport, Service } from '../core/service.ts';
import { TOPICS } from '../core/topics.ts';
import { BetPipeline, type InPlayDelays } from './acceptor.ts';
import { MarketWatcher } from './delay.ts';
import { IdempotentRequests, requestFingerprint, type IdempotentResult } from './idempotent-requests.ts';
import { Limits, type LimitsOptions } from './limits.ts';
import type { BetRequest } from './validation.ts';
import { acceptedView, rejectionView } from './views.ts';

export interface BetAcceptorDeps {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly priceBook: PriceBook;
  readonly wallet: Wallet;
  readonly betStore: BetStore;
  readonly liability: LiabilityLedger;
  readonly idempotency: IdempotencyStore;
  readonly rateLimiter: RateLimiter;
  /**
   * The odds engine's lease: without a holder every price is stale and bets are refused
   * (MARKET_SUSPENDED, details.cause PRICES_STALE). Absent: prices are trusted as they are.
   */
  readonly engineLease?: EngineLease;
}

export interface BetAcceptorOptions {
  /** The one currency this acceptor books in; players' accounts must be in it. Default EUR. */
  readonly currency?: Currency;
  /** Stake, payout and liability limits. Default limits.ts DEFAULT_LIMITS. */
  readonly limits?: LimitsOptions;
  /** In-play delay per sport. Default 5 s; football 6 s, basketball 5 s, tennis 4 s. */
  readonly delays?: InPlayDelays;
  /** Most legs in an accumulator. Default 20. */
  readonly maxLegs?: number;
  /** After the delay, how long to wait for odds deltas the PriceBook already shows. Default 2000 ms. */
  readonly catchUpMs?: number;
  /** Attempts at storing a held bet before its hold is released. Default 3. */
  readonly storeAttempts?: number;
  /** How long a retried request waits for the original. Default 30 s. */
  readonly idempotencyWaitMs?: number;
  /** Requests per player and per client address. Default 120 and 600 a minute. */
  readonly rateLimits?: { readonly player?: RateRule; readonly ip?: RateRule };
  /** Opened and funded at start-up (embedded demo): demo-1..demo-N with `balance` each. */
  readonly demoPlayers?: { readonly count: number; readonly balance: string };
  /** Consumer group prefix; each process uses `<prefix>.<nodeId>`. Default 'bet-acceptor'. */
  readonly groupPrefix?: string;
  readonly nodeId?: string;
  /** Bet ids; default random UUIDs. */
  readonly newBetId?: () => string;
}

export const DEFAULT_DELAYS: InPlayDelays = { defaultMs: 5000, bySport: { 'sr:sport:1': 6000, 'sr:sport:2': 5000, 'sr:sport:5': 4000 } };
const DEFAULT_RATES = { player: { limit: 120, windowMs: 60_000 }, ip: { limit: 600, windowMs: 60_000 } } as const;

export interface BetQuery {
  readonly status?: BetStatus;
  readonly limit: number;
  readonly before?: string;
}

export interface BetAcceptor extends Service {
  readonly currency: Currency;
  readonly maxLegs: number;
  /**
   * Decides a bet once per (player, idempotency key) and returns the HTTP answer: 201 with the
   * accepted bet, or the rejection's status with its reason code.
   */
  place(player: string, idempotencyKey: string, request: BetRequest, traceId?: string): Promise<IdempotentResult>;
  /** The player's own bet; undefined for a bet of anyone else. */
  getBet(player: string, betId: string): Promise<Bet | undefined>;
  listBets(player: string, query: BetQuery): Promise<readonly Bet[]>;
  balance(player: string): Promise<Balance | undefined>;
  rateLimit(kind: 'player' | 'ip', key: string): Promise<RateDecision>;
  /** Bets waiting out their in-play delay now. */
  delaying(): number;
}

export function createBetAcceptor(deps: BetAcceptorDeps, options: BetAcceptorOptions = {}): BetAcceptor {
  const currency = options.currency ?? 'EUR';
  const maxLegs = options.maxLegs ?? 20;
  const nodeId = options.nodeId ?? `acc-${randomBytes(4).toString('hex')}`;
  const logger = deps.logger.child({ service: 'bet-acceptor', nodeId });
  const rates = { ...DEFAULT_RATES, ...options.rateLimits };
  const watcher = new MarketWatcher();
  const pipeline = new BetPipeline(
    { ...deps, logger, watcher },
    {
      currency,
      limits: new Limits(currency, options.limits),
      delays: options.delays ?? DEFAULT_DELAYS,
      maxLegs,
      catchUpMs: options.catchUpMs ?? 2000,
      storeAttempts: options.storeAttempts ?? 3,
      ...(options.newBetId ? { newBetId: options.newBetId } : {}),
    },
  );
  const requests = new IdempotentRequests({ store: deps.idempotency, clock: deps.clock, logger }, { waitMs: options.idempotencyWaitMs ?? 30_000 });
  const inFlight = new Set<Promise<unknown>>();
  let subscription: Subscription | undefined;
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  const seedDemoPlayers = async ({ count, balance }: { count: number; balance: string }) => {
    const amount = toMinor(balance, currency);
    for (let i = 1; i <= count; i++) {
      const player = `demo-${i}`;
      await deps.wallet.openAccount({ player, currency });
      // Keyed by player: a restart on a lasting wallet does not fund them twice.
      await deps.wallet.deposit({ player, amount, currency, key: `demo-deposit:${player}` });
    }
    logger.info({ players: count, balance, currency }, `demo players demo-1..demo-${count} funded`);
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };

  return {
    name: 'bet-acceptor',
    currency,
    maxLegs,
    delaying: () => pipeline.delaying,

    place(player, idempotencyKey, request, traceId = randomUUID()) {
      if (state !== 'running') return Promise.reject(new AppError('SHUTTING_DOWN', 'the bet acceptor is not taking bets'));
      return track(
        requests.run(`${player}:${idempotencyKey}`, requestFingerprint(request), async () => {
          const decision = await pipeline.place(player, request, traceId);
          return decision.status === 'accepted'
            ? { statusCode: 201, body: acceptedView(decision) }
            : { statusCode: ERROR_CODES[decision.reason].status, body: rejectionView(decision) };
        }),
      );
    },

    async getBet(player, betId) {
      const bet = await deps.betStore.get(betId);
      return bet?.player === player ? bet : undefined;
    },

    listBets: (player, query) => deps.betStore.listByPlayer(player, query),
    balance: (player) => deps.wallet.balance(player),
    rateLimit: (kind, key) => deps.rateLimiter.take(`${kind}:${key}`, rates[kind]),

    async start() {
      if (state === 'running') return;
      if (state !== 'new') throw new AppError('SHUTTING_DOWN', 'a stopped bet acceptor is not started again; create a new one');
      if (options.demoPlayers && options.demoPlayers.count > 0) await seedDemoPlayers(options.demoPlayers);
      subscription = await deps.bus.subscribe<OddsDelta>({
        topics: [TOPICS.oddsDeltas],
        groupId: `${options.groupPrefix ?? 'bet-acceptor'}.${nodeId}`,
        handler: async ({ value }) => {
          if (isDelta(value)) watcher.onDelta(value);
        },
      });
      state = 'running';
      logger.info({ currency, maxLegs }, 'bet acceptor started');
    },

    async stop() {
      if (state !== 'running') return;
      state = 'stopping';
      await Promise.allSettled([...inFlight]);
      await subscription?.close();
      subscription = undefined;
      state = 'stopped';
    },

    async health(): Promise<HealthReport> {
      const [bus, wallet, betStore, liability, idempotency] = await Promise.all([
        deps.bus.health(),
        deps.wallet.health(),
        deps.betStore.health(),
        deps.liability.health(),
        deps.idempotency.health(),
      ]);
      const checks = { bus, wallet, betStore, liability, idempotency };
      return { ok: state === 'running' && Object.values(checks).every((c) => c.ok), checks };
    },
  };
}

/** Enough of an odds delta's shape to route it; anything else is not ours to judge. */
function isDelta(value: unknown): value is OddsDelta {
  const v = value as Partial<OddsDelta> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.eventId === 'string' &&
    typeof v.epoch === 'string' &&
    typeof v.seq === 'number' &&
    (v.type === 'EpochStarted' || ((v.type === 'PriceChanged' || v.type === 'MarketStatusChanged') && typeof v.marketKey === 'string' && typeof v.state === 'string'))
  );
}
