/**
 * The odds engine's sign of life, for the services that act on its prices. The PriceBook keeps
 * the last prices of an engine that died (Redis outlives it), and nothing applies bet stops to
 * them any more: a bet acceptor that finds no live lease treats every price as stale.
 *
 * The running engine renews the lease well within its time to live; the acceptors read it.
 *
 * Promises every implementation keeps (test/contract/engine-lease.contract.ts):
 * - **Expiry on the store's clock.** A lease renewed with ttlMs is current for ttlMs after the
 *   store applied the renewal (Redis: the key's PX time to live; in memory: the Clock port), then
 *   gone by itself, whether or not its holder is still there to release it.
 * - **Durations, not instants.** current() says how long the lease has left, measured by the
 *   store, so readers on other machines never compare their clocks with the store's.
 * - **Last renewal wins.** renew() replaces the holder and the time left, whoever held it.
 * - release() ends the lease only while `holder` holds it: an engine stopping late never ends
 *   the lease of the one that took over.
 * - Faults: DEPENDENCY_UNAVAILABLE (retriable); a ttlMs that is not a positive whole number of
 *   milliseconds is INVALID_REQUEST. After close() every call fails with SHUTTING_DOWN.
 */
export interface EngineLeaseState {
  /** Who renewed it last (an engine instance id). */
  readonly holder: string;
  /** Milliseconds the lease has left, by the store's clock, when it was read: > 0. */
  readonly remainingMs: number;
}

export interface EngineLease {
  renew(holder: string, ttlMs: number): Promise<void>;
  /** The lease, or undefined when it lapsed or was never taken. */
  current(): Promise<EngineLeaseState | undefined>;
  /** Ends the lease now if `holder` holds it; otherwise changes nothing. */
  release(holder: string): Promise<void>;
  close(): Promise<void>;
}
