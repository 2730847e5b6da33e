/**
 * ClickHouse and transport failures → AppError. Losing the server (refused, reset, timed out) and
 * the server's own "try again" conditions are DEPENDENCY_UNAVAILABLE and retriable; anything
 * else the server reports (an unknown table, a type mismatch) is a fault of ours: INTERNAL, not
 * retriable, with the original error as `cause`.
 */
import { ClickHouseError } from '@clickhouse/client';
import { AppError, isAppError } from '../../core/errors.ts';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);
/** The client reports its own request timeout and a peer that hung up with plain Errors. */
const CONNECTION_MESSAGE = /^Timeout error\.$|socket hang up|socket was closed|other side closed/i;

/**
 * Server error codes (ErrorCodes.cpp) that pass with time: TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES,
 * NO_FREE_CONNECTION, SOCKET_TIMEOUT, NETWORK_ERROR, MEMORY_LIMIT_EXCEEDED, TABLE_IS_READ_ONLY,
 * TOO_MANY_PARTS, TOO_FEW_LIVE_REPLICAS, UNKNOWN_STATUS_OF_INSERT, ALL_CONNECTION_TRIES_FAILED.
 */
const RETRIABLE_SERVER_CODES = new Set(['159', '202', '203', '209', '210', '241', '242', '252', '285', '319', '279']);

export function isRetriableClickHouseError(error: unknown): boolean {
  if (isAppError(error)) return error.retriable;
  if (error instanceof ClickHouseError) return RETRIABLE_SERVER_CODES.has(error.code);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && CONNECTION_MESSAGE.test(error.message);
}

/** `action` says what was being done ("insert into price_changes"), for the message. */
export function translateClickHouseError(error: unknown, action: string): AppError {
  if (isAppError(error)) return error;
  if (isRetriableClickHouseError(error)) {
    return new AppError('DEPENDENCY_UNAVAILABLE', `ClickHouse unavailable during ${action}`, { cause: error });
  }
  const code = error instanceof ClickHouseError ? ` (code ${error.code})` : '';
  return new AppError('INTERNAL', `ClickHouse failed during ${action}${code}`, { cause: error, retriable: false });
}
