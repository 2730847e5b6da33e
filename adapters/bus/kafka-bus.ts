import kafkajs from 'kafkajs';
import type { Admin, Kafka, Producer, TopicMessages } from 'kafkajs';
import { AppError } from '../../core/errors.ts';
import type { Bus, BusRecord, Delivery, Handler, SubscribeOptions, Subscription } from '../../core/ports/bus.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { isRetriable, publishFailed, unavailable } from './kafka-errors.ts';
import { KafkaGroupMember } from './kafka-group-member.ts';
import { KAFKAJS_LOG_LEVEL, kafkaLogCreator } from './kafka-log.ts';
import { encodeRecords } from './kafka-records.ts';
import { SendQueue } from './kafka-send-queue.ts';

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** Names this process to the brokers (their logs, quotas). Default `sportsbook`. */
  readonly clientId?: string;
  /**
   * Partitions of the topics the bus creates (on first use, where the cluster supports
   * CreateTopics; elsewhere the broker's auto-creation decides). Default 12.
   */
  readonly partitions?: number;
  /** Replicas of the topics the bus creates. Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /**
   * Retries of a request to the cluster (a publish, a metadata lookup, a group join), with
   * exponential backoff from initialMs up to maxMs. Defaults 100 ms, 5 s, 10 retries (about 25 s
   * of trying before publish() rejects: long enough to ride out a leader election).
   */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number; readonly retries?: number };
  /** How long a request may wait for its response before it counts as failed. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Consumer session timeout: how soon the group notices a member gone silent. Default 30 000. */
  readonly sessionTimeout?: number;
  /** Consumer heartbeat interval: how soon a member notices a rebalance. Default 3000. */
  readonly heartbeatInterval?: number;
  /** How long the group waits for its members to rejoin during a rebalance. Default 60 000. */
  readonly rebalanceTimeout?: number;
  /** Longest a fetch waits on an idle partition; bounds how long close() and a seek take. Default 500. */
  readonly maxWaitTimeInMs?: number;
  /**
   * Retries of a consumer's fetch loop (heartbeats, fetches, commits) before kafkajs restarts the
   * consumer with a fresh join. kafkajs finds a group coordinator that moved to another broker
   * only on that restart, so this bounds a group's stall after its coordinator's broker failed.
   * Default 5 (about 3 s with the default backoff).
   */
  readonly consumerRetries?: number;
  /** For subscriptions that do not say. Default false (only what is published after joining). */
  readonly fromBeginning?: boolean;
  /** Partitions a member handles at once (each still one message at a time). Default 4. */
  readonly partitionsConsumedConcurrently?: number;
  /** First delay before a message whose handler threw is delivered again. Default 100. */
  readonly retryBackoffMs?: number;
  /** The delay doubles per failed try up to this. Default 5000. */
  readonly maxRetryBackoffMs?: number;
  /** How long subscribe() waits to join the group and commit its start positions. Default 60 000. */
  readonly joinTimeoutMs?: number;
  /** How long health() waits for the cluster's answer. Default 2000. */
  readonly healthTimeoutMs?: number;
  /** Called when a handler throws (the message is then delivered again). */
  readonly onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

export interface KafkaBusDeps {
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * The Bus on Kafka (kafkajs). It keeps every promise of the Bus port:
 *
 * - **Order per key**: the key is the Kafka message key, so one key stays on one partition
 *   (kafkajs' Java-compatible murmur2 partitioner). The producer has one request in flight per
 *   broker and this bus one send in flight (see SendQueue), so a retried send cannot overtake or
 *   be overtaken by another.
 * - **publish()** resolves when every in-sync replica has the records (acks = all), after this
 *   bus's retries with backoff (see send()); it rejects with BUS_PUBLISH_FAILED otherwise. A send
 *   that timed out may still have been written, so a retry can store a record twice: delivery is
 *   at least once and consumers are idempotent by message id.
 * - **Consumer groups**: one kafkajs consumer per subscribe() (KafkaGroupMember), which resolves
 *   once the member has its partitions and the group's start position is committed.
 * - **Redelivery**: a handler that throws gets the same message again after a backoff, before
 *   anything later of its partition; offsets are committed only for handled messages.
 * - **close()** closes every member (handlers in flight finish), waits for the publishes it has
 *   accepted, then disconnects.
 *
 * Topics: created on first use with `partitions` partitions where the cluster allows
 * CreateTopics, else auto-created by the broker. Call ensureTopics(ALL_TOPICS) at start-up to
 * create them all up front.
 *
 * No idempotent producer, by decision: it would not remove the duplicates this bus can make,
 * because send() retries a whole batch as a new send (kafkajs' own retries, which idempotence
 * covers, lose records: see send()); kafkajs' idempotent producer stops working for good after an
 * out-of-order sequence error (tulios/kafkajs#598); and it cannot start on a cluster without a
 * controller, such as the librdkafka mock the tests use. Consumers deduplicate by message id.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: KafkaBusOptions;
  private readonly sendQueue: SendQueue;
  private readonly members = new Set<KafkaGroupMember>();
  private readonly topicsReady = new Map<string, Promise<void>>();
  private producer: Promise<Producer> | undefined;
  private admin: Promise<Admin> | undefined;
  private closed = false;

  constructor(deps: KafkaBusDeps, options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new AppError('CONFIG_INVALID', 'KafkaBus needs at least one broker');
    this.clock = deps.clock;
    this.logger = deps.logger.child({ component: 'kafka-bus' });
    this.options = options;
    this.kafka = new kafkajs.Kafka({
      clientId: options.clientId ?? 'sportsbook',
      brokers: [...options.brokers],
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: {
        initialRetryTime: options.retry?.initialMs ?? 100,
        maxRetryTime: options.retry?.maxMs ?? 5000,
        retries: options.retry?.retries ?? 10,
      },
      logLevel: KAFKAJS_LOG_LEVEL,
      logCreator: kafkaLogCreator(this.logger),
    });
    this.sendQueue = new SendQueue((batch) => this.send(batch));
  }

  async publish<T>(topic: string, records: readonly BusRecord<T>[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    // Encoded and queued before any await, so calls keep their order.
    const messages = encodeRecords(records);
    try {
      await this.sendQueue.enqueue(topic, messages);
    } catch (error) {
      throw publishFailed(error);
    }
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    await this.ensureTopics(options.topics);
    this.assertOpen();
    const member = new KafkaGroupMember(
      { kafka: this.kafka, admin: () => this.connectedAdmin(), clock: this.clock, logger: this.logger, onHandlerError: this.options.onHandlerError },
      {
        topics: options.topics,
        groupId: kafkaGroupId(options.groupId, options.topics),
        fromBeginning: options.fromBeginning ?? this.options.fromBeginning ?? false,
        sessionTimeout: this.options.sessionTimeout ?? 30_000,
        heartbeatInterval: this.options.heartbeatInterval ?? 3000,
        rebalanceTimeout: this.options.rebalanceTimeout ?? 60_000,
        maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 500,
        consumerRetries: this.options.consumerRetries ?? 5,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
        retryBackoffMs: this.options.retryBackoffMs ?? 100,
        maxRetryBackoffMs: this.options.maxRetryBackoffMs ?? 5000,
        joinTimeoutMs: this.options.joinTimeoutMs ?? 60_000,
      },
      options.handler as Handler,
    );
    this.members.add(member);
    try {
      await member.start();
    } catch (error) {
      this.members.delete(member);
      throw error;
    }
    return {
      close: async () => {
        await member.close();
        this.members.delete(member);
      },
    };
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    const stuck = [...this.members].map((m) => m.problem).filter((p) => p !== undefined);
    if (stuck.length > 0) return { ok: false, detail: `consumer not running: ${stuck[0]}` };
    const timeoutMs = this.options.healthTimeoutMs ?? 2000;
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const admin = await Promise.race([this.connectedAdmin(), timeout]);
      const cluster = await Promise.race([admin.describeCluster(), timeout]);
      return { ok: true, detail: `${cluster.brokers.length} brokers` };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      timer?.cancel();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.members].map((m) => m.close()));
    this.members.clear();
    await this.sendQueue.idle();
    const disconnect = async (client: Promise<Producer | Admin> | undefined): Promise<void> => {
      const connected = await client?.catch(() => undefined);
      await connected?.disconnect().catch((error: unknown) => this.logger.warn({ err: error }, 'kafka client did not disconnect cleanly'));
    };
    await Promise.all([disconnect(this.producer), disconnect(this.admin)]);
  }

  /**
   * Creates the topics not seen yet by this bus with `partitions` partitions, where the cluster
   * allows it; elsewhere (no CreateTopics, no permission) the broker's auto-creation makes them
   * on first use. Once per topic per bus.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const fresh = topics.filter((t) => !this.topicsReady.has(t));
    if (fresh.length > 0) {
      const creating = this.createTopics(fresh);
      for (const topic of fresh) this.topicsReady.set(topic, creating);
    }
    await Promise.all(topics.map((t) => this.topicsReady.get(t)));
  }

  private async createTopics(topics: readonly string[]): Promise<void> {
    try {
      const admin = await this.connectedAdmin();
      await admin.createTopics({
        topics: topics.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? 12,
          ...(this.options.replicationFactor === undefined ? {} : { replicationFactor: this.options.replicationFactor }),
        })),
        waitForLeaders: true,
      });
    } catch (error) {
      this.logger.debug({ topics, err: error }, 'topics not created; relying on the broker creating them on first use');
    }
  }

  /**
   * Sends a batch, and on a retriable failure sends all of it again after a backoff. The retries
   * are ours, not kafkajs': kafkajs 2.2.4 retries only the brokers that had not answered, so a
   * partition whose leader moved to a broker that had already acknowledged its own part is never
   * sent, and the send resolves without it (tulios/kafkajs#1303; the broker-failure test here
   * catches it). Sending the whole batch again can store the parts that had been acknowledged a
   * second time, after the first copy: at least once, order per key kept.
   */
  private async send(batch: TopicMessages[]): Promise<void> {
    await this.ensureTopics(batch.map((t) => t.topic));
    const retries = this.options.retry?.retries ?? 10;
    const maxMs = this.options.retry?.maxMs ?? 5000;
    let delay = this.options.retry?.initialMs ?? 100;
    for (let attempt = 0; ; attempt++) {
      try {
        const producer = await this.connectedProducer();
        await producer.sendBatch({ acks: -1, topicMessages: batch });
        return;
      } catch (error) {
        if (attempt >= retries || !isRetriable(error)) throw error;
        this.logger.warn({ attempt: attempt + 1, retryInMs: delay, err: error }, 'publish not acknowledged; sending the batch again');
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay));
        delay = Math.min(delay * 2, maxMs);
      }
    }
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= this.connect('producer', () =>
      this.kafka.producer({
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
        // One try per send: send() retries the whole batch itself (see there). kafkajs still
        // refreshes its metadata after a failed try, before send() tries again.
        retry: { retries: 0 },
      }),
    ).catch((error: unknown) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= this.connect('admin', () => this.kafka.admin()).catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }

  private async connect<C extends Producer | Admin>(what: string, create: () => C): Promise<C> {
    const client = create();
    try {
      await client.connect();
      return client;
    } catch (error) {
      throw unavailable(`connecting the ${what}`, error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('BUS_CLOSED', 'the bus is closed');
  }
}

/**
 * The Kafka consumer group behind a Bus group: one per (group, topic set). A service often
 * subscribes to two topics separately under one group name; in one Kafka group those members
 * would have different subscriptions, and the assignor hands a member partitions of a topic it
 * does not consume — those messages would never be handled. Separate Kafka groups keep the port's
 * promise (every group sees every message of each topic it subscribed to).
 */
export function kafkaGroupId(groupId: string, topics: readonly string[]): string {
  return `${groupId}.${[...topics].sort().join('+')}`;
}
