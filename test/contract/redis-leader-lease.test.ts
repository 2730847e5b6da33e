import { leaderLeaseContract } from './leader-lease.contract.ts';
import { RedisLeaderLease } from '../../adapters/leader-lease/redis-leader-lease.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

leaderLeaseContract(
  'RedisLeaderLease',
  async () => {
    const prefixes: string[] = [];
    const made: RedisLeaderLease[] = [];
    return {
      // A key prefix per test: each test has a lease of its own, seen by two connections.
      make: async () => {
        const keyPrefix = `${uniqueName('leadertest')}:`;
        prefixes.push(keyPrefix);
        const lease = new RedisLeaderLease({ redis: redis.url, keyPrefix, name: 'mqtt-publisher' });
        const peer = new RedisLeaderLease({ redis: redis.url, keyPrefix, name: 'mqtt-publisher' });
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
