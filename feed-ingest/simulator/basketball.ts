/**
 * Basketball (FIBA timing: four 10-minute quarters, 5-minute overtimes until someone leads),
 * played possession by possession: each possession uses 6–26 s of game clock and scores 0, 1, 2
 * or 3 points from the attacking team's own distribution. Prices use the same model: points
 * still to come are the sum of the possessions left (exact convolutions), an overtime is priced
 * as one more period from the tie, and markets "incl. overtime" mix the two.
 *
 * Markets (UOF ids): 1 1x2 (regular time), 219 winner (incl. overtime), 223 handicap (incl.
 * overtime), 225 total (incl. overtime), 227/228 team totals (incl. overtime), and for the
 * current quarter 235 {!quarternr} quarter - 1x2 and 236 {!quarternr} quarter - total.
 */
import type { Specifiers } from '../../core/market-key.ts';
import type { IntDist } from './distribution.ts';
import { difference, excluding, mixture, probAbove, probBelow, probEqual, shift, sum } from './distribution.ts';
import type { MarketQuote, OutcomeResult } from './market.ts';
import { handicapLines, handicapQuote, quote, settleLine, settleWinner, totalLines, totalQuote } from './market.ts';
import type { Rng } from './rng.ts';
import type { MatchState, ModelEvent, PeriodScore, SportModel } from './sport-model.ts';
import { clockText } from './sport-model.ts';

const QUARTER = 600;
const OVERTIME = 300;
/** Average game-clock seconds per possession, as the pricing counts possessions left. */
const POSSESSION = 16;
/** Breaks in simulated seconds: between quarters, at half-time, before an overtime. */
const BREAKS = { quarter: 120, halftime: 300, overtime: 120 } as const;
const MARGIN = { winner: 0.05, line: 0.05, teamTotal: 0.06, oneXTwo: 0.07, quarter: 0.08, quarterTotal: 0.06 } as const;

export interface BasketballProfile {
  /** P(0, 1, 2, 3 points) per possession for each team. */
  readonly points: readonly [readonly number[], readonly number[]];
}

export function basketballProfile(rng: Rng): BasketballProfile {
  const team = (edge: number): number[] => {
    const rating = rng.normal(edge, 0.04);
    const two = 0.33 + rating * 0.6;
    const three = 0.12 + rating * 0.3;
    const one = 0.05;
    return [1 - one - two - three, one, two, three];
  };
  return { points: [team(0.02), team(0)] };
}

type Side = 0 | 1;
type Phase = 'pre' | 'play' | 'break' | 'ended';

export class BasketballModel implements SportModel {
  readonly sport = 'basketball' as const;
  private readonly rng: Rng;
  private readonly perPossession: [IntDist, IntDist];
  /** perPossession summed n times, per team, computed as needed. */
  private readonly powers: [IntDist[], IntDist[]] = [[], []];
  private phase: Phase = 'pre';
  private period = 0;
  /** Game clock left in the current period, or break time left. */
  private clock = 0;
  private possession: Side = 0;
  private untilPossessionEnds = 0;
  private readonly score: [number, number] = [0, 0];
  private readonly periods: [number, number][] = [];
  private carry = 0;

  constructor(rng: Rng, profile: BasketballProfile) {
    this.rng = rng;
    this.perPossession = [toDist(profile.points[0]), toDist(profile.points[1])];
  }

  get finished(): boolean {
    return this.phase === 'ended';
  }

  kickOff(): void {
    if (this.phase === 'pre') this.startPeriod();
  }

  /** Before tip-off each team's shooting form moves a little (a made two instead of a miss). */
  drift(): void {
    if (this.phase !== 'pre') return;
    for (const side of [0, 1] as const) {
      const p = Float64Array.from(this.perPossession[side].p);
      const move = Math.max(-0.01, Math.min(0.01, this.rng.normal(0, 0.002)));
      p[0] = p[0]! - move;
      p[2] = p[2]! + move;
      this.perPossession[side] = { min: 0, p };
      this.powers[side].length = 0;
    }
  }

  play(simSeconds: number): ModelEvent[] {
    const events: ModelEvent[] = [];
    if (this.phase === 'pre' || this.phase === 'ended') return events;
    this.carry += simSeconds;
    while (this.carry > 0 && !this.finished) {
      if (this.phase === 'break') {
        const used = Math.min(this.carry, this.clock);
        this.carry -= used;
        this.clock -= used;
        if (this.clock <= 0) {
          this.startPeriod();
          events.push({ type: 'bet-start' }, { type: 'score' });
        }
        continue;
      }
      const step = Math.min(this.carry, this.untilPossessionEnds, this.clock);
      this.carry -= step;
      this.clock -= step;
      this.untilPossessionEnds -= step;
      if (this.untilPossessionEnds <= 0) this.finishPossession();
      if (this.clock <= 0) this.endPeriod(events);
    }
    return events;
  }

  private startPeriod(): void {
    this.period += 1;
    this.phase = 'play';
    this.clock = this.period <= 4 ? QUARTER : OVERTIME;
    this.periods.push([0, 0]);
    this.possession = this.rng.chance(0.5) ? 0 : 1;
    this.untilPossessionEnds = this.possessionLength();
  }

  private finishPossession(): void {
    const points = sample(this.perPossession[this.possession], this.rng);
    this.score[this.possession] += points;
    this.periods[this.periods.length - 1]![this.possession] += points;
    this.possession = this.possession === 0 ? 1 : 0;
    this.untilPossessionEnds = this.possessionLength();
  }

  private possessionLength(): number {
    return this.rng.int(6, 26);
  }

  private endPeriod(events: ModelEvent[]): void {
    events.push({ type: 'bet-stop', groups: 'all' }, { type: 'period-ended' });
    if (this.period >= 4 && this.score[0] !== this.score[1]) {
      this.phase = 'ended';
      events.push({ type: 'ended' });
      return;
    }
    this.phase = 'break';
    this.clock = this.period >= 4 ? BREAKS.overtime : this.period === 2 ? BREAKS.halftime : BREAKS.quarter;
    events.push({ type: 'score' });
  }

  state(): MatchState {
    if (this.phase === 'pre') return { status: 0, matchStatus: 0, periodScores: [] };
    const periodScores: PeriodScore[] = this.periods.map(([home, away], i) => ({
      number: i + 1,
      matchStatusCode: i < 4 ? 13 + i : 40,
      home,
      away,
    }));
    const base = { homeScore: this.score[0], awayScore: this.score[1], periodScores };
    if (this.phase === 'ended') return { ...base, status: 3, matchStatus: this.period > 4 ? 110 : 100 };
    const elapsed = Math.min(this.period, 4) * QUARTER + Math.max(0, this.period - 4) * OVERTIME;
    if (this.phase === 'break') {
      const matchStatus = this.period >= 4 ? 32 : 300 + this.period;
      return { ...base, status: 1, matchStatus, clock: { matchTime: clockText(elapsed), remainingTimeInPeriod: '00:00', stopped: true } };
    }
    return {
      ...base,
      status: 1,
      matchStatus: this.period <= 4 ? 12 + this.period : 40,
      clock: { matchTime: clockText(elapsed - this.clock), remainingTimeInPeriod: clockText(Math.ceil(this.clock)) },
    };
  }

  quotes(): MarketQuote[] {
    if (this.phase === 'ended') return [];
    const quotes: MarketQuote[] = [];
    const inOvertime = this.period > 4 || (this.period === 4 && this.phase === 'break');
    const playing = this.phase === 'play';
    // Game clock left until the end of regulation, or of the overtime being played or next.
    const clockLeft = inOvertime ? (playing ? this.clock : OVERTIME) : (playing ? this.clock : 0) + (4 - this.period) * QUARTER;
    const n = Math.max(0, Math.round(clockLeft / POSSESSION));
    const homeFirst = playing ? this.possession === 0 : true;
    const nHome = homeFirst ? Math.ceil(n / 2) : Math.floor(n / 2);
    const home = shift(this.power(0, nHome), this.score[0]);
    const away = shift(this.power(1, n - nHome), this.score[1]);
    const diff = difference(home, away);

    // One overtime from a tie: its difference (decided) and its points.
    const otN = Math.round(OVERTIME / POSSESSION / 2);
    const otHome = this.power(0, otN);
    const otAway = this.power(1, otN);
    const otDiff = difference(otHome, otAway);
    const otTie = probEqual(otDiff, 0);
    const otHomeWins = probAbove(otDiff, 0) / (1 - otTie);

    const tie = probEqual(diff, 0);
    const winnerHome = probAbove(diff, 0) + tie * otHomeWins;
    quotes.push(quote(219, {}, [['4', winnerHome], ['5', 1 - winnerHome]], MARGIN.winner));
    if (!inOvertime) {
      quotes.push(quote(1, {}, [['1', probAbove(diff, 0)], ['2', tie], ['3', probBelow(diff, 0)]], MARGIN.oneXTwo));
    }
    const decidedDiff = mixture([
      { weight: 1 - tie, dist: excluding(diff, 0) },
      { weight: tie, dist: excluding(otDiff, 0) },
    ]);
    for (const hcp of handicapLines(decidedDiff, { origin: 0.5, step: 1 }, [-4, -2, 0, 2, 4])) {
      quotes.push(handicapQuote(223, {}, hcp.value, decidedDiff, MARGIN.line, hcp.main));
    }
    const { total, homeTotal, awayTotal } = this.totalsWithOvertime(home, away, otHome, otAway);
    for (const line of totalLines(total, [-6, -3, 0, 3, 6], this.score[0] + this.score[1])) {
      quotes.push(totalQuote(225, {}, line.value, total, MARGIN.line, line.main));
    }
    for (const line of totalLines(homeTotal, [0], this.score[0])) quotes.push(totalQuote(227, {}, line.value, homeTotal, MARGIN.teamTotal));
    for (const line of totalLines(awayTotal, [0], this.score[1])) quotes.push(totalQuote(228, {}, line.value, awayTotal, MARGIN.teamTotal));

    const quarternr = this.phase === 'play' ? this.period : this.period + 1;
    if (quarternr <= 4) {
      const current = this.phase === 'play' ? this.periods[this.periods.length - 1]! : [0, 0];
      const qn = Math.round((this.phase === 'play' ? this.clock : QUARTER) / POSSESSION);
      const qHomeN = homeFirst ? Math.ceil(qn / 2) : Math.floor(qn / 2);
      const qHome = shift(this.power(0, qHomeN), current[0]!);
      const qAway = shift(this.power(1, qn - qHomeN), current[1]!);
      const qDiff = difference(qHome, qAway);
      quotes.push(quote(235, { quarternr }, [['1', probAbove(qDiff, 0)], ['2', probEqual(qDiff, 0)], ['3', probBelow(qDiff, 0)]], MARGIN.quarter));
      const qTotal = sum(qHome, qAway);
      for (const line of totalLines(qTotal, [-2, 0, 2], current[0]! + current[1]!)) {
        quotes.push(totalQuote(236, { quarternr }, line.value, qTotal, MARGIN.quarterTotal, line.main));
      }
    }
    return quotes;
  }

  /** Final totals when a tie at the end of regulation adds one overtime's points. */
  private totalsWithOvertime(home: IntDist, away: IntDist, otHome: IntDist, otAway: IntDist): { total: IntDist; homeTotal: IntDist; awayTotal: IntDist } {
    const minT = home.min + away.min;
    const decided = new Float64Array(home.p.length + away.p.length - 1);
    const tied = new Float64Array(decided.length);
    const homeDecided = new Float64Array(home.p.length);
    const homeTied = new Float64Array(home.p.length);
    const awayDecided = new Float64Array(away.p.length);
    const awayTied = new Float64Array(away.p.length);
    for (let i = 0; i < home.p.length; i += 1) {
      const ph = home.p[i]!;
      if (ph === 0) continue;
      for (let j = 0; j < away.p.length; j += 1) {
        const p = ph * away.p[j]!;
        if (p === 0) continue;
        if (home.min + i === away.min + j) {
          tied[i + j]! += p;
          homeTied[i]! += p;
          awayTied[j]! += p;
        } else {
          decided[i + j]! += p;
          homeDecided[i]! += p;
          awayDecided[j]! += p;
        }
      }
    }
    const withOvertime = (decidedMass: Float64Array, tiedMass: Float64Array, min: number, extra: IntDist): IntDist =>
      mixture([
        { weight: 1, dist: { min, p: decidedMass } },
        { weight: 1, dist: sum({ min, p: tiedMass }, extra) },
      ]);
    return {
      total: withOvertime(decided, tied, minT, sum(otHome, otAway)),
      homeTotal: withOvertime(homeDecided, homeTied, home.min, otHome),
      awayTotal: withOvertime(awayDecided, awayTied, away.min, otAway),
    };
  }

  private power(side: Side, n: number): IntDist {
    const cache = this.powers[side];
    if (cache.length === 0) cache.push({ min: 0, p: Float64Array.of(1) });
    while (cache.length <= n) cache.push(sum(cache[cache.length - 1]!, this.perPossession[side]));
    return cache[n]!;
  }

  settle(marketId: number, specifiers: Specifiers): OutcomeResult[] | undefined {
    if (marketId === 235 || marketId === 236) {
      const n = Number(specifiers.quarternr);
      const quarter = this.periods[n - 1];
      if (quarter === undefined || (n === this.period && this.phase === 'play')) return undefined;
      const [h, a] = quarter;
      return marketId === 235 ? settleWinner(['1', '2', '3'], h > a ? '1' : h === a ? '2' : '3') : settleLine(h + a, Number(specifiers.total), '12', '13');
    }
    if (!this.finished) return undefined;
    const [h, a] = this.score;
    switch (marketId) {
      case 1: {
        const [rh, ra] = this.periods.slice(0, 4).reduce(([x, y], [p, q]) => [x + p, y + q], [0, 0]);
        return settleWinner(['1', '2', '3'], rh > ra ? '1' : rh === ra ? '2' : '3');
      }
      case 219:
        return settleWinner(['4', '5'], h > a ? '4' : '5');
      case 223:
        return settleLine(h - a, -Number(specifiers.hcp), '1714', '1715');
      case 225:
        return settleLine(h + a, Number(specifiers.total), '12', '13');
      case 227:
        return settleLine(h, Number(specifiers.total), '12', '13');
      case 228:
        return settleLine(a, Number(specifiers.total), '12', '13');
      default:
        return undefined;
    }
  }
}

function toDist(probabilities: readonly number[]): IntDist {
  return { min: 0, p: Float64Array.from(probabilities) };
}

function sample(dist: IntDist, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < dist.p.length; i += 1) {
    u -= dist.p[i]!;
    if (u < 0) return dist.min + i;
  }
  return dist.min + dist.p.length - 1;
}
