import pg from 'pg';
import { uniqueName } from './wait.ts';

/**
 * A schema of its own per store under test, dropped afterwards: tests share the PostgreSQL
 * server, never tables.
 */
export function freshSchema(prefix: string): string {
  return uniqueName(prefix).replaceAll('-', '_');
}

/** Runs one statement on a connection of its own (administration: checks, drops). */
export async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export function dropSchema(url: string, schema: string): Promise<pg.QueryResult> {
  return sql(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
