/**
 * The EngineLease port's contract (core/ports/engine-lease.ts), run against every implementation.
 * `elapse(ms)` moves the store's time on: a manual clock in memory; nothing for Redis, which
 * expires on its own clock: the tests then wait for the expiry with a deadline, so the times to
 * live they wait out are short.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { EngineLease } from '../../core/ports/engine-lease.ts';
import { waitFor } from '../support/wait.ts';

export interface EngineLeaseUnderTest {
  /** A fresh lease per call: tests do not share one. */
  make(): Promise<{ lease: EngineLease; peer: EngineLease }>;
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function engineLeaseContract(name: string, factory: () => Promise<EngineLeaseUnderTest>, options: { skip?: string | false } = {}): void {
  describe(`EngineLease contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: EngineLeaseUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('no lease before the first renewal; a renewal is seen by every reader with its time left', async () => {
      const { lease, peer } = await sut.make();
      assert.equal(await peer.current(), undefined);
      await lease.renew('engine-a', 60_000);
      const seen = await peer.current();
      assert.equal(seen?.holder, 'engine-a');
      assert.ok(seen.remainingMs > 55_000 && seen.remainingMs <= 60_000, `${seen.remainingMs} ms left`);
    });

    test('a lease not renewed lapses after its time to live; renewing keeps it', async () => {
      const { lease, peer } = await sut.make();
      await lease.renew('engine-a', 300);
      await sut.elapse(200);
      await lease.renew('engine-a', 300);
      await sut.elapse(200);
      assert.equal((await peer.current())?.holder, 'engine-a', 'renewed within its time to live');
      await sut.elapse(150);
      await waitFor(async () => (await peer.current()) === undefined, { timeoutMs: 3000, message: 'the lease to lapse' });
    });

    test('the last renewal wins, and only the holder releases', async () => {
      const { lease, peer } = await sut.make();
      await lease.renew('engine-a', 60_000);
      await peer.renew('engine-b', 60_000);
      assert.equal((await lease.current())?.holder, 'engine-b');
      await lease.release('engine-a');
      assert.equal((await lease.current())?.holder, 'engine-b', 'a former holder does not end the lease of the next');
      await peer.release('engine-b');
      assert.equal(await lease.current(), undefined);
    });

    test('a malformed renewal is INVALID_REQUEST; a closed lease is SHUTTING_DOWN', async () => {
      const { lease, peer } = await sut.make();
      for (const [holder, ttl] of [['engine-a', 0], ['engine-a', 1.5], ['engine-a', -5], ['', 1000]] as const) {
        await assert.rejects(lease.renew(holder, ttl), (e) => isAppError(e) && e.code === 'INVALID_REQUEST', `${holder} ${ttl}`);
      }
      await lease.close();
      await assert.rejects(lease.current(), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
      await assert.rejects(lease.renew('engine-a', 1000), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
      await peer.close();
    });
  });
}
