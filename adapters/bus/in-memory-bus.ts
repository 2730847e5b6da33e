import { AppError } from '../../core/errors.ts';
import type { Bus, BusRecord, Delivery, Handler, SubscribeOptions, Subscription } from '../../core/ports/bus.ts';

export interface InMemoryBusOptions {
  /** Partitions per topic; keys hash onto them as Kafka's default partitioner does. Default 8. */
  readonly partitions?: number;
  /** Messages a group may have waiting per partition before publish() waits. Default 10,000. */
  readonly capacity?: number;
  /** First retry delay after a handler throws, doubled up to 1 s. Default 10 ms. */
  readonly retryBackoffMs?: number;
  /** Called when a handler throws (the message is then delivered again). */
  readonly onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

interface Member {
  readonly handler: Handler;
  closed: boolean;
}

interface PartitionQueue {
  readonly items: Delivery[];
  draining: boolean;
  /** The handler call in flight, if any: what close() waits for. */
  current: Promise<void> | undefined;
}

interface Group {
  readonly id: string;
  readonly members: Member[];
  readonly partitions: PartitionQueue[];
}

interface TopicState {
  readonly offsets: bigint[];
  readonly groups: Map<string, Group>;
}

/**
 * The Bus in one process: the embedded mode's bus and the reference the Kafka bus is tested
 * against. It keeps every promise of the Bus port (order per key, consumer groups sharing
 * partitions, redelivery until a handler resolves, awaited handlers, bounded queues with
 * backpressure on publish).
 *
 * Limits, by design: nothing survives the process; there is no retention, so a group receives
 * only what is published while it has at least one member (fromBeginning has nothing to replay),
 * and a group whose last member leaves is forgotten with anything still queued for it; close()
 * finishes the handlers in flight and drops what is still queued.
 */
export class InMemoryBus implements Bus {
  private readonly partitionCount: number;
  private readonly capacity: number;
  private readonly retryBackoffMs: number;
  private readonly onHandlerError: ((error: unknown, delivery: Delivery) => void) | undefined;
  private readonly topics = new Map<string, TopicState>();
  private readonly spaceWaiters = new Set<() => void>();
  private closed = false;

  constructor(options: InMemoryBusOptions = {}) {
    this.partitionCount = options.partitions ?? 8;
    this.capacity = options.capacity ?? 10_000;
    this.retryBackoffMs = options.retryBackoffMs ?? 10;
    this.onHandlerError = options.onHandlerError;
  }

  async publish<T>(topic: string, records: readonly BusRecord<T>[]): Promise<void> {
    this.assertOpen();
    const state = this.topic(topic);
    for (const record of records) {
      const partition = partitionFor(record.key, this.partitionCount);
      while (this.isFull(state, partition)) {
        await new Promise<void>((resolve) => this.spaceWaiters.add(resolve));
        this.assertOpen();
      }
      const offset = state.offsets[partition]!;
      state.offsets[partition] = offset + 1n;
      // Explicit fields, not a spread: this line runs for every message of the embedded system.
      const delivery: Delivery =
        record.headers === undefined
          ? { key: record.key, value: record.value, topic, partition, offset: offset.toString() }
          : { key: record.key, value: record.value, headers: record.headers, topic, partition, offset: offset.toString() };
      for (const group of state.groups.values()) {
        group.partitions[partition]!.items.push(delivery);
        this.drain(group, partition);
      }
    }
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    this.assertOpen();
    const member: Member = { handler: options.handler as Handler, closed: false };
    const joined: Array<{ group: Group; topic: TopicState }> = [];
    for (const topicName of options.topics) {
      const topic = this.topic(topicName);
      let group = topic.groups.get(options.groupId);
      if (!group) {
        group = {
          id: options.groupId,
          members: [],
          partitions: Array.from({ length: this.partitionCount }, () => ({ items: [], draining: false, current: undefined })),
        };
        topic.groups.set(options.groupId, group);
      }
      group.members.push(member);
      joined.push({ group, topic });
    }
    return {
      close: async () => {
        if (member.closed) return;
        member.closed = true;
        for (const { group, topic } of joined) {
          const owned = group.partitions.filter((_, p) => group.members[p % group.members.length] === member);
          group.members.splice(group.members.indexOf(member), 1);
          // Let the member's handlers in flight finish before its partitions move on.
          await Promise.all(owned.map((q) => q.current));
          if (group.members.length === 0) {
            topic.groups.delete(group.id);
            this.wakePublishers();
          } else {
            group.partitions.forEach((_, p) => this.drain(group, p));
          }
        }
      },
    };
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const inFlight: Array<Promise<void> | undefined> = [];
    for (const topic of this.topics.values()) {
      for (const group of topic.groups.values()) {
        for (const q of group.partitions) {
          inFlight.push(q.current);
          q.items.length = 0;
        }
        group.members.forEach((m) => (m.closed = true));
      }
    }
    this.wakePublishers();
    await Promise.all(inFlight);
  }

  private topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (!state) {
      state = { offsets: Array.from({ length: this.partitionCount }, () => 0n), groups: new Map() };
      this.topics.set(name, state);
    }
    return state;
  }

  private isFull(state: TopicState, partition: number): boolean {
    for (const group of state.groups.values()) {
      if (group.partitions[partition]!.items.length >= this.capacity) return true;
    }
    return false;
  }

  private drain(group: Group, partition: number): void {
    const queue = group.partitions[partition]!;
    if (queue.draining) return;
    queue.draining = true;
    void this.run(group, partition, queue).finally(() => {
      queue.draining = false;
      // A message published after the loop's last look would otherwise wait for the next publish.
      if (queue.items.length > 0 && !this.closed && group.members.length > 0) this.drain(group, partition);
    });
  }

  private async run(group: Group, partition: number, queue: PartitionQueue): Promise<void> {
    let backoff = this.retryBackoffMs;
    while (queue.items.length > 0 && !this.closed) {
      // Partition p belongs to member p mod n, as a round-robin assignor would give it; read
      // again for every message so partitions move as soon as a member leaves.
      const member = group.members[partition % group.members.length];
      if (!member || member.closed) return;
      const delivery = queue.items[0]!;
      try {
        const call = member.handler(delivery);
        queue.current = call.then(
          () => undefined,
          () => undefined,
        );
        await call;
        queue.items.shift();
        backoff = this.retryBackoffMs;
        this.wakePublishers();
      } catch (error) {
        // Not shifted: the same message goes again (to whoever owns the partition by then).
        this.onHandlerError?.(error, delivery);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 1000);
      } finally {
        queue.current = undefined;
      }
    }
  }

  private wakePublishers(): void {
    const waiters = [...this.spaceWaiters];
    this.spaceWaiters.clear();
    waiters.forEach((wake) => wake());
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('BUS_CLOSED', 'the bus is closed');
  }
}

/** murmur2-free but stable string hash (FNV-1a); only stability within a process matters here. */
function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
