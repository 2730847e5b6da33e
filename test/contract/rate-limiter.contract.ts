/**
 * The RateLimiter port's contract (core/ports/rate-limiter.ts), run against every implementation.
 * `elapse(ms)` moves the limiter's time on: a manual clock in memory; nothing for Redis, which
 * runs on the server's clock: the tests then wait for the refill with a deadline, so the windows
 * they wait out are short.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { RateLimiter } from '../../core/ports/rate-limiter.ts';
import { uniqueName, waitFor } from '../support/wait.ts';

export interface RateLimiterUnderTest {
  readonly limiter: RateLimiter;
  readonly peer: RateLimiter;
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function rateLimiterContract(name: string, factory: () => Promise<RateLimiterUnderTest>, options: { skip?: string | false } = {}): void {
  describe(`RateLimiter contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: RateLimiterUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('a burst of `limit` is allowed, the next is refused with the time until a token returns', async () => {
      const key = uniqueName('player');
      const rule = { limit: 5, windowMs: 600_000 };
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const d = await sut.limiter.take(key, rule);
        assert.equal(d.allowed, true);
        remaining.push(d.remaining);
      }
      assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
      const refused = await sut.peer.take(key, rule);
      assert.equal(refused.allowed, false);
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 110_000 && refused.retryAfterMs <= 120_000, `retry after ${refused.retryAfterMs}`);
      assert.equal((await sut.limiter.take(uniqueName('other'), rule)).allowed, true, 'keys are independent');
    });

    test('tokens come back evenly over the window', async () => {
      const key = uniqueName('player');
      const rule = { limit: 2, windowMs: 400 };
      assert.equal((await sut.limiter.take(key, rule)).allowed, true);
      assert.equal((await sut.limiter.take(key, rule)).allowed, true);
      assert.equal((await sut.limiter.take(key, rule)).allowed, false);
      await sut.elapse(450);
      await waitFor(async () => (await sut.limiter.take(key, rule)).allowed, { timeoutMs: 3000, message: 'a token to return' });
    });

    test('100 concurrent takes from two clients allow exactly the limit', async () => {
      const key = uniqueName('ip');
      const rule = { limit: 40, windowMs: 3_600_000 };
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? sut.peer : sut.limiter).take(key, rule)));
      assert.equal(results.filter((r) => r.allowed).length, 40);
    });

    test('a malformed rule is INVALID_REQUEST', async () => {
      await assert.rejects(sut.limiter.take('k', { limit: 0, windowMs: 1000 }), (e) => isAppError(e) && e.code === 'INVALID_REQUEST');
      await assert.rejects(sut.limiter.take('k', { limit: 1.5, windowMs: 1000 }), (e) => isAppError(e) && e.code === 'INVALID_REQUEST');
    });
  });
}
