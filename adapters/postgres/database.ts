/**
 * A connection pool to one PostgreSQL schema, shared by the adapters that keep their state there.
 * Every query and transaction goes through here, so errors are translated once
 * (pg-errors.ts), deadlocks and serialization failures are re-run in one place, and a closed
 * database refuses work the same way everywhere.
 */
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { shouldRerun, translatePgError } from './pg-errors.ts';

export interface PostgresOptions {
  /** postgres://user[:password]@host:port/database */
  readonly url: string;
  /** The schema holding the tables, created at start-up when missing. Default 'public'. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** How long to wait for a connection before DEPENDENCY_UNAVAILABLE. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Server-side limit for one statement. Default 10,000 ms. */
  readonly statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default 'sportsbook'. */
  readonly applicationName?: string;
}

export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Attempts of a transaction that failed with a deadlock or a serialization failure. */
const MAX_RUNS = 4;

export class PostgresDatabase {
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly logger: Logger | undefined;
  private closed = false;
  /** Queries and transactions under way: close() lets them finish before ending the pool. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: PostgresOptions, logger?: Logger) {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new AppError('CONFIG_INVALID', `PostgreSQL schema must match ${SCHEMA_NAME}: ${JSON.stringify(schema)}`);
    }
    this.schema = schema;
    this.logger = logger;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'sportsbook',
    });
    // An idle connection the server drops emits 'error' on the pool; unhandled, it would end the
    // process. The pool discards that connection and opens a new one when next needed.
    this.pool.on('error', (error) => this.logger?.warn({ err: error.message }, 'idle PostgreSQL connection lost'));
  }

  /** `"schema"."name"`: table names in SQL are always qualified, never found by search_path. */
  table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  async query<R extends QueryResultRow = QueryResultRow>(action: string, text: string, values: readonly unknown[] = []): Promise<R[]> {
    this.assertOpen();
    return this.track(async () => {
      try {
        return (await this.pool.query<R>(text, values as unknown[])).rows;
      } catch (error) {
        throw translatePgError(error, action);
      }
    });
  }

  /**
   * Runs `work` in a transaction (READ COMMITTED) and commits. A deadlock or serialization
   * failure runs it again from the start; any other failure rolls back and is thrown translated.
   * `work` must therefore have no effect outside the transaction.
   */
  async transaction<T>(action: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.track(async () => {
      for (let run = 1; ; run++) {
        try {
          return await this.runOnce(work);
        } catch (error) {
          if (run < MAX_RUNS && shouldRerun(error)) continue;
          throw translatePgError(error, action);
        }
      }
    });
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      await this.pool.query('SELECT 1');
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: translatePgError(error, 'health check').message };
    }
  }

  /** Refuses new work, lets the work under way finish, and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end();
  }

  private async track<T>(run: () => Promise<T>): Promise<T> {
    const promise = run();
    this.inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(promise);
    }
  }

  private async runOnce<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection lost while checked out emits 'error' as well as failing the query in flight;
    // unheard, that event would end the process. The failed query is what reports it.
    let broken: unknown;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection itself failed: hand it back as broken so the pool discards it.
        broken = rollbackError;
      }
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the PostgreSQL connection pool is closed');
  }
}

function wrap(client: PoolClient): Tx {
  return {
    async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      const result = await client.query<R>(text, values as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
  };
}
