/** The fixture catalog (GET /v1/fixtures): who plays, when, in what state, by event id. */
import { api } from './api.ts';
import type { Competitor } from './names.ts';
import { usePolling } from './use-polling.ts';

export interface Fixture {
  readonly eventId: string;
  readonly sport: { readonly id: string; readonly name: string };
  readonly tournament: { readonly id: string; readonly name: string };
  readonly competitors: readonly Competitor[];
  readonly scheduledStart: string;
  readonly status: string;
  readonly score?: { readonly home: number; readonly away: number };
  readonly matchTime?: string;
}

export type FixtureIndex = ReadonlyMap<string, Fixture>;

const EMPTY: FixtureIndex = new Map();

/** Every event the catalog holds (live, upcoming and recently ended), read again every `intervalMs`. */
export function useFixtures(intervalMs: number): FixtureIndex {
  const { data } = usePolling(
    async (signal) => {
      const { fixtures } = await api<{ fixtures: Fixture[] }>('/v1/fixtures?limit=1000', { signal });
      return new Map(fixtures.map((f) => [f.eventId, f]));
    },
    intervalMs,
    [],
  );
  return data ?? EMPTY;
}

/** One event: from the index when it is there, else asked for directly (it may be newer than the index). */
export function useFixture(index: FixtureIndex, eventId: string | undefined): Fixture | undefined {
  const known = eventId === undefined ? undefined : index.get(eventId);
  const { data } = usePolling(
    async (signal) => (eventId !== undefined && known === undefined ? api<Fixture>(`/v1/fixtures/${encodeURIComponent(eventId)}`, { signal }).catch(() => undefined) : undefined),
    5000,
    [eventId, known === undefined],
  );
  return known ?? (data?.eventId === eventId ? data : undefined);
}
