import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bet } from '../../../core/contracts/bets.ts';
import type { EventId } from '../../../core/ids.ts';
import type { Posting } from '../../../core/ports/wallet.ts';
import { reconcile, type LedgerSnapshot } from '../../../settlement/reconcile.ts';
import { createRig, feed, outcome } from './rig.ts';

const E1 = 'sr:match:1';
const HOME = [outcome('1', true), outcome('2', false)];

async function settledRig() {
  const rig = await createRig();
  await rig.openAccount('alice');
  await rig.openAccount('bob');
  await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '1', odds: '2.00' }] });
  await rig.place({ betId: 'b2', player: 'bob', stake: '10.00', legs: [{ eventId: E1, marketKey: '1', outcomeId: '2', odds: '2.00' }] });
  await rig.settlement.handleFeed(feed.settled('s1', E1, '1', HOME));
  return rig;
}

describe('reconciliation reports every discrepancy', () => {
  test('a settled book reconciles', async () => {
    const rig = await settledRig();
    const report = await rig.settlement.reconcile();
    assert.deepEqual(report, { ok: true, checked: { players: 2, bets: 2, holds: 2, postings: report.checked.postings }, discrepancies: [] });
    assert.ok(report.checked.postings > 8);
    await rig.close();
  });

  test('a bet recorded as settled whose hold is still pending, and a payout that is not the model', async () => {
    const rig = await settledRig();
    // Reopen b1 in the wallet only, and record a wrong payout on b2 in the store only.
    await rig.wallet.reverseSettlement({ betId: 'b1', key: 'tamper:1' });
    const b2 = (await rig.bets.get('b2'))!;
    await rig.bets.updateStatus({ betId: 'b2', from: 'settled', to: 'open', reason: 'operator', version: b2.version });
    await rig.bets.updateStatus({ betId: 'b2', from: 'open', to: 'settled', reason: 'operator', payout: 500n, version: b2.version + 1 });
    const kinds = (await rig.settlement.reconcile()).discrepancies.map((d) => `${d.kind}:${d.betId}`).sort();
    assert.deepEqual(kinds, ['hold_state:b1', 'model_mismatch:b2', 'payout_mismatch:b1', 'stake_mismatch:b1', 'stake_mismatch:b1']);
    await rig.close();
  });

  test('a hold whose bet is not stored', async () => {
    const rig = await settledRig();
    await rig.wallet.hold({ player: 'alice', betId: 'ghost', amount: 100n, currency: 'EUR', key: 'hold:ghost' });
    const report = await rig.settlement.reconcile();
    assert.deepEqual(report.discrepancies.map((d) => `${d.kind}:${d.betId}`), ['hold_without_bet:ghost']);
    await rig.close();
  });

  test('journals that do not balance and balances that are not their postings', () => {
    const line = (id: string, journalId: string, account: Posting['account'], amount: bigint, kind: Posting['kind'] = 'deposit'): Posting => ({
      id,
      journalId,
      player: 'p',
      account,
      kind,
      amount,
      currency: 'EUR',
      key: `k${journalId}`,
      at: 0,
    });
    const snapshot: LedgerSnapshot = {
      balances: [{ player: 'p', currency: 'EUR', available: 900n, held: 0n }],
      postings: [line('1', '1', 'cashier', -1000n), line('2', '1', 'available', 1000n), line('3', '2', 'available', -5n, 'hold')],
      holds: [],
      bets: [],
    };
    const report = reconcile(snapshot);
    assert.equal(report.ok, false);
    assert.deepEqual(report.discrepancies.map((d) => d.kind), ['journal_unbalanced', 'balance_mismatch']);
    assert.match(report.discrepancies[1]!.detail, /available is 9\.00, its postings sum to 9\.95/);
  });

  test('a settled bet with a leg that has no result', () => {
    const bet: Bet = {
      v: 1,
      betId: 'b',
      player: 'p',
      stake: 100n,
      currency: 'EUR',
      legs: [{ eventId: E1 as EventId, marketKey: '1', outcomeId: '1', odds: '2.00', priceVersion: { epoch: 'e', seq: 1 } }],
      placedAt: 0,
      status: 'settled',
      payout: 200n,
      version: 2,
    };
    const report = reconcile({ balances: [], postings: [], holds: [{ holdId: '1', betId: 'b', player: 'p', amount: 100n, currency: 'EUR', status: 'posted', payout: 200n }], bets: [bet] });
    assert.ok(report.discrepancies.some((d) => d.kind === 'model_mismatch' && /no result/.test(d.detail)));
  });
});
