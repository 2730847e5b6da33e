/**
 * Idempotency-Key handling as payment APIs do it: a request is carried out once per (player,
 * key); a retry with the same body gets the original response, also while the first is still in
 * flight (it waits for it); the same key with another body is DUPLICATE_REQUEST.
 *
 * What is remembered: every decision (accepted or rejected) and every fault that would recur
 * (not retriable). A retriable fault (a store that could not be reached) frees the key, so the
 * client's retry with the same key runs the request again; nothing was held by then, or the hold
 * was released (acceptor.ts).
 *
 * Waiting: a duplicate arriving at the replica that runs the original waits on it directly; one
 * arriving at another replica polls the shared store. Either gives up after `waitMs` with a
 * retriable REQUEST_IN_FLIGHT (409) — never a second run.
 */
import { hash } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdempotencyStore, StoredResponse } from '../core/ports/idempotency-store.ts';
import type { Logger } from '../core/ports/logger.ts';

export interface IdempotentRequestsOptions {
  /** How long a duplicate waits for the original to finish. */
  readonly waitMs: number;
  /** How often a duplicate polls the store for an original running elsewhere. Default 25 ms. */
  readonly pollMs?: number;
}

export interface IdempotentResult {
  readonly response: StoredResponse;
  /** true when this is the stored answer of an earlier request. */
  readonly replayed: boolean;
}

interface Running {
  readonly fingerprint: string;
  readonly done: Promise<StoredResponse>;
}

export class IdempotentRequests {
  private readonly store: IdempotencyStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly waitMs: number;
  private readonly pollMs: number;
  /** Requests this process is running, by scoped key. */
  private readonly running = new Map<string, Running>();

  constructor(deps: { store: IdempotencyStore; clock: Clock; logger: Logger }, options: IdempotentRequestsOptions) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.waitMs = options.waitMs;
    this.pollMs = options.pollMs ?? 25;
  }

  /** Runs `work` unless the key has an answer (or is being answered) already. */
  async run(key: string, fingerprint: string, work: () => Promise<StoredResponse>): Promise<IdempotentResult> {
    const deadline = this.clock.now() + this.waitMs;
    for (;;) {
      const local = this.running.get(key);
      if (local) {
        if (local.fingerprint !== fingerprint) throw mismatch();
        return { response: await this.within(local.done, deadline), replayed: true };
      }
      const begun = await this.store.begin(key, fingerprint);
      switch (begun.status) {
        case 'mismatch':
          throw mismatch();
        case 'done':
          return { response: begun.response, replayed: true };
        case 'new': {
          const done = this.decide(key, begun.token, work);
          this.running.set(key, { fingerprint, done });
          try {
            return { response: await done, replayed: false };
          } finally {
            this.running.delete(key);
          }
        }
        case 'in_flight':
          // Most often the original runs here and registered while this begin() was answered.
          if (this.running.has(key)) continue;
          if (this.clock.now() >= deadline) throw inFlight();
          await sleep(this.clock, this.pollMs);
      }
    }
  }

  /** Runs `work` for a key this process owns and stores the answer (a retriable fault frees the key instead). */
  private async decide(key: string, token: string, work: () => Promise<StoredResponse>): Promise<StoredResponse> {
    let response: StoredResponse;
    try {
      response = await work();
    } catch (error) {
      if (isAppError(error) && !error.retriable) {
        response = { statusCode: error.status, body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } } };
      } else {
        await this.store.abandon(key, token).catch((e: unknown) => this.logger.warn({ err: e, key }, 'idempotency key not freed; it frees itself when its lease ends'));
        throw error;
      }
    }
    let kept: boolean;
    try {
      kept = await this.store.complete(key, token, response);
    } catch (error) {
      this.logger.error({ err: error, key }, 'idempotency response not stored: a retry of this request would run again');
      kept = false;
    }
    if (!kept) this.logger.warn({ key }, 'idempotency key lease ended before the response was stored');
    return response;
  }

  /** The original's answer, or REQUEST_IN_FLIGHT once the deadline passes. */
  private within(done: Promise<StoredResponse>, deadline: number): Promise<StoredResponse> {
    return new Promise<StoredResponse>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(inFlight()), Math.max(0, deadline - this.clock.now()));
      done.then(
        (response) => {
          timer.cancel();
          resolve(response);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error);
        },
      );
    });
  }
}

/** SHA-256 of the body's JSON with object keys sorted, so key order does not matter. */
export function requestFingerprint(body: unknown): string {
  return hash('sha256', canonicalJson(body), 'hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const keys = sortedInPlace(Object.keys(value));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/**
 * Insertion sort by code unit, as Array.prototype.sort() orders strings: request objects have a
 * handful of keys, and the built-in sort allocates a work copy of the array on every call.
 */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

const mismatch = () => new AppError('DUPLICATE_REQUEST', 'this Idempotency-Key was used with a different request body');
const inFlight = () => new AppError('REQUEST_IN_FLIGHT', 'a request with this Idempotency-Key is still being decided; retry with the same key');

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
