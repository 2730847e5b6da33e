import { AppError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { MarketResult, MarketResultStore } from '../../core/ports/market-result-store.ts';
import { PostgresDatabase, type PostgresOptions } from '../postgres/database.ts';
import { migrate } from '../postgres/migrations.ts';
import { MIGRATIONS } from '../postgres/schema.ts';

export interface PostgresMarketResultStoreDeps {
  /** Stamps the rows. */
  readonly clock: Clock;
  readonly logger?: Logger;
}

/**
 * Connects, applies the schema migrations (adapters/postgres/schema.ts) and returns the store.
 * Fails with DEPENDENCY_UNAVAILABLE when PostgreSQL cannot be reached.
 */
export async function createPostgresMarketResultStore(deps: PostgresMarketResultStoreDeps, options: PostgresOptions): Promise<PostgresMarketResultStore> {
  const db = new PostgresDatabase({ applicationName: 'sportsbook-settlement', ...options }, deps.logger);
  try {
    await migrate(db, MIGRATIONS);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PostgresMarketResultStore(db, deps.clock);
}

/**
 * The MarketResultStore on PostgreSQL: one row per market holding the state as JSON. put() is a
 * single statement (an insert that yields to an existing row, or an update guarded by the
 * version), so the optimistic check needs no explicit transaction.
 */
export class PostgresMarketResultStore implements MarketResultStore {
  private readonly db: PostgresDatabase;
  private readonly clock: Clock;

  constructor(db: PostgresDatabase, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async get(eventId: string, marketKey: string): Promise<MarketResult | undefined> {
    const rows = await this.db.query<{ state: MarketResult }>(
      `result of ${eventId} ${marketKey}`,
      `SELECT state FROM ${this.db.table('settlement_market_results')} WHERE event_id = $1 AND market_key = $2`,
      [eventId, marketKey],
    );
    return rows[0]?.state;
  }

  async put(result: MarketResult, expected: number): Promise<boolean> {
    if (typeof result?.eventId !== 'string' || result.eventId === '' || typeof result.marketKey !== 'string' || result.marketKey === '') {
      throw new AppError('INVALID_REQUEST', 'a market result needs its event id and market key');
    }
    if (result.version !== expected + 1) return false;
    const table = this.db.table('settlement_market_results');
    const fields = [result.eventId, result.marketKey, JSON.stringify(result), result.version, this.clock.now()];
    const rows =
      expected === 0
        ? await this.db.query(
            `result of ${result.eventId} ${result.marketKey}`,
            `INSERT INTO ${table} (event_id, market_key, state, version, updated_at_ms) VALUES ($1, $2, $3::jsonb, $4, $5)
             ON CONFLICT (event_id, market_key) DO NOTHING RETURNING 1`,
            fields,
          )
        : await this.db.query(
            `result of ${result.eventId} ${result.marketKey}`,
            `UPDATE ${table} SET state = $3::jsonb, version = $4, updated_at_ms = $5
             WHERE event_id = $1 AND market_key = $2 AND version = $6 RETURNING 1`,
            [...fields, expected],
          );
    return rows.length === 1;
  }

  health(): Promise<{ ok: boolean; detail?: string }> {
    return this.db.health();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
