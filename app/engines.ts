/**
 * Which engine stands behind each port, chosen in one place from the mode:
 *
 * | port            | embedded   | distributed                      |
 * | --------------- | ---------- | -------------------------------- |
 * | Bus             | in-memory  | Kafka (SB_KAFKA_BROKERS)         |
 * | PriceBook       | in-memory  | Redis (SB_REDIS_URL)             |
 * | liability, idempotency, rate limits | in-memory | Redis           |
 * | engine lease    | in-memory  | Redis                            |
 * | MQTT publisher lease | none: one gateway | Redis                  |
 * | Wallet, BetStore, market results    | in-memory | PostgreSQL (SB_PG_URL) |
 * | analytics       | in-memory  | ClickHouse (SB_CLICKHOUSE_URL)   |
 *
 * Engines are created on first use, so a process connects only to what its services need, and
 * closed in reverse order of creation. Part of app/: the only place besides compose.ts that
 * imports adapters.
 */
import type { Config } from './config.ts';
import type { Bus } from '../core/ports/bus.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { Wallet } from '../core/ports/wallet.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import type { LiabilityLedger } from '../core/ports/liability-ledger.ts';
import type { IdempotencyStore } from '../core/ports/idempotency-store.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import type { MarketResultStore } from '../core/ports/market-result-store.ts';
import type { AnalyticsStore } from '../core/ports/analytics.ts';
import type { EngineLease } from '../core/ports/engine-lease.ts';
import type { LeaderLease } from '../core/ports/leader-lease.ts';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { KafkaBus } from '../adapters/bus/kafka-bus.ts';
import { InMemoryPriceBook } from '../adapters/price-book/in-memory-price-book.ts';
import { RedisPriceBook } from '../adapters/price-book/redis-price-book.ts';
import { InMemoryWallet } from '../adapters/wallet/in-memory-wallet.ts';
import { createPostgresWallet } from '../adapters/wallet/postgres-wallet.ts';
import { InMemoryBetStore } from '../adapters/bet-store/in-memory-bet-store.ts';
import { createPostgresBetStore } from '../adapters/bet-store/postgres-bet-store.ts';
import { InMemoryLiabilityLedger } from '../adapters/liability/in-memory-liability-ledger.ts';
import { RedisLiabilityLedger } from '../adapters/liability/redis-liability-ledger.ts';
import { InMemoryIdempotencyStore } from '../adapters/idempotency/in-memory-idempotency-store.ts';
import { RedisIdempotencyStore } from '../adapters/idempotency/redis-idempotency-store.ts';
import { InMemoryRateLimiter } from '../adapters/rate-limit/in-memory-rate-limiter.ts';
import { RedisRateLimiter } from '../adapters/rate-limit/redis-rate-limiter.ts';
import { InMemoryMarketResultStore } from '../adapters/market-result-store/in-memory-market-result-store.ts';
import { createPostgresMarketResultStore } from '../adapters/market-result-store/postgres-market-result-store.ts';
import { InMemoryAnalytics } from '../adapters/analytics/in-memory-analytics.ts';
import { createClickHouseAnalytics } from '../adapters/analytics/clickhouse-analytics.ts';
import type { MqttPublisher } from '../core/ports/mqtt-broker.ts';
import { AedesBroker } from '../adapters/mqtt/aedes-broker.ts';
import { MqttClientPublisher } from '../adapters/mqtt/mqtt-client-publisher.ts';
import { createRedisSocketIoAdapter, type RedisSocketIoAdapter } from '../adapters/socketio/redis-adapter.ts';
import { InMemoryEngineLease } from '../adapters/engine-lease/in-memory-engine-lease.ts';
import { RedisEngineLease } from '../adapters/engine-lease/redis-engine-lease.ts';
import { RedisLeaderLease } from '../adapters/leader-lease/redis-leader-lease.ts';

interface Closable {
  close(): Promise<void>;
}

export interface EngineDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export class Engines {
  private readonly made = new Map<string, { engine: unknown; kind: string; close?: () => Promise<void> }>();
  private readonly distributed: boolean;

  constructor(
    private readonly config: Config,
    private readonly deps: EngineDeps,
  ) {
    this.distributed = config.mode === 'distributed';
  }

  /** What was chosen so far, for the start-up log. */
  chosen(): Record<string, string> {
    return Object.fromEntries([...this.made].map(([port, m]) => [port, m.kind]));
  }

  bus(): Promise<Bus> {
    const { logger, clock } = this.deps;
    const onHandlerError = (err: unknown, d: { topic: string; key: string }) => logger.error({ err, topic: d.topic, key: d.key }, 'bus handler failed: redelivering');
    return this.once('bus', async () =>
      this.distributed
        ? {
            kind: 'kafka',
            engine: new KafkaBus(
              { logger, clock },
              {
                brokers: this.config.kafkaBrokers,
                clientId: `sportsbook-${this.config.services.join('+')}`,
                onHandlerError,
                sessionTimeout: this.config.kafkaSessionTimeoutMs,
                heartbeatInterval: this.config.kafkaHeartbeatMs,
                rebalanceTimeout: this.config.kafkaRebalanceTimeoutMs,
                maxWaitTimeInMs: this.config.kafkaMaxWaitMs,
              },
            ),
          }
        : { kind: 'in-memory', engine: new InMemoryBus({ onHandlerError }) },
    );
  }

  priceBook(): Promise<PriceBook> {
    return this.once('priceBook', async () =>
      this.distributed
        ? { kind: 'redis', engine: new RedisPriceBook({ redis: this.config.redisUrl, logger: this.deps.logger }) }
        : { kind: 'in-memory', engine: new InMemoryPriceBook() },
    );
  }

  liability(): Promise<LiabilityLedger> {
    return this.once('liability', async () =>
      this.distributed
        ? { kind: 'redis', engine: new RedisLiabilityLedger({ redis: this.config.redisUrl, logger: this.deps.logger }) }
        : { kind: 'in-memory', engine: new InMemoryLiabilityLedger() },
    );
  }

  idempotency(): Promise<IdempotencyStore> {
    const windows = { retentionMs: this.config.betIdempotencyTtlMs };
    return this.once('idempotency', async () =>
      this.distributed
        ? { kind: 'redis', engine: new RedisIdempotencyStore({ redis: this.config.redisUrl, logger: this.deps.logger, ...windows }) }
        : { kind: 'in-memory', engine: new InMemoryIdempotencyStore({ clock: this.deps.clock }, windows) },
    );
  }

  rateLimiter(): Promise<RateLimiter> {
    return this.once('rateLimiter', async () =>
      this.distributed
        ? { kind: 'redis', engine: new RedisRateLimiter({ redis: this.config.redisUrl, logger: this.deps.logger }) }
        : { kind: 'in-memory', engine: new InMemoryRateLimiter({ clock: this.deps.clock }) },
    );
  }

  engineLease(): Promise<EngineLease> {
    return this.once('engineLease', async () =>
      this.distributed
        ? { kind: 'redis', engine: new RedisEngineLease({ redis: this.config.redisUrl, logger: this.deps.logger }) }
        : { kind: 'in-memory', engine: new InMemoryEngineLease({ clock: this.deps.clock }) },
    );
  }

  /**
   * Which push gateway replica publishes to the shared MQTT broker: a Redis lease. Embedded mode
   * has one gateway and its own broker, so none.
   */
  async mqttPublisherLease(): Promise<LeaderLease | undefined> {
    if (!this.distributed) return undefined;
    return this.once('mqttPublisherLease', async () => ({
      kind: 'redis',
      engine: new RedisLeaderLease({ redis: this.config.redisUrl, logger: this.deps.logger, name: 'mqtt-publisher' }),
    }));
  }

  wallet(): Promise<Wallet> {
    const { clock, logger } = this.deps;
    return this.once('wallet', async () =>
      this.distributed
        ? { kind: 'postgres', engine: await createPostgresWallet({ clock, logger }, { url: this.config.pgUrl }) }
        : { kind: 'in-memory', engine: new InMemoryWallet({ clock }) },
    );
  }

  betStore(): Promise<BetStore> {
    const { clock, logger } = this.deps;
    return this.once('betStore', async () =>
      this.distributed
        ? { kind: 'postgres', engine: await createPostgresBetStore({ clock, logger }, { url: this.config.pgUrl }) }
        : { kind: 'in-memory', engine: new InMemoryBetStore({ clock }) },
    );
  }

  marketResults(): Promise<MarketResultStore> {
    const { clock, logger } = this.deps;
    return this.once('marketResults', async () =>
      this.distributed
        ? { kind: 'postgres', engine: await createPostgresMarketResultStore({ clock, logger }, { url: this.config.pgUrl }) }
        : { kind: 'in-memory', engine: new InMemoryMarketResultStore() },
    );
  }

  analytics(): Promise<AnalyticsStore> {
    return this.once('analytics', async () =>
      this.distributed
        ? { kind: 'clickhouse', engine: await createClickHouseAnalytics(this.deps, clickHouseTarget(this.config.clickhouseUrl)) }
        : { kind: 'in-memory', engine: new InMemoryAnalytics() },
    );
  }

  /**
   * Where the push gateway publishes MQTT: the embedded broker (aedes, players log in with their
   * bearer token as password), or the external broker as the gateway's own user.
   */
  mqtt(access: { verifyPlayer: (playerId: string, token: string) => boolean; mayRead: (playerId: string | undefined, filter: string) => boolean }): Promise<MqttPublisher> {
    const { logger } = this.deps;
    const c = this.config;
    return this.once('mqtt', async () =>
      this.distributed
        ? {
            kind: 'mqtt-client',
            engine: await MqttClientPublisher.connect({ logger }, { url: c.mqttUrl, ...(c.mqttUsername ? { username: c.mqttUsername, password: c.mqttPassword } : {}) }),
          }
        : { kind: 'aedes', engine: await AedesBroker.start({ logger, ...access }, { host: c.httpHost, port: c.mqttPort, wsPort: c.mqttWsPort }) },
    );
  }

  /** socket.io's adapter across gateway processes (Redis), or undefined in one process. */
  async socketIoAdapter(): Promise<RedisSocketIoAdapter['adapter'] | undefined> {
    if (!this.distributed) return undefined;
    const made = await this.once<RedisSocketIoAdapter>('socketIoAdapter', async () => ({
      kind: 'redis',
      engine: await createRedisSocketIoAdapter({ url: this.config.redisUrl, logger: this.deps.logger }),
    }));
    return made.adapter;
  }

  /** Closes every engine made, newest first (services stopped before, so nothing is in flight). */
  async close(): Promise<void> {
    for (const [port, m] of [...this.made].reverse()) {
      await (m.engine as Partial<Closable>).close?.().catch((err: unknown) => this.deps.logger.error({ err, port }, 'closing an engine failed'));
    }
    this.made.clear();
  }

  private async once<T>(port: string, make: () => Promise<{ kind: string; engine: unknown }>): Promise<T> {
    const existing = this.made.get(port);
    if (existing) return existing.engine as T;
    const made = await make();
    this.made.set(port, made);
    return made.engine as T;
  }
}

/** `http://host:8123/db`: the path names the database (default the adapter's), as a PostgreSQL URL does. */
function clickHouseTarget(url: string): { url: string; database?: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  parsed.pathname = '/';
  return database === '' ? { url } : { url: parsed.toString(), database };
}
