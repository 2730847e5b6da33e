import { AppError, isAppError } from '../../core/errors.ts';

/**
 * kafkajs marks what it gave up on for good (a record too large, an authorization failure) with
 * `retriable: false`, directly or on the error it wraps; everything else may work on a later try.
 */
export function isRetriable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    // Exhausted retries of a retriable fault: the fault may well clear.
    if (e.name === 'KafkaJSNumberOfRetriesExceeded') return true;
    if ((e as { retriable?: unknown }).retriable === false) return false;
  }
  return true;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A publish the cluster did not acknowledge, after the retries. */
export function publishFailed(error: unknown): AppError {
  if (isAppError(error) && (error.code === 'BUS_PUBLISH_FAILED' || error.code === 'BUS_CLOSED')) return error;
  return new AppError('BUS_PUBLISH_FAILED', `publish failed: ${describe(error)}`, { cause: error, retriable: isRetriable(error) });
}

/** The cluster could not be reached (or did not answer) for something other than a publish. */
export function unavailable(what: string, error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('DEPENDENCY_UNAVAILABLE', `kafka: ${what}: ${describe(error)}`, { cause: error });
}
