/**
 * The push gateway's MQTT side. The broker does the fan-out to clients and enforces who reads
 * what; this transport publishes every channel the gateway carries to its topics (see
 * mqtt-topics.ts):
 *
 * - deltas: each frame the hub flushes is serialized once and published (QoS 0 for prices and
 *   the live list, QoS 1 for private bet updates), with the hub's epoch/from/seq;
 * - retained snapshots (event and live-list channels): published when the hub gives one (the
 *   first sight of a channel, a new epoch, a gap upstream) and refreshed as the channel changes:
 *   at once after a frame carrying a state change (a market suspended or reopened, an epoch
 *   started, a live event added, updated or removed), otherwise at most once per
 *   `snapshotIntervalMs`. Price-only changes therefore reach the retained message within that
 *   interval, and a client that subscribes gets a state at most that old plus the deltas after.
 *
 * It runs a channel hub of its own in which it is the one subscriber of every channel (one
 * subscriber id per channel), so the hub's ordering, duplicate dropping, restart and snapshot
 * rules apply unchanged, and socket.io clients' pacing never affects MQTT.
 *
 * Payloads are JSON: `{v: 1, channel, epoch, seq, data}` for snapshots and
 * `{v: 1, channel, epoch, from, seq, changes}` for deltas. A client applies the changes with a
 * seq above the one it holds; a frame whose `from` is beyond its seq + 1, or of another epoch,
 * is a gap: it waits for the next retained snapshot (or subscribes again to the snapshot topic).
 */
import type { OddsDelta } from '../core/contracts/odds.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { MqttPublisher } from '../core/ports/mqtt-broker.ts';
import { ChannelHub, type ChannelSources, type Fanout } from './channel-hub.ts';
import { eventChannel, parseChannel, type Channel } from './channels.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { channelTopics } from './mqtt-topics.ts';
import type { OutFrame, SnapshotFrame } from './wire.ts';

export interface MqttTransportDeps {
  readonly publisher: MqttPublisher;
  readonly sources: ChannelSources;
  /**
   * The channel's state now, for refreshing its retained snapshot: an event from the PriceBook,
   * a live list at the hub's position. null when the channel no longer exists (its retained
   * message is removed); undefined when it cannot be told now (nothing is published).
   */
  readonly snapshotOf: (channel: Channel, position: { epoch: string | undefined; seq: number } | undefined) => Promise<SnapshotFrame | null | undefined>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

export interface MqttTransportOptions {
  /** Most often a channel's retained snapshot is refreshed for price-only changes, ms. */
  readonly snapshotIntervalMs: number;
  /** A channel without changes for this long is forgotten (its retained message stays), ms. */
  readonly idleMs: number;
  /** Changes kept per channel (only used between a snapshot and the stream catching up). */
  readonly historyLength: number;
  readonly historyMaxAgeMs: number;
  readonly conflationWindowMs: number;
  readonly snapshotRetryMs: number;
  readonly snapshotAttempts: number;
}

interface Published {
  readonly channel: Channel;
  /** Last retained snapshot position published. */
  epoch: string | undefined;
  seq: number;
  lastRefreshAt: number;
  lastChangeAt: number;
  refreshTimer: Timer | undefined;
  refreshing: boolean;
  /** A refresh was asked for while one was running. */
  dirty: boolean;
  /** The next refresh should not wait for the interval (a state change). */
  urgent: boolean;
}

/** Changes that alter what a bettor may do or see listed, not just a price. */
const STATE_CHANGES = new Set(['MarketStatusChanged', 'EpochStarted', 'LiveEventUpdated', 'LiveEventRemoved']);

const SUBSCRIBER_PREFIX = 'mqtt|';

export class MqttTransport implements Fanout {
  readonly protocol = 'mqtt';
  private readonly hub: ChannelHub;
  private readonly channels = new Map<string, Published>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: MqttTransportDeps,
    private readonly options: MqttTransportOptions,
  ) {
    // The hub's subscription gauge counts client subscriptions; this transport's own are not.
    const metrics: GatewayMetrics = { ...deps.metrics, subscriptions: { set() {}, inc() {}, dec() {} } };
    this.hub = new ChannelHub(
      { fanout: this, sources: deps.sources, clock: deps.clock, logger: deps.logger, metrics },
      {
        historyLength: options.historyLength,
        playerHistoryLength: options.historyLength,
        historyMaxAgeMs: options.historyMaxAgeMs,
        conflationWindowMs: options.conflationWindowMs,
        maxSubscriptions: 1,
        snapshotRetryMs: options.snapshotRetryMs,
        snapshotAttempts: options.snapshotAttempts,
      },
    );
  }

  /** Channels being published. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** A delta from the odds engine (already validated). */
  onOddsDelta(delta: OddsDelta): void {
    if (this.follow(eventChannel(delta.eventId))) this.hub.onOddsDelta(delta);
  }

  /** A change on a gateway-sequenced channel (live list, player). */
  publishChange(name: string, change: unknown): void {
    if (this.follow(name)) this.hub.publish(name, change);
  }

  /** Forgets channels idle for longer than idleMs, then lets the hub drop their state. */
  prune(): void {
    const before = this.deps.clock.now() - this.options.idleMs;
    for (const [name, p] of this.channels) {
      if (p.lastChangeAt >= before || p.refreshing || p.refreshTimer !== undefined) continue;
      this.hub.drop(subscriberOf(name));
      this.channels.delete(name);
    }
    this.hub.prune();
  }

  /** Stops publishing and waits for publishes in flight. The publisher is the caller's to close. */
  async stop(): Promise<void> {
    this.closed = true;
    this.hub.close();
    for (const p of this.channels.values()) p.refreshTimer?.cancel();
    await Promise.allSettled([...this.inFlight]);
  }

  // Fanout: called by the hub.

  publish(channel: string, frame: OutFrame): void {
    this.deliver(channel, frame);
  }

  send(subscriberIds: readonly string[], frame: OutFrame): void {
    if (subscriberIds.length === 0) return;
    const channel = 'channel' in frame.body ? frame.body.channel : undefined;
    if (channel !== undefined) this.deliver(channel, frame);
  }

  attach(): void {}

  detach(): void {}

  /** Starts publishing a channel the first time it is seen: the hub's subscription gives the snapshot. */
  private follow(name: string): boolean {
    if (this.closed) return false;
    const known = this.channels.get(name);
    if (known) {
      known.lastChangeAt = this.deps.clock.now();
      return true;
    }
    const channel = parseChannel(name);
    if (!channel) return false;
    this.channels.set(name, {
      channel,
      epoch: undefined,
      seq: 0,
      lastRefreshAt: Number.NEGATIVE_INFINITY,
      lastChangeAt: this.deps.clock.now(),
      refreshTimer: undefined,
      refreshing: false,
      dirty: false,
      urgent: false,
    });
    const result = this.hub.subscribe(subscriberOf(name), [channel]);
    if (!result.ok) this.deps.logger.warn({ channel: name, code: result.code }, 'mqtt: channel not followed');
    return result.ok;
  }

  private deliver(name: string, frame: OutFrame): void {
    const p = this.channels.get(name);
    if (!p || this.closed) return;
    const topics = channelTopics(p.channel);
    switch (frame.event) {
      case 'snapshot':
        if (topics.snapshot !== undefined) this.retainSnapshot(p, topics.snapshot, frame.body);
        return;
      case 'delta': {
        const { channel, epoch, from, seq, changes } = frame.body;
        this.send1(topics.delta, JSON.stringify({ v: 1, channel, epoch, from, seq, changes }), topics.deltaQos, false);
        if (topics.snapshot !== undefined) {
          const urgent = changes.some((c) => STATE_CHANGES.has(String((c as { type?: unknown }).type)));
          this.scheduleRefresh(p, urgent);
        }
        return;
      }
      case 'error':
        // The hub could not get a snapshot (the event is not priced): the next change retries.
        this.deps.logger.debug({ channel: name, code: frame.body.code }, 'mqtt: channel dropped by the hub');
        this.hub.drop(subscriberOf(name));
        this.channels.delete(name);
        return;
      case 'resumed':
        return;
    }
  }

  private retainSnapshot(p: Published, topic: string, body: SnapshotFrame): void {
    // A read that started before a newer snapshot was published must not replace it.
    if (body.epoch === p.epoch && body.seq < p.seq) return;
    p.epoch = body.epoch;
    p.seq = body.seq;
    p.lastRefreshAt = this.deps.clock.now();
    this.send1(topic, JSON.stringify({ v: 1, channel: body.channel, epoch: body.epoch, seq: body.seq, data: body.data }), 1, true);
  }

  private scheduleRefresh(p: Published, urgent: boolean): void {
    p.urgent ||= urgent;
    if (p.refreshing) {
      p.dirty = true;
      return;
    }
    const wait = p.urgent ? 0 : Math.max(0, p.lastRefreshAt + this.options.snapshotIntervalMs - this.deps.clock.now());
    if (p.refreshTimer !== undefined) {
      if (!p.urgent) return;
      p.refreshTimer.cancel();
    }
    p.refreshTimer = this.deps.clock.setTimeout(() => {
      p.refreshTimer = undefined;
      this.refresh(p);
    }, wait);
  }

  private refresh(p: Published): void {
    if (this.closed) return;
    const name = p.channel.name;
    p.refreshing = true;
    p.urgent = false;
    p.dirty = false;
    const done = this.deps.snapshotOf(p.channel, this.hub.position(name)).then(
      (snapshot) => {
        p.refreshing = false;
        const topic = channelTopics(p.channel).snapshot;
        if (this.closed || topic === undefined || this.channels.get(name) !== p) return;
        if (snapshot === null) {
          // The channel is gone (an event withdrawn): a new subscriber should not get its last state.
          this.send1(topic, '', 1, true);
          p.epoch = undefined;
          p.seq = 0;
        } else if (snapshot !== undefined) {
          this.retainSnapshot(p, topic, snapshot);
        }
        if (p.dirty) this.scheduleRefresh(p, false);
      },
      (error: unknown) => {
        p.refreshing = false;
        this.deps.logger.warn({ err: error, channel: name }, 'mqtt: snapshot refresh failed');
        if (p.dirty) this.scheduleRefresh(p, false);
      },
    );
    this.track(done);
  }

  private send1(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    this.track(
      this.deps.publisher.publish(topic, payload, { qos, retain }).catch((error: unknown) => {
        this.deps.metrics.dropped.inc({ reason: 'mqtt_publish_failed' });
        this.deps.logger.debug({ err: error, topic }, 'mqtt: publish failed');
      }),
    );
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}

const subscriberOf = (channel: string): string => `${SUBSCRIBER_PREFIX}${channel}`;
