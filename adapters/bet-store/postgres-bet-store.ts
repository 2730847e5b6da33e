import type { Bet, BetLeg, BetStatus, BetStatusChange, BetStatusReason, LegResult, LegResultChange, NewBet } from '../../core/contracts/bets.ts';
import { AppError } from '../../core/errors.ts';
import type { EventId } from '../../core/ids.ts';
import type { Currency } from '../../core/money.ts';
import type { BetStore, InsertResult, MarketQuery, PlayerQuery, StatusUpdate, StatusUpdateResult } from '../../core/ports/bet-store.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { PostgresDatabase, type PostgresOptions, type Tx } from '../postgres/database.ts';
import { migrate } from '../postgres/migrations.ts';
import { MIGRATIONS } from '../postgres/schema.ts';
import { acceptedBet, applyStatusUpdate, betFingerprint, checkMarketQuery, checkNewBet, checkPlayerQuery, checkStatusUpdate, checkText } from './bet-rules.ts';

export interface PostgresBetStoreDeps {
  /** Stamps the status history. */
  readonly clock: Clock;
  readonly logger?: Logger;
}

interface BetRow {
  bet_id: string;
  player: string;
  stake: string;
  currency: Currency;
  placed_at_ms: string;
  trace_id: string | null;
  status: BetStatus;
  payout: string | null;
  version: number;
  legs: Array<{ eventId: string; marketKey: string; outcomeId: string; odds: string; epoch: string; seq: number; result: LegResult | null }>;
}

interface HistoryRow {
  version: number;
  from_status: BetStatus | null;
  to_status: BetStatus;
  reason: BetStatusReason;
  detail: string | null;
  payout: string | null;
  leg_results: LegResultChange[] | null;
  at_ms: string;
}

/**
 * Connects, applies the schema migrations (adapters/postgres/schema.ts) and returns the store.
 * Fails with DEPENDENCY_UNAVAILABLE when PostgreSQL cannot be reached.
 */
export async function createPostgresBetStore(deps: PostgresBetStoreDeps, options: PostgresOptions): Promise<PostgresBetStore> {
  const db = new PostgresDatabase({ applicationName: 'sportsbook-bets', ...options }, deps.logger);
  try {
    await migrate(db, MIGRATIONS);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PostgresBetStore(db, deps.clock);
}

/**
 * The BetStore on PostgreSQL: a bet row (status, payout, version), its leg rows (with results)
 * and its append-only status history. A status change locks the bet row (SELECT ... FOR UPDATE),
 * applies the shared rules (bet-rules.ts) and writes bet, legs and history in one transaction.
 * byMarket() walks the (event_id, market_key, bet_id) index of the legs.
 */
export class PostgresBetStore implements BetStore {
  private readonly db: PostgresDatabase;
  private readonly clock: Clock;
  private readonly selectBets: string;

  constructor(db: PostgresDatabase, clock: Clock) {
    this.db = db;
    this.clock = clock;
    // Legs come back as JSON in one round trip; money and times stay text until converted.
    this.selectBets = `
      SELECT b.bet_id, b.player, b.stake::text AS stake, b.currency, b.placed_at_ms::text AS placed_at_ms, b.trace_id,
             b.status, b.payout::text AS payout, b.version,
             (SELECT json_agg(json_build_object(
                        'eventId', l.event_id, 'marketKey', l.market_key, 'outcomeId', l.outcome_id, 'odds', l.odds,
                        'epoch', l.price_epoch, 'seq', l.price_seq, 'result', l.result) ORDER BY l.leg)
                FROM ${db.table('bet_legs')} l WHERE l.bet_id = b.bet_id) AS legs
      FROM ${db.table('bets')} b`;
  }

  async insert(input: NewBet): Promise<InsertResult> {
    const checked = checkNewBet(input);
    const fingerprint = betFingerprint(checked);
    const { bet, change } = acceptedBet(checked, this.clock.now());
    return this.db.transaction(`insert of bet ${bet.betId}`, async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO ${this.db.table('bets')} (bet_id, player, stake, currency, placed_at_ms, trace_id, status, version, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (bet_id) DO NOTHING`,
        [bet.betId, bet.player, bet.stake.toString(), bet.currency, bet.placedAt, bet.traceId ?? null, bet.status, bet.version, fingerprint],
      );
      if (inserted.rowCount === 0) {
        // A retry, or another bet under this id: the conflict waited for its writer to commit.
        const { rows } = await tx.query<{ fingerprint: string }>(`SELECT fingerprint FROM ${this.db.table('bets')} WHERE bet_id = $1`, [bet.betId]);
        if (rows[0]?.fingerprint !== fingerprint) {
          throw new AppError('DUPLICATE_REQUEST', `bet ${bet.betId} exists with other content`);
        }
        return { bet: (await this.load(tx, bet.betId, false))!, existing: true };
      }
      await tx.query(
        `INSERT INTO ${this.db.table('bet_legs')} (bet_id, leg, event_id, market_key, outcome_id, odds, price_epoch, price_seq)
         SELECT $1, l.n - 1, l.event_id, l.market_key, l.outcome_id, l.odds, l.epoch, l.seq
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
              WITH ORDINALITY AS l(event_id, market_key, outcome_id, odds, epoch, seq, n)`,
        [
          bet.betId,
          bet.legs.map((l) => l.eventId),
          bet.legs.map((l) => l.marketKey),
          bet.legs.map((l) => l.outcomeId),
          bet.legs.map((l) => l.odds),
          bet.legs.map((l) => l.priceVersion.epoch),
          bet.legs.map((l) => l.priceVersion.seq),
        ],
      );
      await this.appendHistory(tx, bet.betId, change);
      return { bet, existing: false };
    });
  }

  async get(betId: string): Promise<Bet | undefined> {
    const rows = await this.db.query<BetRow>(`read of bet ${betId}`, `${this.selectBets} WHERE b.bet_id = $1`, [checkText('betId', betId)]);
    return rows[0] && toBet(rows[0]);
  }

  async history(betId: string): Promise<readonly BetStatusChange[]> {
    const rows = await this.db.query<HistoryRow>(
      `history of bet ${betId}`,
      `SELECT version, from_status, to_status, reason, detail, payout::text AS payout, leg_results, at_ms::text AS at_ms
       FROM ${this.db.table('bet_status_history')} WHERE bet_id = $1 ORDER BY version`,
      [checkText('betId', betId)],
    );
    return rows.map(toChange);
  }

  async listByPlayer(player: string, query: PlayerQuery): Promise<readonly Bet[]> {
    const q = checkPlayerQuery(player, query);
    const rows = await this.db.query<BetRow>(
      `bets of ${q.player}`,
      `${this.selectBets}
       WHERE b.player = $1 AND ($2::text IS NULL OR b.status = $2)
         AND ($3::text IS NULL OR (b.placed_at_ms, b.bet_id) < (SELECT c.placed_at_ms, c.bet_id FROM ${this.db.table('bets')} c WHERE c.bet_id = $3))
       ORDER BY b.placed_at_ms DESC, b.bet_id DESC LIMIT $4`,
      [q.player, q.status ?? null, q.before ?? null, q.limit],
    );
    return rows.map(toBet);
  }

  async byMarket(eventId: string, marketKey: string, query?: MarketQuery): Promise<readonly Bet[]> {
    const q = checkMarketQuery(eventId, marketKey, query);
    const rows = await this.db.query<BetRow>(
      `bets on ${q.eventId} ${q.marketKey}`,
      `${this.selectBets}
       WHERE b.bet_id IN (SELECT l.bet_id FROM ${this.db.table('bet_legs')} l
                          WHERE l.event_id = $1 AND l.market_key = $2 AND ($4::text IS NULL OR l.bet_id > $4))
         AND b.status = ANY($3::text[])
       ORDER BY b.bet_id LIMIT $5`,
      [q.eventId, q.marketKey, q.statuses, q.after ?? null, q.limit ?? null],
    );
    return rows.map(toBet);
  }

  async updateStatus(input: StatusUpdate): Promise<StatusUpdateResult> {
    const update = checkStatusUpdate(input);
    const at = this.clock.now();
    return this.db.transaction(`status change of bet ${update.betId}`, async (tx): Promise<StatusUpdateResult> => {
      const bet = await this.load(tx, update.betId, true);
      if (!bet) return { status: 'not_found' };
      const applied = applyStatusUpdate(bet, update, at);
      if (!applied) return { status: 'conflict', bet };
      const next = applied.bet;
      await tx.query(`UPDATE ${this.db.table('bets')} SET status = $2, payout = $3, version = $4 WHERE bet_id = $1`, [
        next.betId,
        next.status,
        next.payout === undefined ? null : next.payout.toString(),
        next.version,
      ]);
      const changes = update.legResults ?? [];
      if (changes.length > 0) {
        await tx.query(
          `UPDATE ${this.db.table('bet_legs')} l SET result = c.result
           FROM unnest($2::smallint[], $3::jsonb[]) AS c(leg, result)
           WHERE l.bet_id = $1 AND l.leg = c.leg`,
          [next.betId, changes.map((c) => c.leg), changes.map((c) => (c.result === null ? null : JSON.stringify(c.result)))],
        );
      }
      await this.appendHistory(tx, next.betId, applied.change);
      return { status: 'updated', bet: next };
    });
  }

  health(): Promise<{ ok: boolean; detail?: string }> {
    return this.db.health();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async load(tx: Tx, betId: string, lock: boolean): Promise<Bet | undefined> {
    const { rows } = await tx.query<BetRow>(`${this.selectBets} WHERE b.bet_id = $1${lock ? ' FOR UPDATE OF b' : ''}`, [betId]);
    return rows[0] && toBet(rows[0]);
  }

  private async appendHistory(tx: Tx, betId: string, change: BetStatusChange): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.db.table('bet_status_history')} (bet_id, version, from_status, to_status, reason, detail, payout, leg_results, at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
      [
        betId,
        change.version,
        change.from,
        change.to,
        change.reason,
        change.detail ?? null,
        change.payout === undefined ? null : change.payout.toString(),
        change.legResults === undefined ? null : JSON.stringify(change.legResults),
        change.at,
      ],
    );
  }
}

function toBet(row: BetRow): Bet {
  const legs: BetLeg[] = (row.legs ?? []).map((l) => {
    const leg: BetLeg = {
      eventId: l.eventId as EventId,
      marketKey: l.marketKey,
      outcomeId: l.outcomeId,
      odds: l.odds,
      priceVersion: { epoch: l.epoch, seq: Number(l.seq) },
    };
    return l.result === null ? leg : { ...leg, result: l.result };
  });
  const bet: Bet = {
    v: 1,
    betId: row.bet_id,
    player: row.player,
    stake: BigInt(row.stake),
    currency: row.currency,
    legs,
    placedAt: Number(row.placed_at_ms),
    ...(row.trace_id === null ? {} : { traceId: row.trace_id }),
    status: row.status,
    version: row.version,
  };
  return row.payout === null ? bet : { ...bet, payout: BigInt(row.payout) };
}

function toChange(row: HistoryRow): BetStatusChange {
  return {
    version: row.version,
    from: row.from_status,
    to: row.to_status,
    reason: row.reason,
    ...(row.detail === null ? {} : { detail: row.detail }),
    ...(row.payout === null ? {} : { payout: BigInt(row.payout) }),
    ...(row.leg_results === null ? {} : { legResults: row.leg_results }),
    at: Number(row.at_ms),
  };
}
