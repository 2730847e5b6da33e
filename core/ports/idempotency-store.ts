/**
 * Remembers the answer given to each idempotency key, so a retried request gets the same answer
 * instead of being carried out twice (payment-API style: `Idempotency-Key` header). In memory in
 * embedded mode; Redis when several replicas answer the same clients.
 *
 * Promises every implementation keeps (test/contract/idempotency-store.contract.ts):
 * - **One owner per key.** begin() is an atomic test-and-set: of any number of concurrent calls
 *   with a new key (from any process), exactly one gets `new` with an owner token; the others get
 *   `in_flight` until the owner completes or abandons the key, then `done` with the response.
 * - **Same key, same request.** Each key is bound to the fingerprint of the request that claimed
 *   it; begin() with another fingerprint gets `mismatch` whatever the key's state.
 * - **complete()** stores the response for the retention window; **abandon()** frees the key for
 *   a retry (the request failed without an answer worth keeping). Both act only with the token of
 *   the current owner and return false otherwise (the lease ran out and someone else owns it).
 * - **Expiry.** A completed key is forgotten after the retention window; an in-flight key after
 *   its lease (an owner that died), after which begin() gives it out as new.
 * - Responses are JSON values, returned equal to what was stored.
 * - Faults: DEPENDENCY_UNAVAILABLE (retriable); INVALID_REQUEST for an empty or overlong key.
 *   Calls after close() reject with SHUTTING_DOWN.
 */
export interface StoredResponse {
  readonly statusCode: number;
  /** A JSON value: the body sent. */
  readonly body: unknown;
}

export type BeginResult =
  | { readonly status: 'new'; readonly token: string }
  | { readonly status: 'in_flight' }
  | { readonly status: 'done'; readonly response: StoredResponse }
  | { readonly status: 'mismatch' };

export interface IdempotencyStore {
  begin(key: string, fingerprint: string): Promise<BeginResult>;
  complete(key: string, token: string, response: StoredResponse): Promise<boolean>;
  abandon(key: string, token: string): Promise<boolean>;
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
