/**
 * The analytics schema in ClickHouse, as versioned migrations applied at start-up.
 *
 * `schema_migrations` records each version applied with a checksum of its statements; a migration
 * edited after it was applied stops the start-up (CONFIG_INVALID): a change to a released schema
 * is a new migration, never an edit. ClickHouse has neither transactions nor locks, so every
 * statement must be idempotent (IF NOT EXISTS): a start-up that stopped half-way runs the
 * migration again, and two processes starting together both run it harmlessly (the record is
 * deduplicated by version when read).
 *
 * Types chosen for ClickHouse 18.16: no DateTime64 (a DateTime of seconds plus a UInt16 of
 * milliseconds), no Bool (UInt8), money as Int64 minor units beside its currency. Tables are
 * ReplacingMergeTree on each fact's identity, so redelivered facts merge away; the reports
 * deduplicate at query time as well (core/ports/analytics.ts).
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { AppError } from '../../core/errors.ts';
import { translateClickHouseError } from './clickhouse-errors.ts';
import { checkDatabase, sqlInteger, sqlString, tableNamer, type TableNamer } from './clickhouse-sql.ts';

export interface ClickHouseMigration {
  /** 1, 2, 3, ...: applied in this order, each once. */
  readonly version: number;
  readonly name: string;
  /** Statements run one by one, given the function that qualifies a table name; each idempotent. */
  readonly statements: (table: TableNamer) => readonly string[];
}

export interface ClickHouseMigrationReport {
  /** Versions this call applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The highest version in the schema afterwards. */
  readonly current: number;
}

export const ANALYTICS_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'price changes and bet facts',
    statements: (t) => [
      // One row per outcome per PriceChanged delta; identity (event, market, epoch, seq, outcome).
      // The sort key starts with what a price-history query filters on.
      `CREATE TABLE IF NOT EXISTS ${t('price_changes')} (
        event_id String,
        market_key String,
        outcome_id String,
        epoch String,
        seq UInt64,
        at DateTime,
        at_ms UInt16,
        price String,
        active UInt8,
        state String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (event_id, market_key, at, at_ms, epoch, seq, outcome_id)`,
      // One row per bet change; identity (bet_id, version). Acceptance rows carry the bet's
      // dimensions (day, sport, currency, stake, legs); the others its new status and payout.
      `CREATE TABLE IF NOT EXISTS ${t('bet_facts')} (
        fact_id String,
        bet_id String,
        version UInt32,
        kind String,
        status String,
        at DateTime,
        at_ms UInt16,
        day Date,
        player_id String,
        sport_id String,
        currency String,
        stake Int64,
        potential_payout Int64,
        payout Int64,
        odds String,
        reason String,
        leg_event_ids Array(String),
        leg_market_keys Array(String),
        leg_outcome_ids Array(String),
        leg_odds Array(String)
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (bet_id, version)`,
    ],
  },
];

export async function migrateClickHouse(
  client: ClickHouseClient,
  target: { readonly database: string; readonly tablePrefix: string },
  migrations: readonly ClickHouseMigration[] = ANALYTICS_MIGRATIONS,
): Promise<ClickHouseMigrationReport> {
  const database = checkDatabase(target.database);
  const table = tableNamer(database, target.tablePrefix);
  const run = async (query: string, action: string) => {
    try {
      await client.command({ query });
    } catch (error) {
      throw translateClickHouseError(error, action);
    }
  };

  await run(`CREATE DATABASE IF NOT EXISTS ${database}`, `creating database ${database}`);
  await run(
    `CREATE TABLE IF NOT EXISTS ${table('schema_migrations')} (
      version UInt32,
      name String,
      checksum String,
      applied_at DateTime DEFAULT now()
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
    'creating schema_migrations',
  );
  let rows: Array<{ version: number; recorded: string }>;
  try {
    const result = await client.query({
      query: `SELECT version, any(checksum) AS recorded FROM ${table('schema_migrations')} GROUP BY version`,
      format: 'JSONEachRow',
    });
    rows = await result.json<{ version: number; recorded: string }>();
  } catch (error) {
    throw translateClickHouseError(error, 'reading schema_migrations');
  }
  const done = new Map(rows.map((r) => [Number(r.version), r.recorded]));

  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    // The checksum is of the statements with bare table names: the same in every database.
    const checksum = createHash('sha256').update(migration.statements((name) => name).join(';\n')).digest('hex');
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== checksum) {
        throw new AppError('CONFIG_INVALID', `ClickHouse migration ${migration.version} (${migration.name}) differs from the one applied to ${database} (prefix '${target.tablePrefix}')`);
      }
      continue;
    }
    for (const statement of migration.statements(table)) await run(statement, `migration ${migration.version} (${migration.name})`);
    await run(
      `INSERT INTO ${table('schema_migrations')} (version, name, checksum) VALUES (${sqlInteger(migration.version)}, ${sqlString(migration.name)}, ${sqlString(checksum)})`,
      `recording migration ${migration.version}`,
    );
    applied.push(migration.version);
  }
  const versions = [...done.keys(), ...applied];
  return { applied, current: versions.length === 0 ? 0 : Math.max(...versions) };
}
