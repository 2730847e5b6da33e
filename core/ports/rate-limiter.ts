/**
 * Request rate limits per key (a player, an address), shared by every replica that serves the
 * same clients. In memory in embedded mode; Redis when services run apart.
 *
 * The rule is a token bucket of `limit` tokens refilled evenly over `windowMs` (GCRA): a client
 * may burst `limit` requests, then one every windowMs / limit.
 *
 * Promises every implementation keeps (test/contract/rate-limiter.contract.ts):
 * - **Atomic.** take() checks and spends one token as one step; concurrent takes from any number
 *   of processes never allow more than the rule does.
 * - A refused take spends nothing and says after how long one token will be there.
 * - Keys are independent; a key unused for windowMs is back to a full bucket and may be forgotten.
 * - Faults: DEPENDENCY_UNAVAILABLE (retriable). Callers decide whether to fail open or closed.
 */
export interface RateRule {
  /** Requests allowed in a burst, ≥ 1. */
  readonly limit: number;
  /** Time to refill the whole bucket, ms ≥ 1. */
  readonly windowMs: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Tokens left after this take. */
  readonly remaining: number;
  /** 0 when allowed; otherwise ms until a token is available. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string, rule: RateRule): Promise<RateDecision>;
  close(): Promise<void>;
}
