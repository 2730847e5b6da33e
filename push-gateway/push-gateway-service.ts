/**
 * push-gateway: live prices, the live list and private bet updates to browsers over socket.io
 * and to MQTT clients through a broker (when an MQTT publisher is given), on the same channel
 * model. See README.md for the protocols and the multi-process design.
 *
 * Every gateway process consumes odds.deltas, fixtures.changes and bets.events in a consumer
 * group of its own, so each holds every channel's history and order, and a client can resume on
 * any process with the odds engine's (epoch, seq).
 *
 * MQTT clients all read one broker, so only one replica may publish to it (two would interleave
 * their frames on each topic). With a leader lease, the replica holding it publishes and the
 * others stand by; when the publisher dies, its lease lapses and another takes over, publishing a
 * fresh retained snapshot of each channel as it sees the channel change. Alone (embedded mode, or
 * one replica with its own broker) a gateway publishes without a lease.
 */
import { randomBytes } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { ServerOptions } from 'socket.io';
import type { Fixture } from '../core/contracts/fixtures.ts';
import { AppError } from '../core/errors.ts';
import type { Bus, Subscription } from '../core/ports/bus.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { LeaderLease } from '../core/ports/leader-lease.ts';
import type { MqttPublisher } from '../core/ports/mqtt-broker.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { HealthReport, Service } from '../core/service.ts';
import { TOPICS } from '../core/topics.ts';
import { eventSnapshot } from './bettor-view.ts';
import { ChannelHub } from './channel-hub.ts';
import { liveChannel, parseChannel, playerChannel, type Channel } from './channels.ts';
import { gatewayMetrics } from './gateway-metrics.ts';
import { isBetUpdate, isFixtureUpdated, isOddsDelta } from './inbound.ts';
import { DEFAULT_MAIN_MARKETS, LiveList } from './live-list.ts';
import { MqttTransport } from './mqtt-transport.ts';
import { SocketIoTransport, type TokenSubject } from './socketio-transport.ts';

export interface PushGatewayDeps {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Snapshots of events and main markets. */
  readonly priceBook: PriceBook;
  /** Verifies a player's bearer token (app/auth.ts `Auth.verify`); undefined when invalid. */
  readonly verifyToken: (token: string) => TokenSubject | undefined;
  /** The HTTP server socket.io attaches to (shared with the API). */
  readonly httpServer: HttpServer;
  /** socket.io adapter constructor, e.g. Redis across processes; default in-memory. */
  readonly socketIoAdapter?: ServerOptions['adapter'];
  /**
   * The fixtures as they stand, to seed the live list at start (embedded mode: the catalog).
   * With Kafka, replaying fixtures.changes from the beginning seeds it as well.
   */
  readonly listFixtures?: () => Promise<readonly Fixture[]> | readonly Fixture[];
  /** Publishes every channel to MQTT topics as well (embedded aedes or an external broker). */
  readonly mqtt?: MqttPublisher;
  /** Among replicas sharing one broker, who publishes to it; without it, this gateway always does. */
  readonly mqttLeadership?: LeaderLease;
}

export interface PushGatewayOptions {
  /** Names this process in its consumer group and logs. Default: random per start. */
  readonly nodeId?: string;
  /** Consumer group prefix; each process uses `<prefix>.<nodeId>`. Default 'push-gateway'. */
  readonly groupPrefix?: string;
  /** socket.io namespace. Default '/odds'. */
  readonly namespace?: string;
  /** socket.io path. Default '/socket.io'. */
  readonly path?: string;
  /** Changes kept per event and live-list channel for resume. Default 256. */
  readonly historyLength?: number;
  /** Bet updates kept per player (also the player snapshot). Default 50. */
  readonly playerHistoryLength?: number;
  /** History older than this is dropped, ms. Default 120,000. */
  readonly historyMaxAgeMs?: number;
  /** A channel sends at most one frame per window, conflating the changes in between, ms. 0: no conflation. Default 50. */
  readonly conflationWindowMs?: number;
  /** Subscriptions per connection. Default 100. */
  readonly maxSubscriptions?: number;
  /** Channels per subscribe request. Default 50. */
  readonly maxChannelsPerRequest?: number;
  /** Connections per client address. Default 50. */
  readonly maxConnectionsPerIp?: number;
  /** Largest client request, bytes. Default 8,192. */
  readonly maxMessageBytes?: number;
  /** Packets waiting in a socket's write buffer before it is paused as a slow consumer. Default 256. */
  readonly bufferCapPackets?: number;
  /** A paused socket that has not drained after this long is disconnected, ms. Default 10,000. */
  readonly slowConsumerGraceMs?: number;
  /** Take the client address from X-Forwarded-For (behind a trusted proxy). Default false. */
  readonly trustProxy?: boolean;
  /** Main market key per sport id for the live list. Default: 1X2 / winner markets of the main sports. */
  readonly mainMarkets?: Readonly<Record<string, string>>;
  /** Main market of sports not in mainMarkets. Default '1'. */
  readonly defaultMainMarket?: string;
  /** Delay between snapshot reads when the PriceBook and the stream disagree, ms. Default 50. */
  readonly snapshotRetryMs?: number;
  /** Snapshot reads before syncing subscribers get an error. Default 20. */
  readonly snapshotAttempts?: number;
  /** Most often an MQTT retained snapshot is refreshed for price-only changes, ms. Default 1,000. */
  readonly mqttSnapshotIntervalMs?: number;
  /**
   * Time to live of the MQTT publisher's lease, ms; it is acquired again every third of it. A dead
   * publisher's MQTT clients wait at most this long for the next one. Default 3,000.
   */
  readonly mqttLeaseTtlMs?: number;
}

export interface PushGateway extends Service {
  readonly nodeId: string;
  /** Open socket.io connections. */
  connections(): number;
  /** The channel hub (positions and counts, for tests and health). */
  readonly hub: ChannelHub;
}

export function createPushGateway(deps: PushGatewayDeps, options: PushGatewayOptions = {}): PushGateway {
  const nodeId = options.nodeId ?? `gw-${randomBytes(4).toString('hex')}`;
  const groupId = `${options.groupPrefix ?? 'push-gateway'}.${nodeId}`;
  const logger = deps.logger.child({ service: 'push-gateway', nodeId });
  const metrics = gatewayMetrics(deps.metrics);
  const historyMaxAgeMs = options.historyMaxAgeMs ?? 120_000;

  const transport = new SocketIoTransport(
    { httpServer: deps.httpServer, verifyToken: deps.verifyToken, clock: deps.clock, logger, metrics, ...(deps.socketIoAdapter ? { adapter: deps.socketIoAdapter } : {}) },
    {
      namespace: options.namespace ?? '/odds',
      path: options.path ?? '/socket.io',
      maxConnectionsPerIp: options.maxConnectionsPerIp ?? 50,
      maxChannelsPerRequest: options.maxChannelsPerRequest ?? 50,
      maxMessageBytes: options.maxMessageBytes ?? 8192,
      bufferCapPackets: options.bufferCapPackets ?? 256,
      slowConsumerGraceMs: options.slowConsumerGraceMs ?? 10_000,
      trustProxy: options.trustProxy ?? false,
    },
  );
  let liveList: LiveList | undefined;
  const hub = new ChannelHub(
    {
      fanout: transport,
      sources: {
        readEvent: (eventId) => deps.priceBook.getEvent(eventId),
        liveSnapshot: (sportId) => liveList!.snapshot(sportId),
      },
      clock: deps.clock,
      logger,
      metrics,
    },
    {
      historyLength: options.historyLength ?? 256,
      playerHistoryLength: options.playerHistoryLength ?? 50,
      historyMaxAgeMs,
      conflationWindowMs: options.conflationWindowMs ?? 50,
      maxSubscriptions: options.maxSubscriptions ?? 100,
      snapshotRetryMs: options.snapshotRetryMs ?? 50,
      snapshotAttempts: options.snapshotAttempts ?? 20,
    },
  );
  let mqtt = deps.mqtt && !deps.mqttLeadership ? createMqttTransport(deps.mqtt) : undefined;
  liveList = new LiveList(
    {
      readMarket: (eventId, marketKey) => deps.priceBook.getMarket(eventId, marketKey),
      publish: (sportId, change) => {
        hub.publish(liveChannel(sportId), change);
        mqtt?.publishChange(liveChannel(sportId), change);
      },
      clock: deps.clock,
      logger,
    },
    { mainMarkets: options.mainMarkets ?? DEFAULT_MAIN_MARKETS, defaultMainMarket: options.defaultMainMarket ?? '1' },
  );
  const live = liveList;

  function createMqttTransport(publisher: MqttPublisher): MqttTransport {
    const snapshotOf = async (channel: Channel, position: { epoch: string | undefined; seq: number } | undefined) => {
      switch (channel.kind) {
        case 'event': {
          const book = await deps.priceBook.getEvent(channel.eventId);
          return book ? { channel: channel.name, epoch: book.epoch, seq: book.seq, data: eventSnapshot(channel.eventId, book) } : null;
        }
        case 'live':
          // The live list is in step with the changes every hub was given, so with this position.
          return position?.epoch === undefined ? undefined : { channel: channel.name, epoch: position.epoch, seq: position.seq, data: liveList!.snapshot(channel.sportId) };
        case 'player':
          return undefined;
      }
    };
    return new MqttTransport(
      {
        publisher,
        sources: { readEvent: (eventId) => deps.priceBook.getEvent(eventId), liveSnapshot: (sportId) => liveList!.snapshot(sportId) },
        snapshotOf,
        clock: deps.clock,
        logger,
        metrics,
      },
      {
        snapshotIntervalMs: options.mqttSnapshotIntervalMs ?? 1000,
        idleMs: historyMaxAgeMs,
        historyLength: options.historyLength ?? 256,
        historyMaxAgeMs,
        conflationWindowMs: options.conflationWindowMs ?? 50,
        snapshotRetryMs: options.snapshotRetryMs ?? 50,
        snapshotAttempts: options.snapshotAttempts ?? 20,
      },
    );
  }

  const leaseTtlMs = options.mqttLeaseTtlMs ?? 3000;
  let leaseTimer: Timer | undefined;
  /** Until when this replica may publish: the start of its last successful acquire + the TTL. */
  let leadsUntil = Number.NEGATIVE_INFINITY;
  let leaseCheck: Promise<void> | undefined;

  /** Acquires (or extends) the MQTT publisher's lease and starts or stops publishing to match. */
  async function checkLeadership(publisher: MqttPublisher, lease: LeaderLease): Promise<void> {
    const askedAt = deps.clock.now();
    try {
      if (await lease.acquire(nodeId, leaseTtlMs)) leadsUntil = askedAt + leaseTtlMs;
      else leadsUntil = Number.NEGATIVE_INFINITY;
    } catch (error) {
      // Unsure whether it still leads: it goes on until its last lease would have lapsed.
      logger.warn({ err: error }, 'mqtt publisher lease: acquire failed');
    }
    if (state !== 'running') return;
    const leads = deps.clock.now() < leadsUntil;
    if (leads && !mqtt) {
      mqtt = createMqttTransport(publisher);
      logger.info({ leaseTtlMs }, 'mqtt: this replica publishes to the broker');
    } else if (!leads && mqtt) {
      const stopping = mqtt;
      mqtt = undefined;
      await stopping.stop();
      logger.info({ leaseTtlMs }, 'mqtt: another replica publishes to the broker; this one stands by');
    }
  }

  let subscriptions: Subscription[] = [];
  let pruneTimer: Timer | undefined;
  let state: 'new' | 'running' | 'stopped' = 'new';

  const invalid = (topic: string) => {
    metrics.dropped.inc({ reason: 'invalid' });
    logger.debug({ topic }, 'message skipped: not of the expected shape');
  };

  return {
    name: 'push-gateway',
    nodeId,
    hub,
    connections: () => transport.connectionCount,
    async start() {
      if (state === 'running') return;
      if (state === 'stopped') throw new AppError('SHUTTING_DOWN', 'a stopped push gateway is not started again; create a new one');
      state = 'running';
      // Consume first, then seed and accept clients: nothing published meanwhile is missed.
      subscriptions = await Promise.all([
        deps.bus.subscribe({
          topics: [TOPICS.oddsDeltas],
          groupId,
          handler: async ({ value }) => {
            if (!isOddsDelta(value)) return invalid(TOPICS.oddsDeltas);
            live.applyDelta(value, hub.onOddsDelta(value));
            mqtt?.onOddsDelta(value);
          },
        }),
        deps.bus.subscribe({
          topics: [TOPICS.fixtureChanges],
          groupId,
          fromBeginning: true,
          handler: async ({ value }) => {
            if (!isFixtureUpdated(value)) return invalid(TOPICS.fixtureChanges);
            live.applyFixture(value.fixture);
          },
        }),
        deps.bus.subscribe({
          topics: [TOPICS.bets],
          groupId,
          handler: async ({ value }) => {
            const channel = isBetUpdate(value) ? playerChannel(value.playerId) : undefined;
            if (channel === undefined || parseChannel(channel) === undefined) return invalid(TOPICS.bets);
            hub.publish(channel, value);
            mqtt?.publishChange(channel, value);
          },
        }),
      ]);
      for (const fixture of (await deps.listFixtures?.()) ?? []) live.applyFixture(fixture);
      pruneTimer = deps.clock.setInterval(
        () => {
          hub.prune();
          mqtt?.prune();
        },
        Math.min(10_000, Math.max(1000, historyMaxAgeMs / 4)),
      );
      if (deps.mqtt && deps.mqttLeadership) {
        const [publisher, lease] = [deps.mqtt, deps.mqttLeadership];
        const check = () => {
          leaseCheck ??= checkLeadership(publisher, lease).finally(() => (leaseCheck = undefined));
        };
        check();
        leaseTimer = deps.clock.setInterval(check, Math.max(1, Math.floor(leaseTtlMs / 3)));
      }
      transport.start(hub);
      logger.info(
        { groupId, namespace: options.namespace ?? '/odds', adapter: deps.socketIoAdapter ? 'provided' : 'in-memory', mqtt: deps.mqtt?.kind ?? 'off', liveEvents: live.size },
        'push gateway started',
      );
    },
    async stop() {
      if (state !== 'running') return;
      state = 'stopped';
      await transport.stop();
      await Promise.all(subscriptions.map((s) => s.close()));
      leaseTimer?.cancel();
      await leaseCheck;
      await mqtt?.stop();
      mqtt = undefined;
      // The next publisher need not wait for the lease to lapse.
      await deps.mqttLeadership?.release(nodeId).catch((error: unknown) => logger.warn({ err: error }, 'mqtt publisher lease: release failed'));
      subscriptions = [];
      pruneTimer?.cancel();
      hub.close();
    },
    async health(): Promise<HealthReport> {
      const bus = await deps.bus.health();
      const broker = deps.mqtt ? await deps.mqtt.health() : undefined;
      return {
        ok: state === 'running' && bus.ok && (broker?.ok ?? true),
        checks: {
          bus,
          consuming: { ok: subscriptions.length === 3 },
          ...(broker ? { mqtt: broker } : {}),
          ...(deps.mqttLeadership ? { mqttPublisher: { ok: true, detail: mqtt ? 'publishing: holds the lease' : 'standing by: another replica publishes' } } : {}),
        },
      };
    },
  };
}
