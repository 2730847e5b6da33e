/**
 * The LeaderLease port's contract (core/ports/leader-lease.ts), run against every implementation.
 * `elapse(ms)` moves the store's time on: a manual clock in memory; nothing for Redis, which
 * expires on its own clock: the tests then wait for the expiry with a deadline, so the times to
 * live they wait out are short.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { LeaderLease } from '../../core/ports/leader-lease.ts';
import { waitFor } from '../support/wait.ts';

export interface LeaderLeaseUnderTest {
  /** A fresh lease per call, seen through two handles (two replicas): tests do not share one. */
  make(): Promise<{ lease: LeaderLease; peer: LeaderLease }>;
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function leaderLeaseContract(name: string, factory: () => Promise<LeaderLeaseUnderTest>, options: { skip?: string | false } = {}): void {
  describe(`LeaderLease contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: LeaderLeaseUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('the first to ask holds it; the other is refused while it lives; the holder extends it', async () => {
      const { lease, peer } = await sut.make();
      assert.equal(await lease.acquire('gw-a', 60_000), true);
      assert.equal(await peer.acquire('gw-b', 60_000), false);
      assert.equal(await lease.acquire('gw-a', 60_000), true, 'the holder asking again keeps it');
      assert.equal(await peer.acquire('gw-b', 60_000), false);
    });

    test('replicas asking at once: exactly one holds it', async () => {
      const { lease, peer } = await sut.make();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? lease : peer).acquire(`gw-${i}`, 60_000)));
      assert.equal(answers.filter(Boolean).length, 1, JSON.stringify(answers));
    });

    test('a lease not extended lapses after its time to live, then another takes it', async () => {
      const { lease, peer } = await sut.make();
      assert.equal(await lease.acquire('gw-a', 300), true);
      await sut.elapse(200);
      assert.equal(await lease.acquire('gw-a', 300), true);
      await sut.elapse(200);
      assert.equal(await peer.acquire('gw-b', 300), false, 'extended within its time to live');
      await sut.elapse(150);
      await waitFor(async () => await peer.acquire('gw-b', 60_000), { timeoutMs: 3000, message: 'the lapsed lease to be taken' });
      assert.equal(await lease.acquire('gw-a', 60_000), false, 'the former holder is refused');
    });

    test('only the holder releases; then another takes it at once', async () => {
      const { lease, peer } = await sut.make();
      assert.equal(await lease.acquire('gw-a', 60_000), true);
      await peer.release('gw-b');
      assert.equal(await peer.acquire('gw-b', 60_000), false, 'a non-holder does not end the lease');
      await lease.release('gw-a');
      assert.equal(await peer.acquire('gw-b', 60_000), true);
    });

    test('a malformed call is INVALID_REQUEST; a closed lease is SHUTTING_DOWN', async () => {
      const { lease, peer } = await sut.make();
      for (const [holder, ttl] of [['gw-a', 0], ['gw-a', 1.5], ['gw-a', -5], ['', 1000]] as const) {
        await assert.rejects(lease.acquire(holder, ttl), (e) => isAppError(e) && e.code === 'INVALID_REQUEST', `${holder} ${ttl}`);
      }
      await lease.close();
      await assert.rejects(lease.acquire('gw-a', 1000), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
      await assert.rejects(lease.release('gw-a'), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
      await peer.close();
    });
  });
}
