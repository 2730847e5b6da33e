import { AppError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { BeginResult, IdempotencyStore, StoredResponse } from '../../core/ports/idempotency-store.ts';
import { checkKey, windows, type IdempotencyWindows } from './idempotency-rules.ts';

type Entry =
  | { readonly state: 'in_flight'; readonly fingerprint: string; readonly token: string; readonly expiresAt: number }
  | { readonly state: 'done'; readonly fingerprint: string; readonly response: string; readonly expiresAt: number };

/**
 * The IdempotencyStore in one process: embedded mode's store and the reference the Redis store
 * is tested against. Calls run without yielding, so begin() is an atomic test-and-set. Expired
 * keys are dropped when next touched and by a sweep every minute of the clock.
 *
 * Limits, by design: one process only (replicas must share the Redis store), nothing survives a
 * restart. Responses are stored as JSON text and parsed on each read, so callers never share
 * objects with the store.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: Timer;
  /** Owner tokens: a count is enough to tell the claims of one process apart. */
  private claims = 0;
  private closed = false;

  constructor(deps: { clock: Clock }, options: IdempotencyWindows = {}) {
    this.clock = deps.clock;
    ({ retentionMs: this.retentionMs, leaseMs: this.leaseMs } = windows(options));
    this.sweeper = this.clock.setInterval(() => this.sweep(), 60_000);
  }

  async begin(key: string, fingerprint: string): Promise<BeginResult> {
    this.assertOpen();
    const entry = this.live(checkKey(key));
    if (entry === undefined) {
      this.claims += 1;
      const token = String(this.claims);
      this.entries.set(key, { state: 'in_flight', fingerprint, token, expiresAt: this.clock.now() + this.leaseMs });
      return { status: 'new', token };
    }
    if (entry.fingerprint !== fingerprint) return { status: 'mismatch' };
    if (entry.state === 'in_flight') return { status: 'in_flight' };
    return { status: 'done', response: JSON.parse(entry.response) as StoredResponse };
  }

  async complete(key: string, token: string, response: StoredResponse): Promise<boolean> {
    this.assertOpen();
    const entry = this.live(checkKey(key));
    if (entry?.state !== 'in_flight' || entry.token !== token) return false;
    const stored = JSON.stringify(response);
    this.entries.set(key, { state: 'done', fingerprint: entry.fingerprint, response: stored, expiresAt: this.clock.now() + this.retentionMs });
    return true;
  }

  async abandon(key: string, token: string): Promise<boolean> {
    this.assertOpen();
    const entry = this.live(checkKey(key));
    if (entry?.state !== 'in_flight' || entry.token !== token) return false;
    this.entries.delete(key);
    return true;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sweeper.cancel();
    this.entries.clear();
  }

  /** The key's entry unless it expired (then it is dropped). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the idempotency store is closed');
  }
}
