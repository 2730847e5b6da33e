import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { liabilityLedgerContract } from './liability-ledger.contract.ts';
import { RedisLiabilityLedger } from '../../adapters/liability/redis-liability-ledger.ts';
import { isAppError } from '../../core/errors.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

liabilityLedgerContract(
  'RedisLiabilityLedger',
  async () => {
    const keyPrefix = `${uniqueName('liabtest')}:`;
    const ledger = new RedisLiabilityLedger({ redis: redis.url, keyPrefix });
    const peer = new RedisLiabilityLedger({ redis: redis.url, keyPrefix });
    return {
      ledger,
      peer,
      cleanup: async () => {
        await Promise.all([ledger.close(), peer.close()]);
        await deleteRedisKeys(redis.url, keyPrefix);
      },
    };
  },
  { skip: redis.skip },
);

describe('RedisLiabilityLedger on a real Redis', { skip: redis.skip }, () => {
  test('every key shares one hash tag; a released id is remembered for a while, then forgotten', async () => {
    const keyPrefix = `${uniqueName('liablayout')}:`;
    const client = new Redis(redis.url);
    const ledger = new RedisLiabilityLedger({ redis: client, keyPrefix, releasedRetentionMs: 60_000 });
    try {
      await ledger.reserve('b1', [{ key: 'sr:match:1#1#1', amount: 1234n, limit: 10_000n }]);
      assert.deepEqual(await client.hgetall(`${keyPrefix}liab:{ledger}:totals`), { 'sr:match:1#1#1': '1234' });
      await ledger.release('b1');
      const ttl = await client.pttl(`${keyPrefix}liab:{ledger}:r:b1`);
      assert.ok(ttl > 0 && ttl <= 60_000, `released id expires (pttl ${ttl})`);
      assert.deepEqual(await client.hgetall(`${keyPrefix}liab:{ledger}:totals`), {}, 'a key back at zero is removed');
      await ledger.close();
      assert.equal(await client.ping(), 'PONG', 'close() leaves a client it did not open');
    } finally {
      await deleteRedisKeys(redis.url, keyPrefix);
      await client.quit();
    }
  });
});

describe('RedisLiabilityLedger without a reachable Redis', () => {
  test('a refused connection fails calls with DEPENDENCY_UNAVAILABLE', async () => {
    const ledger = new RedisLiabilityLedger({ redis: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
    const unavailable = (e: unknown) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable;
    await assert.rejects(ledger.reserve('b', [{ key: 'k', amount: 1n, limit: 2n }]), unavailable);
    await assert.rejects(ledger.current('k'), unavailable);
    assert.equal((await ledger.health()).ok, false);
    await ledger.close();
  });
});
