/**
 * Reconciliation: the invariants that tie the ledger, the holds and the bets of record together,
 * checked over a snapshot and reported one discrepancy at a time (never stopping at the first).
 *
 * - Every journal sums to zero; each player's `available` and `held` equal the sums of their
 *   postings on those accounts, and `held` equals their pending holds.
 * - Each accepted bet has exactly one hold, for its stake and player; no hold lacks a bet.
 * - The hold follows the bet: pending while the bet is open, posted once it is settled or
 *   cancelled (no hold left open on a resolved bet).
 * - Each resolved bet has exactly one net payout, equal to the model: stake × Π leg factors
 *   rounded down (settlement/payout.ts) for a settled bet and recorded as its payout; the stake
 *   for a cancelled one (a void is paid back as a settlement, see settler.ts); nothing for an
 *   open one. Likewise the stake went to the house exactly once for a resolved bet, never for an
 *   open one.
 *
 * The wallet promises posting order only at rest: a snapshot taken while bets are being accepted
 * or settled can show a bet in flight (a hold whose bet is not stored yet). Such a discrepancy is
 * gone on the next run; one that stays is real.
 */
import type { Bet } from '../core/contracts/bets.ts';
import { fromMinor, type Currency, type Minor } from '../core/money.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import type { Balance, Hold, Posting, Wallet } from '../core/ports/wallet.ts';
import { betPayout } from './payout.ts';

export interface LedgerSnapshot {
  readonly balances: readonly Balance[];
  /** Every posting, house and cashier lines included. */
  readonly postings: readonly Posting[];
  readonly holds: readonly Hold[];
  readonly bets: readonly Bet[];
}

export type DiscrepancyKind =
  | 'journal_unbalanced'
  | 'balance_mismatch'
  | 'held_mismatch'
  | 'bet_without_hold'
  | 'hold_without_bet'
  | 'hold_count'
  | 'hold_mismatch'
  | 'hold_state'
  | 'model_mismatch'
  | 'payout_mismatch'
  | 'stake_mismatch';

export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  readonly player?: string;
  readonly betId?: string;
  readonly journalId?: string;
  readonly detail: string;
}

export interface ReconcileReport {
  readonly ok: boolean;
  readonly checked: { readonly players: number; readonly bets: number; readonly holds: number; readonly postings: number };
  readonly discrepancies: readonly Discrepancy[];
}

interface BetLines {
  /** Journals that opened a hold (kind 'hold' on `held`). */
  holds: number;
  /** Net of the payout lines on `available` (payouts minus their reversals). */
  payout: Minor;
  /** Net of the stake lines on `house`. */
  stake: Minor;
  /** Net of every line on `held`. */
  held: Minor;
}

export function reconcile(snapshot: LedgerSnapshot): ReconcileReport {
  const out: Discrepancy[] = [];
  const currencyOf = new Map(snapshot.balances.map((b) => [b.player, b.currency]));
  const money = (player: string | undefined, minor: Minor) => `${fromMinor(minor, currencyOf.get(player ?? '') ?? 'EUR')}`;

  // Journals and balances.
  const journals = new Map<string, { player: string; sum: Minor }>();
  const sums = new Map<string, { available: Minor; held: Minor }>();
  const perBet = new Map<string, BetLines>();
  for (const p of snapshot.postings) {
    const journal = journals.get(p.journalId) ?? { player: p.player, sum: 0n };
    journal.sum += p.amount;
    journals.set(p.journalId, journal);
    const sum = sums.get(p.player) ?? { available: 0n, held: 0n };
    if (p.account === 'available') sum.available += p.amount;
    if (p.account === 'held') sum.held += p.amount;
    sums.set(p.player, sum);
    if (p.betId === undefined) continue;
    const lines = perBet.get(p.betId) ?? { holds: 0, payout: 0n, stake: 0n, held: 0n };
    if (p.account === 'held' && p.kind === 'hold') lines.holds += 1;
    if (p.account === 'available' && (p.kind === 'payout' || p.kind === 'payout_reversal')) lines.payout += p.amount;
    if (p.account === 'house' && (p.kind === 'stake' || p.kind === 'stake_reversal')) lines.stake += p.amount;
    if (p.account === 'held') lines.held += p.amount;
    perBet.set(p.betId, lines);
  }
  for (const [journalId, { player, sum }] of journals) {
    if (sum !== 0n) out.push({ kind: 'journal_unbalanced', player, journalId, detail: `journal ${journalId} sums to ${money(player, sum)}, not 0` });
  }
  const pendingHeld = new Map<string, Minor>();
  for (const hold of snapshot.holds) {
    if (hold.status === 'pending') pendingHeld.set(hold.player, (pendingHeld.get(hold.player) ?? 0n) + hold.amount);
  }
  for (const balance of snapshot.balances) {
    const sum = sums.get(balance.player) ?? { available: 0n, held: 0n };
    const player = balance.player;
    if (sum.available !== balance.available) {
      out.push({ kind: 'balance_mismatch', player, detail: `available is ${money(player, balance.available)}, its postings sum to ${money(player, sum.available)}` });
    }
    if (sum.held !== balance.held) {
      out.push({ kind: 'balance_mismatch', player, detail: `held is ${money(player, balance.held)}, its postings sum to ${money(player, sum.held)}` });
    }
    const pending = pendingHeld.get(player) ?? 0n;
    if (pending !== balance.held) {
      out.push({ kind: 'held_mismatch', player, detail: `held is ${money(player, balance.held)}, the pending holds sum to ${money(player, pending)}` });
    }
  }

  // Bets against their holds and their lines.
  const holds = new Map(snapshot.holds.map((h) => [h.betId, h]));
  const betIds = new Set(snapshot.bets.map((b) => b.betId));
  for (const hold of snapshot.holds) {
    if (!betIds.has(hold.betId)) out.push({ kind: 'hold_without_bet', player: hold.player, betId: hold.betId, detail: `a ${hold.status} hold of ${money(hold.player, hold.amount)} has no bet of record` });
  }
  for (const bet of snapshot.bets) out.push(...checkBet(bet, holds.get(bet.betId), perBet.get(bet.betId), bet.currency));

  return {
    ok: out.length === 0,
    checked: { players: snapshot.balances.length, bets: snapshot.bets.length, holds: snapshot.holds.length, postings: snapshot.postings.length },
    discrepancies: out,
  };
}

function checkBet(bet: Bet, hold: Hold | undefined, lines: BetLines | undefined, currency: Currency): Discrepancy[] {
  const out: Discrepancy[] = [];
  const at = { player: bet.player, betId: bet.betId };
  const m = (minor: Minor) => fromMinor(minor, currency);
  if (!hold) return [{ kind: 'bet_without_hold', ...at, detail: `the ${bet.status} bet has no hold` }];
  const holdJournals = lines?.holds ?? 0;
  if (holdJournals !== 1) out.push({ kind: 'hold_count', ...at, detail: `${holdJournals} hold journals, not 1` });
  if (hold.amount !== bet.stake || hold.player !== bet.player) {
    out.push({ kind: 'hold_mismatch', ...at, detail: `the hold is ${m(hold.amount)} for ${hold.player}, the bet ${m(bet.stake)} for ${bet.player}` });
  }
  const resolved = bet.status !== 'open';
  const wantHold = resolved ? 'posted' : 'pending';
  if (hold.status !== wantHold) out.push({ kind: 'hold_state', ...at, detail: `the ${bet.status} bet's hold is ${hold.status}, not ${wantHold}` });

  let expected: Minor = 0n;
  if (bet.status === 'cancelled') expected = bet.stake;
  if (bet.status === 'settled') {
    try {
      expected = betPayout(bet.stake, currency, bet.legs.map((l) => ({ odds: l.odds, ...(l.result ? { result: l.result } : {}) })));
      if (bet.payout !== expected) out.push({ kind: 'model_mismatch', ...at, detail: `recorded payout ${m(bet.payout ?? 0n)}, the model's ${m(expected)}` });
    } catch {
      out.push({ kind: 'model_mismatch', ...at, detail: 'settled with a leg that has no result' });
      expected = bet.payout ?? 0n;
    }
  }
  const paid = lines?.payout ?? 0n;
  if (paid !== expected) out.push({ kind: 'payout_mismatch', ...at, detail: `net payout ${m(paid)}, expected ${m(expected)}` });
  if (hold.status === 'posted' && hold.payout !== expected) {
    out.push({ kind: 'payout_mismatch', ...at, detail: `the hold's payout is ${m(hold.payout ?? 0n)}, expected ${m(expected)}` });
  }
  const staked = lines?.stake ?? 0n;
  const wantStake = resolved ? bet.stake : 0n;
  if (staked !== wantStake) out.push({ kind: 'stake_mismatch', ...at, detail: `net stake to the house ${m(staked)}, expected ${m(wantStake)}` });
  const held = lines?.held ?? 0n;
  const wantHeld = resolved ? 0n : bet.stake;
  if (held !== wantHeld) out.push({ kind: 'stake_mismatch', ...at, detail: `net held ${m(held)}, expected ${m(wantHeld)}` });
  return out;
}

/**
 * Reads the snapshot through the ports: every posting (paged), the players they name with their
 * balances and bets, and the hold of every bet. Exact at rest; see the module comment otherwise.
 */
export async function collectLedger(wallet: Wallet, bets: BetStore): Promise<LedgerSnapshot> {
  const postings: Posting[] = [];
  for (;;) {
    const page = await wallet.postings({ limit: 10_000, ...(postings.length > 0 ? { after: postings[postings.length - 1]!.id } : {}) });
    postings.push(...page);
    if (page.length < 10_000) break;
  }
  const players = [...new Set(postings.map((p) => p.player))].sort();
  const balances: Balance[] = [];
  const allBets: Bet[] = [];
  for (const player of players) {
    const balance = await wallet.balance(player);
    if (balance) balances.push(balance);
    let before: string | undefined;
    for (;;) {
      const page = await bets.listByPlayer(player, { limit: 1000, ...(before === undefined ? {} : { before }) });
      allBets.push(...page);
      if (page.length < 1000) break;
      before = page[page.length - 1]!.betId;
    }
  }
  const betIds = new Set([...postings.flatMap((p) => (p.betId === undefined ? [] : [p.betId])), ...allBets.map((b) => b.betId)]);
  const holds: Hold[] = [];
  for (const betId of betIds) {
    const hold = await wallet.getHold(betId);
    if (hold) holds.push(hold);
  }
  return { balances, postings, holds, bets: allBets };
}
