import { AppError } from '../../core/errors.ts';
import type { Currency } from '../../core/money.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type {
  Balance,
  DepositRequest,
  DepositResult,
  Hold,
  HoldRequest,
  HoldResult,
  OpenAccountRequest,
  Posting,
  PostingFilter,
  ReleaseRequest,
  ReleaseResult,
  ReverseSettlementRequest,
  ReverseSettlementResult,
  SettleRequest,
  SettleResult,
  StatementOptions,
  Wallet,
} from '../../core/ports/wallet.ts';
import {
  JOURNALS,
  type Line,
  balanceDelta,
  checkAmount,
  checkCurrency,
  checkId,
  checkLimit,
  checkPostingId,
  currencyMismatch,
  duplicateKey,
  fingerprint,
} from './wallet-rules.ts';

export interface InMemoryWalletDeps {
  /** Stamps postings. */
  readonly clock: Clock;
}

interface Account {
  readonly currency: Currency;
  available: bigint;
  held: bigint;
}

interface HoldState {
  readonly holdId: string;
  readonly betId: string;
  readonly player: string;
  readonly amount: bigint;
  readonly currency: Currency;
  status: Hold['status'];
  payout: bigint | undefined;
  /** The bet's postings, in order: every posting with a bet id comes after its hold exists. */
  readonly postings: Posting[];
}

/**
 * The Wallet in one process: embedded mode's wallet and the reference the PostgreSQL wallet is
 * tested against. It keeps every promise of the Wallet port; each call runs to completion without
 * yielding, which is what makes it atomic and serializes a player's calls.
 *
 * Limits, by design: nothing survives the process (embedded mode says so at start-up), and the
 * ledger and the idempotency keys grow for as long as it runs.
 */
export class InMemoryWallet implements Wallet {
  private readonly clock: Clock;
  private readonly accounts = new Map<string, Account>();
  private readonly holds = new Map<string, HoldState>();
  private readonly requests = new Map<string, { readonly fingerprint: string; readonly result: unknown }>();
  private readonly ledger: Posting[] = [];
  /** Index into the ledger by player, in posting order (by bet: HoldState.postings). */
  private readonly byPlayer = new Map<string, Posting[]>();
  private lastPosting = 0;
  private lastJournal = 0;
  private lastHold = 0;
  private closed = false;

  constructor(deps: InMemoryWalletDeps) {
    this.clock = deps.clock;
  }

  async openAccount(request: OpenAccountRequest): Promise<Balance> {
    this.assertOpen();
    const player = checkId('player', request.player);
    const currency = checkCurrency(request.currency);
    let account = this.accounts.get(player);
    if (account && account.currency !== currency) throw currencyMismatch(player, account.currency, currency);
    if (!account) {
      account = { currency, available: 0n, held: 0n };
      this.accounts.set(player, account);
    }
    return balanceOf(player, account);
  }

  async deposit(request: DepositRequest): Promise<DepositResult> {
    this.assertOpen();
    const player = checkId('player', request.player);
    const amount = checkAmount('amount', request.amount);
    const currency = checkCurrency(request.currency);
    const key = checkId('key', request.key);
    return this.once(key, fingerprint('deposit', player, amount, currency), () => {
      const account = this.account(player, currency);
      this.post(player, account, undefined, key, JOURNALS.deposit(amount));
      return { status: 'deposited', balance: balanceOf(player, account) };
    });
  }

  async hold(request: HoldRequest): Promise<HoldResult> {
    this.assertOpen();
    const player = checkId('player', request.player);
    const betId = checkId('betId', request.betId);
    const amount = checkAmount('amount', request.amount);
    const currency = checkCurrency(request.currency);
    const key = checkId('key', request.key);
    return this.once(key, fingerprint('hold', player, betId, amount, currency), (): HoldResult => {
      const account = this.account(player, currency);
      if (this.holds.has(betId)) {
        throw new AppError('DUPLICATE_REQUEST', `bet ${betId} already has a hold`);
      }
      if (account.available < amount) return { status: 'insufficient_funds', balance: balanceOf(player, account) };
      this.lastHold += 1;
      const hold: HoldState = { holdId: String(this.lastHold), betId, player, amount, currency, status: 'pending', payout: undefined, postings: [] };
      this.holds.set(betId, hold);
      this.post(player, account, hold, key, JOURNALS.hold(amount));
      return { status: 'held', hold: snapshot(hold), balance: balanceOf(player, account) };
    });
  }

  async release(request: ReleaseRequest): Promise<ReleaseResult> {
    this.assertOpen();
    const betId = checkId('betId', request.betId);
    const key = checkId('key', request.key);
    return this.once(key, fingerprint('release', betId), () => {
      const hold = this.holdIn(betId, 'pending', 'release');
      const account = this.accounts.get(hold.player)!;
      this.post(hold.player, account, hold, key, JOURNALS.release(hold.amount));
      hold.status = 'voided';
      return { status: 'released', hold: snapshot(hold), balance: balanceOf(hold.player, account) };
    });
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    this.assertOpen();
    const betId = checkId('betId', request.betId);
    const payout = checkAmount('payout', request.payout, { allowZero: true });
    const key = checkId('key', request.key);
    return this.once(key, fingerprint('settle', betId, payout), () => {
      const hold = this.holdIn(betId, 'pending', 'settle');
      const account = this.accounts.get(hold.player)!;
      this.post(hold.player, account, hold, key, JOURNALS.settle(hold.amount, payout));
      hold.status = 'posted';
      hold.payout = payout;
      return { status: 'settled', hold: snapshot(hold), balance: balanceOf(hold.player, account) };
    });
  }

  async reverseSettlement(request: ReverseSettlementRequest): Promise<ReverseSettlementResult> {
    this.assertOpen();
    const betId = checkId('betId', request.betId);
    const key = checkId('key', request.key);
    return this.once(key, fingerprint('reverseSettlement', betId), () => {
      const hold = this.holdIn(betId, 'posted', 'reverse the settlement of');
      const account = this.accounts.get(hold.player)!;
      const reversedPayout = hold.payout ?? 0n;
      this.post(hold.player, account, hold, key, JOURNALS.reverseSettlement(hold.amount, reversedPayout));
      hold.status = 'pending';
      hold.payout = undefined;
      return { status: 'reversed', hold: snapshot(hold), reversedPayout, balance: balanceOf(hold.player, account) };
    });
  }

  async balance(player: string): Promise<Balance | undefined> {
    this.assertOpen();
    const account = this.accounts.get(checkId('player', player));
    return account && balanceOf(player, account);
  }

  async statement(player: string, options: StatementOptions): Promise<readonly Posting[]> {
    this.assertOpen();
    checkId('player', player);
    const limit = checkLimit(options.limit, 1000);
    const before = options.before === undefined ? undefined : checkPostingId('before', options.before);
    const lines = this.byPlayer.get(player) ?? [];
    const out: Posting[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]!;
      if (line.account !== 'available' && line.account !== 'held') continue;
      if (before !== undefined && BigInt(line.id) >= before) continue;
      out.push(line);
    }
    return out;
  }

  async postings(filter: PostingFilter): Promise<readonly Posting[]> {
    this.assertOpen();
    const limit = checkLimit(filter.limit, 10_000);
    const player = filter.player === undefined ? undefined : checkId('player', filter.player);
    const betId = filter.betId === undefined ? undefined : checkId('betId', filter.betId);
    const after = filter.after === undefined ? 0n : checkPostingId('after', filter.after);
    // The narrowest index that covers the filter; every index is in posting order.
    const source =
      betId !== undefined ? (this.holds.get(betId)?.postings ?? []) : player !== undefined ? (this.byPlayer.get(player) ?? []) : this.ledger;
    const out: Posting[] = [];
    for (let i = firstAfter(source, after); i < source.length && out.length < limit; i++) {
      const line = source[i]!;
      if (player !== undefined && line.player !== player) continue;
      out.push(line);
    }
    return out;
  }

  async getHold(betId: string): Promise<Hold | undefined> {
    this.assertOpen();
    const hold = this.holds.get(checkId('betId', betId));
    return hold && snapshot(hold);
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Runs `call` unless `key` was used: the same call gets its first result back, another call
   * DUPLICATE_REQUEST. A call that throws stores nothing, so its key stays free. Results are
   * built of frozen balances and holds (balanceOf, snapshot), so freezing the result itself
   * makes the whole of it immutable.
   */
  private once<T extends object>(key: string, print: string, call: () => T): T {
    const seen = this.requests.get(key);
    if (seen) {
      if (seen.fingerprint !== print) throw duplicateKey(key);
      return seen.result as T;
    }
    const result = Object.freeze(call());
    this.requests.set(key, { fingerprint: print, result });
    return result;
  }

  private account(player: string, currency: Currency): Account {
    const account = this.accounts.get(player);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND', `no wallet account for ${player}`);
    if (account.currency !== currency) throw currencyMismatch(player, account.currency, currency);
    return account;
  }

  private holdIn(betId: string, status: Hold['status'], action: string): HoldState {
    const hold = this.holds.get(betId);
    if (!hold) throw new AppError('HOLD_NOT_FOUND', `no hold for bet ${betId}`);
    if (hold.status !== status) {
      throw new AppError('HOLD_STATE_CONFLICT', `cannot ${action} the hold of bet ${betId}: it is ${hold.status}`);
    }
    return hold;
  }

  /** Posts a journal: to the player's accounts and, for a bet's money, to its hold's postings. */
  private post(player: string, account: Account, hold: HoldState | undefined, key: string, lines: readonly Line[]): void {
    const delta = balanceDelta(lines);
    account.available += delta.available;
    account.held += delta.held;
    this.lastJournal += 1;
    const journalId = String(this.lastJournal);
    const at = this.clock.now();
    let playerLines = this.byPlayer.get(player);
    if (playerLines === undefined) this.byPlayer.set(player, (playerLines = []));
    const betId = hold?.betId;
    const { currency } = account;
    for (const line of lines) {
      this.lastPosting += 1;
      const id = String(this.lastPosting);
      // Written out rather than spread: one posting per line of every journal.
      const posting: Posting = Object.freeze(
        betId === undefined
          ? { id, journalId, player, account: line.account, kind: line.kind, amount: line.amount, currency, key, at }
          : { id, journalId, player, account: line.account, kind: line.kind, amount: line.amount, currency, betId, key, at },
      );
      this.ledger.push(posting);
      playerLines.push(posting);
      hold?.postings.push(posting);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the wallet is closed');
  }
}

function balanceOf(player: string, account: Account): Balance {
  return Object.freeze({ player, currency: account.currency, available: account.available, held: account.held });
}

function snapshot(hold: HoldState): Hold {
  const { holdId, betId, player, amount, currency, status, payout } = hold;
  return Object.freeze(payout === undefined ? { holdId, betId, player, amount, currency, status } : { holdId, betId, player, amount, currency, status, payout });
}

/** Index of the first posting with an id greater than `after` (ids increase along the list). */
function firstAfter(list: readonly Posting[], after: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BigInt(list[mid]!.id) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
