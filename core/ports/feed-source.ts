/**
 * Where raw provider messages come from: AMQP (as UOF really delivers them), a recording being
 * replayed, or the match simulator.
 *
 * Promises: start() begins delivering to `onMessage` and resolves once the source is ready;
 * `onMessage` calls are sequential (the next waits for the previous promise), so the order of
 * the source is kept; a message is acknowledged to its origin only after `onMessage` resolves;
 * stop() stops delivering, waits for the call in flight, and resolves.
 */
export interface RawFeedMessage {
  readonly payload: Uint8Array;
  /** `amqp:<routing key>`, `replay:<file>`, `simulator` — kept on dead letters. */
  readonly source: string;
  /** AMQP routing key when there is one (`hi.-.live.odds_change.1.sr:match.123.-`). */
  readonly routingKey?: string;
  /** When the source received it, ms (UTC). */
  readonly receivedTs: number;
}

export interface FeedSource {
  readonly name: string;
  start(onMessage: (message: RawFeedMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Asks the provider to resend the state of one producer (UOF `recovery/initiate_request`).
 *
 * Promises: resolves once the provider accepted the request; the answer comes later through the
 * feed, ending with snapshot_complete carrying the same requestId. `after` is ms (UTC) or
 * undefined for a full recovery. Rejects with RECOVERY_FAILED (retriable) when not accepted.
 */
export interface RecoveryRequester {
  requestRecovery(request: { producer: number; requestId: number; after?: number }): Promise<void>;
}
