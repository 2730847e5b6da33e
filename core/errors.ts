/**
 * One registry of every error and rejection code the engine can emit.
 *
 * Faults (something went wrong) are thrown as {@link AppError} with a code from here, a
 * `retriable` flag and the `cause`. Expected business outcomes (a bet rejected for a changed
 * price) are return values that carry a code from here too, so clients see one vocabulary.
 * A test keeps the codes unique and documented; add new ones here, never inline.
 */
export const ERROR_CODES = {
  // Configuration and lifecycle
  CONFIG_INVALID: { status: 500, retriable: false, doc: 'A configuration value is missing, unknown or out of range.' },
  SERVICE_UNKNOWN: { status: 500, retriable: false, doc: 'The --service name is not one this build knows.' },
  SHUTTING_DOWN: { status: 503, retriable: true, doc: 'The component is closing and takes no new work.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, retriable: true, doc: 'An engine this service needs (bus, store, broker) cannot be reached.' },

  // Bus
  BUS_CLOSED: { status: 503, retriable: false, doc: 'Publish or subscribe on a bus that was closed.' },
  BUS_PUBLISH_FAILED: { status: 503, retriable: true, doc: 'The bus did not acknowledge a publish.' },
  BUS_HANDLER_FAILED: { status: 500, retriable: true, doc: 'A subscriber handler threw; the message is delivered again.' },
  MQTT_PUBLISH_FAILED: { status: 503, retriable: true, doc: 'The MQTT broker did not take or acknowledge a publish.' },

  // Feed decoding and interpretation (dead-letter reasons)
  FEED_MALFORMED_XML: { status: 400, retriable: false, doc: 'The payload is not well-formed XML.' },
  FEED_UNKNOWN_MESSAGE: { status: 400, retriable: false, doc: 'The root element is not a Unified Odds Feed message this engine understands.' },
  FEED_MISSING_FIELD: { status: 400, retriable: false, doc: 'A field the engine cannot do without (event id, product, timestamp) is missing.' },
  FEED_INVALID_VALUE: { status: 400, retriable: false, doc: 'A field has a value of the wrong form (an event URN that is not a URN, a non-numeric id).' },
  FEED_EMPTY_PAYLOAD: { status: 400, retriable: false, doc: 'The payload is empty or holds only whitespace.' },
  FEED_TOO_LARGE: { status: 413, retriable: false, doc: 'The payload is larger than the configured maximum.' },
  RECOVERY_FAILED: { status: 502, retriable: true, doc: 'The provider did not accept a recovery request.' },

  // Pricing
  PRICING_INPUT_INVALID: { status: 500, retriable: false, doc: 'Pricing was given probabilities, odds, a margin or ladder bounds it cannot price (negative, not finite, summing to zero, off the ladder).' },

  // Wallet and bets of record
  ACCOUNT_NOT_FOUND: { status: 404, retriable: false, doc: 'The player has no wallet account (accounts are opened before deposits and holds).' },
  HOLD_NOT_FOUND: { status: 404, retriable: false, doc: 'No wallet hold exists for this bet id.' },
  HOLD_STATE_CONFLICT: { status: 409, retriable: false, doc: "The bet's hold is not in the state the operation needs: release or settle of a hold already closed, reversal of one not settled." },
  BET_TRANSITION_INVALID: { status: 409, retriable: false, doc: 'A bet status change the status model does not allow, or one without what it needs (a settlement without its payout or leg results).' },

  // Push gateway (socket.io / MQTT clients)
  SUBSCRIPTION_LIMIT: { status: 429, retriable: false, doc: 'The connection already holds the most channel subscriptions allowed; unsubscribe from some first.' },
  CONNECTION_LIMIT: { status: 429, retriable: true, doc: 'This address already holds the most push connections allowed; retry after closing one.' },
  MESSAGE_TOO_LARGE: { status: 413, retriable: false, doc: 'A client message is larger than the gateway accepts.' },
  SLOW_CONSUMER: { status: 503, retriable: true, doc: 'The client did not read its messages fast enough and was disconnected; reconnect and resume with `since`.' },

  // Requests (HTTP)
  INVALID_REQUEST: { status: 400, retriable: false, doc: 'The request does not match its schema (unknown field, wrong type, out of bounds).' },
  NOT_FOUND: { status: 404, retriable: false, doc: 'No such route or resource.' },
  FIXTURE_NOT_FOUND: { status: 404, retriable: false, doc: 'No event with this id is in the catalog.' },
  UNAUTHORIZED: { status: 401, retriable: false, doc: 'No valid token, or a token without the role the route needs.' },
  FORBIDDEN: { status: 403, retriable: false, doc: 'The token is valid but may not act on this resource.' },
  RATE_LIMITED: { status: 429, retriable: true, doc: 'Too many requests from this player or address; retry later.' },
  INTERNAL: { status: 500, retriable: true, doc: 'An unexpected fault; the log has its trace id.' },

  // Bet rejections (DESIGN.md §4)
  EVENT_NOT_FOUND: { status: 422, retriable: false, doc: 'The event is unknown or no longer offered.' },
  MARKET_NOT_FOUND: { status: 422, retriable: false, doc: 'The market or outcome is unknown for this event.' },
  MARKET_SUSPENDED: { status: 422, retriable: true, doc: 'The market is suspended; the response says why.' },
  PRICE_CHANGED: { status: 422, retriable: true, doc: 'The price moved since the version the bettor saw and the odds-change mode does not allow it.' },
  STAKE_TOO_LOW: { status: 422, retriable: false, doc: 'The stake is below the minimum for this market.' },
  STAKE_TOO_HIGH: { status: 422, retriable: false, doc: 'The stake is above the maximum for this market and customer.' },
  LIABILITY_EXCEEDED: { status: 422, retriable: false, doc: 'Accepting would take the outcome past its liability limit.' },
  INSUFFICIENT_FUNDS: { status: 422, retriable: false, doc: 'The balance does not cover the stake.' },
  BET_STOPPED_DURING_DELAY: { status: 422, retriable: true, doc: 'A bet stop, suspension or price change happened during the in-play delay.' },
  DUPLICATE_REQUEST: { status: 422, retriable: false, doc: 'The Idempotency-Key was used before with a different body.' },
  REQUEST_IN_FLIGHT: { status: 409, retriable: true, doc: 'A request with this Idempotency-Key is still being decided; retry with the same key to get its answer.' },
} as const satisfies Record<string, { status: number; retriable: boolean; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** A fault with a stable code. `retriable` defaults to the registry's value for the code. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
