/**
 * The rolling schedule: who plays whom, in which tournament, starting when. New pairings come
 * from the seeded stream, competitors already on the schedule are not paired again until their
 * match is released, and kick-offs are spaced so that about the configured number of matches are
 * live at any time.
 */
import type { CatalogCompetitor, CatalogTournament } from './catalog.ts';
import { TOURNAMENTS } from './catalog.ts';
import type { Rng } from './rng.ts';
import type { SportKey } from './sport-model.ts';

export interface ScheduledMatch {
  /** Order of creation, from 0. */
  readonly seq: number;
  readonly eventId: string;
  readonly sport: SportKey;
  readonly tournament: CatalogTournament;
  readonly home: CatalogCompetitor;
  readonly away: CatalogCompetitor;
  /** Kick-off, ms (UTC). */
  readonly scheduledStart: number;
}

export class Schedule {
  private readonly rng: Rng;
  private readonly weights: readonly (readonly [SportKey, number])[];
  private readonly firstEventNumber: number;
  private readonly busy = new Set<string>();
  private seq = 0;
  private lastStart = -Infinity;

  constructor(rng: Rng, weights: Readonly<Record<SportKey, number>>, firstEventNumber: number) {
    this.rng = rng;
    this.weights = (Object.entries(weights) as [SportKey, number][]).filter(([, w]) => w > 0);
    if (this.weights.length === 0) throw new RangeError('the sports mix has no sport with a positive weight');
    this.firstEventNumber = firstEventNumber;
  }

  /** The latest kick-off handed out so far. */
  get latestStart(): number {
    return this.lastStart;
  }

  /** A new pairing kicking off at `start`. */
  create(start: number): ScheduledMatch {
    const sport = this.pickSport();
    const tournaments = TOURNAMENTS.filter((t) => t.sport === sport && this.free(t).length >= 2);
    const tournament = this.rng.pick(tournaments.length > 0 ? tournaments : TOURNAMENTS.filter((t) => t.sport === sport));
    const pool = this.free(tournament).length >= 2 ? this.free(tournament) : [...tournament.competitors];
    const home = this.rng.pick(pool);
    const away = this.rng.pick(pool.filter((c) => c.id !== home.id));
    this.busy.add(home.id);
    this.busy.add(away.id);
    const seq = this.seq;
    this.seq += 1;
    this.lastStart = Math.max(this.lastStart, start);
    return { seq, eventId: `sr:match:${this.firstEventNumber + seq}`, sport, tournament, home, away, scheduledStart: start };
  }

  /** The match is over: its competitors may be scheduled again. */
  release(match: ScheduledMatch): void {
    this.busy.delete(match.home.id);
    this.busy.delete(match.away.id);
  }

  private free(tournament: CatalogTournament): CatalogCompetitor[] {
    return tournament.competitors.filter((c) => !this.busy.has(c.id));
  }

  private pickSport(): SportKey {
    const total = this.weights.reduce((n, [, w]) => n + w, 0);
    let u = this.rng.next() * total;
    for (const [sport, w] of this.weights) {
      u -= w;
      if (u < 0) return sport;
    }
    return this.weights[this.weights.length - 1]![0];
  }
}
