/**
 * Building ClickHouse SQL on the client. ClickHouse 18.16 has no server-side query parameters,
 * so every value is either validated into a form that cannot break out of its place (integers,
 * identifiers) or written as an escaped string literal.
 */
import { AppError } from '../../core/errors.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PREFIX = /^[A-Za-z0-9_]{0,32}$/;

/** A database name: a plain identifier, or CONFIG_INVALID. */
export function checkDatabase(value: string): string {
  if (!IDENTIFIER.test(value)) throw new AppError('CONFIG_INVALID', `ClickHouse database must be a plain identifier: ${JSON.stringify(value)}`);
  return value;
}

/** A table-name prefix: letters, digits and underscores (may be empty), or CONFIG_INVALID. */
export function checkTablePrefix(value: string): string {
  if (!PREFIX.test(value)) throw new AppError('CONFIG_INVALID', `ClickHouse table prefix must be [A-Za-z0-9_]{0,32}: ${JSON.stringify(value)}`);
  return value;
}

/** Qualifies a table name with the database and prefix: `db.prefix_name`. */
export type TableNamer = (name: string) => string;

export function tableNamer(database: string, prefix: string): TableNamer {
  checkDatabase(database);
  checkTablePrefix(prefix);
  return (name) => `${database}.${prefix}${name}`;
}

/**
 * A ClickHouse string literal. Backslash and quote are escaped, and every control character is
 * written as \xHH, so no input can end the literal or smuggle a statement separator.
 */
export function sqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A non-negative safe integer written as SQL; anything else is a programming error. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new AppError('INTERNAL', `not a non-negative integer: ${value}`, { retriable: false });
  return String(value);
}
