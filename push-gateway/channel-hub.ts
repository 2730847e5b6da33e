/**
 * The channel hub: every channel's position, short history, pending batch and subscribers, and
 * the rules that give each subscriber a snapshot (or its missed changes) followed by every later
 * change in order, once. Transport-neutral: a transport (socket.io, MQTT) implements Fanout and
 * calls subscribe/unsubscribe/drop/pause/resume.
 *
 * A subscriber of a channel is in exactly one of three states:
 * - syncing: waiting for the channel's snapshot (one PriceBook read serves all of them);
 * - waiting: holds the channel at (epoch, cursor), from a snapshot or a resume; it is sent the
 *   changes after its cursor from the history as soon as the channel has flushed that far, and
 *   becomes attached in the same turn (or syncs again when the history no longer reaches back);
 * - attached: receives every flushed frame through Fanout.publish, encoded once for all.
 * Attached subscribers are therefore always exactly at the channel's flushed position, which is
 * what lets one frame serve them all.
 *
 * Event channels follow the odds engine's (epoch, seq): duplicates are dropped, a gap or a new
 * epoch restarts the channel and re-syncs its subscribers from a fresh snapshot. Live-list and
 * player channels are sequenced here, under an epoch that is new whenever the channel is
 * created, so positions from another gateway process or an earlier life never match by accident.
 */
import { randomBytes } from 'node:crypto';
import type { EventBook, OddsDelta } from '../core/contracts/odds.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import { eventSnapshot } from './bettor-view.ts';
import { eventChannel, parseChannel, type Channel, type ChannelKind } from './channels.ts';
import { conflate, noConflation, oddsConflation, type ConflationRule } from './conflation.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { History } from './history.ts';
import { liveConflation } from './live-list.ts';
import type { DeltaFrame, OutFrame, Position } from './wire.ts';

/** What the hub needs from a transport. Unknown subscriber ids are ignored. */
export interface Fanout {
  /** Label for metrics ('socketio', 'mqtt'). */
  readonly protocol: string;
  /** Sends the frame to every subscriber attached to the channel, encoded once. */
  publish(channel: string, frame: OutFrame): void;
  /** Sends the frame to these subscribers, encoded once. */
  send(subscriberIds: readonly string[], frame: OutFrame): void;
  attach(channel: string, subscriberId: string): void;
  detach(channel: string, subscriberId: string): void;
}

/** Where snapshots come from. */
export interface ChannelSources {
  /** The event's priced state (the PriceBook). */
  readEvent(eventId: string): Promise<EventBook | undefined>;
  /** The sport's live list as it stands now, in step with the changes the hub was given. */
  liveSnapshot(sportId: string): unknown;
}

export interface ChannelHubOptions {
  /** Changes kept per event and live-list channel for resume and catch-up. */
  readonly historyLength: number;
  /** Bet updates kept per player channel; they are also the player snapshot. */
  readonly playerHistoryLength: number;
  /** History entries older than this are dropped (and idle channels forgotten), ms. */
  readonly historyMaxAgeMs: number;
  /**
   * A channel flushes at most once per window, conflating the changes in between (the first
   * change after a quiet window leaves at once). 0: no conflation, changes leave at the end of
   * the turn they arrived in.
   */
  readonly conflationWindowMs: number;
  /** Channel subscriptions one subscriber may hold. */
  readonly maxSubscriptions: number;
  /** Delay before reading a snapshot again when the PriceBook and the stream disagree, ms. */
  readonly snapshotRetryMs: number;
  /** Reads tried before subscribers syncing on a channel get an error. */
  readonly snapshotAttempts: number;
}

export interface ChannelHubDeps {
  readonly fanout: Fanout;
  readonly sources: ChannelSources;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** New epochs for gateway-sequenced channels; default: time and random bits. */
  readonly newEpoch?: () => string;
}

export type SubscribeResult = { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** What the hub did with a delta from the odds engine. */
export type DeltaOutcome = 'accepted' | 'duplicate' | 'restarted';

/**
 * Epochs remembered per event channel to recognise late redeliveries. A redelivery replays the
 * partition from the last committed offset, in order; an event rebuilt this many times within
 * that stretch is beyond anything the engine does.
 */
const RETIRED_EPOCHS = 16;

/** The epoch of an empty snapshot: an event the PriceBook does not hold (yet). */
export const NO_EPOCH = 'none';

interface Waiting {
  readonly epoch: string;
  readonly cursor: number;
  /** A paused subscriber (slow consumer) is held here and sent nothing until resumed. */
  paused: boolean;
}

interface ChannelState {
  readonly name: string;
  readonly channel: Channel;
  /** Sequenced by the odds engine (event channels) rather than by the hub. */
  readonly external: boolean;
  readonly rule: ConflationRule<unknown>;
  epoch: string | undefined;
  /** Epochs the stream has moved on from, newest last (a few). */
  readonly retired: string[];
  /** Last change accepted. */
  seq: number;
  /** Last change published to attached subscribers. */
  flushedSeq: number;
  readonly history: History<unknown>;
  pending: unknown[];
  lastFlushAt: number;
  flushTimer: Timer | undefined;
  flushQueued: boolean;
  readonly attached: Set<string>;
  readonly waiting: Map<string, Waiting>;
  readonly syncing: Set<string>;
  reading: boolean;
  attempts: number;
  retryTimer: Timer | undefined;
}

export class ChannelHub {
  private readonly channels = new Map<string, ChannelState>();
  private readonly subscribers = new Map<string, Set<string>>();
  private readonly fanout: Fanout;
  private readonly sources: ChannelSources;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: GatewayMetrics;
  private readonly newEpoch: () => string;
  private closed = false;

  constructor(
    deps: ChannelHubDeps,
    private readonly options: ChannelHubOptions,
  ) {
    this.fanout = deps.fanout;
    this.sources = deps.sources;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.newEpoch = deps.newEpoch ?? (() => `${this.clock.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Channels a subscriber holds. */
  channelsOf(subscriberId: string): readonly string[] {
    return [...(this.subscribers.get(subscriberId) ?? [])];
  }

  /** A channel's position: (epoch, last accepted seq, last flushed seq), for tests and health. */
  position(name: string): { epoch: string | undefined; seq: number; flushedSeq: number } | undefined {
    const ch = this.channels.get(name);
    return ch && { epoch: ch.epoch, seq: ch.seq, flushedSeq: ch.flushedSeq };
  }

  /**
   * Subscribes to each channel (authorization is the transport's business), all or none: the
   * limit counts channels not yet held. A channel already held is subscribed afresh, which is
   * how a client that saw a gap asks for its missed changes.
   */
  subscribe(subscriberId: string, channels: readonly Channel[], since: ReadonlyMap<string, Position> = new Map()): SubscribeResult {
    if (this.closed) return { ok: false, code: 'SHUTTING_DOWN', message: 'the gateway is shutting down' };
    const held = this.subscribers.get(subscriberId) ?? new Set<string>();
    const adding = channels.filter((c) => !held.has(c.name)).length;
    if (held.size + adding > this.options.maxSubscriptions) {
      return { ok: false, code: 'SUBSCRIPTION_LIMIT', message: `a connection may hold at most ${this.options.maxSubscriptions} subscriptions (holds ${held.size}, asked for ${adding} more)` };
    }
    this.subscribers.set(subscriberId, held);
    for (const channel of channels) {
      if (!held.has(channel.name)) {
        held.add(channel.name);
        this.metrics.subscriptions.inc({ kind: channel.kind });
      }
      this.join(subscriberId, channel, since.get(channel.name));
    }
    return { ok: true };
  }

  unsubscribe(subscriberId: string, names: readonly string[]): void {
    const held = this.subscribers.get(subscriberId);
    if (!held) return;
    for (const name of names) {
      if (!held.delete(name)) continue;
      const ch = this.channels.get(name);
      this.metrics.subscriptions.dec({ kind: parseChannel(name)?.kind ?? 'event' });
      if (ch) this.leave(ch, subscriberId);
    }
    if (held.size === 0) this.subscribers.delete(subscriberId);
  }

  /** Forgets a subscriber entirely (disconnected). */
  drop(subscriberId: string): void {
    this.unsubscribe(subscriberId, this.channelsOf(subscriberId));
  }

  /**
   * Stops sending to a subscriber that cannot keep up; each of its channels remembers where it
   * stopped. Nothing is queued for it meanwhile.
   */
  pause(subscriberId: string): void {
    for (const name of this.channelsOf(subscriberId)) {
      const ch = this.channels.get(name);
      if (!ch) continue;
      if (ch.attached.delete(subscriberId)) {
        this.fanout.detach(ch.name, subscriberId);
        ch.waiting.set(subscriberId, { epoch: ch.epoch ?? NO_EPOCH, cursor: ch.flushedSeq, paused: true });
      } else if (ch.syncing.delete(subscriberId)) {
        // No position yet: resuming will sync it again.
        ch.waiting.set(subscriberId, { epoch: NO_EPOCH, cursor: 0, paused: true });
      } else {
        const w = ch.waiting.get(subscriberId);
        if (w) w.paused = true;
      }
    }
  }

  /**
   * Resumes a paused subscriber: it gets the changes it missed from the history, or a fresh
   * snapshot where the history no longer reaches back.
   */
  resume(subscriberId: string): void {
    for (const name of this.channelsOf(subscriberId)) {
      const ch = this.channels.get(name);
      const w = ch?.waiting.get(subscriberId);
      if (!ch || !w?.paused) continue;
      w.paused = false;
      this.catchUp(ch);
    }
  }

  /** A delta from the odds engine (already validated). */
  onOddsDelta(delta: OddsDelta): DeltaOutcome {
    const ch = this.channelFor(eventChannel(delta.eventId));
    if (!ch) return 'duplicate';
    let outcome: DeltaOutcome = 'accepted';
    if (ch.retired.includes(delta.epoch)) {
      // A late redelivery from an epoch the stream has left: the engine never returns to one.
      this.metrics.dropped.inc({ reason: 'duplicate' });
      return 'duplicate';
    }
    if (ch.epoch === delta.epoch) {
      if (delta.seq <= ch.seq) {
        this.metrics.dropped.inc({ reason: 'duplicate' });
        return 'duplicate';
      }
      if (delta.seq > ch.seq + 1) outcome = 'restarted';
    } else if (ch.epoch === undefined) {
      ch.epoch = delta.epoch;
      ch.seq = ch.flushedSeq = delta.seq - 1;
    } else {
      outcome = 'restarted';
    }
    if (outcome === 'restarted') this.restart(ch, delta.epoch, delta.seq);
    this.append(ch, delta.seq, delta);
    this.catchUp(ch);
    return outcome;
  }

  /** A change on a gateway-sequenced channel (live list, player), in the order given. */
  publish(name: string, change: unknown): void {
    const ch = this.channelFor(name);
    if (!ch || ch.external) return;
    this.append(ch, ch.seq + 1, change);
  }

  /** Drops aged history and forgets idle channels; the service calls it periodically. */
  prune(): void {
    const before = this.clock.now() - this.options.historyMaxAgeMs;
    for (const [name, ch] of this.channels) {
      ch.history.pruneOlderThan(before);
      const idle = ch.attached.size === 0 && ch.waiting.size === 0 && ch.syncing.size === 0 && ch.pending.length === 0;
      const busy = ch.reading || ch.retryTimer !== undefined || ch.flushTimer !== undefined || ch.flushQueued;
      if (idle && !busy && ch.history.size === 0) this.channels.delete(name);
    }
  }

  /** Cancels timers; later subscribes are refused. Subscribers are the transport's to close. */
  close(): void {
    this.closed = true;
    for (const ch of this.channels.values()) {
      ch.flushTimer?.cancel();
      ch.retryTimer?.cancel();
      ch.flushTimer = ch.retryTimer = undefined;
    }
  }

  private channelFor(name: string): ChannelState | undefined {
    const existing = this.channels.get(name);
    if (existing) return existing;
    const channel = parseChannel(name);
    if (!channel) return undefined;
    const external = channel.kind === 'event';
    const ch: ChannelState = {
      name,
      channel,
      external,
      rule: RULES[channel.kind],
      epoch: external ? undefined : this.newEpoch(),
      retired: [],
      seq: 0,
      flushedSeq: 0,
      history: new History(channel.kind === 'player' ? this.options.playerHistoryLength : this.options.historyLength),
      pending: [],
      lastFlushAt: Number.NEGATIVE_INFINITY,
      flushTimer: undefined,
      flushQueued: false,
      attached: new Set(),
      waiting: new Map(),
      syncing: new Set(),
      reading: false,
      attempts: 0,
      retryTimer: undefined,
    };
    this.channels.set(name, ch);
    return ch;
  }

  private join(subscriberId: string, channel: Channel, since: Position | undefined): void {
    const ch = this.channelFor(channel.name)!;
    this.leave(ch, subscriberId);
    if (since !== undefined && this.canResume(ch, since)) {
      this.metrics.resumes.inc({ result: 'resumed' });
      this.fanout.send([subscriberId], { event: 'resumed', body: { channel: ch.name, epoch: since.epoch, seq: since.seq } });
      ch.waiting.set(subscriberId, { epoch: since.epoch, cursor: since.seq, paused: false });
      this.catchUp(ch);
      return;
    }
    if (since !== undefined) this.metrics.resumes.inc({ result: 'snapshot' });
    this.sync(ch, [subscriberId]);
  }

  /**
   * A position can be resumed when it is in the channel's epoch and every change after it is
   * still in the history. A position a little ahead of this process (the client was on a
   * gateway that had read further) is fine too: the changes it already holds are skipped.
   */
  private canResume(ch: ChannelState, since: Position): boolean {
    if (ch.epoch !== since.epoch) return false;
    if (since.seq >= ch.flushedSeq) return since.seq <= ch.seq + ch.history.capacity;
    return ch.history.range(since.seq, ch.flushedSeq) !== undefined;
  }

  private leave(ch: ChannelState, subscriberId: string): void {
    if (ch.attached.delete(subscriberId)) this.fanout.detach(ch.name, subscriberId);
    ch.waiting.delete(subscriberId);
    ch.syncing.delete(subscriberId);
  }

  /** Gives these subscribers a snapshot: at once for the hub's own channels, else by a read. */
  private sync(ch: ChannelState, ids: readonly string[]): void {
    if (ids.length === 0) return;
    if (ch.external) {
      for (const id of ids) ch.syncing.add(id);
      this.readSnapshot(ch);
      return;
    }
    const epoch = ch.epoch!;
    const data = ch.channel.kind === 'live' ? this.sources.liveSnapshot(ch.channel.sportId) : { updates: (ch.history.range(ch.seq - ch.history.size, ch.seq) ?? []).map((e) => e.change) };
    this.sendSnapshot(ch, ids, epoch, ch.seq, data);
  }

  private sendSnapshot(ch: ChannelState, ids: readonly string[], epoch: string, seq: number, data: unknown): void {
    this.fanout.send(ids, { event: 'snapshot', body: { channel: ch.name, epoch, seq, data } });
    this.metrics.snapshots.inc({ kind: ch.channel.kind }, ids.length);
    for (const id of ids) ch.waiting.set(id, { epoch, cursor: seq, paused: false });
    this.catchUp(ch);
  }

  private readSnapshot(ch: ChannelState): void {
    if (ch.reading || ch.retryTimer !== undefined || ch.channel.kind !== 'event') return;
    const { eventId } = ch.channel;
    ch.reading = true;
    this.sources.readEvent(eventId).then(
      (book) => {
        ch.reading = false;
        this.onSnapshot(ch, book);
      },
      (error: unknown) => {
        ch.reading = false;
        this.logger.warn({ err: error, channel: ch.name }, 'snapshot read failed');
        if (!this.retryLater(ch)) this.giveUp(ch, 'DEPENDENCY_UNAVAILABLE', 'the price book cannot be read');
      },
    );
  }

  /**
   * A snapshot is usable when it belongs to the epoch the stream is in and is not older than the
   * history reaches; otherwise the PriceBook and the stream are momentarily apart (a new epoch
   * written but not yet consumed, or the reverse) and the read is tried again shortly. When they
   * stay apart, the PriceBook's state is sent anyway: it is the latest state there is, and the
   * stream either reaches its epoch (the subscriber goes on from there) or moves past it (the
   * subscriber syncs again).
   */
  private onSnapshot(ch: ChannelState, book: EventBook | undefined): void {
    if (ch.syncing.size === 0 || this.closed || ch.channel.kind !== 'event') return;
    const epoch = book?.epoch ?? NO_EPOCH;
    const seq = book?.seq ?? 0;
    const usable =
      ch.epoch === undefined || (book !== undefined && epoch === ch.epoch && (seq >= ch.flushedSeq || ch.history.range(seq, ch.flushedSeq) !== undefined));
    if (!usable && this.retryLater(ch)) return;
    if (!usable && book === undefined) return this.giveUp(ch, 'EVENT_NOT_FOUND', 'the event is not priced');
    ch.attempts = 0;
    const ids = [...ch.syncing];
    ch.syncing.clear();
    this.sendSnapshot(ch, ids, epoch, seq, eventSnapshot(ch.channel.eventId, book));
  }

  /** Schedules another read unless the attempts are used up (then resets them for next time). */
  private retryLater(ch: ChannelState): boolean {
    ch.attempts += 1;
    if (ch.attempts < this.options.snapshotAttempts && !this.closed) {
      ch.retryTimer = this.clock.setTimeout(() => {
        ch.retryTimer = undefined;
        this.readSnapshot(ch);
      }, this.options.snapshotRetryMs);
      return true;
    }
    ch.attempts = 0;
    return false;
  }

  /** Ends the subscriptions still syncing on the channel, telling their subscribers why. */
  private giveUp(ch: ChannelState, code: ErrorCode, message: string): void {
    const ids = [...ch.syncing];
    if (ids.length === 0) return;
    this.logger.warn({ channel: ch.name, code, subscribers: ids.length }, 'subscription dropped: no snapshot');
    for (const id of ids) this.unsubscribe(id, [ch.name]);
    this.fanout.send(ids, { event: 'error', body: { code, message, channel: ch.name } });
  }

  /** A gap or a new epoch: the history no longer leads anywhere, subscribers need a snapshot. */
  private restart(ch: ChannelState, epoch: string, seq: number): void {
    ch.flushTimer?.cancel();
    ch.flushTimer = undefined;
    ch.pending = [];
    ch.history.clear();
    if (ch.epoch !== undefined && ch.epoch !== epoch) {
      ch.retired.push(ch.epoch);
      if (ch.retired.length > RETIRED_EPOCHS) ch.retired.shift();
    }
    ch.epoch = epoch;
    const back = ch.retired.indexOf(epoch);
    if (back >= 0) ch.retired.splice(back, 1);
    ch.seq = ch.flushedSeq = seq - 1;
    const resync: string[] = [];
    for (const id of ch.attached) {
      this.fanout.detach(ch.name, id);
      resync.push(id);
    }
    ch.attached.clear();
    for (const [id, w] of ch.waiting) {
      // A snapshot already taken in the new epoch stays good; paused ones sync when resumed.
      if (w.paused || w.epoch === epoch) continue;
      ch.waiting.delete(id);
      resync.push(id);
    }
    this.sync(ch, resync);
  }

  private append(ch: ChannelState, seq: number, change: unknown): void {
    ch.seq = seq;
    ch.history.append(seq, this.clock.now(), change);
    ch.pending.push(change);
    this.scheduleFlush(ch);
  }

  private scheduleFlush(ch: ChannelState): void {
    if (ch.flushQueued || ch.flushTimer !== undefined) return;
    const wait = ch.lastFlushAt + this.options.conflationWindowMs - this.clock.now();
    if (this.options.conflationWindowMs === 0 || wait <= 0) {
      // The end of this turn: changes that arrive together leave together.
      ch.flushQueued = true;
      queueMicrotask(() => {
        ch.flushQueued = false;
        this.flush(ch);
      });
    } else {
      ch.flushTimer = this.clock.setTimeout(() => {
        ch.flushTimer = undefined;
        this.flush(ch);
      }, wait);
    }
  }

  private flush(ch: ChannelState): void {
    if (ch.pending.length === 0 || ch.epoch === undefined) return;
    const { changes, merged } = this.options.conflationWindowMs > 0 ? conflate(ch.pending, ch.rule) : { changes: ch.pending, merged: 0 };
    const frame: DeltaFrame = { channel: ch.name, epoch: ch.epoch, from: ch.flushedSeq + 1, seq: ch.seq, changes };
    const kind = ch.channel.kind;
    const now = this.clock.now();
    ch.pending = [];
    ch.flushedSeq = ch.seq;
    ch.lastFlushAt = now;
    if (merged > 0) this.metrics.conflated.inc({ kind }, merged);
    if (ch.attached.size > 0) {
      this.fanout.publish(ch.name, { event: 'delta', body: frame });
      this.metrics.deliveries.inc({ protocol: this.fanout.protocol, kind }, ch.attached.size);
      for (const change of changes) {
        const sourceTs = (change as { sourceTs?: unknown }).sourceTs;
        if (typeof sourceTs === 'number') this.metrics.latency.observe(Math.max(0, now - sourceTs) / 1000, { kind });
      }
    }
    let paused = 0;
    for (const w of ch.waiting.values()) if (w.paused) paused += 1;
    if (paused > 0) this.metrics.dropped.inc({ reason: 'slow_consumer' }, paused);
    this.catchUp(ch);
  }

  /**
   * Moves waiting subscribers that the channel has reached onto the live stream: the changes
   * after their cursor go to them in one frame (shared by those at the same cursor), then they
   * are attached. Ones whose position the history cannot continue sync again.
   */
  private catchUp(ch: ChannelState): void {
    if (ch.waiting.size === 0 || ch.epoch === undefined) return;
    const byCursor = new Map<number, string[]>();
    const resync: string[] = [];
    for (const [id, w] of ch.waiting) {
      if (w.paused) continue;
      if (w.epoch !== ch.epoch) resync.push(id);
      else if (w.cursor <= ch.flushedSeq) {
        const group = byCursor.get(w.cursor);
        if (group) group.push(id);
        else byCursor.set(w.cursor, [id]);
      }
    }
    for (const [cursor, ids] of byCursor) {
      if (cursor < ch.flushedSeq) {
        const entries = ch.history.range(cursor, ch.flushedSeq);
        if (entries === undefined) {
          resync.push(...ids);
          continue;
        }
        const frame: DeltaFrame = { channel: ch.name, epoch: ch.epoch, from: cursor + 1, seq: ch.flushedSeq, changes: entries.map((e) => e.change) };
        this.fanout.send(ids, { event: 'delta', body: frame });
        this.metrics.deliveries.inc({ protocol: this.fanout.protocol, kind: ch.channel.kind }, ids.length);
      }
      for (const id of ids) {
        ch.waiting.delete(id);
        ch.attached.add(id);
        this.fanout.attach(ch.name, id);
      }
    }
    for (const id of resync) ch.waiting.delete(id);
    this.sync(ch, resync);
  }
}

const RULES: Readonly<Record<ChannelKind, ConflationRule<unknown>>> = {
  event: oddsConflation as ConflationRule<unknown>,
  live: liveConflation as ConflationRule<unknown>,
  player: noConflation,
};
