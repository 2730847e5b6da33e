import { rateLimiterContract } from './rate-limiter.contract.ts';
import { RedisRateLimiter } from '../../adapters/rate-limit/redis-rate-limiter.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

rateLimiterContract(
  'RedisRateLimiter',
  async () => {
    const keyPrefix = `${uniqueName('rltest')}:`;
    const limiter = new RedisRateLimiter({ redis: redis.url, keyPrefix });
    const peer = new RedisRateLimiter({ redis: redis.url, keyPrefix });
    return {
      limiter,
      peer,
      // The limiter runs on the Redis server's clock: the tests wait for it.
      elapse: async () => {},
      cleanup: async () => {
        await Promise.all([limiter.close(), peer.close()]);
        await deleteRedisKeys(redis.url, keyPrefix);
      },
    };
  },
  { skip: redis.skip },
);
