/**
 * The Wallet port's contract (core/ports/wallet.ts), run against every implementation. A suite
 * file calls `walletContract(name, factory)`; the factory gives a fresh wallet on a ManualClock
 * and what it needs to clean up. Players, bets and keys are unique per test, so one wallet serves
 * every test of a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError, type ErrorCode } from '../../core/errors.ts';
import type { Currency } from '../../core/money.ts';
import type { Posting, Wallet } from '../../core/ports/wallet.ts';
import type { ManualClock } from '../support/manual-clock.ts';
import { uniqueName } from '../support/wait.ts';

export interface WalletUnderTest {
  readonly wallet: Wallet;
  /** The clock the wallet stamps postings with. */
  readonly clock: ManualClock;
  cleanup(): Promise<void>;
}

export interface WalletContractOptions {
  readonly skip?: string | false;
}

const EUR: Currency = 'EUR';

function code(expected: ErrorCode): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isAppError(e), `expected AppError ${expected}, got ${String(e)}`);
    assert.equal(e.code, expected);
    return true;
  };
}

/** A small seeded generator, so a failing run can be replayed exactly. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function allPostings(wallet: Wallet, filter: { player?: string; betId?: string }): Promise<Posting[]> {
  const out: Posting[] = [];
  for (;;) {
    const page = await wallet.postings({ ...filter, limit: 500, ...(out.length ? { after: out[out.length - 1]!.id } : {}) });
    out.push(...page);
    if (page.length < 500) return out;
  }
}

/**
 * The reconciliation rules: every journal sums to zero, each player's balances equal the sums of
 * their postings, and `held` equals the pending holds. Returns the postings per bet.
 */
async function assertReconciled(wallet: Wallet, players: readonly string[]): Promise<Map<string, Posting[]>> {
  const byBet = new Map<string, Posting[]>();
  for (const player of players) {
    const lines = await allPostings(wallet, { player });
    const journals = new Map<string, bigint>();
    let available = 0n;
    let held = 0n;
    for (const p of lines) {
      assert.equal(typeof p.amount, 'bigint');
      assert.notEqual(p.amount, 0n, 'no zero postings');
      journals.set(p.journalId, (journals.get(p.journalId) ?? 0n) + p.amount);
      if (p.account === 'available') available += p.amount;
      if (p.account === 'held') held += p.amount;
      if (p.betId !== undefined) byBet.set(p.betId, [...(byBet.get(p.betId) ?? []), p]);
    }
    for (const [journal, sum] of journals) assert.equal(sum, 0n, `journal ${journal} of ${player} sums to zero`);
    const balance = await wallet.balance(player);
    assert.ok(balance, `${player} has an account`);
    assert.equal(balance.available, available, `${player}: available equals its postings`);
    assert.equal(balance.held, held, `${player}: held equals its postings`);
    assert.ok(balance.held >= 0n);
  }
  let pending = new Map<string, bigint>();
  for (const [betId, lines] of byBet) {
    const hold = await wallet.getHold(betId);
    assert.ok(hold, `bet ${betId} has a hold`);
    assert.equal(lines.filter((l) => l.kind === 'hold').length, 2, `bet ${betId} was held exactly once`);
    if (hold.status === 'pending') pending = pending.set(hold.player, (pending.get(hold.player) ?? 0n) + hold.amount);
    const paid = sum(lines, 'payout') + sum(lines, 'payout_reversal');
    assert.equal(paid, hold.status === 'posted' ? hold.payout : 0n, `bet ${betId}: net payout is the settlement in force`);
  }
  for (const player of players) {
    assert.equal((await wallet.balance(player))!.held, pending.get(player) ?? 0n, `${player}: held equals the pending holds`);
  }
  return byBet;
}

/** The player's side of a kind of posting (available lines only). */
function sum(lines: readonly Posting[], kind: Posting['kind']): bigint {
  return lines.filter((l) => l.kind === kind && l.account === 'available').reduce((a, l) => a + l.amount, 0n);
}

export function walletContract(name: string, factory: () => Promise<WalletUnderTest>, options: WalletContractOptions = {}): void {
  describe(`Wallet contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: WalletUnderTest;
    let wallet: Wallet;
    before(async () => {
      sut = await factory();
      wallet = sut.wallet;
    });
    after(async () => {
      await sut?.cleanup();
    });

    /** A new player with `funds` deposited. */
    async function player(funds = 0n): Promise<string> {
      const id = uniqueName('player');
      await wallet.openAccount({ player: id, currency: EUR });
      if (funds > 0n) await wallet.deposit({ player: id, amount: funds, currency: EUR, key: uniqueName('dep') });
      return id;
    }

    test('opens accounts once, in one currency, and keeps amounts as bigint minor units', async () => {
      const id = uniqueName('player');
      assert.equal(await wallet.balance(id), undefined);
      assert.deepEqual(await wallet.openAccount({ player: id, currency: EUR }), { player: id, currency: EUR, available: 0n, held: 0n });
      assert.deepEqual(await wallet.openAccount({ player: id, currency: EUR }), { player: id, currency: EUR, available: 0n, held: 0n });
      await assert.rejects(wallet.openAccount({ player: id, currency: 'GBP' }), code('INVALID_REQUEST'));
      const result = await wallet.deposit({ player: id, amount: 12_345n, currency: EUR, key: uniqueName('dep') });
      assert.deepEqual(result, { status: 'deposited', balance: { player: id, currency: EUR, available: 12_345n, held: 0n } });
      assert.equal(typeof (await wallet.balance(id))!.available, 'bigint');
    });

    test('refuses malformed calls and unknown accounts', async () => {
      const id = await player(1000n);
      const key = uniqueName('k');
      const bad = [
        () => wallet.deposit({ player: id, amount: 10 as unknown as bigint, currency: EUR, key }),
        () => wallet.deposit({ player: id, amount: -5n, currency: EUR, key }),
        () => wallet.deposit({ player: id, amount: 10n, currency: 'XXX' as Currency, key }),
        () => wallet.deposit({ player: id, amount: 10n, currency: 'GBP', key }),
        () => wallet.hold({ player: id, betId: uniqueName('bet'), amount: 0n, currency: EUR, key }),
        () => wallet.hold({ player: id, betId: '', amount: 5n, currency: EUR, key }),
        () => wallet.hold({ player: id, betId: uniqueName('bet'), amount: 5n, currency: EUR, key: '' }),
        () => wallet.settle({ betId: uniqueName('bet'), payout: -1n, key }),
        () => wallet.hold({ player: id, betId: 'bet\u0000', amount: 5n, currency: EUR, key }),
        () => wallet.statement(id, { limit: 0 }),
        () => wallet.postings({ limit: 10, after: 'x' }),
      ];
      for (const call of bad) await assert.rejects(call(), code('INVALID_REQUEST'));
      await assert.rejects(wallet.deposit({ player: uniqueName('nobody'), amount: 1n, currency: EUR, key }), code('ACCOUNT_NOT_FOUND'));
      await assert.rejects(
        wallet.hold({ player: uniqueName('nobody'), betId: uniqueName('bet'), amount: 1n, currency: EUR, key }),
        code('ACCOUNT_NOT_FOUND'),
      );
      // None of those used the key.
      assert.equal((await wallet.deposit({ player: id, amount: 1n, currency: EUR, key })).balance.available, 1001n);
    });

    test('a hold moves the stake to held, a release moves it back, each as a balanced journal', async () => {
      const id = await player(10_000n);
      const betId = uniqueName('bet');
      const held = await wallet.hold({ player: id, betId, amount: 2_500n, currency: EUR, key: uniqueName('h') });
      assert.equal(held.status, 'held');
      assert.deepEqual(held.balance, { player: id, currency: EUR, available: 7_500n, held: 2_500n });
      assert.equal(held.hold.status, 'pending');
      assert.equal(held.hold.amount, 2_500n);
      assert.deepEqual(await wallet.getHold(betId), held.hold);
      const released = await wallet.release({ betId, key: uniqueName('r') });
      assert.deepEqual(released.balance, { player: id, currency: EUR, available: 10_000n, held: 0n });
      assert.equal(released.hold.status, 'voided');
      assert.equal((await wallet.getHold(betId))!.status, 'voided');
      const lines = await allPostings(wallet, { betId });
      assert.deepEqual(
        lines.map((l) => [l.account, l.kind, l.amount]),
        [
          ['available', 'hold', -2_500n],
          ['held', 'hold', 2_500n],
          ['held', 'release', -2_500n],
          ['available', 'release', 2_500n],
        ],
      );
      await assertReconciled(wallet, [id]);
    });

    test('50 concurrent identical holds make one hold and all get its result', async () => {
      const id = await player(10_000n);
      const request = { player: id, betId: uniqueName('bet'), amount: 300n, currency: EUR, key: uniqueName('h') };
      const results = await Promise.all(Array.from({ length: 50 }, () => wallet.hold({ ...request })));
      for (const r of results) assert.deepEqual(r, results[0]);
      assert.equal(results[0]!.status, 'held');
      assert.deepEqual(await wallet.balance(id), { player: id, currency: EUR, available: 9_700n, held: 300n });
      assert.equal((await allPostings(wallet, { betId: request.betId })).length, 2);
      await assertReconciled(wallet, [id]);
    });

    test('a repeated call returns its first result and posts nothing, whatever happened since', async () => {
      const id = await player(1_000n);
      const depositKey = uniqueName('dep');
      const first = await wallet.deposit({ player: id, amount: 500n, currency: EUR, key: depositKey });
      const betId = uniqueName('bet');
      const holdKey = uniqueName('h');
      const held = await wallet.hold({ player: id, betId, amount: 200n, currency: EUR, key: holdKey });
      const settleKey = uniqueName('s');
      const settled = await wallet.settle({ betId, payout: 0n, key: settleKey });
      assert.deepEqual(await wallet.deposit({ player: id, amount: 500n, currency: EUR, key: depositKey }), first);
      assert.deepEqual(await wallet.hold({ player: id, betId, amount: 200n, currency: EUR, key: holdKey }), held);
      assert.deepEqual(await wallet.settle({ betId, payout: 0n, key: settleKey }), settled);
      assert.deepEqual(await wallet.balance(id), { player: id, currency: EUR, available: 1_300n, held: 0n });
      await assertReconciled(wallet, [id]);
    });

    test('a key reused for another call is DUPLICATE_REQUEST, and so is a second hold on a bet', async () => {
      const id = await player(1_000n);
      const betId = uniqueName('bet');
      const key = uniqueName('h');
      await wallet.hold({ player: id, betId, amount: 100n, currency: EUR, key });
      await assert.rejects(wallet.hold({ player: id, betId, amount: 101n, currency: EUR, key }), code('DUPLICATE_REQUEST'));
      await assert.rejects(wallet.hold({ player: id, betId: uniqueName('bet'), amount: 100n, currency: EUR, key }), code('DUPLICATE_REQUEST'));
      await assert.rejects(wallet.deposit({ player: id, amount: 100n, currency: EUR, key }), code('DUPLICATE_REQUEST'));
      await assert.rejects(wallet.release({ betId, key }), code('DUPLICATE_REQUEST'));
      await assert.rejects(
        wallet.hold({ player: id, betId, amount: 100n, currency: EUR, key: uniqueName('h') }),
        code('DUPLICATE_REQUEST'),
      );
      const other = await player(1_000n);
      await assert.rejects(
        wallet.hold({ player: other, betId, amount: 100n, currency: EUR, key: uniqueName('h') }),
        code('DUPLICATE_REQUEST'),
      );
      assert.deepEqual(await wallet.balance(id), { player: id, currency: EUR, available: 900n, held: 100n });
      assert.deepEqual(await wallet.balance(other), { player: other, currency: EUR, available: 1_000n, held: 0n });
      await assertReconciled(wallet, [id, other]);
    });

    test('never below zero: 200 concurrent holds on 10.00 leave exactly ten held', async () => {
      const id = await player(1_000n);
      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          wallet.hold({ player: id, betId: uniqueName('bet'), amount: 100n, currency: EUR, key: uniqueName('h') }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'held').length, 10);
      assert.equal(results.filter((r) => r.status === 'insufficient_funds').length, 190);
      for (const r of results) {
        assert.ok(r.balance.available >= 0n);
        assert.equal(r.balance.available + r.balance.held, 1_000n);
      }
      assert.deepEqual(await wallet.balance(id), { player: id, currency: EUR, available: 0n, held: 1_000n });
      await assertReconciled(wallet, [id]);
    });

    test('a refusal for insufficient funds is the first result of its key, even after a deposit', async () => {
      const id = await player(50n);
      const request = { player: id, betId: uniqueName('bet'), amount: 100n, currency: EUR, key: uniqueName('h') };
      const refused = await wallet.hold(request);
      assert.deepEqual(refused, { status: 'insufficient_funds', balance: { player: id, currency: EUR, available: 50n, held: 0n } });
      await wallet.deposit({ player: id, amount: 100n, currency: EUR, key: uniqueName('dep') });
      assert.deepEqual(await wallet.hold(request), refused);
      assert.equal(await wallet.getHold(request.betId), undefined);
      const retried = await wallet.hold({ ...request, key: uniqueName('h') });
      assert.equal(retried.status, 'held');
    });

    test('settle posts the stake to the house and credits the payout in one journal', async () => {
      const id = await player(1_000n);
      const won = uniqueName('bet');
      const lost = uniqueName('bet');
      await wallet.hold({ player: id, betId: won, amount: 200n, currency: EUR, key: uniqueName('h') });
      await wallet.hold({ player: id, betId: lost, amount: 300n, currency: EUR, key: uniqueName('h') });
      const paid = await wallet.settle({ betId: won, payout: 410n, key: uniqueName('s') });
      assert.deepEqual(paid.balance, { player: id, currency: EUR, available: 910n, held: 300n });
      assert.equal(paid.hold.status, 'posted');
      assert.equal(paid.hold.payout, 410n);
      const zero = await wallet.settle({ betId: lost, payout: 0n, key: uniqueName('s') });
      assert.deepEqual(zero.balance, { player: id, currency: EUR, available: 910n, held: 0n });
      const wonLines = (await allPostings(wallet, { betId: won })).filter((l) => l.kind === 'stake' || l.kind === 'payout');
      assert.deepEqual(
        wonLines.map((l) => [l.account, l.kind, l.amount]),
        [
          ['held', 'stake', -200n],
          ['house', 'stake', 200n],
          ['house', 'payout', -410n],
          ['available', 'payout', 410n],
        ],
      );
      assert.equal(new Set(wonLines.map((l) => l.journalId)).size, 1, 'one journal');
      const lostLines = (await allPostings(wallet, { betId: lost })).filter((l) => l.kind !== 'hold');
      assert.deepEqual(lostLines.map((l) => [l.account, l.kind, l.amount]), [
        ['held', 'stake', -300n],
        ['house', 'stake', 300n],
      ]);
      await assertReconciled(wallet, [id]);
    });

    test('settle, reverse, settle again: compensating postings, and the ledger reconciles', async () => {
      const id = await player(1_000n);
      const betId = uniqueName('bet');
      await wallet.hold({ player: id, betId, amount: 100n, currency: EUR, key: uniqueName('h') });
      await wallet.settle({ betId, payout: 250n, key: `settle:${betId}:0` });
      const reversed = await wallet.reverseSettlement({ betId, key: `reverse:${betId}:0` });
      assert.equal(reversed.reversedPayout, 250n);
      assert.equal(reversed.hold.status, 'pending');
      assert.equal(reversed.hold.payout, undefined);
      assert.deepEqual(reversed.balance, { player: id, currency: EUR, available: 900n, held: 100n });
      const again = await wallet.settle({ betId, payout: 0n, key: `settle:${betId}:1` });
      assert.deepEqual(again.balance, { player: id, currency: EUR, available: 900n, held: 0n });
      const byBet = await assertReconciled(wallet, [id]);
      const lines = byBet.get(betId)!;
      assert.deepEqual(
        lines.filter((l) => l.kind.endsWith('reversal')).map((l) => [l.account, l.kind, l.amount]),
        [
          ['available', 'payout_reversal', -250n],
          ['house', 'payout_reversal', 250n],
          ['house', 'stake_reversal', -100n],
          ['held', 'stake_reversal', 100n],
        ],
      );
      // Nothing was removed: the first settlement's lines are still there.
      assert.deepEqual(
        lines.filter((l) => l.kind === 'payout').map((l) => [l.account, l.amount]),
        [
          ['house', -250n],
          ['available', 250n],
        ],
      );
    });

    test('a closed hold refuses the operations that no longer apply', async () => {
      const id = await player(1_000n);
      const settled = uniqueName('bet');
      const released = uniqueName('bet');
      const pending = uniqueName('bet');
      await wallet.hold({ player: id, betId: settled, amount: 100n, currency: EUR, key: uniqueName('h') });
      await wallet.hold({ player: id, betId: released, amount: 100n, currency: EUR, key: uniqueName('h') });
      await wallet.hold({ player: id, betId: pending, amount: 100n, currency: EUR, key: uniqueName('h') });
      await wallet.settle({ betId: settled, payout: 150n, key: uniqueName('s') });
      await wallet.release({ betId: released, key: uniqueName('r') });
      await assert.rejects(wallet.release({ betId: settled, key: uniqueName('r') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.settle({ betId: settled, payout: 1n, key: uniqueName('s') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.settle({ betId: released, payout: 1n, key: uniqueName('s') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.release({ betId: released, key: uniqueName('r') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.reverseSettlement({ betId: released, key: uniqueName('v') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.reverseSettlement({ betId: pending, key: uniqueName('v') }), code('HOLD_STATE_CONFLICT'));
      await assert.rejects(wallet.release({ betId: uniqueName('bet'), key: uniqueName('r') }), code('HOLD_NOT_FOUND'));
      // A refused call leaves its key free.
      const key = uniqueName('r');
      await assert.rejects(wallet.release({ betId: settled, key }), code('HOLD_STATE_CONFLICT'));
      await wallet.reverseSettlement({ betId: settled, key: uniqueName('v') });
      assert.equal((await wallet.release({ betId: settled, key })).hold.status, 'voided');
      assert.deepEqual(await wallet.balance(id), { player: id, currency: EUR, available: 900n, held: 100n });
      await assertReconciled(wallet, [id]);
    });

    test('a reversal claws back a spent payout, leaving available negative and refusing holds until covered', async () => {
      const id = await player(100n);
      const betId = uniqueName('bet');
      await wallet.hold({ player: id, betId, amount: 100n, currency: EUR, key: uniqueName('h') });
      await wallet.settle({ betId, payout: 500n, key: uniqueName('s') });
      await wallet.hold({ player: id, betId: uniqueName('bet'), amount: 450n, currency: EUR, key: uniqueName('h') });
      const reversed = await wallet.reverseSettlement({ betId, key: uniqueName('v') });
      assert.deepEqual(reversed.balance, { player: id, currency: EUR, available: -450n, held: 550n });
      const refused = await wallet.hold({ player: id, betId: uniqueName('bet'), amount: 1n, currency: EUR, key: uniqueName('h') });
      assert.equal(refused.status, 'insufficient_funds');
      await wallet.deposit({ player: id, amount: 451n, currency: EUR, key: uniqueName('dep') });
      const held = await wallet.hold({ player: id, betId: uniqueName('bet'), amount: 1n, currency: EUR, key: uniqueName('h') });
      assert.equal(held.status, 'held');
      await assertReconciled(wallet, [id]);
    });

    test('statement lists the player’s postings newest first, in pages, stamped by the clock', async () => {
      const id = await player();
      const times: number[] = [];
      for (let i = 1; i <= 5; i++) {
        sut.clock.advance(1000);
        times.push(sut.clock.now());
        await wallet.deposit({ player: id, amount: BigInt(i), currency: EUR, key: uniqueName('dep') });
      }
      const first = await wallet.statement(id, { limit: 3 });
      assert.deepEqual(first.map((p) => p.amount), [5n, 4n, 3n]);
      assert.deepEqual(first.map((p) => p.at), [times[4], times[3], times[2]]);
      assert.ok(first.every((p) => p.account === 'available' && p.kind === 'deposit' && p.currency === EUR));
      const rest = await wallet.statement(id, { limit: 3, before: first[2]!.id });
      assert.deepEqual(rest.map((p) => p.amount), [2n, 1n]);
      const ids = [...first, ...rest].map((p) => BigInt(p.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => (a > b ? -1 : 1)));
      assert.deepEqual(await wallet.statement(uniqueName('nobody'), { limit: 10 }), []);
      // The cashier's side is in the ledger, not in the player's statement.
      const all = await allPostings(wallet, { player: id });
      assert.equal(all.filter((p) => p.account === 'cashier').length, 5);
      assert.equal(all.reduce((a, p) => a + p.amount, 0n), 0n);
    });

    test('1,000 concurrent bets from 50 players leave every balance equal to its ledger', async () => {
      const rnd = random(20261122);
      const players = await Promise.all(Array.from({ length: 50 }, () => player(10_000n)));
      const bets = players.flatMap((p) =>
        Array.from({ length: 20 }, () => ({ player: p, betId: uniqueName('bet'), amount: BigInt(1 + Math.floor(rnd() * 500)) })),
      );
      const holds = await Promise.all(
        bets.map((b) => wallet.hold({ ...b, currency: EUR, key: `hold:${b.betId}` })),
      );
      assert.equal(holds.filter((h) => h.status === 'held').length, 1000, 'every hold fits in 100.00');
      // Settle half, release a quarter, leave the rest pending; then reverse a third of the settled.
      const settled = bets.filter((_, i) => i % 4 < 2);
      const released = bets.filter((_, i) => i % 4 === 2);
      const payouts = new Map(settled.map((b) => [b.betId, rnd() < 0.5 ? 0n : (b.amount * BigInt(100 + Math.floor(rnd() * 400))) / 100n]));
      await Promise.all([
        ...settled.map((b) => wallet.settle({ betId: b.betId, payout: payouts.get(b.betId)!, key: `settle:${b.betId}:0` })),
        ...released.map((b) => wallet.release({ betId: b.betId, key: `release:${b.betId}` })),
      ]);
      const reversed = settled.filter((_, i) => i % 3 === 0);
      await Promise.all(reversed.map((b) => wallet.reverseSettlement({ betId: b.betId, key: `reverse:${b.betId}:0` })));
      await assertReconciled(wallet, players);
      for (const p of players) {
        const mine = bets.filter((b) => b.player === p);
        const expectedHeld = mine
          .filter((b) => !released.includes(b) && (!settled.includes(b) || reversed.includes(b)))
          .reduce((a, b) => a + b.amount, 0n);
        const expectedAvailable =
          10_000n -
          mine.reduce((a, b) => a + b.amount, 0n) +
          mine.filter((b) => released.includes(b)).reduce((a, b) => a + b.amount, 0n) +
          mine.filter((b) => settled.includes(b) && !reversed.includes(b)).reduce((a, b) => a + payouts.get(b.betId)!, 0n);
        assert.deepEqual(await wallet.balance(p), { player: p, currency: EUR, available: expectedAvailable, held: expectedHeld });
      }
    });

    test('postings pages forward through the whole ledger and filters by bet and player', async () => {
      const id = await player(1_000n);
      const betId = uniqueName('bet');
      await wallet.hold({ player: id, betId, amount: 10n, currency: EUR, key: uniqueName('h') });
      await wallet.settle({ betId, payout: 20n, key: uniqueName('s') });
      const forBet = await wallet.postings({ betId, limit: 100 });
      assert.equal(forBet.length, 6);
      assert.ok(forBet.every((p) => p.betId === betId && p.player === id));
      const page1 = await wallet.postings({ player: id, limit: 3 });
      const page2 = await wallet.postings({ player: id, limit: 3, after: page1[2]!.id });
      const whole = await wallet.postings({ player: id, limit: 100 });
      assert.equal(whole.length, 8, 'deposit 2, hold 2, settlement 4');
      assert.deepEqual([...page1, ...page2].map((p) => p.id), whole.slice(0, 6).map((p) => p.id));
      const ids = [...page1, ...page2].map((p) => BigInt(p.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));
      assert.equal((await wallet.postings({ limit: 1 })).length, 1);
    });

    test('reports health, and refuses work once closed', async () => {
      const extra = await factory();
      assert.equal((await extra.wallet.health()).ok, true);
      await extra.wallet.close();
      assert.equal((await extra.wallet.health()).ok, false);
      await assert.rejects(extra.wallet.balance('anyone'), code('SHUTTING_DOWN'));
      await assert.rejects(
        extra.wallet.hold({ player: 'anyone', betId: 'b', amount: 1n, currency: EUR, key: 'k' }),
        code('SHUTTING_DOWN'),
      );
      await extra.cleanup();
    });
  });
}
