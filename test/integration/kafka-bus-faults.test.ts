/**
 * KafkaBus under broker faults, each test on a private librdkafka mock cluster (3 brokers) that it
 * drives through kmock's fault commands: a broker going down mid-stream with the cluster moving
 * its partitions and group to the others, request errors, and acknowledgements that arrive too
 * late (so the producer's retry stores a batch twice). In every case nothing published is lost,
 * and a consumer idempotent by message id applies each message once, in publish order per key.
 */
import { afterEach, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaBus, kafkaGroupId } from '../../adapters/bus/kafka-bus.ts';
import type { KafkaBusOptions } from '../../adapters/bus/kafka-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import type { Delivery } from '../../core/ports/bus.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { TEST_KAFKA_TIMINGS, kafkaMockBinary, startKafkaMock } from '../support/kafka-mock.ts';
import type { KafkaMockCluster } from '../support/kafka-mock.ts';
import { uniqueName, waitFor } from '../support/wait.ts';

const mock = kafkaMockBinary();

interface Msg {
  readonly id: string;
  readonly key: string;
  readonly n: number;
}

/** Kafka protocol numbers for kmock's `errors` command. */
const API = { produce: 0, fetch: 1, offsetCommit: 8, joinGroup: 11 } as const;
const ERR = { notLeaderForPartition: 6, requestTimedOut: 7, rebalanceInProgress: 27, groupAuthorizationFailed: 30, dropConnection: -195 } as const;

/** Counts the warnings and errors a bus logs (kafkajs' own included): the sign that it met a fault. */
class CountingLogger implements Logger {
  problems = 0;
  debug(): void {}
  info(): void {}
  warn(): void {
    this.problems += 1;
  }
  error(): void {
    this.problems += 1;
  }
  child(): Logger {
    return this;
  }
}

/**
 * A consumer idempotent by message id, as the Bus port asks of every consumer: it applies each id
 * once and checks that, per key, what it applies comes in publish order. It counts every raw
 * delivery, so the redeliveries the faults cause are visible.
 */
class IdempotentConsumer {
  raw = 0;
  redelivered = 0;
  readonly applied = new Set<string>();
  readonly outOfOrder: string[] = [];
  private readonly lastApplied = new Map<string, number>();

  readonly handler = async (delivery: Delivery<Msg>): Promise<void> => {
    this.raw += 1;
    const { id, key, n } = delivery.value;
    if (this.applied.has(id)) {
      this.redelivered += 1;
      return;
    }
    const last = this.lastApplied.get(key) ?? -1;
    if (n !== last + 1) this.outOfOrder.push(`${key}: #${n} after #${last}`);
    this.lastApplied.set(key, n);
    this.applied.add(id);
  };
}

/**
 * Publishes `total` messages over `keys` keys in calls of `perCall` records, with up to
 * `inFlight` calls outstanding (issued in order, so per key the publish order is n = 0, 1, ...).
 * `progress.sent` counts the records whose publish() resolved.
 */
async function publishStream(
  bus: KafkaBus,
  topic: string,
  { total, keys, perCall = 20, inFlight = 8, progress }: { total: number; keys: number; perCall?: number; inFlight?: number; progress: { sent: number } },
): Promise<void> {
  const perKey = new Map<string, number>();
  const outstanding = new Set<Promise<void>>();
  for (let i = 0; i < total; i += perCall) {
    const records = [];
    for (let j = i; j < Math.min(i + perCall, total); j++) {
      const key = `k${j % keys}`;
      const n = perKey.get(key) ?? 0;
      perKey.set(key, n + 1);
      records.push({ key, value: { id: `${topic}/${j}`, key, n }, headers: { 'trace-id': `t${j}` } });
    }
    const call: Promise<void> = bus.publish<Msg>(topic, records).then(() => {
      progress.sent += records.length;
      outstanding.delete(call);
    });
    outstanding.add(call);
    if (outstanding.size >= inFlight) await Promise.race(outstanding);
  }
  await Promise.all(outstanding);
}

/** The ids publishStream gives its messages. */
function ids(topic: string, total: number): string[] {
  return Array.from({ length: total }, (_, j) => `${topic}/${j}`);
}

describe('KafkaBus under broker faults (private mock cluster)', { skip: mock.skip }, () => {
  let cluster: KafkaMockCluster | undefined;
  const buses: KafkaBus[] = [];

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await cluster?.stop();
    cluster = undefined;
  });

  /**
   * A fresh cluster with one 4-partition topic: partitions 0 and 1 led by broker 1, 2 by
   * broker 2, 3 by broker 3.
   */
  async function clusterWithTopic(): Promise<{ cluster: KafkaMockCluster; topic: string }> {
    const topic = uniqueName('faults');
    const started = await startKafkaMock(mock.bin, [`${topic}:4`]);
    cluster = started;
    for (const [partition, broker] of [[0, 1], [1, 1], [2, 2], [3, 3]] as const) await started.command(`leader ${topic} ${partition} ${broker}`);
    return { cluster: started, topic };
  }

  function newBus(logger: Logger, options: Partial<KafkaBusOptions> = {}): KafkaBus {
    const bus = new KafkaBus(
      { logger, clock: new SystemClock() },
      { brokers: cluster!.brokers, clientId: uniqueName('faults'), ...TEST_KAFKA_TIMINGS, retryBackoffMs: 20, ...options },
    );
    buses.push(bus);
    return bus;
  }

  /** Waits until the consumer has applied `ids`; on a timeout says how far it got and what is missing. */
  async function waitForAll(consumer: IdempotentConsumer, expected: readonly string[]): Promise<void> {
    try {
      await waitFor(() => expected.every((id) => consumer.applied.has(id)), { timeoutMs: 45_000, message: `${expected.length} messages` });
    } catch (error) {
      const missing = expected.filter((id) => !consumer.applied.has(id));
      throw new Error(`${(error as Error).message}: ${missing.length} missing (first: ${missing.slice(0, 5).join(', ')}), ${consumer.raw} raw deliveries`);
    }
  }

  function report(t: TestContext, consumer: IdempotentConsumer, published: number): void {
    t.diagnostic(`${published} published, ${consumer.raw} raw deliveries, ${consumer.redelivered} redelivered (dropped by message id)`);
  }

  function assertAppliedOnceInOrder(consumer: IdempotentConsumer, published: number): void {
    assert.equal(consumer.applied.size, published, 'every message applied once');
    assert.deepEqual(consumer.outOfOrder, [], 'per-key publish order');
  }

  test('a broker going down mid-stream: nothing lost, order per key kept, duplicates only as redeliveries', async (t) => {
    const { cluster, topic } = await clusterWithTopic();
    const groupId = uniqueName('down');
    // The group's coordinator is on the broker that goes down too.
    await cluster.command(`coordinator ${kafkaGroupId(groupId, [topic])} 1`);
    const consumer = new IdempotentConsumer();
    const sub = await newBus(new CountingLogger()).subscribe<Msg>({ topics: [topic], groupId, handler: consumer.handler });

    const total = 3000;
    const progress = { sent: 0 };
    const producerLog = new CountingLogger();
    const publisher = newBus(producerLog);
    const faults = (async () => {
      await waitFor(() => progress.sent >= total / 4, { timeoutMs: 20_000, message: 'the first quarter published' });
      const before = producerLog.problems;
      await cluster.command('down 1');
      // What the cluster's controller does once it notices: leaders and the group move on.
      await waitFor(() => producerLog.problems > before, { timeoutMs: 20_000, message: 'the producer meeting the broker down' });
      await cluster.command(`leader ${topic} 0 2`);
      await cluster.command(`leader ${topic} 1 3`);
      await cluster.command(`coordinator ${kafkaGroupId(groupId, [topic])} 2`);
      await waitFor(() => progress.sent >= (total * 3) / 4, { timeoutMs: 30_000, message: 'three quarters published' });
      await cluster.command('up 1');
    })();
    await Promise.all([publishStream(publisher, topic, { total, keys: 40, progress }), faults]);

    await waitForAll(consumer, ids(topic, total));
    report(t, consumer, total);
    assertAppliedOnceInOrder(consumer, total);
    await sub.close();
  });

  test('request errors on produce, fetch and commit are retried inside the adapter: publish resolves, nothing lost or doubled', async (t) => {
    const { cluster, topic } = await clusterWithTopic();
    const consumer = new IdempotentConsumer();
    const sub = await newBus(new CountingLogger()).subscribe<Msg>({ topics: [topic], groupId: uniqueName('errors'), handler: consumer.handler });

    const logger = new CountingLogger();
    const publisher = newBus(logger);
    await publisher.publish<Msg>(topic, [{ key: 'warm-up', value: { id: `${topic}/warm-up`, key: 'warm-up', n: 0 } }]);
    await cluster.command(`errors ${API.produce} ${ERR.notLeaderForPartition} ${ERR.requestTimedOut} ${ERR.dropConnection} ${ERR.notLeaderForPartition}`);
    await cluster.command(`errors ${API.fetch} ${ERR.notLeaderForPartition}`);
    await cluster.command(`errors ${API.offsetCommit} ${ERR.rebalanceInProgress}`);

    const total = 1000;
    const progress = { sent: 0 };
    await publishStream(publisher, topic, { total, keys: 20, progress });
    assert.equal(progress.sent, total, 'every publish resolved');
    assert.ok(logger.problems > 0, 'the producer met the injected errors');

    await waitForAll(consumer, [...ids(topic, total), `${topic}/warm-up`]);
    report(t, consumer, total + 1);
    assertAppliedOnceInOrder(consumer, total + 1);
    await sub.close();
  });

  test('acknowledgements lost to a timeout: the retry stores a batch twice, and the idempotent consumer applies it once', async (t) => {
    const { cluster, topic } = await clusterWithTopic();
    const consumer = new IdempotentConsumer();
    const sub = await newBus(new CountingLogger()).subscribe<Msg>({ topics: [topic], groupId: uniqueName('late-acks'), handler: consumer.handler });

    const logger = new CountingLogger();
    const publisher = newBus(logger, { requestTimeoutMs: 500 });
    await publisher.publish<Msg>(topic, [{ key: 'warm-up', value: { id: `${topic}/warm-up`, key: 'warm-up', n: 0 } }]);

    // Broker 2 writes every request at once but answers a second late: the producer times out and sends again.
    await cluster.command('rtt 2 1000');
    const total = 500;
    const progress = { sent: 0 };
    const publishing = publishStream(publisher, topic, { total, keys: 20, progress });
    await waitFor(() => logger.problems > 0, { timeoutMs: 20_000, message: 'the producer timing out' });
    await cluster.command('rtt 2 0');
    await publishing;

    await waitForAll(consumer, [...ids(topic, total), `${topic}/warm-up`]);
    report(t, consumer, total + 1);
    assert.ok(consumer.redelivered > 0, 'the late acknowledgements left duplicates in the log');
    assertAppliedOnceInOrder(consumer, total + 1);
    await sub.close();
  });

  test('a consumer kafkajs gives up on is started again: a group join refused with an error kafkajs does not retry', async () => {
    const { cluster, topic } = await clusterWithTopic();
    await cluster.command(`errors ${API.joinGroup} ${ERR.groupAuthorizationFailed}`);
    const logger = new CountingLogger();
    const bus = newBus(logger);
    const received = new Set<string>();
    const sub = await bus.subscribe<Msg>({ topics: [topic], groupId: uniqueName('restart'), handler: async (d) => void received.add(d.value.id) });
    assert.ok(logger.problems > 0, 'the refused join was logged');
    assert.deepEqual(await bus.health(), { ok: true, detail: '3 brokers' });

    await publishStream(newBus(new CountingLogger()), topic, { total: 100, keys: 10, progress: { sent: 0 } });
    await waitFor(() => ids(topic, 100).every((id) => received.has(id)), { timeoutMs: 20_000, message: '100 messages' });
    await sub.close();
  });

  test('a new group starts where subscribe() found the partitions: nothing published after it resolves is missed, even while messages flow', async () => {
    const { topic } = await clusterWithTopic();
    const publisher = newBus(new CountingLogger());
    const progress = { sent: 0 };
    let stop = false;
    let next = 0;
    const issuedAfterJoin = new Set<string>();
    let joined = false;
    const flowing = (async () => {
      while (!stop) {
        const id = `${topic}/${next}`;
        const key = `k${next % 8}`;
        const record = { key, value: { id, key, n: next }, headers: { 'trace-id': id } };
        next += 1;
        if (joined) issuedAfterJoin.add(id);
        await publisher.publish<Msg>(topic, [record]);
        progress.sent += 1;
      }
    })();
    await waitFor(() => progress.sent >= 20, { message: 'messages flowing' });

    const received = new Set<string>();
    const envelopes: string[] = [];
    const sub = await newBus(new CountingLogger()).subscribe<Msg>({
      topics: [topic],
      groupId: uniqueName('start'),
      handler: async (d) => {
        received.add(d.value.id);
        // Key and headers come back as they were published.
        if (d.key !== d.value.key || d.headers?.['trace-id'] !== d.value.id) envelopes.push(`${d.key} ${JSON.stringify(d.headers)}`);
      },
    });
    joined = true;
    await waitFor(() => issuedAfterJoin.size >= 200, { timeoutMs: 20_000, message: '200 messages after the join' });
    stop = true;
    await flowing;
    await waitFor(() => [...issuedAfterJoin].every((id) => received.has(id)), { timeoutMs: 20_000, message: 'every message published after subscribe() resolved' });
    assert.deepEqual(envelopes, []);
    await sub.close();
  });
});
