/**
 * Push gateway replicas sharing one MQTT broker: only the holder of the publisher's lease
 * publishes, so each topic carries one ordered stream; when it stops, a standby replica takes
 * over and starts with a retained snapshot, then the deltas after it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { InMemoryLeaderLease } from '../../adapters/leader-lease/in-memory-leader-lease.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../adapters/price-book/in-memory-price-book.ts';
import type { OddsDelta } from '../../core/contracts/odds.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import type { MqttPublisher, MqttPublishOptions } from '../../core/ports/mqtt-broker.ts';
import { TOPICS } from '../../core/topics.ts';
import { createPushGateway, type PushGateway } from '../../push-gateway/push-gateway-service.ts';
import { FakeEngine } from '../unit/push-gateway/hub-harness.ts';
import { waitFor } from '../support/wait.ts';

const EVENT = 'sr:match:4242';
const SNAPSHOT_TOPIC = `sb/v1/events/${EVENT}`;
const LEASE_TTL_MS = 300;

/** A broker stand-in that records what each replica published. */
class RecordingPublisher implements MqttPublisher {
  readonly kind = 'recording';
  readonly published: Array<{ topic: string; body: { epoch: string; seq: number; from?: number }; retain: boolean }> = [];
  async publish(topic: string, payload: string | Uint8Array, options: MqttPublishOptions): Promise<void> {
    if (topic.startsWith(SNAPSHOT_TOPIC)) this.published.push({ topic, body: JSON.parse(String(payload)) as { epoch: string; seq: number }, retain: options.retain });
  }
  async health() {
    return { ok: true };
  }
  async close() {}
}

describe('push gateway replicas: one MQTT publisher at a time', () => {
  const clock = new SystemClock();
  const bus = new InMemoryBus();
  const book = new InMemoryPriceBook();
  const lease = new InMemoryLeaderLease({ clock });
  const engine = new FakeEngine(book, EVENT);
  const replicas: Array<{ gateway: PushGateway; publisher: RecordingPublisher; server: ReturnType<typeof createServer> }> = [];

  const publishDelta = async (delta: OddsDelta) => {
    await bus.publish(TOPICS.oddsDeltas, [{ key: EVENT, value: delta }]);
  };
  const health = async (i: number) => (await replicas[i]!.gateway.health!()).checks.mqttPublisher?.detail ?? '';

  before(async () => {
    for (const nodeId of ['gw-a', 'gw-b']) {
      const server = createServer();
      const publisher = new RecordingPublisher();
      const gateway = createPushGateway(
        { bus, clock, logger: silentLogger, metrics: new PromMetrics(), priceBook: book, verifyToken: () => undefined, httpServer: server, mqtt: publisher, mqttLeadership: lease },
        { nodeId, conflationWindowMs: 0, mqttSnapshotIntervalMs: 60_000, mqttLeaseTtlMs: LEASE_TTL_MS },
      );
      replicas.push({ gateway, publisher, server });
      await gateway.start();
      // The first replica holds the lease before the second one asks.
      if (nodeId === 'gw-a') await waitFor(async () => (await health(0)).startsWith('publishing'), { message: 'gw-a to lead' });
    }
    await publishDelta(await engine.newEpoch());
  });

  after(async () => {
    for (const r of replicas) {
      await r.gateway.stop();
      r.server.close();
    }
    await lease.close();
    await bus.close();
  });

  test('only the lease holder publishes; the other stands by', async () => {
    for (let i = 0; i < 5; i++) await publishDelta(await engine.price('1', { '1': `${2 + i / 10}` }));
    const [a, b] = replicas.map((r) => r.publisher);
    await waitFor(() => a!.published.some((p) => p.topic.endsWith('/delta') && p.body.seq === engine.seq), { message: "gw-a to publish the last delta" });
    assert.ok(a!.published.some((p) => p.topic === SNAPSHOT_TOPIC && p.retain), 'gw-a retained a snapshot');
    assert.equal(b!.published.length, 0, 'gw-b published nothing');
    assert.match(await health(1), /^standing by/);
  });

  test('when the publisher stops, the standby takes over with a snapshot, then the deltas after it', async () => {
    await replicas[0]!.gateway.stop();
    const b = replicas[1]!.publisher;
    await waitFor(async () => (await health(1)).startsWith('publishing'), { timeoutMs: 5000, message: 'gw-b to take the lease' });
    for (let i = 0; i < 3; i++) await publishDelta(await engine.price('1', { '2': `${3 + i / 10}` }));
    await waitFor(() => b.published.some((p) => p.topic.endsWith('/delta') && p.body.seq === engine.seq), { message: 'gw-b to publish the last delta' });
    const first = b.published[0]!;
    assert.equal(first.topic, SNAPSHOT_TOPIC, 'a retained snapshot comes first');
    assert.equal(first.retain, true);
    // Every delta after the snapshot continues it: no gap a client would have to wait out.
    let seq = first.body.seq;
    for (const p of b.published.slice(1).filter((p) => p.topic.endsWith('/delta'))) {
      if (p.body.seq <= seq) continue;
      assert.ok(p.body.from! <= seq + 1, `delta ${p.body.from}..${p.body.seq} after ${seq}`);
      seq = p.body.seq;
    }
    assert.equal(seq, engine.seq);
  });
});
