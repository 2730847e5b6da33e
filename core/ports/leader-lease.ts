/**
 * One holder at a time among replicas of a service, for work that must be done once: the push
 * gateway replica that publishes to the shared MQTT broker (two publishers would interleave their
 * frames on one topic). A holder keeps the lease by acquiring it again well within its time to
 * live; when it dies, the lease lapses and another replica takes it.
 *
 * Promises every implementation keeps (test/contract/leader-lease.contract.ts):
 * - **Exclusive.** acquire(holder, ttlMs) takes the lease when nobody holds it, or extends it
 *   when `holder` holds it already, and returns true; while another holder's lease lives it
 *   changes nothing and returns false. Two replicas asking at once: exactly one gets it.
 * - **Expiry on the store's clock.** A lease acquired with ttlMs lives ttlMs after the store
 *   applied the call (Redis: the key's PX time to live; in memory: the Clock port), then lapses
 *   by itself, whether or not its holder is still there.
 * - **A holder cannot know more than that.** A holder stalled past its time to live may still
 *   believe it leads while the next one does: callers stop the work once ttlMs has passed since
 *   the start of their last successful acquire, which bounds the overlap by their own pauses.
 * - release(holder) ends the lease now only while `holder` holds it.
 * - Faults: DEPENDENCY_UNAVAILABLE (retriable); an empty holder or a ttlMs that is not a positive
 *   whole number of milliseconds is INVALID_REQUEST. After close() every call fails with
 *   SHUTTING_DOWN.
 */
export interface LeaderLease {
  /** True when `holder` holds the lease for ttlMs from now; false while another holds it. */
  acquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Ends the lease now if `holder` holds it; otherwise changes nothing. */
  release(holder: string): Promise<void>;
  close(): Promise<void>;
}
