/**
 * Every topic on the bus, in one place. Keys: event-scoped topics are keyed by event id so one
 * event's messages stay in order; producer-scoped ones by `producer:<id>`.
 */
export const TOPICS = {
  /** Normalized event-scoped feed messages: odds, bet stops, settlements, cancels, rollbacks, fixture changes. */
  feedEvents: 'feed.events',
  /** Producer-scoped feed messages: alive, producer down/up, snapshot complete. */
  feedProducers: 'feed.producers',
  /** Feed payloads that could not be decoded or interpreted, with the reason and the raw bytes. */
  feedDeadLetter: 'feed.dead-letter',
  /** Priced output of the odds engine: PriceChanged / MarketStatusChanged / EventSnapshotReset. */
  oddsDeltas: 'odds.deltas',
  /** Bet lifecycle: BetAccepted, BetSettled, BetResettled, BetVoided. */
  bets: 'bets.events',
  /** The fixture catalog's changes (FixtureUpdated), keyed by event id: the push gateway's live list reads them. */
  fixtureChanges: 'fixtures.changes',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

export function producerKey(producer: number): string {
  return `producer:${producer}`;
}
