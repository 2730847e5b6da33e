/**
 * The contract between the simulator and its per-sport match models. A model owns the state of
 * one match (score, clock, periods), plays it forward in simulated seconds, prices the markets it
 * offers from that state, and settles any market it ever offered once the result is known.
 */
import type { Specifiers } from '../../core/market-key.ts';
import type { MarketQuote, OutcomeResult } from './market.ts';

export type SportKey = 'football' | 'tennis' | 'basketball';

export interface PeriodScore {
  readonly number: number;
  readonly matchStatusCode: number;
  readonly home: number;
  readonly away: number;
}

/** What UOF's sport_event_status carries (status 4 "closed" is the simulator's business). */
export interface MatchState {
  /** 0 not started, 1 live, 3 ended. */
  readonly status: 0 | 1 | 3;
  readonly matchStatus: number;
  readonly homeScore?: number;
  readonly awayScore?: number;
  readonly clock?: {
    readonly matchTime?: string;
    readonly stoppageTime?: string;
    readonly stoppageTimeAnnounced?: string;
    readonly remainingTimeInPeriod?: string;
    readonly stopped?: boolean;
  };
  readonly periodScores: readonly PeriodScore[];
  readonly tennis?: {
    readonly homeGamescore: number;
    readonly awayGamescore: number;
    readonly currentServer: 1 | 2;
    readonly tiebreak: boolean;
  };
  readonly cards?: { readonly yellow: readonly [number, number]; readonly red: readonly [number, number] };
}

export type ModelEvent =
  /** Stop betting on these UOF market groups ('all', 'score', …) until a bet-start. */
  | { readonly type: 'bet-stop'; readonly groups: string }
  | { readonly type: 'bet-start' }
  /** The score or the phase changed: prices must go out now. `goal` marks a football goal. */
  | { readonly type: 'score'; readonly goal?: boolean }
  /** A period (half, set, quarter) ended: its markets can be settled. */
  | { readonly type: 'period-ended' }
  | { readonly type: 'ended' };

export interface SportModel {
  readonly sport: SportKey;
  readonly finished: boolean;
  /** Starts the match (the first period begins). */
  kickOff(): void;
  /** Plays `simSeconds` of the match; returns what happened, in order. */
  play(simSeconds: number): ModelEvent[];
  /** Before kick-off: expectations move a little (team news, money). */
  drift(): void;
  state(): MatchState;
  /** Fair quotes of every market offered in the current state. */
  quotes(): MarketQuote[];
  /** Results of a market this model offered, or undefined while it is not decided yet. */
  settle(marketId: number, specifiers: Specifiers): OutcomeResult[] | undefined;
}

/** "mm:ss" as UOF clocks write it (minutes may exceed 99). */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
