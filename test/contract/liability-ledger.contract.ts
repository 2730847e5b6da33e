/**
 * The LiabilityLedger port's contract (core/ports/liability-ledger.ts), run against every
 * implementation. The factory gives a fresh ledger, a second client of the same store (another
 * replica's view; the same object in memory) and its cleanup. Keys and ids are unique per test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { LiabilityLedger } from '../../core/ports/liability-ledger.ts';
import { uniqueName } from '../support/wait.ts';

export interface LiabilityLedgerUnderTest {
  readonly ledger: LiabilityLedger;
  readonly peer: LiabilityLedger;
  cleanup(): Promise<void>;
}

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;

export function liabilityLedgerContract(name: string, factory: () => Promise<LiabilityLedgerUnderTest>, options: { skip?: string | false } = {}): void {
  describe(`LiabilityLedger contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: LiabilityLedgerUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    test('reserve books every entry within its limit; current sums the reservations on a key', async () => {
      const [a, b] = [uniqueName('out'), uniqueName('out')];
      assert.deepEqual(await sut.ledger.reserve(uniqueName('bet'), [{ key: a, amount: 300n, limit: 1000n }]), { status: 'reserved', existing: false });
      assert.deepEqual(
        await sut.peer.reserve(uniqueName('bet'), [
          { key: a, amount: 700n, limit: 1000n },
          { key: b, amount: 5n, limit: 10n },
        ]),
        { status: 'reserved', existing: false },
      );
      assert.equal(await sut.ledger.current(a), 1000n, 'a key may reach its limit exactly');
      assert.equal(await sut.peer.current(b), 5n);
      assert.equal(await sut.ledger.current(uniqueName('never')), 0n);
    });

    test('a reservation that does not fit books nothing, on any of its keys, and names the key', async () => {
      const [a, b] = [uniqueName('out'), uniqueName('out')];
      await sut.ledger.reserve(uniqueName('bet'), [{ key: b, amount: 90n, limit: 100n }]);
      const id = uniqueName('bet');
      const result = await sut.ledger.reserve(id, [
        { key: a, amount: 50n, limit: 1000n },
        { key: b, amount: 20n, limit: 100n },
      ]);
      assert.deepEqual(result, { status: 'exceeded', key: b, current: 90n, limit: 100n, increase: 20n });
      assert.equal(await sut.ledger.current(a), 0n, 'the entry that fitted was not booked either');
      assert.equal(await sut.ledger.current(b), 90n);
      assert.equal(await sut.ledger.release(id), false, 'nothing was reserved under the id');
    });

    test('the same reservation again is existing; other amounts move it, checking only the increase', async () => {
      const [a, b] = [uniqueName('out'), uniqueName('out')];
      const id = uniqueName('bet');
      const entries = [
        { key: a, amount: 100n, limit: 150n },
        { key: b, amount: 10n, limit: 100n },
      ];
      await sut.ledger.reserve(id, entries);
      assert.deepEqual(await sut.peer.reserve(id, entries), { status: 'reserved', existing: true });
      assert.equal(await sut.ledger.current(a), 100n);

      assert.deepEqual(await sut.ledger.reserve(id, [{ key: a, amount: 160n, limit: 150n }]), { status: 'exceeded', key: a, current: 100n, limit: 150n, increase: 60n });
      assert.deepEqual(await sut.ledger.reserve(id, [{ key: a, amount: 140n, limit: 150n }]), { status: 'reserved', existing: false });
      assert.equal(await sut.ledger.current(a), 140n);
      assert.equal(await sut.ledger.current(b), 0n, 'a key the new amounts leave out is released');
    });

    test('only increases are checked: a key above a lowered limit still takes reductions', async () => {
      const key = uniqueName('out');
      const id = uniqueName('bet');
      await sut.ledger.reserve(id, [{ key, amount: 500n, limit: 1000n }]);
      assert.equal((await sut.ledger.reserve(uniqueName('bet'), [{ key, amount: 1n, limit: 100n }])).status, 'exceeded');
      assert.deepEqual(await sut.ledger.reserve(id, [{ key, amount: 400n, limit: 100n }]), { status: 'reserved', existing: false });
      assert.equal(await sut.ledger.current(key), 400n);
    });

    test('release takes the amounts off once; a released id is spent', async () => {
      const key = uniqueName('out');
      const id = uniqueName('bet');
      await sut.ledger.reserve(id, [{ key, amount: 250n, limit: 1000n }]);
      await sut.ledger.reserve(uniqueName('bet'), [{ key, amount: 50n, limit: 1000n }]);
      assert.equal(await sut.peer.release(id), true);
      assert.equal(await sut.ledger.release(id), false, 'a second release changes nothing');
      assert.equal(await sut.ledger.release(uniqueName('unknown')), false);
      assert.equal(await sut.ledger.current(key), 50n);
      await assert.rejects(sut.ledger.reserve(id, [{ key, amount: 250n, limit: 1000n }]), code('DUPLICATE_REQUEST'));
      assert.equal(await sut.ledger.current(key), 50n);
    });

    test('200 concurrent reserves from two clients never take a key past its limit', async () => {
      const key = uniqueName('out');
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? sut.ledger : sut.peer).reserve(uniqueName('bet'), [{ key, amount: 7n, limit: 700n }])),
      );
      assert.equal(results.filter((r) => r.status === 'reserved').length, 100);
      assert.equal(await sut.ledger.current(key), 700n);
    });

    test('malformed input is INVALID_REQUEST and books nothing', async () => {
      const key = uniqueName('out');
      const bad = [
        [],
        [{ key, amount: 0n, limit: 10n }],
        [{ key, amount: 5n, limit: -1n }],
        [{ key, amount: 10n ** 14n, limit: 10n ** 14n }],
        [{ key, amount: 5 as unknown as bigint, limit: 10n }],
        [
          { key, amount: 1n, limit: 10n },
          { key, amount: 1n, limit: 10n },
        ],
        [{ key: '', amount: 1n, limit: 10n }],
      ];
      for (const entries of bad) await assert.rejects(sut.ledger.reserve(uniqueName('bet'), entries), code('INVALID_REQUEST'), JSON.stringify(entries, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
      await assert.rejects(sut.ledger.reserve('', [{ key, amount: 1n, limit: 10n }]), code('INVALID_REQUEST'));
      assert.equal(await sut.ledger.current(key), 0n);
    });

    test('amounts up to the largest allowed stay exact', async () => {
      const key = uniqueName('out');
      const big = 10n ** 14n - 1n;
      await sut.ledger.reserve(uniqueName('bet'), [{ key, amount: big - 1n, limit: big }]);
      assert.deepEqual(await sut.ledger.reserve(uniqueName('bet'), [{ key, amount: 2n, limit: big }]), { status: 'exceeded', key, current: big - 1n, limit: big, increase: 2n });
      const id = uniqueName('bet');
      await sut.ledger.reserve(id, [{ key, amount: 1n, limit: big }]);
      assert.equal(await sut.peer.current(key), big);
      await sut.ledger.release(id);
      assert.equal(await sut.ledger.current(key), big - 1n);
    });

    test('health is ok while open', async () => {
      assert.equal((await sut.ledger.health()).ok, true);
    });
  });

  describe(`LiabilityLedger contract: ${name} after close()`, { skip: options.skip ?? false }, () => {
    test('calls reject with SHUTTING_DOWN', async () => {
      const sut = await factory();
      await sut.ledger.close();
      await assert.rejects(sut.ledger.reserve('x', [{ key: 'k', amount: 1n, limit: 1n }]), code('SHUTTING_DOWN'));
      await assert.rejects(sut.ledger.release('x'), code('SHUTTING_DOWN'));
      await assert.rejects(sut.ledger.current('k'), code('SHUTTING_DOWN'));
      assert.equal((await sut.ledger.health()).ok, false);
      await sut.cleanup();
    });
  });
}
