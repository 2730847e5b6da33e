/**
 * What the trading desk changed: who, when, what, before → after. Every margin change,
 * suspension, resumption and price shift is recorded here before the request is answered.
 *
 * Limits: the log lives in the engine's memory and keeps the newest `capacity` entries; older
 * ones are dropped and nothing survives a restart. Entry ids rise by one per entry, so a reader
 * can page with `afterId` and see whether entries were dropped in between.
 */
import type { Clock } from '../core/ports/clock.ts';

export const AUDIT_ACTIONS = [
  'margin.set',
  'margin.removed',
  'event.suspended',
  'event.resumed',
  'market.suspended',
  'market.resumed',
  'price.shifted',
  'price.shift-removed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The person acting (the token's subject and display name). */
export interface Actor {
  readonly sub: string;
  readonly name?: string;
}

export interface AuditEntry {
  readonly id: number;
  /** ms (UTC). */
  readonly ts: number;
  readonly actor: Actor;
  readonly action: AuditAction;
  /** What was acted on: margin level and key, or event, market and outcome. */
  readonly target: Readonly<Record<string, string>>;
  readonly before: unknown;
  readonly after: unknown;
  /** What the change did (markets re-priced, ...). */
  readonly effect?: Readonly<Record<string, number>>;
}

export interface AuditQuery {
  /** Newest first, at most this many. Default 100. */
  readonly limit?: number;
  /** Only entries with a greater id. */
  readonly afterId?: number;
  readonly action?: AuditAction;
  /** Only entries whose target names this event. */
  readonly eventId?: string;
  readonly actor?: string;
}

export class AuditLog {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #entries: AuditEntry[] = [];
  #nextId = 1;

  /** capacity: entries kept, default 10,000. */
  constructor(clock: Clock, options: { capacity?: number } = {}) {
    this.#clock = clock;
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
  }

  record(entry: Omit<AuditEntry, 'id' | 'ts'>): AuditEntry {
    const stored: AuditEntry = { id: this.#nextId++, ts: this.#clock.now(), ...entry };
    this.#entries.push(stored);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
    return stored;
  }

  list(query: AuditQuery = {}): AuditEntry[] {
    const limit = query.limit ?? 100;
    const out: AuditEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.#entries[i]!;
      if (query.afterId !== undefined && e.id <= query.afterId) break;
      if (query.action !== undefined && e.action !== query.action) continue;
      if (query.eventId !== undefined && e.target.eventId !== query.eventId) continue;
      if (query.actor !== undefined && e.actor.sub !== query.actor) continue;
      out.push(e);
    }
    return out;
  }

  /** Id of the oldest entry still held (0 when empty). */
  get oldestId(): number {
    return this.#entries[0]?.id ?? 0;
  }
}
