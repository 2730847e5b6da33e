/**
 * Producer liveness, as the Unified Odds Feed asks integrators to track it.
 *
 * Each producer sends `alive` every 10 s. A producer is down when
 * - no alive arrived for `aliveTimeoutMs` (ALIVE_TIMEOUT), or
 * - an alive says subscribed="0" (NOT_SUBSCRIBED), or
 * - alives arrive more than `maxLagMs` behind their own timestamp (PROCESSING_LAG).
 * Going down publishes ProducerDown and asks for recovery of everything after the last alive
 * processed while up. The producer is up again only when snapshot_complete arrives with the id of
 * that request: snapshot_complete messages with any other id are ignored. A recovery request that
 * fails is retried with backoff; one that never completes is requested again after
 * `recoveryTimeoutMs`.
 */
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { RecoveryRequester } from '../core/ports/feed-source.ts';
import type { FeedMessage, FeedMeta, ProducerDown, ProducerDownReason, ProducerUp } from '../core/contracts/feed.ts';
import { PRODUCERS } from '../core/ids.ts';

export interface WatchdogOptions {
  /** Producers expected from the start: a producer never heard from goes down after the timeout. */
  readonly producers: readonly number[];
  /** Default 20,000 ms. */
  readonly aliveTimeoutMs?: number;
  /** Default 30,000 ms; 0 turns the lag check off (replays of old recordings). */
  readonly maxLagMs?: number;
  /** Default 300,000 ms. */
  readonly recoveryTimeoutMs?: number;
}

export interface WatchdogDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recovery: RecoveryRequester;
  /** Publishes ProducerDown / ProducerUp; awaited before the watchdog moves on. */
  readonly emit: (message: ProducerDown | ProducerUp) => Promise<void>;
}

type Status = 'up' | 'recovering';

interface ProducerState {
  status: Status;
  /** Provider timestamp of the last alive processed while up: recovery starts after it. */
  lastAliveTs: number | undefined;
  aliveTimer: Timer | undefined;
  downSince: number;
  requestId: number | undefined;
  retryTimer: Timer | undefined;
  attempts: number;
}

export class ProducerWatchdog {
  private readonly states = new Map<number, ProducerState>();
  private readonly aliveTimeoutMs: number;
  private readonly maxLagMs: number;
  private readonly recoveryTimeoutMs: number;
  private nextRequestId: number;
  private stopped = false;

  constructor(
    private readonly deps: WatchdogDeps,
    private readonly options: WatchdogOptions,
  ) {
    this.aliveTimeoutMs = options.aliveTimeoutMs ?? 20_000;
    this.maxLagMs = options.maxLagMs ?? 30_000;
    this.recoveryTimeoutMs = options.recoveryTimeoutMs ?? 300_000;
    // Request ids only need to differ from those of earlier runs still in flight at the provider.
    this.nextRequestId = Math.floor(deps.clock.now() / 1000) % 1_000_000_000;
  }

  start(): void {
    for (const producer of this.options.producers) this.state(producer);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.states.values()) {
      s.aliveTimer?.cancel();
      s.retryTimer?.cancel();
    }
  }

  /** Feeds every normalized message through; returns when any resulting ProducerDown/Up is published. */
  async observe(message: FeedMessage): Promise<void> {
    if (this.stopped) return;
    if (message.type === 'ProducerAlive') {
      const s = this.state(message.producer);
      if (!message.subscribed) return this.goDown(message.producer, 'NOT_SUBSCRIBED');
      const lag = this.deps.clock.now() - message.sourceTs;
      if (this.maxLagMs > 0 && lag > this.maxLagMs) return this.goDown(message.producer, 'PROCESSING_LAG');
      if (s.status === 'up') {
        s.lastAliveTs = Math.max(s.lastAliveTs ?? 0, message.sourceTs);
        this.armAliveTimer(message.producer, s);
      }
      return;
    }
    if (message.type === 'SnapshotCompleted') {
      const s = this.states.get(message.producer);
      if (!s || s.status !== 'recovering' || s.requestId !== message.requestId) {
        this.deps.logger.debug({ producer: message.producer, requestId: message.requestId }, 'snapshot_complete for no request of ours: ignored');
        return;
      }
      s.status = 'up';
      s.retryTimer?.cancel();
      s.retryTimer = undefined;
      s.attempts = 0;
      this.armAliveTimer(message.producer, s);
      const now = this.deps.clock.now();
      this.deps.logger.info({ producer: message.producer, requestId: message.requestId, downForMs: now - s.downSince }, 'producer up');
      await this.deps.emit({ ...this.header('ProducerUp', message.producer), type: 'ProducerUp', requestId: message.requestId, downForMs: now - s.downSince });
    }
  }

  /** Current status per producer (for /health and tests). */
  snapshot(): Record<number, { status: 'up' | 'down'; lastAliveTs?: number; requestId?: number }> {
    const out: Record<number, { status: 'up' | 'down'; lastAliveTs?: number; requestId?: number }> = {};
    for (const [p, s] of this.states) {
      out[p] = { status: s.status === 'up' ? 'up' : 'down', ...(s.lastAliveTs !== undefined ? { lastAliveTs: s.lastAliveTs } : {}), ...(s.requestId !== undefined ? { requestId: s.requestId } : {}) };
    }
    return out;
  }

  private state(producer: number): ProducerState {
    let s = this.states.get(producer);
    if (!s) {
      s = { status: 'up', lastAliveTs: undefined, aliveTimer: undefined, downSince: 0, requestId: undefined, retryTimer: undefined, attempts: 0 };
      this.states.set(producer, s);
      this.armAliveTimer(producer, s);
    }
    return s;
  }

  private armAliveTimer(producer: number, s: ProducerState): void {
    s.aliveTimer?.cancel();
    s.aliveTimer = this.deps.clock.setTimeout(() => void this.goDown(producer, 'ALIVE_TIMEOUT'), this.aliveTimeoutMs);
  }

  private async goDown(producer: number, reason: ProducerDownReason): Promise<void> {
    const s = this.state(producer);
    if (s.status !== 'up' || this.stopped) return;
    s.status = 'recovering';
    s.aliveTimer?.cancel();
    s.aliveTimer = undefined;
    s.downSince = this.deps.clock.now();
    this.deps.logger.warn({ producer, reason, lastAliveTs: s.lastAliveTs }, 'producer down');
    await this.deps.emit({
      ...this.header('ProducerDown', producer),
      type: 'ProducerDown',
      reason,
      ...(s.lastAliveTs !== undefined ? { lastAliveTs: s.lastAliveTs } : {}),
    });
    await this.requestRecovery(producer, s);
  }

  private async requestRecovery(producer: number, s: ProducerState): Promise<void> {
    if (this.stopped || s.status !== 'recovering') return;
    const requestId = ++this.nextRequestId;
    s.requestId = requestId;
    s.attempts += 1;
    const after = this.recoveryStart(producer, s.lastAliveTs);
    try {
      await this.deps.recovery.requestRecovery({ producer, requestId, ...(after !== undefined ? { after } : {}) });
      this.deps.logger.info({ producer, requestId, after }, 'recovery requested');
      this.scheduleRetry(producer, s, this.recoveryTimeoutMs);
    } catch (error) {
      const backoff = Math.min(60_000, 1000 * 2 ** Math.min(6, s.attempts - 1));
      this.deps.logger.warn({ producer, requestId, err: error, retryInMs: backoff }, 'recovery request failed');
      this.scheduleRetry(producer, s, backoff);
    }
  }

  private scheduleRetry(producer: number, s: ProducerState, ms: number): void {
    s.retryTimer?.cancel();
    s.retryTimer = this.deps.clock.setTimeout(() => void this.requestRecovery(producer, s), ms);
  }

  /** After the last alive, but never further back than the producer's recovery window allows. */
  private recoveryStart(producer: number, lastAliveTs: number | undefined): number | undefined {
    if (lastAliveTs === undefined) return undefined;
    const windowMs = (PRODUCERS[producer]?.maxRecoveryMinutes ?? 4320) * 60_000;
    return Math.max(lastAliveTs, this.deps.clock.now() - windowMs);
  }

  private header(type: string, producer: number): FeedMeta {
    const now = this.deps.clock.now();
    const id = `${type}:${producer}:${now}`;
    return { v: 1, messageId: id, traceId: id, producer, sourceTs: now, receivedTs: now };
  }
}
