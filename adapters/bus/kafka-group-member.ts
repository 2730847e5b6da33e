import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { AppError } from '../../core/errors.ts';
import type { Delivery, Handler } from '../../core/ports/bus.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { unavailable } from './kafka-errors.ts';
import { decodeMessage } from './kafka-records.ts';

/** How often subscribe() asks the coordinator whether the group's start positions are committed. */
const POSITION_POLL_MS = 20;

export interface GroupMemberSettings {
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  readonly maxWaitTimeInMs: number;
  readonly consumerRetries: number;
  readonly partitionsConsumedConcurrently: number;
  readonly retryBackoffMs: number;
  readonly maxRetryBackoffMs: number;
  readonly joinTimeoutMs: number;
}

export interface GroupMemberDeps {
  readonly kafka: Kafka;
  /** The bus's admin client, connected. */
  readonly admin: () => Promise<Admin>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onHandlerError: ((error: unknown, delivery: Delivery) => void) | undefined;
}

/**
 * Thrown from eachMessage to leave a message unhandled (and uncommitted) while the member stops.
 * It is a KafkaJSError because kafkajs logs any other error thrown there as a handler failure,
 * and retriable so that kafkajs winds its fetch loop down instead of crashing the consumer.
 */
class MemberStopping extends kafkajs.KafkaJSError {
  constructor() {
    super('the group member is stopping', { retriable: true });
  }
}

type Assignment = Readonly<Record<string, readonly number[]>>;

/**
 * One member of a consumer group: one kafkajs consumer, created by KafkaBus.subscribe().
 *
 * - start() resolves once the member has joined the group and has its assignment, and, where the
 *   group had no committed position on an assigned partition and fromBeginning is false, once the
 *   end of that partition is committed as the group's position. kafkajs would otherwise look the
 *   end up at its first fetch, after start() has returned, and keep it only in this member's
 *   memory: a message published in between, or a partition moved to another member before
 *   anything was committed, would be skipped. (With fromBeginning every member starts a
 *   partition without a position at its beginning, which needs no commit to agree on.)
 * - The handler is awaited, one message per partition at a time. A handler that throws gets the
 *   same message again after a backoff (doubling up to maxRetryBackoffMs), in place, so nothing
 *   later of that partition overtakes it; between tries the member heartbeats, and when the group
 *   rebalances the message goes back, uncommitted, to whoever owns the partition then.
 * - Offsets are committed by kafkajs after each batch of handled messages, never for a message
 *   whose handler did not resolve: a crash redelivers what was not committed.
 * - A consumer that kafkajs stops on an error it does not retry is started again after a backoff;
 *   `problem` reports it until it has joined again.
 * - close() lets the handler in flight finish, leaves the group and disconnects.
 */
export class KafkaGroupMember {
  private readonly deps: GroupMemberDeps;
  private readonly settings: GroupMemberSettings;
  private readonly handler: Handler;
  private readonly logger: Logger;
  private readonly consumer: Consumer;
  private joins = 0;
  private assignment: Assignment = {};
  private stopping = false;
  private closing: Promise<void> | undefined;
  private failure: string | undefined;
  private restartTimer: Timer | undefined;
  private restartDelayMs: number;
  private readonly wakers = new Set<() => void>();

  constructor(deps: GroupMemberDeps, settings: GroupMemberSettings, handler: Handler) {
    this.deps = deps;
    this.settings = settings;
    this.handler = handler;
    this.logger = deps.logger.child({ groupId: settings.groupId });
    this.restartDelayMs = settings.retryBackoffMs;
    this.consumer = deps.kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeout,
      heartbeatInterval: settings.heartbeatInterval,
      rebalanceTimeout: settings.rebalanceTimeout,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      allowAutoTopicCreation: true,
      // Past these retries kafkajs restarts the consumer, the only way it finds a group
      // coordinator that moved to another broker.
      retry: { retries: settings.consumerRetries, restartOnFailure: async () => !this.stopping },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joins += 1;
      this.assignment = payload.memberAssignment;
      this.failure = undefined;
      this.restartDelayMs = settings.retryBackoffMs;
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
  }

  /** Why the member is not consuming right now, if it is not. */
  get problem(): string | undefined {
    return this.failure;
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.settings.topics], fromBeginning: this.settings.fromBeginning });
      await this.run();
      await this.waitUntilPositioned();
    } catch (error) {
      const closedMeanwhile = this.stopping;
      await this.close();
      if (closedMeanwhile) throw new AppError('BUS_CLOSED', 'the subscription closed while joining', { cause: error });
      throw unavailable(`joining group ${this.settings.groupId}`, error);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    const disconnecting = this.consumer.disconnect();
    // Retries waiting for their backoff end now; a handler call in flight runs to its end.
    for (const wake of [...this.wakers]) wake();
    try {
      await disconnecting;
    } catch (error) {
      this.logger.warn({ err: error }, 'the consumer did not disconnect cleanly');
    }
  }

  private run(): Promise<void> {
    return this.consumer.run({
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachMessage: (payload) => this.handle(payload),
    });
  }

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const decoded = decodeMessage(topic, partition, message);
    if (!decoded.ok) {
      // Not something this bus wrote: no handler can ever accept it, so it is skipped, loudly.
      this.logger.error({ topic, partition, offset: message.offset, reason: decoded.reason }, 'skipped a message that is not a bus record');
      return;
    }
    const delivery = decoded.delivery;
    let backoff = this.settings.retryBackoffMs;
    for (;;) {
      if (this.stopping) throw new MemberStopping();
      try {
        await this.handler(delivery);
        return;
      } catch (error) {
        this.deps.onHandlerError?.(error, delivery);
        this.logger.warn({ code: 'BUS_HANDLER_FAILED', topic, partition, offset: delivery.offset, err: error }, 'handler failed; the message is delivered again');
      }
      await this.pause(backoff);
      backoff = Math.min(backoff * 2, this.settings.maxRetryBackoffMs);
      if (this.stopping) throw new MemberStopping();
      // Keeps the membership alive through a long run of retries. It throws once the group is
      // rebalancing: kafkajs then rejoins and the message is fetched again by its new owner.
      await heartbeat();
    }
  }

  /**
   * Waits for the first join, then commits the start position of every assigned partition the
   * group has none for. A rebalance in the middle starts the check again with the new assignment.
   */
  private async waitUntilPositioned(): Promise<void> {
    const deadline = this.deps.clock.now() + this.settings.joinTimeoutMs;
    await this.pollUntil(() => this.joins > 0, deadline, 'joining the group');
    if (this.settings.fromBeginning) return;
    for (;;) {
      const join = this.joins;
      const pending = await this.seekToEnd(this.assignment);
      await this.pollUntil(async () => this.joins !== join || (await this.committed(pending)), deadline, 'committing the start positions');
      if (this.joins === join) return;
    }
  }

  /** Seeks every assigned partition without a committed offset to its end; returns them. */
  private async seekToEnd(assignment: Assignment): Promise<Array<{ topic: string; partition: number }>> {
    const topics = Object.keys(assignment).filter((topic) => (assignment[topic]?.length ?? 0) > 0);
    if (topics.length === 0) return [];
    const admin = await this.deps.admin();
    const committed = await admin.fetchOffsets({ groupId: this.settings.groupId, topics });
    const pending: Array<{ topic: string; partition: number }> = [];
    for (const { topic, partitions } of committed) {
      const assigned = new Set(assignment[topic]);
      const missing = partitions.filter((p) => assigned.has(p.partition) && Number(p.offset) < 0);
      if (missing.length === 0) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition } of missing) {
        const end = ends.find((e) => e.partition === partition);
        if (!end) continue;
        // Applied by kafkajs before its next fetch, which commits it and delivers nothing of the
        // partition from any earlier position.
        this.consumer.seek({ topic, partition, offset: end.high });
        pending.push({ topic, partition });
      }
    }
    return pending;
  }

  private async committed(partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<boolean> {
    if (partitions.length === 0) return true;
    const admin = await this.deps.admin();
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const offsets = await admin.fetchOffsets({ groupId: this.settings.groupId, topics });
    return partitions.every(({ topic, partition }) => {
      const entry = offsets.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition);
      return entry !== undefined && Number(entry.offset) >= 0;
    });
  }

  private async pollUntil(condition: () => boolean | Promise<boolean>, deadline: number, what: string): Promise<void> {
    for (;;) {
      if (this.stopping) throw new Error('stopped');
      if (await condition()) return;
      if (this.deps.clock.now() >= deadline) {
        throw new Error(`${what}: not done within ${this.settings.joinTimeoutMs} ms${this.failure ? ` (${this.failure})` : ''}`);
      }
      await this.pause(POSITION_POLL_MS);
    }
  }

  /** Waits `ms`, or less when the member stops. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        timer.cancel();
        this.wakers.delete(wake);
        resolve();
      };
      const timer = this.deps.clock.setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private onCrash(error: Error, restartsItself: boolean): void {
    if (this.stopping) return;
    this.failure = `${error.name}: ${error.message}`;
    if (restartsItself) return;
    this.logger.error({ err: error, restartInMs: this.restartDelayMs }, 'the consumer stopped on an error kafkajs does not retry; starting it again');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, this.settings.maxRetryBackoffMs);
    this.restartTimer = this.deps.clock.setTimeout(() => {
      if (this.stopping) return;
      this.consumer
        .connect()
        .then(() => this.run())
        .catch((error: unknown) => {
          if (this.stopping) return;
          this.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          this.scheduleRestart();
        });
    }, delay);
  }
}
