/**
 * The only place that chooses implementations. Everything else depends on ports; this file reads
 * the configuration, picks an adapter for each port, logs what it picked, and wires the services
 * of this process together with one HTTP server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { createHttpServer } from './http.ts';
import { registerAuth, type Auth } from './auth.ts';
import { Engines } from './engines.ts';
import { AppError } from '../core/errors.ts';
import type { Bus } from '../core/ports/bus.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { FeedSource, RecoveryRequester } from '../core/ports/feed-source.ts';
import type { FixtureProvider } from '../core/ports/fixture-provider.ts';
import type { Service } from '../core/service.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { createPinoLogger } from '../adapters/logger/pino-logger.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { AmqpFeedSource } from '../adapters/feed-source/amqp-feed-source.ts';
import { ReplayFeedSource } from '../adapters/feed-source/replay-feed-source.ts';
import { HttpRecoveryRequester } from '../adapters/recovery/http-recovery-requester.ts';
import { createMatchSimulator } from '../feed-ingest/simulator/simulator.ts';
import { createFeedIngest } from '../feed-ingest/feed-ingest-service.ts';
import { createFixtures, type Fixtures } from '../fixtures/fixtures-service.ts';
import { createFixtureDirectory } from '../fixtures/fixture-directory.ts';
import { registerFixtureRoutes } from '../fixtures/http.ts';
import { createOddsEngine, type OddsEngine } from '../odds-engine/odds-engine-service.ts';
import { registerTradingRoutes } from '../odds-engine/http.ts';
import { createAnalytics } from '../analytics/analytics-service.ts';
import { registerAnalyticsRoutes } from '../analytics/http.ts';
import { createBetAcceptor, type BetAcceptor, type BetAcceptorOptions } from '../bet-acceptor/bet-acceptor-service.ts';
import { registerBetRoutes } from '../bet-acceptor/http.ts';
import { createSettlement, type Settlement } from '../settlement/settlement-service.ts';
import { registerSettlementRoutes } from '../settlement/http.ts';
import { createPushGateway, type PushGateway } from '../push-gateway/push-gateway-service.ts';
import { mayRead } from '../push-gateway/mqtt-topics.ts';
import { createDemoBettors } from './demo-bettors.ts';

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly bus: Bus;
  readonly http: FastifyInstance;
  readonly auth: Auth;
  /** The services of this process, in start order. */
  readonly services: readonly Service[];
  readonly fixtures?: Fixtures;
  readonly oddsEngine?: OddsEngine;
  readonly betAcceptor?: BetAcceptor;
  readonly settlement?: Settlement;
  readonly pushGateway?: PushGateway;
  /** Starts every service in order, then listens. Resolves with the base URL. */
  start(): Promise<{ url: string }>;
  /** Stops listening, then every service in reverse order. Idempotent. */
  stop(): Promise<void>;
}

/** What tests may put in place of the configured adapters. */
export interface AppOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly bus?: Bus;
  readonly feed?: FeedAdapters;
}

interface FeedAdapters {
  readonly source: FeedSource;
  readonly recovery: RecoveryRequester;
  readonly fixtureProvider: FixtureProvider;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createPinoLogger({ level: config.logLevel, bindings: { app: 'sportsbook' } });
  const clock = overrides.clock ?? new SystemClock();
  const metrics = new PromMetrics({ defaultMetrics: true });
  const runs = (name: (typeof config.services)[number]) => config.services.includes(name);

  const engines = new Engines(config, { clock, logger, metrics });
  const bus = overrides.bus ?? (await engines.bus());
  const needs = (...names: Array<(typeof config.services)[number]>) => names.some(runs);
  // Only a process that reads the feed builds its adapters: a simulator anywhere else would be a
  // second, unrelated one.
  const feed = overrides.feed ?? (needs('feed-ingest', 'fixtures') ? chooseFeed(config, clock, logger, metrics) : undefined);
  const priceBook = needs('odds-engine', 'bet-acceptor', 'push-gateway') ? await engines.priceBook() : undefined;
  // The odds engine's sign of life, without which acceptors take no bet: kept wherever an engine
  // can hold it, so in distributed mode always (the engine runs apart), in embedded mode only
  // beside the engine (an acceptor alone there is fed by hand, by tests).
  const engineLease = runs('odds-engine') || (runs('bet-acceptor') && config.mode === 'distributed') ? await engines.engineLease() : undefined;

  const http = createHttpServer(logger);
  const secret = config.jwtSecret || randomBytes(32).toString('hex');
  // Minting tokens for anyone is a demo feature: never outside embedded mode.
  const auth = await registerAuth(http, { secret, demoTokens: config.demoTokens && config.mode === 'embedded' });

  const services: Service[] = [];
  let fixtures: Fixtures | undefined;
  if (runs('fixtures') && feed) {
    fixtures = createFixtures({ bus, clock, logger, metrics, provider: feed.fixtureProvider });
    registerFixtureRoutes(http, fixtures);
    services.push(fixtures);
  }
  // Sport and tournament of an event: from the catalog in this process, else from a copy kept
  // from fixtures.changes (the catalog runs in another process).
  const directory = !fixtures && needs('odds-engine', 'analytics') ? createFixtureDirectory({ bus, clock, logger }) : undefined;
  if (directory) services.push(directory);
  const fixtureOf = (eventId: string) => fixtures?.get(eventId) ?? directory?.get(eventId);
  let oddsEngine: OddsEngine | undefined;
  if (runs('odds-engine') && priceBook) {
    oddsEngine = createOddsEngine(
      {
        bus,
        clock,
        logger,
        metrics,
        priceBook,
        ...(engineLease ? { lease: engineLease } : {}),
        // The margin hierarchy needs sport and tournament, which odds messages do not carry.
        eventInfo: (eventId) => {
          const f = fixtureOf(eventId);
          return f && { sportId: f.sport.id, tournamentId: f.tournament.id };
        },
      },
      // A PriceBook in Redis outlives the engine: what an earlier engine left there is withdrawn.
      { margin: { margin: config.margin, method: config.marginMethod }, withdrawOnStart: config.mode === 'distributed', leaseTtlMs: config.engineLeaseTtlMs },
    );
    registerTradingRoutes(http, oddsEngine, { requireTrader: auth.requireTrader });
    services.push(oddsEngine);
  }
  if (runs('analytics')) {
    const store = await engines.analytics();
    // The catalog (or its copy) knows every event a bet can name; the provider is the fallback for old ones.
    const sportOf = {
      getFixture: async (eventId: string) => fixtureOf(eventId) ?? (await directory?.getFixture(eventId)) ?? feed?.fixtureProvider.getFixture(eventId),
    };
    services.push(createAnalytics({ bus, logger, metrics, store, fixtures: sportOf }));
    registerAnalyticsRoutes(http, store, { requireTrader: auth.requireTrader });
  }
  // One wallet, bet store and liability ledger in this process: the acceptor holds stakes,
  // stores bets and reserves their liability; settlement pays them out and releases it.
  const money = needs('bet-acceptor', 'settlement')
    ? { wallet: await engines.wallet(), betStore: await engines.betStore(), liability: await engines.liability() }
    : undefined;
  let betAcceptor: BetAcceptor | undefined;
  if (runs('bet-acceptor') && money && priceBook) {
    const { wallet, betStore, liability } = money;
    betAcceptor = createBetAcceptor(
      {
        bus,
        clock,
        logger,
        metrics,
        priceBook,
        wallet,
        betStore,
        liability,
        idempotency: await engines.idempotency(),
        rateLimiter: await engines.rateLimiter(),
        ...(engineLease ? { engineLease } : {}),
      },
      betAcceptorOptions(config),
    );
    registerBetRoutes(http, betAcceptor, { requirePlayer: auth.requirePlayer, logger });
    services.push(betAcceptor);
  }
  let settlement: Settlement | undefined;
  if (runs('settlement') && money) {
    const { wallet, betStore, liability } = money;
    settlement = createSettlement(
      { bus, clock, logger, metrics, wallet, bets: betStore, liability, results: await engines.marketResults() },
      // The in-memory bet store sorts a market's whole index on every byMarket() call: one call
      // per market there; PostgreSQL walks its index a page at a time.
      { pageSize: config.mode === 'embedded' ? 0 : 1000 },
    );
    registerSettlementRoutes(http, settlement, { requireTrader: auth.requireTrader });
    services.push(settlement);
  }
  let pushGateway: PushGateway | undefined;
  if (runs('push-gateway') && priceBook) {
    const verifyPlayer = (playerId: string, token: string) => {
      const p = auth.verify(token);
      return p !== undefined && p.role === 'player' && p.sub === playerId;
    };
    const catalog = fixtures;
    const socketIoAdapter = await engines.socketIoAdapter();
    const mqttLeadership = await engines.mqttPublisherLease();
    pushGateway = createPushGateway({
      bus,
      clock,
      logger,
      metrics,
      priceBook,
      verifyToken: auth.verify,
      httpServer: http.server,
      mqtt: await engines.mqtt({ verifyPlayer, mayRead }),
      ...(mqttLeadership ? { mqttLeadership } : {}),
      ...(socketIoAdapter ? { socketIoAdapter } : {}),
      ...(catalog ? { listFixtures: () => catalog.list() } : {}),
    });
    services.push(pushGateway);
  }
  if (betAcceptor && priceBook && config.mode === 'embedded' && config.demoPlayers > 1) {
    services.push(createDemoBettors({ clock, logger, priceBook, acceptor: betAcceptor }, { betsPerMinute: config.demoBetsPerMinute, players: config.demoPlayers }));
  }
  // The feed starts last, so every consumer is subscribed before the first message flows.
  if (runs('feed-ingest') && feed) {
    services.push(
      createFeedIngest(
        { bus, clock, logger, metrics, source: feed.source, recovery: feed.recovery },
        {
          producers: config.feedProducers.map(Number),
          aliveTimeoutMs: config.aliveTimeoutMs,
          // A replay's alives carry their recorded timestamps: lag has no meaning there.
          maxLagMs: config.feedSource === 'replay' ? 0 : config.maxLagMs,
          recoveryTimeoutMs: config.recoveryTimeoutMs,
          maxBytes: config.feedMaxBytes,
        },
      ),
    );
  }

  logger.info(
    { mode: config.mode, services: config.services, feedSource: overrides.feed ? 'injected' : config.feedSource, ...engines.chosen(), ...(overrides.bus ? { bus: 'injected' } : {}) },
    config.mode === 'embedded' ? 'composed: embedded mode, state is kept in memory and lost on exit' : 'composed: distributed mode',
  );

  http.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  http.get('/health', async (_request, reply) => {
    const reports = await Promise.all(
      services.map(async (s) => [s.name, s.health ? await s.health().catch((err: unknown) => ({ ok: false, checks: { self: { ok: false, detail: String(err) } } })) : { ok: true, checks: {} }] as const),
    );
    const ok = reports.every(([, r]) => r.ok);
    return reply.status(ok ? 200 : 503).send({ ok, services: Object.fromEntries(reports) });
  });
  await servePages(http, logger);

  const started: Service[] = [];
  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    metrics,
    clock,
    bus,
    http,
    auth,
    services,
    ...(fixtures ? { fixtures } : {}),
    ...(oddsEngine ? { oddsEngine } : {}),
    ...(betAcceptor ? { betAcceptor } : {}),
    ...(settlement ? { settlement } : {}),
    ...(pushGateway ? { pushGateway } : {}),
    async start() {
      for (const service of services) {
        await service.start();
        started.push(service);
      }
      const url = await http.listen({ host: config.httpHost, port: config.httpPort });
      logger.info({ url, services: services.map((s) => s.name) }, `listening on ${url}`);
      return { url };
    },
    stop() {
      stopping ??= (async () => {
        const stop = (service: Service) => service.stop().catch((err: unknown) => logger.error({ err, service: service.name }, 'stop failed'));
        // The gateway first: the HTTP server does not close while socket.io clients are connected.
        if (pushGateway && started.includes(pushGateway)) await stop(pushGateway);
        await http.close();
        for (const service of [...started].reverse()) if (service !== pushGateway) await stop(service);
        // Engines this app made (an injected bus is the caller's), newest first: the bus last.
        await engines.close();
        logger.info({}, 'stopped');
      })();
      return stopping;
    },
  };
}

/**
 * The web pages, as `npm run build:web` left them in web/dist (`npm start` builds first): the
 * bettor page at /, the trading console at /trading, their bundles under /assets. A process
 * without a build serves the API alone and says so.
 */
async function servePages(http: FastifyInstance, logger: Logger): Promise<void> {
  const root = fileURLToPath(new URL('../web/dist/', import.meta.url));
  if (!existsSync(root)) {
    logger.warn({ root }, 'web pages not built (npm run build:web): / and /trading are not served');
    return;
  }
  // wildcard false: one route per file found now, so unknown paths keep the API's 404.
  await http.register(fastifyStatic, { root, wildcard: false, index: 'index.html' });
  http.get('/trading', (_request, reply) => reply.sendFile('trading.html'));
}

/** The acceptor's limits, delays and demo players from the SB_BET_* and SB_DEMO_* settings. */
function betAcceptorOptions(config: Config): BetAcceptorOptions {
  const bySport: Record<string, number> = {};
  let defaultMs = 5000;
  for (const entry of config.betInPlayDelays) {
    const [sport, seconds] = entry.split('=') as [string, string];
    const ms = Math.round(Number(seconds) * 1000);
    if (sport === '*') defaultMs = ms;
    else bySport[sport] = ms;
  }
  return {
    currency: config.betCurrency,
    limits: { minStake: config.betMinStake, maxStake: config.betMaxStake, maxPayout: config.betMaxPayout, liability: config.betLiabilityLimit },
    delays: { defaultMs, bySport },
    rateLimits: { player: { limit: config.betRatePerPlayer, windowMs: 60_000 }, ip: { limit: config.betRatePerIp, windowMs: 60_000 } },
    ...(config.demoPlayers > 0 ? { demoPlayers: { count: config.demoPlayers, balance: config.demoBalance } } : {}),
  };
}

function chooseFeed(config: Config, clock: Clock, logger: Logger, metrics: Metrics): FeedAdapters {
  const noDetails: FixtureProvider = { getFixture: async () => undefined, listFixtures: async () => [] };
  switch (config.feedSource) {
    case 'simulator': {
      const speed = config.simSpeed;
      const simulator = createMatchSimulator(
        { clock, logger, metrics },
        {
          seed: String(config.simSeed),
          liveMatches: config.simLiveMatches,
          upcomingMatches: config.simUpcomingMatches,
          msPerSimSecond: { football: 55 / speed, tennis: 55 / speed, basketball: 125 / speed },
        },
      );
      return { source: simulator, recovery: simulator, fixtureProvider: simulator };
    }
    case 'amqp':
      return {
        source: new AmqpFeedSource({ clock, logger }, { url: config.amqpUrl, exchange: config.amqpExchange, routingKeys: config.amqpRoutingKeys }),
        recovery: new HttpRecoveryRequester({ clock, logger }, { baseUrl: config.uofApiUrl, accessToken: config.uofAccessToken }),
        fixtureProvider: noDetails,
      };
    case 'replay':
      return {
        source: new ReplayFeedSource({ clock, logger }, { path: config.replayPath, speed: config.replaySpeed, loop: config.replayLoop }),
        // A recording cannot be asked to resend anything: a producer that goes down in a replay
        // stays down (its markets suspended) and the watchdog keeps asking, visibly, in the log.
        recovery: {
          requestRecovery: async () => {
            throw new AppError('RECOVERY_FAILED', 'a replayed recording cannot answer recovery requests');
          },
        },
        fixtureProvider: noDetails,
      };
  }
}
