import { AppError } from '../../core/errors.ts';
import type { Currency } from '../../core/money.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type {
  Balance,
  DepositRequest,
  DepositResult,
  Hold,
  HoldRequest,
  HoldResult,
  LedgerAccount,
  OpenAccountRequest,
  Posting,
  PostingFilter,
  PostingKind,
  ReleaseRequest,
  ReleaseResult,
  ReverseSettlementRequest,
  ReverseSettlementResult,
  SettleRequest,
  SettleResult,
  StatementOptions,
  Wallet,
} from '../../core/ports/wallet.ts';
import { PostgresDatabase, type PostgresOptions, type Tx } from '../postgres/database.ts';
import { migrate } from '../postgres/migrations.ts';
import { isUniqueViolation } from '../postgres/pg-errors.ts';
import { MIGRATIONS } from '../postgres/schema.ts';
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

export interface PostgresWalletDeps {
  /** Stamps postings, holds and keys. */
  readonly clock: Clock;
  readonly logger?: Logger;
}

interface AccountRow {
  player: string;
  currency: Currency;
  available: string;
  held: string;
}

interface HoldRow {
  bet_id: string;
  hold_id: string;
  player: string;
  amount: string;
  currency: Currency;
  status: Hold['status'];
  payout: string | null;
}

interface PostingRow {
  id: string;
  journal_id: string;
  player: string;
  account: LedgerAccount;
  kind: PostingKind;
  amount: string;
  currency: Currency;
  bet_id: string | null;
  key: string;
  at_ms: string;
}

const HOLD_COLUMNS = 'bet_id, hold_id, player, amount, currency, status, payout';
const POSTING_COLUMNS = 'id, journal_id, player, account, kind, amount, currency, bet_id, key, at_ms';

/**
 * Connects, applies the schema migrations (adapters/postgres/schema.ts) and returns the wallet.
 * Fails with DEPENDENCY_UNAVAILABLE when PostgreSQL cannot be reached.
 */
export async function createPostgresWallet(deps: PostgresWalletDeps, options: PostgresOptions): Promise<PostgresWallet> {
  const db = new PostgresDatabase({ applicationName: 'sportsbook-wallet', ...options }, deps.logger);
  try {
    await migrate(db, MIGRATIONS);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PostgresWallet(db, deps.clock);
}

/**
 * The Wallet on PostgreSQL, the ledger of record. Each mutating call is one READ COMMITTED
 * transaction that first claims its idempotency key (a primary key: a concurrent call with the
 * same key waits for this one and then reads its result), then locks the player's account row
 * (SELECT ... FOR UPDATE), which serializes everything that moves that player's money. The
 * account row caches the balances; the postings are the record, and both change in the same
 * transaction. Holds are rows going pending → posted | voided (and posted → pending on a
 * reversal); the house and cashier have no row to lock, so players never wait on each other.
 */
export class PostgresWallet implements Wallet {
  private readonly db: PostgresDatabase;
  private readonly clock: Clock;

  constructor(db: PostgresDatabase, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async openAccount(request: OpenAccountRequest): Promise<Balance> {
    const player = checkId('player', request.player);
    const currency = checkCurrency(request.currency);
    const rows = await this.db.query<AccountRow>(
      `open the account of ${player}`,
      `WITH opened AS (
         INSERT INTO ${this.db.table('wallet_accounts')} (player, currency, opened_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (player) DO NOTHING
         RETURNING player, currency, available, held
       )
       SELECT * FROM opened
       UNION ALL
       SELECT player, currency, available, held FROM ${this.db.table('wallet_accounts')} WHERE player = $1
       LIMIT 1`,
      [player, currency, this.clock.now()],
    );
    const account = rows[0];
    // Opened by a concurrent call after this statement's snapshot: read it now.
    const row = account ?? (await this.accountRow(player));
    if (!row) throw new AppError('INTERNAL', `account of ${player} neither opened nor found`);
    if (row.currency !== currency) throw currencyMismatch(player, row.currency, currency);
    return toBalance(row);
  }

  async deposit(request: DepositRequest): Promise<DepositResult> {
    const player = checkId('player', request.player);
    const amount = checkAmount('amount', request.amount);
    const currency = checkCurrency(request.currency);
    const key = checkId('key', request.key);
    return this.mutate(`deposit for ${player}`, key, fingerprint('deposit', player, amount, currency), async (tx, at) => {
      await this.lockAccount(tx, player, currency);
      const balance = await this.post(tx, player, undefined, key, at, JOURNALS.deposit(amount));
      return { status: 'deposited', balance };
    });
  }

  async hold(request: HoldRequest): Promise<HoldResult> {
    const player = checkId('player', request.player);
    const betId = checkId('betId', request.betId);
    const amount = checkAmount('amount', request.amount);
    const currency = checkCurrency(request.currency);
    const key = checkId('key', request.key);
    const print = fingerprint('hold', player, betId, amount, currency);
    return this.mutate(`hold for bet ${betId}`, key, print, async (tx, at): Promise<HoldResult> => {
      const account = await this.lockAccount(tx, player, currency, betId);
      if (account.has_hold) throw new AppError('DUPLICATE_REQUEST', `bet ${betId} already has a hold`);
      if (BigInt(account.available) < amount) return { status: 'insufficient_funds', balance: toBalance(account) };
      let inserted: HoldRow;
      try {
        const { rows } = await tx.query<HoldRow>(
          `INSERT INTO ${this.db.table('wallet_holds')} (bet_id, player, amount, currency, status, created_at_ms, updated_at_ms)
           VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING ${HOLD_COLUMNS}`,
          [betId, player, amount.toString(), currency, at],
        );
        inserted = rows[0]!;
      } catch (error) {
        // Another player's transaction holds this bet id (this one locked only its own account).
        if (isUniqueViolation(error)) throw new AppError('DUPLICATE_REQUEST', `bet ${betId} already has a hold`, { cause: error });
        throw error;
      }
      const balance = await this.post(tx, player, betId, key, at, JOURNALS.hold(amount));
      return { status: 'held', hold: toHold(inserted), balance };
    });
  }

  async release(request: ReleaseRequest): Promise<ReleaseResult> {
    const betId = checkId('betId', request.betId);
    const key = checkId('key', request.key);
    return this.mutate(`release of bet ${betId}`, key, fingerprint('release', betId), async (tx, at) => {
      const hold = await this.lockHold(tx, betId, 'pending', 'release');
      const balance = await this.post(tx, hold.player, betId, key, at, JOURNALS.release(BigInt(hold.amount)));
      return { status: 'released', hold: await this.setHold(tx, betId, 'voided', null, at), balance };
    });
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    const betId = checkId('betId', request.betId);
    const payout = checkAmount('payout', request.payout, { allowZero: true });
    const key = checkId('key', request.key);
    return this.mutate(`settlement of bet ${betId}`, key, fingerprint('settle', betId, payout), async (tx, at) => {
      const hold = await this.lockHold(tx, betId, 'pending', 'settle');
      const balance = await this.post(tx, hold.player, betId, key, at, JOURNALS.settle(BigInt(hold.amount), payout));
      return { status: 'settled', hold: await this.setHold(tx, betId, 'posted', payout, at), balance };
    });
  }

  async reverseSettlement(request: ReverseSettlementRequest): Promise<ReverseSettlementResult> {
    const betId = checkId('betId', request.betId);
    const key = checkId('key', request.key);
    return this.mutate(`settlement reversal of bet ${betId}`, key, fingerprint('reverseSettlement', betId), async (tx, at) => {
      const hold = await this.lockHold(tx, betId, 'posted', 'reverse the settlement of');
      const reversedPayout = BigInt(hold.payout ?? '0');
      const lines = JOURNALS.reverseSettlement(BigInt(hold.amount), reversedPayout);
      const balance = await this.post(tx, hold.player, betId, key, at, lines);
      return { status: 'reversed', hold: await this.setHold(tx, betId, 'pending', null, at), reversedPayout, balance };
    });
  }

  async balance(player: string): Promise<Balance | undefined> {
    const row = await this.accountRow(checkId('player', player));
    return row && toBalance(row);
  }

  async statement(player: string, options: StatementOptions): Promise<readonly Posting[]> {
    checkId('player', player);
    const limit = checkLimit(options.limit, 1000);
    const before = options.before === undefined ? null : checkPostingId('before', options.before).toString();
    const rows = await this.db.query<PostingRow>(
      `statement of ${player}`,
      `SELECT ${POSTING_COLUMNS} FROM ${this.db.table('wallet_postings')}
       WHERE player = $1 AND account IN ('available', 'held') AND ($2::bigint IS NULL OR id < $2::bigint)
       ORDER BY id DESC LIMIT $3`,
      [player, before, limit],
    );
    return rows.map(toPosting);
  }

  async postings(filter: PostingFilter): Promise<readonly Posting[]> {
    const limit = checkLimit(filter.limit, 10_000);
    const player = filter.player === undefined ? null : checkId('player', filter.player);
    const betId = filter.betId === undefined ? null : checkId('betId', filter.betId);
    const after = filter.after === undefined ? '0' : checkPostingId('after', filter.after).toString();
    const rows = await this.db.query<PostingRow>(
      'postings query',
      `SELECT ${POSTING_COLUMNS} FROM ${this.db.table('wallet_postings')}
       WHERE id > $1::bigint AND ($2::text IS NULL OR player = $2) AND ($3::text IS NULL OR bet_id = $3)
       ORDER BY id LIMIT $4`,
      [after, player, betId, limit],
    );
    return rows.map(toPosting);
  }

  async getHold(betId: string): Promise<Hold | undefined> {
    const rows = await this.db.query<HoldRow>(
      `hold of bet ${betId}`,
      `SELECT ${HOLD_COLUMNS} FROM ${this.db.table('wallet_holds')} WHERE bet_id = $1`,
      [checkId('betId', betId)],
    );
    return rows[0] && toHold(rows[0]);
  }

  health(): Promise<{ ok: boolean; detail?: string }> {
    return this.db.health();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /**
   * One mutating call: claims `key`, runs `work` and stores its result under the key, all in
   * one transaction. A used key returns its stored result (same call) or DUPLICATE_REQUEST.
   */
  private mutate<T>(action: string, key: string, print: string, work: (tx: Tx, at: number) => Promise<T>): Promise<T> {
    const at = this.clock.now();
    const requests = this.db.table('wallet_requests');
    return this.db.transaction(action, async (tx) => {
      const claim = await tx.query(
        `INSERT INTO ${requests} (key, fingerprint, at_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
        [key, print, at],
      );
      if (claim.rowCount === 0) {
        const { rows } = await tx.query<{ fingerprint: string; result: string | null }>(
          `SELECT fingerprint, result::text AS result FROM ${requests} WHERE key = $1`,
          [key],
        );
        // The claim waited for the transaction that held the key to commit: its result is there.
        const seen = rows[0];
        if (!seen || seen.result === null) throw new AppError('INTERNAL', `key ${key} is claimed without a result`);
        if (seen.fingerprint !== print) throw duplicateKey(key);
        return decodeResult(seen.result) as T;
      }
      const result = await work(tx, at);
      await tx.query(`UPDATE ${requests} SET result = $2::jsonb WHERE key = $1`, [key, encodeResult(result)]);
      return result;
    });
  }

  private async accountRow(player: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountRow>(
      `balance of ${player}`,
      `SELECT player, currency, available, held FROM ${this.db.table('wallet_accounts')} WHERE player = $1`,
      [player],
    );
    return rows[0];
  }

  /**
   * Locks the player's account row until commit: the serialization point of their money. With
   * `betId`, also says whether that bet has a hold (in the same round trip).
   */
  private async lockAccount(tx: Tx, player: string, currency?: Currency, betId?: string): Promise<AccountRow & { has_hold: boolean }> {
    const { rows } = await tx.query<AccountRow & { has_hold: boolean }>(
      `SELECT player, currency, available, held,
              EXISTS (SELECT 1 FROM ${this.db.table('wallet_holds')} WHERE bet_id = $2) AS has_hold
       FROM ${this.db.table('wallet_accounts')} WHERE player = $1 FOR UPDATE`,
      [player, betId ?? null],
    );
    const account = rows[0];
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND', `no wallet account for ${player}`);
    if (currency !== undefined && account.currency !== currency) throw currencyMismatch(player, account.currency, currency);
    return account;
  }

  /** Locks the hold's account, then the hold, and checks the hold is in `status`. */
  private async lockHold(tx: Tx, betId: string, status: Hold['status'], action: string): Promise<HoldRow> {
    const holds = this.db.table('wallet_holds');
    // Account first, as every call does: one lock order, no deadlocks. A hold never changes owner,
    // so the unlocked read that finds the account is safe.
    const owner = await tx.query(
      `SELECT 1 FROM ${this.db.table('wallet_accounts')} WHERE player = (SELECT player FROM ${holds} WHERE bet_id = $1) FOR UPDATE`,
      [betId],
    );
    if (owner.rowCount === 0) throw new AppError('HOLD_NOT_FOUND', `no hold for bet ${betId}`);
    const { rows } = await tx.query<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM ${holds} WHERE bet_id = $1 FOR UPDATE`, [betId]);
    const hold = rows[0]!;
    if (hold.status !== status) {
      throw new AppError('HOLD_STATE_CONFLICT', `cannot ${action} the hold of bet ${betId}: it is ${hold.status}`);
    }
    return hold;
  }

  private async setHold(tx: Tx, betId: string, status: Hold['status'], payout: bigint | null, at: number): Promise<Hold> {
    const { rows } = await tx.query<HoldRow>(
      `UPDATE ${this.db.table('wallet_holds')} SET status = $2, payout = $3, updated_at_ms = $4 WHERE bet_id = $1
       RETURNING ${HOLD_COLUMNS}`,
      [betId, status, payout === null ? null : payout.toString(), at],
    );
    return toHold(rows[0]!);
  }

  /** Appends the journal and moves the cached balances by the same amounts; returns the new balance. */
  private async post(tx: Tx, player: string, betId: string | undefined, key: string, at: number, lines: readonly Line[]): Promise<Balance> {
    const delta = balanceDelta(lines);
    const accounts = this.db.table('wallet_accounts');
    const { rows } = await tx.query<AccountRow>(
      `WITH journal AS (
         INSERT INTO ${this.db.table('wallet_postings')} (journal_id, player, account, kind, amount, currency, bet_id, key, at_ms)
         SELECT j.id, $1, l.account, l.kind, l.amount, a.currency, $2, $3, $4
         FROM (SELECT nextval('${this.db.table('wallet_journal_seq')}') AS id) j,
              ${accounts} a,
              unnest($5::text[], $6::text[], $7::bigint[]) WITH ORDINALITY AS l(account, kind, amount, n)
         WHERE a.player = $1
         ORDER BY l.n
       )
       UPDATE ${accounts} SET available = available + $8::bigint, held = held + $9::bigint
       WHERE player = $1 RETURNING player, currency, available, held`,
      [
        player,
        betId ?? null,
        key,
        at,
        lines.map((l) => l.account),
        lines.map((l) => l.kind),
        lines.map((l) => l.amount.toString()),
        delta.available.toString(),
        delta.held.toString(),
      ],
    );
    return toBalance(rows[0]!);
  }
}

function toBalance(row: AccountRow): Balance {
  return { player: row.player, currency: row.currency, available: BigInt(row.available), held: BigInt(row.held) };
}

function toHold(row: HoldRow): Hold {
  const hold: Hold = {
    holdId: row.hold_id,
    betId: row.bet_id,
    player: row.player,
    amount: BigInt(row.amount),
    currency: row.currency,
    status: row.status,
  };
  return row.payout === null ? hold : { ...hold, payout: BigInt(row.payout) };
}

function toPosting(row: PostingRow): Posting {
  const posting: Posting = {
    id: row.id,
    journalId: row.journal_id,
    player: row.player,
    account: row.account,
    kind: row.kind,
    amount: BigInt(row.amount),
    currency: row.currency,
    key: row.key,
    at: Number(row.at_ms),
  };
  return row.bet_id === null ? posting : { ...posting, betId: row.bet_id };
}

/** Results are stored as JSON; bigints as `{"$minor": "<digits>"}` so they come back exact. */
function encodeResult(result: unknown): string {
  return JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? { $minor: value.toString() } : value));
}

function decodeResult(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && Object.keys(value).length === 1 && '$minor' in value) {
      return BigInt((value as { $minor: string }).$minor);
    }
    return value;
  });
}
