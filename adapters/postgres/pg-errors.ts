/**
 * PostgreSQL and node-postgres failures → AppError. Losing the server (refused, reset, shut down,
 * timed out) is DEPENDENCY_UNAVAILABLE and retriable; anything else the server reports is a fault
 * of ours (INTERNAL, not retriable), with the original error as `cause`.
 */
import { AppError, isAppError } from '../../core/errors.ts';

/** SQLSTATEs a transaction is simply run again for. */
const RERUN_STATES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/** SQLSTATEs and classes that mean the server is not (or no longer) there for us. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const UNAVAILABLE_CLASSES = new Set(['08']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
/** node-postgres reports a lost or unreachable server with plain Errors of these messages. */
const CONNECTION_MESSAGE = /connection terminated|timeout exceeded when trying to connect|not queryable|connection error|ended unexpectedly/i;

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function shouldRerun(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && RERUN_STATES.has(state);
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (sqlState(error) !== '23505') return false;
  return constraint === undefined || (error as { constraint?: string }).constraint === constraint;
}

export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return UNAVAILABLE_STATES.has(state) || UNAVAILABLE_CLASSES.has(state.slice(0, 2));
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && CONNECTION_MESSAGE.test(error.message);
}

/** `action` says what was being done ("hold for bet b1"), for the message. */
export function translatePgError(error: unknown, action: string): AppError {
  if (isAppError(error)) return error;
  if (isConnectionError(error)) {
    return new AppError('DEPENDENCY_UNAVAILABLE', `PostgreSQL unavailable during ${action}`, { cause: error });
  }
  const state = sqlState(error);
  return new AppError('INTERNAL', `PostgreSQL failed during ${action}${state ? ` (SQLSTATE ${state})` : ''}`, {
    cause: error,
    retriable: false,
  });
}
