/**
 * The IdempotencyStore port's contract (core/ports/idempotency-store.ts), run against every
 * implementation. The factory makes a store (and a second client of the same store) with the
 * given windows, and `elapse(ms)` moves its time on: a manual clock in memory, nothing for Redis,
 * whose expiry the tests then wait for with a deadline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { IdempotencyStore } from '../../core/ports/idempotency-store.ts';
import { uniqueName, waitFor } from '../support/wait.ts';

export interface IdempotencyStoreUnderTest {
  readonly store: IdempotencyStore;
  readonly peer: IdempotencyStore;
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export type IdempotencyStoreFactory = (windows: { retentionMs: number; leaseMs: number }) => Promise<IdempotencyStoreUnderTest>;

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;
const response = { statusCode: 201, body: { betId: 'b-1', stake: '10.00', legs: [{ odds: '2.05' }], note: null } };

export function idempotencyStoreContract(name: string, factory: IdempotencyStoreFactory, options: { skip?: string | false } = {}): void {
  describe(`IdempotencyStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: IdempotencyStoreUnderTest;
    before(async () => {
      sut = await factory({ retentionMs: 60_000, leaseMs: 30_000 });
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('the first begin owns the key; the same request then sees in_flight, then the stored response', async () => {
      const key = uniqueName('key');
      const first = await sut.store.begin(key, 'fp-1');
      assert.equal(first.status, 'new');
      assert.deepEqual(await sut.peer.begin(key, 'fp-1'), { status: 'in_flight' });
      assert.equal(await sut.store.complete(key, first.status === 'new' ? first.token : '', response), true);
      assert.deepEqual(await sut.peer.begin(key, 'fp-1'), { status: 'done', response });
      assert.deepEqual(await sut.store.begin(key, 'fp-1'), { status: 'done', response }, 'as often as asked');
    });

    test('another fingerprint is a mismatch, in flight or done', async () => {
      const key = uniqueName('key');
      const first = await sut.store.begin(key, 'fp-1');
      assert.deepEqual(await sut.peer.begin(key, 'fp-2'), { status: 'mismatch' });
      assert.ok(first.status === 'new');
      await sut.store.complete(key, first.token, response);
      assert.deepEqual(await sut.peer.begin(key, 'fp-2'), { status: 'mismatch' });
    });

    test('of 50 concurrent begins on one key from two clients, exactly one owns it', async () => {
      const key = uniqueName('key');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? sut.peer : sut.store).begin(key, 'fp')));
      assert.equal(results.filter((r) => r.status === 'new').length, 1);
      assert.equal(results.filter((r) => r.status === 'in_flight').length, 49);
    });

    test('abandon frees the key for a retry; complete and abandon need the owner token', async () => {
      const key = uniqueName('key');
      const first = await sut.store.begin(key, 'fp');
      assert.ok(first.status === 'new');
      assert.equal(await sut.peer.complete(key, 'not-the-token', response), false);
      assert.equal(await sut.peer.abandon(key, 'not-the-token'), false);
      assert.deepEqual(await sut.peer.begin(key, 'fp'), { status: 'in_flight' });
      assert.equal(await sut.store.abandon(key, first.token), true);
      const second = await sut.peer.begin(key, 'fp-other');
      assert.equal(second.status, 'new', 'an abandoned key is free, for any request');
      assert.equal(await sut.store.complete(key, first.token, response), false, 'the old owner lost it');
      assert.ok(second.status === 'new');
      assert.equal(await sut.peer.complete(key, second.token, response), true);
      assert.equal(await sut.store.abandon(key, second.token), false, 'a completed key cannot be abandoned');
      assert.deepEqual(await sut.store.begin(key, 'fp-other'), { status: 'done', response });
    });

    test('keys are independent; an empty key is INVALID_REQUEST', async () => {
      const [a, b] = [uniqueName('key'), uniqueName('key')];
      assert.equal((await sut.store.begin(a, 'fp')).status, 'new');
      assert.equal((await sut.store.begin(b, 'fp')).status, 'new');
      await assert.rejects(sut.store.begin('', 'fp'), code('INVALID_REQUEST'));
      assert.equal((await sut.store.health()).ok, true);
    });
  });

  describe(`IdempotencyStore contract: ${name}, expiry`, { skip: options.skip ?? false }, () => {
    let sut: IdempotencyStoreUnderTest;
    before(async () => {
      sut = await factory({ retentionMs: 300, leaseMs: 200 });
    });
    after(async () => {
      await sut?.cleanup();
    });

    const becomesNew = async (key: string, fingerprint: string, ms: number) => {
      await sut.elapse(ms);
      await waitFor(async () => (await sut.peer.begin(key, fingerprint)).status === 'new', { timeoutMs: 3000, message: `${key} to expire` });
    };

    test('an in-flight key whose owner never finishes is given out again after the lease', async () => {
      const key = uniqueName('key');
      const first = await sut.store.begin(key, 'fp');
      assert.ok(first.status === 'new');
      await becomesNew(key, 'fp', 200);
      assert.equal(await sut.store.complete(key, first.token, response), false, 'the expired owner cannot complete it');
    });

    test('a completed key is forgotten after the retention window', async () => {
      const key = uniqueName('key');
      const first = await sut.store.begin(key, 'fp');
      assert.ok(first.status === 'new');
      await sut.store.complete(key, first.token, response);
      await sut.elapse(150);
      assert.equal((await sut.peer.begin(key, 'fp')).status, 'done', 'kept within the window');
      await becomesNew(key, 'fp', 150);
    });
  });

  describe(`IdempotencyStore contract: ${name} after close()`, { skip: options.skip ?? false }, () => {
    test('calls reject with SHUTTING_DOWN', async () => {
      const sut = await factory({ retentionMs: 1000, leaseMs: 1000 });
      await sut.store.close();
      await assert.rejects(sut.store.begin('k', 'fp'), code('SHUTTING_DOWN'));
      await assert.rejects(sut.store.complete('k', 't', response), code('SHUTTING_DOWN'));
      await assert.rejects(sut.store.abandon('k', 't'), code('SHUTTING_DOWN'));
      assert.equal((await sut.store.health()).ok, false);
      await sut.cleanup();
    });
  });
}
