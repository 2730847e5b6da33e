/**
 * The message bus between services (Kafka in distributed mode, in-process in embedded mode).
 *
 * Promises every implementation keeps (checked by test/contract/bus.contract.ts):
 * - **Order per key.** Messages published with the same key on the same topic are delivered to
 *   each consumer group in publish order. Nothing is promised across keys or topics.
 * - **Consumer groups.** Every group subscribed to a topic receives every message published after
 *   it joined; within a group each message goes to one member. Members of one group share the
 *   topic's partitions; when one leaves, its partitions move to the others.
 * - **At least once.** A message is delivered again until its handler resolves. A handler that
 *   throws sees the same message again (after a short backoff) before any later message of the
 *   same key. Consumers are therefore idempotent by `messageId`; handlers must not throw for bad
 *   data (dead-letter it instead), only for transient faults.
 * - **Handlers are awaited.** A member handles one message per partition at a time.
 * - **publish()** resolves once the bus has taken responsibility for every message in the call
 *   (Kafka: acknowledged by all in-sync replicas). It rejects with BUS_PUBLISH_FAILED (retriable)
 *   when it could not, after the adapter's own retries.
 * - **close()** stops taking work, lets handlers in flight finish, and resolves; publish or
 *   subscribe afterwards rejects with BUS_CLOSED. Subscription.close() does the same for one member.
 * - Values are JSON-serializable objects and must not be mutated after publish or in a handler.
 */
export interface BusRecord<T = unknown> {
  readonly key: string;
  readonly value: T;
  /** Optional string headers (trace ids, content types). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Delivery<T = unknown> extends BusRecord<T> {
  readonly topic: string;
  readonly partition: number;
  /** Monotonic per partition; comparable only within one partition. */
  readonly offset: string;
}

export type Handler<T = unknown> = (delivery: Delivery<T>) => Promise<void>;

export interface SubscribeOptions<T = unknown> {
  readonly topics: readonly string[];
  /** Members with the same groupId share the work; each group sees every message. */
  readonly groupId: string;
  readonly handler: Handler<T>;
  /** Kafka: start at the earliest retained offset when the group has none. Default false. */
  readonly fromBeginning?: boolean;
}

export interface Subscription {
  /** Leaves the group after handlers in flight finish. */
  close(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, records: readonly BusRecord<T>[]): Promise<void>;
  subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription>;
  /** Reports whether the bus can currently publish and deliver (for /health). */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
