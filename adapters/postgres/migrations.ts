/**
 * Versioned schema migrations, applied at start-up by every adapter that keeps state in
 * PostgreSQL. One transaction holds an advisory lock on the schema, so processes starting
 * together apply each migration once; `schema_migrations` records what was applied with a
 * checksum of its SQL, and a migration edited after it was applied stops the start-up (CONFIG_INVALID):
 * a change to a released schema is a new migration, never an edit.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { PostgresDatabase } from './database.ts';

export interface Migration {
  /** 1, 2, 3, ...: applied in this order, each once. */
  readonly version: number;
  readonly name: string;
  /** The SQL, given the function that qualifies a table name with the schema. */
  readonly sql: (table: (name: string) => string) => string;
}

export interface MigrationReport {
  /** Versions this call applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The highest version in the schema afterwards. */
  readonly current: number;
}

export async function migrate(db: PostgresDatabase, migrations: readonly Migration[]): Promise<MigrationReport> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  return db.transaction(`migrations of schema ${db.schema}`, async (tx) => {
    // Held until commit; taken before CREATE SCHEMA, which is not safe to run concurrently.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sportsbook.migrations.${db.schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${db.table('schema_migrations')} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      `SELECT version, checksum FROM ${db.table('schema_migrations')}`,
    );
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const applied: number[] = [];
    for (const migration of ordered) {
      // The checksum is of the SQL with bare table names: the same in every schema.
      const checksum = createHash('sha256').update(migration.sql((name) => name)).digest('hex');
      const recorded = done.get(migration.version);
      if (recorded !== undefined) {
        if (recorded !== checksum) {
          throw new AppError(
            'CONFIG_INVALID',
            `migration ${migration.version} (${migration.name}) differs from the one applied to schema ${db.schema}`,
          );
        }
        continue;
      }
      await tx.query(migration.sql((name) => db.table(name)));
      await tx.query(`INSERT INTO ${db.table('schema_migrations')} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        checksum,
      ]);
      applied.push(migration.version);
    }
    const versions = [...done.keys(), ...applied];
    return { applied, current: versions.length === 0 ? 0 : Math.max(...versions) };
  });
}
