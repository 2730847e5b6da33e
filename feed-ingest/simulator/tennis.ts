/**
 * Tennis, best of three sets with a tiebreak at 6–6, played point by point: the server wins a
 * point with a fixed probability per player. The same point model prices every market exactly:
 * the probability of holding a game from any point score, of winning a tiebreak from any score
 * (with its serve rotation), the distribution of how a set ends from any game score, and from
 * those the joint distribution of match winner and games won by each player.
 *
 * Markets (UOF ids): 186 winner, 187 game handicap, 189 total games, 202 {!setnr} set - winner,
 * 204 {!setnr} set - total games. Break points stop betting until the point is played.
 */
import type { Specifiers } from '../../core/market-key.ts';
import type { IntDist } from './distribution.ts';
import type { MarketQuote, OutcomeResult } from './market.ts';
import { handicapLines, handicapQuote, quote, settleLine, settleWinner, totalLines, totalQuote } from './market.ts';
import type { Rng } from './rng.ts';
import type { MatchState, ModelEvent, PeriodScore, SportModel } from './sport-model.ts';

const SETS_TO_WIN = 2;
const MARGIN = { winner: 0.05, games: 0.06, set: 0.06, setGames: 0.065 } as const;
/** Simulated seconds: a point, the rest at a changeover, the break between sets. */
const TIMING = { pointMin: 20, pointMax: 50, changeover: 90, setBreak: 120 } as const;
const GAME_POINTS = [0, 15, 30, 40] as const;

export interface TennisProfile {
  /** Probability that each player wins a point on their own serve. */
  readonly serve: readonly [number, number];
}

export function tennisProfile(rng: Rng, women: boolean): TennisProfile {
  const base = women ? 0.56 : 0.63;
  const player = (): number => Math.max(base - 0.09, Math.min(base + 0.1, rng.normal(base, 0.035)));
  return { serve: [player(), player()] };
}

type Side = 0 | 1;
/** Final games of a set (or set-end outcomes) → probability; key = gamesA * 32 + gamesB. */
type SetDist = Map<number, number>;

export class TennisModel implements SportModel {
  readonly sport = 'tennis' as const;
  private readonly rng: Rng;
  private serve: [number, number];
  private phase: 'pre' | 'live' | 'ended' = 'pre';
  private readonly sets: [number, number][] = [];
  private readonly games: [number, number] = [0, 0];
  private readonly points: [number, number] = [0, 0];
  private tiebreak = false;
  /** Who serves the current game (in a tiebreak: who served its first point). */
  private server: Side = 0;
  private untilNextPoint = 0;
  private stopped = false;
  private carry = 0;
  private readonly setMemo = new Map<number, SetDist>();

  constructor(rng: Rng, profile: TennisProfile) {
    this.rng = rng;
    this.serve = [profile.serve[0], profile.serve[1]];
  }

  get finished(): boolean {
    return this.phase === 'ended';
  }

  kickOff(): void {
    if (this.phase !== 'pre') return;
    this.phase = 'live';
    this.server = this.rng.chance(0.5) ? 0 : 1;
    this.untilNextPoint = this.pointDuration();
  }

  drift(): void {
    if (this.phase !== 'pre') return;
    this.serve = [nudge(this.serve[0], this.rng), nudge(this.serve[1], this.rng)];
    this.setMemo.clear();
  }

  play(simSeconds: number): ModelEvent[] {
    const events: ModelEvent[] = [];
    if (this.phase !== 'live') return events;
    this.carry += simSeconds;
    while (this.phase === 'live' && this.carry >= this.untilNextPoint) {
      this.carry -= this.untilNextPoint;
      this.untilNextPoint = this.playPoint(events);
    }
    return events;
  }

  /** Plays one point; returns the simulated seconds until the next one. */
  private playPoint(events: ModelEvent[]): number {
    const server = this.pointServer();
    const winner: Side = this.rng.chance(this.serve[server]) ? server : other(server);
    this.points[winner] += 1;
    if (this.gameOver()) {
      const outcome = this.endGame();
      events.push({ type: 'score' });
      if (outcome !== 'game') events.push({ type: 'period-ended' });
      if (outcome === 'match') {
        this.phase = 'ended';
        this.stopped = false;
        events.push({ type: 'bet-stop', groups: 'all' }, { type: 'ended' });
        return 0;
      }
      this.updateStop(events);
      return (outcome === 'set' ? TIMING.setBreak : this.changeover()) + this.pointDuration();
    }
    this.updateStop(events);
    return this.pointDuration();
  }

  /** Betting stops on a break point and resumes once it has been played. */
  private updateStop(events: ModelEvent[]): void {
    const breakPoint = this.isBreakPoint();
    if (breakPoint && !this.stopped) events.push({ type: 'bet-stop', groups: 'all' });
    else if (!breakPoint && this.stopped) events.push({ type: 'bet-start' });
    this.stopped = breakPoint;
  }

  private gameOver(): boolean {
    const [a, b] = this.points;
    const target = this.tiebreak ? 7 : 4;
    return (a >= target || b >= target) && Math.abs(a - b) >= 2;
  }

  /** Books the game that just ended, and the set and match when they end with it. */
  private endGame(): 'game' | 'set' | 'match' {
    const winner: Side = this.points[0] > this.points[1] ? 0 : 1;
    this.games[winner] += 1;
    this.points[0] = 0;
    this.points[1] = 0;
    this.tiebreak = false;
    this.server = other(this.server);
    const [ga, gb] = this.games;
    if (setOver(ga, gb)) {
      this.sets.push([ga, gb]);
      this.games[0] = 0;
      this.games[1] = 0;
      const won = this.setsWon();
      return won[0] === SETS_TO_WIN || won[1] === SETS_TO_WIN ? 'match' : 'set';
    }
    if (ga === 6 && gb === 6) this.tiebreak = true;
    return 'game';
  }

  /** Players rest after every odd game of a set. */
  private changeover(): number {
    return (this.games[0] + this.games[1]) % 2 === 1 ? TIMING.changeover : 0;
  }

  private pointServer(): Side {
    if (!this.tiebreak) return this.server;
    const k = this.points[0] + this.points[1];
    return Math.floor((k + 1) / 2) % 2 === 0 ? this.server : other(this.server);
  }

  /** The receiver is one point from breaking serve. */
  private isBreakPoint(): boolean {
    if (this.tiebreak) return false;
    const s = this.points[this.server];
    const r = this.points[other(this.server)];
    return r >= 3 && r > s;
  }

  private setsWon(): [number, number] {
    let a = 0;
    let b = 0;
    for (const [ga, gb] of this.sets) {
      if (ga > gb) a += 1;
      else b += 1;
    }
    return [a, b];
  }

  private pointDuration(): number {
    return this.rng.int(TIMING.pointMin, TIMING.pointMax);
  }

  state(): MatchState {
    if (this.phase === 'pre') return { status: 0, matchStatus: 0, periodScores: [] };
    const [a, b] = this.setsWon();
    const periods: PeriodScore[] = this.sets.map(([ga, gb], i) => ({ number: i + 1, matchStatusCode: 8 + i, home: ga, away: gb }));
    if (this.phase === 'ended') return { status: 3, matchStatus: 100, homeScore: a, awayScore: b, periodScores: periods };
    const setNo = this.sets.length + 1;
    periods.push({ number: setNo, matchStatusCode: 7 + setNo, home: this.games[0], away: this.games[1] });
    const [pa, pb] = this.tiebreak ? this.points : gameScore(this.points[0], this.points[1]);
    return {
      status: 1,
      matchStatus: 7 + setNo,
      homeScore: a,
      awayScore: b,
      periodScores: periods,
      tennis: { homeGamescore: pa, awayGamescore: pb, currentServer: this.pointServer() === 0 ? 1 : 2, tiebreak: this.tiebreak },
    };
  }

  quotes(): MarketQuote[] {
    if (this.phase === 'ended') return [];
    const { winnerA, gamesTotal, gamesDiff, currentSet } = this.outlook();
    const quotes: MarketQuote[] = [quote(186, {}, [['4', winnerA], ['5', 1 - winnerA]], MARGIN.winner)];
    for (const hcp of handicapLines(gamesDiff, { origin: 0.5, step: 1 }, [-1, 0, 1])) {
      quotes.push(handicapQuote(187, {}, hcp.value, gamesDiff, MARGIN.games, hcp.main));
    }
    const played = this.sets.reduce((n, [ga, gb]) => n + ga + gb, 0) + this.games[0] + this.games[1];
    for (const line of totalLines(gamesTotal, [-2, -1, 0, 1, 2], played)) {
      quotes.push(totalQuote(189, {}, line.value, gamesTotal, MARGIN.games, line.main));
    }
    const setnr = this.sets.length + 1;
    let setA = 0;
    const setGames = new Map<number, number>();
    for (const [key, p] of currentSet) {
      const [ga, gb] = unkey(key);
      if (ga > gb) setA += p;
      setGames.set(ga + gb, (setGames.get(ga + gb) ?? 0) + p);
    }
    quotes.push(quote(202, { setnr }, [['4', setA], ['5', 1 - setA]], MARGIN.set));
    const setTotal = toDist(setGames);
    for (const line of totalLines(setTotal, [-1, 0, 1], this.games[0] + this.games[1])) {
      quotes.push(totalQuote(204, { setnr }, line.value, setTotal, MARGIN.setGames));
    }
    return quotes;
  }

  settle(marketId: number, specifiers: Specifiers): OutcomeResult[] | undefined {
    if (marketId === 202 || marketId === 204) {
      const set = this.sets[Number(specifiers.setnr) - 1];
      if (set === undefined) return undefined;
      const [ga, gb] = set;
      return marketId === 202 ? settleWinner(['4', '5'], ga > gb ? '4' : '5') : settleLine(ga + gb, Number(specifiers.total), '12', '13');
    }
    if (!this.finished) return undefined;
    const [a, b] = this.setsWon();
    const gamesA = this.sets.reduce((n, [ga]) => n + ga, 0);
    const gamesB = this.sets.reduce((n, [, gb]) => n + gb, 0);
    switch (marketId) {
      case 186:
        return settleWinner(['4', '5'], a > b ? '4' : '5');
      case 187:
        return settleLine(gamesA - gamesB, -Number(specifiers.hcp), '1714', '1715');
      case 189:
        return settleLine(gamesA + gamesB, Number(specifiers.total), '12', '13');
      default:
        return undefined;
    }
  }

  /** Exact outlook from the current point: winner, games won by each, how the current set ends. */
  private outlook(): { winnerA: number; gamesTotal: IntDist; gamesDiff: IntDist; currentSet: SetDist } {
    const totals = new Map<number, number>();
    const diffs = new Map<number, number>();
    let winnerA = 0;
    const starts: { server: Side; weight: number }[] =
      this.phase === 'pre' ? [{ server: 0, weight: 0.5 }, { server: 1, weight: 0.5 }] : [{ server: this.server, weight: 1 }];
    const currentSet: SetDist = new Map();
    const [wonA, wonB] = this.setsWon();
    const doneA = this.sets.reduce((n, [ga]) => n + ga, 0);
    const doneB = this.sets.reduce((n, [, gb]) => n + gb, 0);
    const playedInSet = this.games[0] + this.games[1];
    for (const start of starts) {
      const setNow = this.phase === 'pre' ? this.freshSet(0, 0, start.server) : this.currentSetDist();
      for (const [key, p] of setNow) currentSet.set(key, (currentSet.get(key) ?? 0) + p * start.weight);
      // Every way the match can go from here, set by set, with games won and who serves next.
      const walk = (dist: SetDist, setsA: number, setsB: number, gamesA: number, gamesB: number, server: Side, already: number, weight: number): void => {
        for (const [key, p] of dist) {
          const [ga, gb] = unkey(key);
          const w = weight * p;
          const nextA = setsA + (ga > gb ? 1 : 0);
          const nextB = setsB + (ga > gb ? 0 : 1);
          const totalA = gamesA + ga;
          const totalB = gamesB + gb;
          if (nextA === SETS_TO_WIN || nextB === SETS_TO_WIN) {
            if (nextA === SETS_TO_WIN) winnerA += w;
            totals.set(totalA + totalB, (totals.get(totalA + totalB) ?? 0) + w);
            diffs.set(totalA - totalB, (diffs.get(totalA - totalB) ?? 0) + w);
            continue;
          }
          const remainingGames = ga + gb - already;
          const nextServer = remainingGames % 2 === 0 ? server : other(server);
          walk(this.freshSet(0, 0, nextServer), nextA, nextB, totalA, totalB, nextServer, 0, w);
        }
      };
      walk(setNow, wonA, wonB, doneA, doneB, start.server, playedInSet, start.weight);
    }
    return { winnerA, gamesTotal: toDist(totals), gamesDiff: toDist(diffs), currentSet };
  }

  /** How the set in progress ends, from the current game and point score. */
  private currentSetDist(): SetDist {
    const [ga, gb] = this.games;
    if (this.tiebreak) {
      const pA = this.tiebreakWin(this.server, this.points[0], this.points[1]);
      return new Map([[key(7, 6), pA], [key(6, 7), 1 - pA]]);
    }
    const s = this.server;
    const hold = holdProbability(this.serve[s], this.points[s], this.points[other(s)]);
    const gameA = s === 0 ? hold : 1 - hold;
    const out: SetDist = new Map();
    addScaled(out, this.afterGame(ga + 1, gb, other(s)), gameA);
    addScaled(out, this.afterGame(ga, gb + 1, other(s)), 1 - gameA);
    return out;
  }

  private afterGame(ga: number, gb: number, server: Side): SetDist {
    return setOver(ga, gb) ? new Map([[key(ga, gb), 1]]) : this.freshSet(ga, gb, server);
  }

  /** How a set ends from game score ga–gb with `server` to serve the next game (memoised). */
  private freshSet(ga: number, gb: number, server: Side): SetDist {
    const memoKey = (ga * 32 + gb) * 2 + server;
    const cached = this.setMemo.get(memoKey);
    if (cached) return cached;
    let out: SetDist;
    if (setOver(ga, gb)) out = new Map([[key(ga, gb), 1]]);
    else if (ga === 6 && gb === 6) {
      const pA = this.tiebreakWin(server, 0, 0);
      out = new Map([[key(7, 6), pA], [key(6, 7), 1 - pA]]);
    } else {
      const hold = holdProbability(this.serve[server], 0, 0);
      const gameA = server === 0 ? hold : 1 - hold;
      out = new Map();
      addScaled(out, this.freshSet(ga + 1, gb, other(server)), gameA);
      addScaled(out, this.freshSet(ga, gb + 1, other(server)), 1 - gameA);
    }
    this.setMemo.set(memoKey, out);
    return out;
  }

  /** P(A wins a tiebreak whose first point `first` served) from points ta–tb. */
  private tiebreakWin(first: Side, ta: number, tb: number): number {
    const pointA = (k: number): number => {
      const server = Math.floor((k + 1) / 2) % 2 === 0 ? first : other(first);
      return server === 0 ? this.serve[0] : 1 - this.serve[1];
    };
    const memo = new Map<number, number>();
    const win = (a: number, b: number): number => {
      if (a >= 7 && a - b >= 2) return 1;
      if (b >= 7 && b - a >= 2) return 0;
      if (a >= 6 && a === b) {
        // From 6–6 each pair of points has one serve by each player.
        const x = pointA(a + b) * pointA(a + b + 1);
        const y = (1 - pointA(a + b)) * (1 - pointA(a + b + 1));
        return x / (x + y);
      }
      const k = a * 64 + b;
      const hit = memo.get(k);
      if (hit !== undefined) return hit;
      const p = pointA(a + b);
      const v = p * win(a + 1, b) + (1 - p) * win(a, b + 1);
      memo.set(k, v);
      return v;
    };
    return win(ta, tb);
  }
}

/** P(server holds) from points s (server) – r (receiver), winning each point with p. */
export function holdProbability(p: number, s: number, r: number): number {
  if (s >= 4 && s - r >= 2) return 1;
  if (r >= 4 && r - s >= 2) return 0;
  if (s >= 3 && r >= 3) {
    const deuce = (p * p) / (p * p + (1 - p) * (1 - p));
    if (s === r) return deuce;
    return s > r ? p + (1 - p) * deuce : p * deuce;
  }
  return p * holdProbability(p, s + 1, r) + (1 - p) * holdProbability(p, s, r + 1);
}

function setOver(ga: number, gb: number): boolean {
  return ((ga >= 6 || gb >= 6) && Math.abs(ga - gb) >= 2) || ga === 7 || gb === 7;
}

/** Points as the scoreboard shows them: 0/15/30/40, 50 for advantage. */
function gameScore(a: number, b: number): [number, number] {
  if (a >= 3 && b >= 3) {
    if (a === b) return [40, 40];
    return a > b ? [50, 40] : [40, 50];
  }
  return [GAME_POINTS[Math.min(a, 3)]!, GAME_POINTS[Math.min(b, 3)]!];
}

function other(side: Side): Side {
  return side === 0 ? 1 : 0;
}

function key(ga: number, gb: number): number {
  return ga * 32 + gb;
}

function unkey(k: number): [number, number] {
  return [Math.floor(k / 32), k % 32];
}

function addScaled(into: SetDist, from: SetDist, scale: number): void {
  if (scale === 0) return;
  for (const [k, p] of from) into.set(k, (into.get(k) ?? 0) + p * scale);
}

function toDist(values: Map<number, number>): IntDist {
  const keys = [...values.keys()];
  const min = Math.min(...keys);
  const p = new Float64Array(Math.max(...keys) - min + 1);
  for (const [k, v] of values) p[k - min] = v;
  return { min, p };
}

function nudge(p: number, rng: Rng): number {
  return Math.max(0.45, Math.min(0.8, p + rng.normal(0, 0.003)));
}
