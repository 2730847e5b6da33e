import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { deferred, waitFor } from '../../support/wait.ts';

test('publish waits while a group has `capacity` messages queued on the partition (bounded memory)', async () => {
  const bus = new InMemoryBus({ partitions: 1, capacity: 2 });
  const gate = deferred();
  const seen: number[] = [];
  await bus.subscribe<number>({
    topics: ['t'],
    groupId: 'slow',
    handler: async (d) => {
      await gate.promise;
      seen.push(d.value);
    },
  });
  let published = false;
  const publishing = bus.publish('t', [0, 1, 2, 3].map((n) => ({ key: 'k', value: n }))).then(() => (published = true));
  await waitFor(() => !published && seen.length === 0, { message: 'publisher blocked' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(published, false, 'the publisher is held back while the queue is full');
  gate.resolve();
  await publishing;
  await waitFor(() => seen.length === 4, { message: 'all delivered' });
  assert.deepEqual(seen, [0, 1, 2, 3]);
  await bus.close();
});

test('a group whose last member left is forgotten: publishing never blocks on it', async () => {
  const bus = new InMemoryBus({ partitions: 1, capacity: 1 });
  const sub = await bus.subscribe({ topics: ['t'], groupId: 'gone', handler: async () => {} });
  await sub.close();
  await bus.publish('t', [1, 2, 3].map((n) => ({ key: 'k', value: n })));
  await bus.close();
});

test('reports each handler failure to onHandlerError with the delivery', async () => {
  const errors: string[] = [];
  const bus = new InMemoryBus({ retryBackoffMs: 1, onHandlerError: (e, d) => errors.push(`${(e as Error).message}@${d.offset}`) });
  let calls = 0;
  await bus.subscribe({
    topics: ['t'],
    groupId: 'g',
    handler: async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    },
  });
  await bus.publish('t', [{ key: 'k', value: 1 }]);
  await waitFor(() => calls === 2, { message: 'retried once' });
  assert.deepEqual(errors, ['boom@0']);
  await bus.close();
});

test('back-to-back awaited publishes are all delivered without a later publish to push them', async () => {
  const bus = new InMemoryBus({ partitions: 1 });
  const seen: number[] = [];
  await bus.subscribe<number>({
    topics: ['t'],
    groupId: 'g',
    handler: async (d) => {
      await Promise.resolve();
      seen.push(d.value);
    },
  });
  await bus.publish('t', [{ key: 'k', value: 1 }]);
  await bus.publish('t', [{ key: 'k', value: 2 }]);
  await waitFor(() => seen.length === 2, { timeoutMs: 2000, message: 'both delivered' });
  assert.deepEqual(seen, [1, 2]);
  await bus.close();
});
