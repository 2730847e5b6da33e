/**
 * Static fixture details the feed messages do not carry (competitors, tournament, sport): the UOF
 * Sports API's `sport_events/{id}/fixture.xml`, or the simulator's own schedule.
 *
 * Promises: getFixture resolves undefined for an event it does not know (never rejects for
 * that); it rejects with DEPENDENCY_UNAVAILABLE (retriable) when the provider cannot be reached.
 * listFixtures returns what the provider schedules now (may be empty).
 */
import type { Fixture } from '../contracts/fixtures.ts';

export type FixtureDetails = Omit<Fixture, 'status' | 'score' | 'matchTime' | 'updatedTs'>;

export interface FixtureProvider {
  getFixture(eventId: string): Promise<FixtureDetails | undefined>;
  listFixtures(): Promise<readonly FixtureDetails[]>;
}
