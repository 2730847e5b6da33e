/**
 * The Bus port's contract (core/ports/bus.ts), run against every implementation. A suite file
 * calls `busContract(name, factory)`; the factory gives a fresh bus and what it needs to clean
 * up. Topic and group names are unique per test, so one broker can serve every test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, Delivery } from '../../core/ports/bus.ts';
import { isAppError } from '../../core/errors.ts';
import { deferred, uniqueName, waitFor } from '../support/wait.ts';

export interface BusUnderTest {
  readonly bus: Bus;
  /** A second client of the same bus (another process's view); the same object in memory. */
  readonly peer: Bus;
  /** Creates topics up front where the engine needs that (Kafka); resolves at once otherwise. */
  createTopics(topics: readonly string[]): Promise<void>;
  cleanup(): Promise<void>;
}

export interface BusContractOptions {
  /** How long deliveries may take to arrive (a real broker rebalances). Default 5 s. */
  readonly timeoutMs?: number;
  readonly skip?: string | false;
}

interface Msg {
  readonly key: string;
  readonly n: number;
}

export function busContract(name: string, factory: () => Promise<BusUnderTest>, options: BusContractOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 5000;

  describe(`Bus contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: BusUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    async function freshTopic(): Promise<string> {
      const topic = uniqueName('contract');
      await sut.createTopics([topic]);
      return topic;
    }

    function records(keys: number, perKey: number): Array<{ key: string; value: Msg }> {
      // Interleaved across keys, as a live feed would be.
      const out: Array<{ key: string; value: Msg }> = [];
      for (let n = 0; n < perKey; n++) for (let k = 0; k < keys; k++) out.push({ key: `k${k}`, value: { key: `k${k}`, n } });
      return out;
    }

    function assertOrderedPerKey(received: readonly Msg[], keys: number, perKey: number): void {
      for (let k = 0; k < keys; k++) {
        const seq = received.filter((m) => m.key === `k${k}`).map((m) => m.n);
        assert.deepEqual(seq, Array.from({ length: perKey }, (_, i) => i), `order of key k${k}`);
      }
    }

    test('delivers every message of a key in publish order', async () => {
      const topic = await freshTopic();
      const got: Msg[] = [];
      const sub = await sut.bus.subscribe<Msg>({ topics: [topic], groupId: uniqueName('g'), handler: async (d) => void got.push(d.value) });
      await sut.bus.publish(topic, records(10, 30));
      await waitFor(() => got.length >= 300, { timeoutMs, message: '300 deliveries' });
      assertOrderedPerKey(got, 10, 30);
      await sub.close();
    });

    test('every group receives every message once', async () => {
      const topic = await freshTopic();
      const a: Msg[] = [];
      const b: Msg[] = [];
      const subA = await sut.bus.subscribe<Msg>({ topics: [topic], groupId: uniqueName('ga'), handler: async (d) => void a.push(d.value) });
      const subB = await sut.peer.subscribe<Msg>({ topics: [topic], groupId: uniqueName('gb'), handler: async (d) => void b.push(d.value) });
      await sut.bus.publish(topic, records(5, 20));
      await waitFor(() => a.length >= 100 && b.length >= 100, { timeoutMs, message: 'both groups' });
      assertOrderedPerKey(a, 5, 20);
      assertOrderedPerKey(b, 5, 20);
      await Promise.all([subA.close(), subB.close()]);
    });

    test('members of one group share the messages, each key staying with one member in order', async () => {
      const topic = await freshTopic();
      const groupId = uniqueName('shared');
      const one: Msg[] = [];
      const two: Msg[] = [];
      const sub1 = await sut.bus.subscribe<Msg>({ topics: [topic], groupId, handler: async (d) => void one.push(d.value) });
      const sub2 = await sut.peer.subscribe<Msg>({ topics: [topic], groupId, handler: async (d) => void two.push(d.value) });
      await sut.bus.publish(topic, records(16, 10));
      const seen = () => new Set([...one, ...two].map((m) => `${m.key}/${m.n}`)).size;
      await waitFor(() => seen() === 160, { timeoutMs, message: 'all 160 messages across the group' });
      for (const stream of [one, two]) {
        for (let k = 0; k < 16; k++) {
          const seq = stream.filter((m) => m.key === `k${k}`).map((m) => m.n);
          assert.deepEqual(seq, [...seq].sort((x, y) => x - y), `member order of k${k}`);
        }
      }
      await Promise.all([sub1.close(), sub2.close()]);
    });

    test('one group subscribed to two topics separately gets the messages of both', async () => {
      const [first, second] = [await freshTopic(), await freshTopic()];
      const groupId = uniqueName('two-topics');
      const got: string[] = [];
      const subA = await sut.bus.subscribe<Msg>({ topics: [first], groupId, handler: async (d) => void got.push(`a:${d.value.key}/${d.value.n}`) });
      const subB = await sut.bus.subscribe<Msg>({ topics: [second], groupId, handler: async (d) => void got.push(`b:${d.value.key}/${d.value.n}`) });
      await sut.bus.publish(first, records(8, 3));
      await sut.bus.publish(second, records(8, 3));
      await waitFor(() => new Set(got).size === 48, { timeoutMs, message: 'every message of both topics' });
      await Promise.all([subA.close(), subB.close()]);
    });

    test('a handler that throws gets the same message again before later ones of its key', async () => {
      const topic = await freshTopic();
      const got: Msg[] = [];
      let failures = 0;
      const sub = await sut.bus.subscribe<Msg>({
        topics: [topic],
        groupId: uniqueName('retry'),
        handler: async (d) => {
          if (d.value.n === 2 && failures < 2) {
            failures += 1;
            throw new Error('transient');
          }
          got.push(d.value);
        },
      });
      await sut.bus.publish(topic, records(1, 5));
      await waitFor(() => got.length >= 5, { timeoutMs, message: 'redelivery' });
      assert.equal(failures, 2);
      assert.deepEqual(got.map((m) => m.n), [0, 1, 2, 3, 4]);
      await sub.close();
    });

    test('awaits the handler: one message per key at a time', async () => {
      const topic = await freshTopic();
      let active = 0;
      let maxActive = 0;
      const done: number[] = [];
      const gate = deferred();
      const sub = await sut.bus.subscribe<Msg>({
        topics: [topic],
        groupId: uniqueName('await'),
        handler: async (d) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          if (d.value.n === 0) await gate.promise;
          active -= 1;
          done.push(d.value.n);
        },
      });
      await sut.bus.publish(topic, records(1, 3));
      await waitFor(() => active === 1, { timeoutMs, message: 'first handler running' });
      assert.deepEqual(done, [], 'nothing after the first completes while it is awaited');
      gate.resolve();
      await waitFor(() => done.length === 3, { timeoutMs, message: 'all handled' });
      assert.equal(maxActive, 1);
      assert.deepEqual(done, [0, 1, 2]);
      await sub.close();
    });

    test('when a member leaves, the others take over its messages', async () => {
      const topic = await freshTopic();
      const groupId = uniqueName('leave');
      const got = new Map<string, Delivery<Msg>>();
      const sub1 = await sut.bus.subscribe<Msg>({ topics: [topic], groupId, handler: async (d) => void got.set(`${d.value.key}/${d.value.n}`, d) });
      const sub2 = await sut.peer.subscribe<Msg>({ topics: [topic], groupId, handler: async (d) => void got.set(`${d.value.key}/${d.value.n}`, d) });
      await sut.bus.publish(topic, records(8, 5));
      await waitFor(() => got.size === 40, { timeoutMs, message: 'first batch' });
      await sub1.close();
      await sut.bus.publish(topic, records(8, 10).filter((r) => r.value.n >= 5));
      await waitFor(() => got.size === 80, { timeoutMs, message: 'second batch through the remaining member' });
      await sub2.close();
    });

    test('subscription close waits for the handler in flight', async () => {
      const topic = await freshTopic();
      const gate = deferred();
      let finished = false;
      let started = false;
      const sub = await sut.bus.subscribe<Msg>({
        topics: [topic],
        groupId: uniqueName('close'),
        handler: async () => {
          started = true;
          await gate.promise;
          finished = true;
        },
      });
      await sut.bus.publish(topic, records(1, 1));
      await waitFor(() => started, { timeoutMs, message: 'handler started' });
      const closing = sub.close();
      gate.resolve();
      await closing;
      assert.equal(finished, true);
    });

    test('reports health, and refuses work once closed', async () => {
      const extra = await factory();
      assert.equal((await extra.bus.health()).ok, true);
      await extra.bus.close();
      await assert.rejects(extra.bus.publish('any', [{ key: 'k', value: {} }]), (e) => isAppError(e) && e.code === 'BUS_CLOSED');
      await assert.rejects(
        extra.bus.subscribe({ topics: ['any'], groupId: 'g', handler: async () => {} }),
        (e) => isAppError(e) && e.code === 'BUS_CLOSED',
      );
      await extra.cleanup();
    });
  });
}
