import { rateLimiterContract } from './rate-limiter.contract.ts';
import { InMemoryRateLimiter } from '../../adapters/rate-limit/in-memory-rate-limiter.ts';
import { ManualClock } from '../support/manual-clock.ts';

rateLimiterContract('InMemoryRateLimiter', async () => {
  const clock = new ManualClock();
  const limiter = new InMemoryRateLimiter({ clock });
  return { limiter, peer: limiter, elapse: async (ms) => clock.advance(ms), cleanup: () => limiter.close() };
});
