import { engineLeaseContract } from './engine-lease.contract.ts';
import { RedisEngineLease } from '../../adapters/engine-lease/redis-engine-lease.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

engineLeaseContract(
  'RedisEngineLease',
  async () => {
    const prefixes: string[] = [];
    const made: RedisEngineLease[] = [];
    return {
      // A key prefix per test: each test has a lease of its own, seen by two connections.
      make: async () => {
        const keyPrefix = `${uniqueName('leasetest')}:`;
        prefixes.push(keyPrefix);
        const lease = new RedisEngineLease({ redis: redis.url, keyPrefix });
        const peer = new RedisEngineLease({ redis: redis.url, keyPrefix });
        made.push(lease, peer);
        return { lease, peer };
      },
      // The lease expires on the Redis server's clock: the tests wait for it.
      elapse: async () => {},
      cleanup: async () => {
        await Promise.all(made.map((lease) => lease.close()));
        for (const prefix of prefixes) await deleteRedisKeys(redis.url, prefix);
      },
    };
  },
  { skip: redis.skip },
);
