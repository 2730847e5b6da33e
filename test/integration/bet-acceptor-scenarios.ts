/**
 * The concurrency figures of the bet acceptor, run over HTTP against in-memory stores and against
 * PostgreSQL + Redis shared by two replicas (requests spread over both):
 * - the same Idempotency-Key sent 50 times at once holds once;
 * - 200 bets at once on one outcome never take its liability past the limit;
 * - 1,000 bets at once from 50 players leave every balance equal to its ledger, to the cent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toMinor } from '../../core/money.ts';
import { uniqueName } from '../support/wait.ts';
import { singleBet, type Harness } from './bet-acceptor-harness.ts';

/** The factory's acceptors limit the liability of market type 1 to the limit given, and no other tightly. */
export function betAcceptorScenarios(name: string, factory: (marketOneLiability: string) => Promise<Harness>, options: { skip?: string | false } = {}): void {
  describe(`bet acceptor under concurrency: ${name}`, { skip: options.skip ?? false }, () => {
    let h: Harness;
    before(async () => {
      h = await factory('1500.00');
    });
    after(() => h?.close());

    const post = (i: number, player: string, key: string, body: unknown) =>
      h.replicas[i % h.replicas.length]!.http.inject({
        method: 'POST',
        url: '/v1/bets',
        headers: { authorization: `Bearer ${h.token(player)}`, 'idempotency-key': key },
        payload: body as object,
      });

    /** A player's balance against the sum of their postings, per account. */
    const reconcile = async (player: string) => {
      const balance = await h.wallet.balance(player);
      const lines = await h.wallet.postings({ player, limit: 10_000 });
      const sum = (account: string) => lines.filter((l) => l.account === account && l.player === player).reduce((s, l) => s + l.amount, 0n);
      return { balance: { available: balance?.available, held: balance?.held }, ledger: { available: sum('available'), held: sum('held') } };
    };

    test('the same Idempotency-Key sent 50 times at once holds once; all 50 get the same answer', async () => {
      const event = `sr:match:${Date.now() % 1_000_000}1`;
      await h.price(event, 1, { '1': '2.00', '2': '3.00' });
      const player = uniqueName('idem');
      await h.fund(player, '100.00');
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => post(i, player, 'same-key', singleBet(event, '1', '2.00', '10.00'))));
      assert.deepEqual(
        new Set(responses.map((r) => r.statusCode)),
        new Set([201]),
        responses.map((r) => r.body).find((b) => !b.includes('accepted')),
      );
      assert.equal(new Set(responses.map((r) => r.json().bet.betId)).size, 1);
      assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 49);
      const holds = (await h.wallet.postings({ player, limit: 100 })).filter((p) => p.kind === 'hold');
      assert.equal(holds.length, 2, 'one hold journal: available and held lines');
      assert.deepEqual((await reconcile(player)).balance, { available: 9000n, held: 1000n });
      assert.equal((await h.betStore.listByPlayer(player, { limit: 100 })).length, 1);

      const other = await post(0, player, 'same-key', singleBet(event, '1', '2.00', '11.00'));
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().error.code, 'DUPLICATE_REQUEST');
    });

    test('200 bets at once on one outcome never take its liability past the limit', async () => {
      const event = `sr:match:${Date.now() % 1_000_000}2`;
      await h.price(event, 1, { '1': '2.50', '2': '2.80' });
      const players = Array.from({ length: 20 }, () => uniqueName('liab'));
      for (const p of players) await h.fund(p, '1000.00');
      // Each bet risks 15.00 (10.00 at 2.50): 100 fit in the 1500.00 limit.
      const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => post(i, players[i % 20]!, uniqueName('k'), singleBet(event, '1', '2.50', '10.00'))));
      const accepted = responses.filter((r) => r.statusCode === 201).length;
      const codes = new Set(responses.filter((r) => r.statusCode !== 201).map((r) => r.json().error.code));
      assert.deepEqual([...codes], ['LIABILITY_EXCEEDED']);
      assert.equal(accepted, 100);
      assert.equal(await h.liability.current(`${event}#1#1`), toMinor('1500.00'));
      let held = 0n;
      for (const p of players) held += (await h.wallet.balance(p))!.held;
      assert.equal(held, 100n * 1000n, 'only accepted bets hold stakes');
    });

    test('1,000 bets at once from 50 players: every balance equals its ledger to the cent', async () => {
      const event = `sr:match:${Date.now() % 1_000_000}3`;
      await h.price(event, 10, { '1': '1.50', '2': '4.20', '3': '6.00' });
      const players = Array.from({ length: 50 }, () => uniqueName('load'));
      for (const p of players) await h.fund(p, '100.00');
      // 20 bets per player with stakes 3.37 .. 9.71: some players run out of money on the way.
      const stake = (i: number) => `${3 + (i % 7)}.${String((i * 37) % 100).padStart(2, '0')}`;
      const outcomes = ['1', '2', '3'] as const;
      const prices = { '1': '1.50', '2': '4.20', '3': '6.00' };
      const responses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => {
          const outcome = outcomes[i % 3]!;
          return post(i, players[i % 50]!, `k-${i}`, singleBet(event, outcome, prices[outcome], stake(i), 10));
        }),
      );
      const byCode = new Map<string, number>();
      for (const r of responses) {
        const code = r.statusCode === 201 ? 'accepted' : r.json().error.code;
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
      }
      assert.deepEqual([...byCode.keys()].filter((c) => c !== 'accepted' && c !== 'INSUFFICIENT_FUNDS'), [], JSON.stringify([...byCode]));
      assert.ok((byCode.get('accepted') ?? 0) > 500, JSON.stringify([...byCode]));

      const stakes = new Map<string, bigint>();
      responses.forEach((r, i) => {
        if (r.statusCode !== 201) return;
        const p = players[i % 50]!;
        stakes.set(p, (stakes.get(p) ?? 0n) + toMinor(stake(i)));
      });
      for (const p of players) {
        const { balance, ledger } = await reconcile(p);
        assert.deepEqual(balance, ledger, `${p}: balance equals ledger`);
        assert.equal(balance.held, stakes.get(p) ?? 0n, `${p}: held equals the accepted stakes`);
        assert.equal(balance.available! + balance.held!, 10_000n, `${p}: no cent created or lost`);
        assert.ok(balance.available! >= 0n);
        assert.equal((await h.betStore.listByPlayer(p, { limit: 100 })).length, responses.filter((r, i) => r.statusCode === 201 && i % 50 === players.indexOf(p)).length);
      }
    });
  });
}
