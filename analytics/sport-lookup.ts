/**
 * The sport of a bet, from the fixture details of its legs' events. Bet events do not carry it,
 * and GGR is reported by sport. A bet's sport is its legs' sport when every leg's event is known
 * and all share one; 'multi' when they are known and differ (an accumulator across sports);
 * 'unknown' when the catalog does not know one of them (the bet is then reported under 'unknown'
 * for good: analytics facts are not rewritten).
 */
import type { FixtureProvider } from '../core/ports/fixture-provider.ts';

export const MULTI_SPORT = 'multi';
export const UNKNOWN_SPORT = 'unknown';

export class SportLookup {
  /** Event id → sport id, most recently used last. Only answers found are kept: an unknown event may become known. */
  private readonly cache = new Map<string, string>();
  /** Requests in flight, by event id. */
  private readonly asking = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly fixtures: Pick<FixtureProvider, 'getFixture'>,
    private readonly capacity: number,
  ) {}

  /** Rejects as getFixture does (DEPENDENCY_UNAVAILABLE when the provider is away). */
  async sportOfLegs(eventIds: readonly string[]): Promise<string> {
    const sports = new Set<string | undefined>();
    for (const eventId of new Set(eventIds)) sports.add(await this.sportOf(eventId));
    if (sports.has(undefined)) return UNKNOWN_SPORT;
    const [only] = sports;
    return sports.size === 1 && only !== undefined ? only : MULTI_SPORT;
  }

  private async sportOf(eventId: string): Promise<string | undefined> {
    const cached = this.cache.get(eventId);
    if (cached !== undefined) {
      this.cache.delete(eventId);
      this.cache.set(eventId, cached);
      return cached;
    }
    // Bets on one event arrive together (several partitions at once): one request answers them all.
    let asking = this.asking.get(eventId);
    if (!asking) {
      asking = this.ask(eventId);
      this.asking.set(eventId, asking);
    }
    return asking;
  }

  private async ask(eventId: string): Promise<string | undefined> {
    try {
      const sport = (await this.fixtures.getFixture(eventId))?.sport.id;
      if (sport !== undefined) {
        this.cache.set(eventId, sport);
        if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
      }
      return sport;
    } finally {
      this.asking.delete(eventId);
    }
  }
}
