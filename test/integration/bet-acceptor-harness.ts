/**
 * Bet acceptor replicas behind the real HTTP stack (createHttpServer, JWT auth, the bet routes),
 * on in-memory stores or on PostgreSQL and Redis shared by every replica. Markets are written to
 * the PriceBook directly, pre-match (no delay), as the odds engine would.
 */
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../app/http.ts';
import { registerAuth, type Auth } from '../../app/auth.ts';
import { InMemoryBetStore } from '../../adapters/bet-store/in-memory-bet-store.ts';
import { createPostgresBetStore } from '../../adapters/bet-store/postgres-bet-store.ts';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { InMemoryIdempotencyStore } from '../../adapters/idempotency/in-memory-idempotency-store.ts';
import { RedisIdempotencyStore } from '../../adapters/idempotency/redis-idempotency-store.ts';
import { InMemoryLiabilityLedger } from '../../adapters/liability/in-memory-liability-ledger.ts';
import { RedisLiabilityLedger } from '../../adapters/liability/redis-liability-ledger.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../adapters/price-book/in-memory-price-book.ts';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import { InMemoryRateLimiter } from '../../adapters/rate-limit/in-memory-rate-limiter.ts';
import { RedisRateLimiter } from '../../adapters/rate-limit/redis-rate-limiter.ts';
import { InMemoryWallet } from '../../adapters/wallet/in-memory-wallet.ts';
import { createPostgresWallet } from '../../adapters/wallet/postgres-wallet.ts';
import { createBetAcceptor, type BetAcceptor, type BetAcceptorDeps, type BetAcceptorOptions } from '../../bet-acceptor/bet-acceptor-service.ts';
import { registerBetRoutes } from '../../bet-acceptor/http.ts';
import type { PricedMarket } from '../../core/contracts/odds.ts';
import { toMinor } from '../../core/money.ts';
import type { BetStore } from '../../core/ports/bet-store.ts';
import type { LiabilityLedger } from '../../core/ports/liability-ledger.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import type { PriceBook } from '../../core/ports/price-book.ts';
import type { Wallet } from '../../core/ports/wallet.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { uniqueName } from '../support/wait.ts';

const SECRET = 'a-test-secret-of-enough-length-0123456789';

export interface Replica {
  readonly http: FastifyInstance;
  readonly acceptor: BetAcceptor;
}

export interface Harness {
  readonly replicas: readonly Replica[];
  /** Stores as one replica sees them (all replicas share them). */
  readonly wallet: Wallet;
  readonly betStore: BetStore;
  readonly liability: LiabilityLedger;
  readonly priceBook: PriceBook;
  readonly auth: Auth;
  token(player: string, role?: 'player' | 'trader'): string;
  /** A pre-match market (producer 3) on the event, open, with these prices; seq 1 of epoch e1. */
  price(eventId: string, marketId: number, prices: Readonly<Record<string, string>>): Promise<void>;
  fund(player: string, amount: string): Promise<void>;
  close(): Promise<void>;
}

export interface SharedEngines {
  readonly pgUrl: string;
  readonly redisUrl: string;
}

/** `replicas` acceptors over the same stores; engines absent: in-memory stores (one replica only). */
export async function harness(options: BetAcceptorOptions = {}, engines?: SharedEngines, replicas = 1): Promise<Harness> {
  const clock = new SystemClock();
  const bus = new InMemoryBus();
  const schema = uniqueName('t_acc').replaceAll('-', '_');
  const keyPrefix = `${uniqueName('acctest')}:`;
  const closers: Array<() => Promise<unknown>> = [];

  const stores = async (): Promise<Omit<BetAcceptorDeps, 'bus' | 'clock' | 'logger' | 'metrics'>> => {
    if (!engines) {
      return {
        priceBook: new InMemoryPriceBook(),
        wallet: new InMemoryWallet({ clock }),
        betStore: new InMemoryBetStore({ clock }),
        liability: new InMemoryLiabilityLedger(),
        idempotency: new InMemoryIdempotencyStore({ clock }),
        rateLimiter: new InMemoryRateLimiter({ clock }),
      };
    }
    const shared = { redis: engines.redisUrl, keyPrefix };
    const s = {
      priceBook: new RedisPriceBook(shared),
      wallet: await createPostgresWallet({ clock }, { url: engines.pgUrl, schema, poolSize: 8 }),
      betStore: await createPostgresBetStore({ clock }, { url: engines.pgUrl, schema, poolSize: 8 }),
      liability: new RedisLiabilityLedger(shared),
      idempotency: new RedisIdempotencyStore(shared),
      rateLimiter: new RedisRateLimiter(shared),
    };
    closers.push(() => Promise.all(Object.values(s).map((store) => store.close())));
    return s;
  };

  let first: Omit<BetAcceptorDeps, 'bus' | 'clock' | 'logger' | 'metrics'> | undefined;
  let auth: Auth | undefined;
  const built: Replica[] = [];
  for (let i = 0; i < replicas; i++) {
    const own = await stores();
    first ??= own;
    const http = createHttpServer(silentLogger);
    const replicaAuth = await registerAuth(http, { secret: SECRET, demoTokens: false });
    auth ??= replicaAuth;
    const acceptor = createBetAcceptor(
      { ...own, bus, clock, logger: silentLogger, metrics: new PromMetrics() },
      { rateLimits: { player: { limit: 100_000, windowMs: 1000 }, ip: { limit: 100_000, windowMs: 1000 } }, ...options },
    );
    registerBetRoutes(http, acceptor, { requirePlayer: replicaAuth.requirePlayer, logger: silentLogger });
    await acceptor.start();
    await http.ready();
    built.push({ http, acceptor });
  }
  const stores0 = first!;

  return {
    replicas: built,
    wallet: stores0.wallet,
    betStore: stores0.betStore,
    liability: stores0.liability,
    priceBook: stores0.priceBook,
    auth: auth!,
    token: (player, role = 'player') => auth!.sign({ sub: player, role }),
    async price(eventId, marketId, prices) {
      const market: PricedMarket = {
        marketKey: String(marketId),
        marketId,
        specifiers: '',
        state: 'open',
        suspensions: [],
        outcomes: Object.entries(prices).map(([outcomeId, price]) => ({ outcomeId, price, active: true, version: 1 })),
        producer: 3,
        margin: 0.05,
        version: 1,
      };
      await stores0.priceBook.apply({ eventId, epoch: 'e1', seq: 1, ts: clock.now(), sportId: 'sr:sport:1', markets: [market] });
    },
    async fund(player, amount) {
      await stores0.wallet.openAccount({ player, currency: 'EUR' });
      await stores0.wallet.deposit({ player, amount: toMinor(amount), currency: 'EUR', key: `fund:${player}:${amount}` });
    },
    async close() {
      for (const r of built) {
        await r.http.close();
        await r.acceptor.stop();
      }
      for (const close of closers) await close();
      await bus.close();
      if (engines) {
        await deleteRedisKeys(engines.redisUrl, keyPrefix);
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: engines.pgUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}

/** A POST /v1/bets body: a single on outcome `outcomeId` of the market at `price`, seen at (e1, 1). */
export function singleBet(eventId: string, outcomeId: string, price: string, stake: string, marketId = 1) {
  return { stake, legs: [{ eventId, marketId, outcomeId, price, priceVersion: { epoch: 'e1', seq: 1 } }] };
}
