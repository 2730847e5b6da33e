/**
 * The fixture catalog's view of an event (a match): who plays, when, and in what state.
 * Served by GET /v1/fixtures and used by the pages and the live list.
 */
import type { EventId } from '../ids.ts';

export type FixtureStatus =
  | 'not_started'
  | 'live'
  | 'suspended'
  | 'ended'
  | 'closed'
  | 'cancelled'
  | 'postponed';

export interface Competitor {
  readonly id: string;
  readonly name: string;
  readonly qualifier: 'home' | 'away';
}

export interface Fixture {
  readonly eventId: EventId;
  readonly sport: { readonly id: string; readonly name: string };
  readonly tournament: { readonly id: string; readonly name: string };
  readonly competitors: readonly Competitor[];
  /** Scheduled start, ISO 8601 UTC. */
  readonly scheduledStart: string;
  readonly status: FixtureStatus;
  /** Live state when known. */
  readonly score?: { readonly home: number; readonly away: number };
  readonly matchTime?: string;
  /** Producer whose odds price this event (1 live, 3 pre-match). */
  readonly producer?: number;
  /** ms (UTC) of the last change applied. */
  readonly updatedTs: number;
}

/**
 * A fixture was added to the catalog or changed (status, score, match time, details). Published
 * by the fixtures service on `fixtures.changes` keyed by event id, version 1. The fixture is the
 * whole current state, so a consumer keeps the one with the highest `updatedTs` per event.
 */
export interface FixtureUpdated {
  readonly v: 1;
  readonly type: 'FixtureUpdated';
  readonly fixture: Fixture;
  /** When the catalog applied the change, ms (UTC). */
  readonly ts: number;
}
