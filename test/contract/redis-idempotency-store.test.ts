import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { idempotencyStoreContract } from './idempotency-store.contract.ts';
import { RedisIdempotencyStore } from '../../adapters/idempotency/redis-idempotency-store.ts';
import { isAppError } from '../../core/errors.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

idempotencyStoreContract(
  'RedisIdempotencyStore',
  async (windows) => {
    const keyPrefix = `${uniqueName('idemtest')}:`;
    const store = new RedisIdempotencyStore({ redis: redis.url, keyPrefix, ...windows });
    const peer = new RedisIdempotencyStore({ redis: redis.url, keyPrefix, ...windows });
    return {
      store,
      peer,
      // Redis expires keys on its own clock: the tests wait for it.
      elapse: async () => {},
      cleanup: async () => {
        await Promise.all([store.close(), peer.close()]);
        await deleteRedisKeys(redis.url, keyPrefix);
      },
    };
  },
  { skip: redis.skip },
);

describe('RedisIdempotencyStore on a real Redis', { skip: redis.skip }, () => {
  test('one hash per key whose TTL is the lease in flight and the retention window once done', async () => {
    const keyPrefix = `${uniqueName('idemlayout')}:`;
    const client = new Redis(redis.url);
    const store = new RedisIdempotencyStore({ redis: client, keyPrefix, leaseMs: 10_000, retentionMs: 50_000 });
    try {
      const begun = await store.begin('player-1:key-1', 'fp');
      assert.ok(begun.status === 'new');
      const key = `${keyPrefix}idem:player-1:key-1`;
      const lease = await client.pttl(key);
      assert.ok(lease > 9000 && lease <= 10_000, `lease ${lease}`);
      await store.complete('player-1:key-1', begun.token, { statusCode: 201, body: { ok: true } });
      const retention = await client.pttl(key);
      assert.ok(retention > 49_000 && retention <= 50_000, `retention ${retention}`);
      assert.deepEqual(await client.hgetall(key), { fp: 'fp', state: 'done', response: '{"statusCode":201,"body":{"ok":true}}' });
    } finally {
      await store.close();
      await deleteRedisKeys(redis.url, keyPrefix);
      await client.quit();
    }
  });

  test('a refused connection is DEPENDENCY_UNAVAILABLE', async () => {
    const store = new RedisIdempotencyStore({ redis: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
    await assert.rejects(store.begin('k', 'fp'), (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE');
    await store.close();
  });
});
