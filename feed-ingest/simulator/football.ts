/**
 * Football: goals as two independent Poisson processes whose intensity rises through the match
 * (more goals late on) and shifts with red cards. Prices come from the same model: the goals
 * still to come are Poisson with the intensity integrated over the time left (including the
 * stoppage time announced, or the usual amount before it is), added to the current score.
 *
 * Markets (UOF ids): 1 1x2, 10 double chance, 11 draw no bet, 16 handicap (quarter lines),
 * 18 total (half, whole and quarter lines), 19/20 team totals, 26 odd/even, 29 both teams to
 * score, 8 {!goalnr} goal, and while the first half lasts 60 1st half 1x2 and 68 1st half total.
 */
import type { Specifiers } from '../../core/market-key.ts';
import type { IntDist } from './distribution.ts';
import { difference, poisson, probAbove, probBelow, probEqual, shift, sum } from './distribution.ts';
import type { MarketQuote, OutcomeResult } from './market.ts';
import {
  handicapLines,
  handicapQuote,
  quote,
  settleLine,
  settleVoid,
  settleWinner,
  totalLines,
  totalQuote,
} from './market.ts';
import type { Rng } from './rng.ts';
import type { MatchState, ModelEvent, PeriodScore, SportModel } from './sport-model.ts';
import { clockText } from './sport-model.ts';

const HALF = 45 * 60;
const FULL = 2 * HALF;
const HALFTIME = 15 * 60;
/** Stoppage time priced before the fourth official announces it, in seconds. */
const EXPECTED_STOPPAGE = [150, 270] as const;

/** Per-match-per-team rates of what the scouts report. */
const RATES = { redCard: 0.11, yellowCard: 1.9, dangerousFreeKick: 2.2, penalty: 0.13 } as const;
const PENALTY_SCORED = 0.77;
const RED_CARD_OWN = 0.72;
const RED_CARD_OPPONENT = 1.18;

/** Provider margins per market type. */
const MARGIN = { oneXTwo: 0.065, doubleChance: 0.06, line: 0.055, teamTotal: 0.06, odd: 0.05, btts: 0.06, nextGoal: 0.07, half: 0.07 } as const;

export interface FootballProfile {
  /** Expected goals per 90 minutes. */
  readonly homeRate: number;
  readonly awayRate: number;
}

/** A plausible pairing: 2.1–3.3 goals expected, home advantage on average. */
export function footballProfile(rng: Rng): FootballProfile {
  const total = rng.between(2.1, 3.3);
  const supremacy = Math.max(-1.6, Math.min(2, rng.normal(0.3, 0.6)));
  return { homeRate: Math.max(0.25, (total + supremacy) / 2), awayRate: Math.max(0.25, (total - supremacy) / 2) };
}

type Phase = 'pre' | 'first' | 'halftime' | 'second' | 'ended';
type Side = 0 | 1;

export class FootballModel implements SportModel {
  readonly sport = 'football' as const;
  private readonly rng: Rng;
  private rates: [number, number];
  private phase: Phase = 'pre';
  /** Seconds since the current half (or half-time) began. */
  private halfClock = 0;
  private readonly stoppage: readonly [number, number];
  private announced: number | undefined;
  private readonly score: [number, number] = [0, 0];
  private readonly halftimeScore: [number, number] = [0, 0];
  private readonly goals: Side[] = [];
  private readonly red: [number, number] = [0, 0];
  private readonly yellow: [number, number] = [0, 0];
  /** Betting reopens at this play time (seconds of simulated time since kick-off). */
  private stopUntil: number | undefined;
  private penalty: { side: Side; at: number } | undefined;
  private simTime = 0;
  private carry = 0;

  constructor(rng: Rng, profile: FootballProfile) {
    this.rng = rng;
    this.rates = [profile.homeRate, profile.awayRate];
    this.stoppage = [rng.int(1, 4) * 60, rng.int(2, 7) * 60];
  }

  get finished(): boolean {
    return this.phase === 'ended';
  }

  kickOff(): void {
    if (this.phase === 'pre') {
      this.phase = 'first';
      this.halfClock = 0;
    }
  }

  drift(): void {
    if (this.phase !== 'pre') return;
    this.rates = [this.rates[0] * Math.exp(this.rng.normal(0, 0.02)), this.rates[1] * Math.exp(this.rng.normal(0, 0.02))];
  }

  play(simSeconds: number): ModelEvent[] {
    const events: ModelEvent[] = [];
    if (this.phase === 'pre' || this.phase === 'ended') return events;
    this.carry += simSeconds;
    while (this.carry >= 1 && !this.finished) {
      this.carry -= 1;
      this.step(events);
    }
    return events;
  }

  private step(events: ModelEvent[]): void {
    this.simTime += 1;
    this.halfClock += 1;
    if (this.phase === 'halftime') {
      if (this.halfClock >= HALFTIME) {
        this.phase = 'second';
        this.halfClock = 0;
        this.announced = undefined;
        events.push({ type: 'score' });
      }
      return;
    }
    const half = this.phase === 'first' ? 0 : 1;
    if (this.halfClock === HALF) this.announced = this.stoppage[half];
    if (this.halfClock >= HALF + this.stoppage[half]) {
      this.endHalf(events);
      return;
    }
    if (this.stopUntil !== undefined && this.simTime >= this.stopUntil && this.penalty === undefined) {
      this.stopUntil = undefined;
      events.push({ type: 'bet-start' });
    }
    if (this.penalty !== undefined) {
      if (this.simTime >= this.penalty.at) {
        const side = this.penalty.side;
        this.penalty = undefined;
        if (this.rng.chance(PENALTY_SCORED)) this.goal(side, events);
        else this.stopUntil = Math.max(this.stopUntil ?? 0, this.simTime + this.rng.int(10, 20));
      }
      return;
    }
    const perSecond = this.intensity() / FULL;
    for (const side of [0, 1] as const) {
      if (this.rng.chance(this.rates[side] * this.strength(side) * perSecond)) {
        this.goal(side, events);
        return;
      }
    }
    for (const side of [0, 1] as const) {
      if (this.rng.chance(RATES.penalty / FULL)) {
        this.betStop(events, 'all', this.rng.int(45, 90));
        this.penalty = { side, at: this.simTime + this.rng.int(40, 80) };
        return;
      }
      if (this.rng.chance(RATES.redCard / FULL)) {
        this.red[side] += 1;
        this.betStop(events, 'all', this.rng.int(20, 40));
        events.push({ type: 'score' });
        return;
      }
      if (this.rng.chance(RATES.yellowCard / FULL)) this.yellow[side] += 1;
      if (this.rng.chance(RATES.dangerousFreeKick / FULL)) this.betStop(events, 'score', this.rng.int(10, 25));
    }
  }

  private goal(side: Side, events: ModelEvent[]): void {
    this.betStop(events, 'all', this.rng.int(25, 50));
    this.score[side] += 1;
    this.goals.push(side);
    events.push({ type: 'score', goal: true });
  }

  private betStop(events: ModelEvent[], groups: string, seconds: number): void {
    if (this.stopUntil === undefined) events.push({ type: 'bet-stop', groups });
    this.stopUntil = Math.max(this.stopUntil ?? 0, this.simTime + seconds);
  }

  private endHalf(events: ModelEvent[]): void {
    this.penalty = undefined;
    if (this.stopUntil !== undefined) {
      this.stopUntil = undefined;
      events.push({ type: 'bet-start' });
    }
    if (this.phase === 'first') {
      this.phase = 'halftime';
      this.halfClock = 0;
      this.halftimeScore[0] = this.score[0];
      this.halftimeScore[1] = this.score[1];
      events.push({ type: 'period-ended' }, { type: 'score' });
    } else {
      this.phase = 'ended';
      events.push({ type: 'bet-stop', groups: 'all' }, { type: 'period-ended' }, { type: 'ended' });
    }
  }

  /** Goal intensity relative to the match average: 0.85 at kick-off rising to 1.15 at 90'. */
  private intensity(): number {
    return weight(this.regulationSeconds());
  }

  /** Seconds of regulation time played (stoppage time does not advance it). */
  private regulationSeconds(): number {
    switch (this.phase) {
      case 'pre':
        return 0;
      case 'first':
        return Math.min(this.halfClock, HALF);
      case 'halftime':
        return HALF;
      case 'second':
        return HALF + Math.min(this.halfClock, HALF);
      case 'ended':
        return FULL;
    }
  }

  private strength(side: Side): number {
    const other = side === 0 ? 1 : 0;
    return RED_CARD_OWN ** this.red[side] * RED_CARD_OPPONENT ** this.red[other];
  }

  /** Expected goals still to come for each side, in the whole match and in the first half. */
  private expectedRemaining(): { match: [number, number]; firstHalf: [number, number] } {
    const x = this.regulationSeconds();
    const stoppageLeft = (half: 0 | 1): number => {
      const current = (this.phase === 'first' && half === 0) || (this.phase === 'second' && half === 1);
      const total = current && this.announced !== undefined ? this.announced : EXPECTED_STOPPAGE[half];
      const used = current ? Math.max(0, this.halfClock - HALF) : 0;
      return Math.max(0, total - used);
    };
    let firstHalf = 0;
    let match = 0;
    if (this.phase === 'pre' || this.phase === 'first') {
      firstHalf = integral(x, HALF) + stoppageLeft(0) * weight(HALF);
      match = firstHalf + integral(HALF, FULL) + stoppageLeft(1) * weight(FULL);
    } else if (this.phase === 'halftime' || this.phase === 'second') {
      match = integral(Math.max(x, HALF), FULL) + stoppageLeft(1) * weight(FULL);
    }
    const scale = (w: number): [number, number] => [
      (this.rates[0] * this.strength(0) * w) / FULL,
      (this.rates[1] * this.strength(1) * w) / FULL,
    ];
    return { match: scale(match), firstHalf: scale(firstHalf) };
  }

  state(): MatchState {
    const cards = { yellow: [this.yellow[0], this.yellow[1]] as const, red: [this.red[0], this.red[1]] as const };
    if (this.phase === 'pre') return { status: 0, matchStatus: 0, periodScores: [] };
    const periods: PeriodScore[] = [
      { number: 1, matchStatusCode: 6, home: this.phase === 'first' ? this.score[0] : this.halftimeScore[0], away: this.phase === 'first' ? this.score[1] : this.halftimeScore[1] },
    ];
    if (this.phase === 'second' || this.phase === 'ended') {
      periods.push({ number: 2, matchStatusCode: 7, home: this.score[0] - this.halftimeScore[0], away: this.score[1] - this.halftimeScore[1] });
    }
    const base = { homeScore: this.score[0], awayScore: this.score[1], periodScores: periods, cards };
    switch (this.phase) {
      case 'halftime':
        return { ...base, status: 1, matchStatus: 31, clock: { matchTime: '45:00', stopped: true } };
      case 'ended':
        return { ...base, status: 3, matchStatus: 100 };
      default: {
        const offset = this.phase === 'first' ? 0 : HALF;
        const over = this.halfClock - HALF;
        const clock =
          over >= 0
            ? { matchTime: clockText(offset + HALF), stoppageTime: clockText(over), stoppageTimeAnnounced: clockText(this.announced ?? 0) }
            : { matchTime: clockText(offset + this.halfClock) };
        return { ...base, status: 1, matchStatus: this.phase === 'first' ? 6 : 7, clock };
      }
    }
  }

  quotes(): MarketQuote[] {
    if (this.phase === 'ended') return [];
    const remaining = this.expectedRemaining();
    const [h, a] = this.score;
    const home = shift(poisson(remaining.match[0]), h);
    const away = shift(poisson(remaining.match[1]), a);
    const diff = difference(home, away);
    const total = sum(home, away);
    const quotes: MarketQuote[] = [];

    const pHome = probAbove(diff, 0);
    const pDraw = probEqual(diff, 0);
    const pAway = probBelow(diff, 0);
    quotes.push(quote(1, {}, [['1', pHome], ['2', pDraw], ['3', pAway]], MARGIN.oneXTwo));
    quotes.push(quote(10, {}, [['9', pHome + pDraw], ['10', pHome + pAway], ['11', pDraw + pAway]], MARGIN.doubleChance));
    const decisive = pHome + pAway;
    if (decisive > 0) quotes.push(quote(11, {}, [['4', pHome / decisive], ['5', pAway / decisive]], MARGIN.line));

    for (const hcp of handicapLines(diff, { origin: 0, step: 0.25 }, [-2, -1, 0, 1, 2])) {
      quotes.push(handicapQuote(16, {}, hcp.value, diff, MARGIN.line, hcp.main));
    }
    for (const line of totalLines(total, [-1, -0.5, -0.25, 0, 1], h + a)) {
      quotes.push(totalQuote(18, {}, line.value, total, MARGIN.line, line.main));
    }
    for (const line of totalLines(home, [0], h)) quotes.push(totalQuote(19, {}, line.value, home, MARGIN.teamTotal));
    for (const line of totalLines(away, [0], a)) quotes.push(totalQuote(20, {}, line.value, away, MARGIN.teamTotal));
    quotes.push(quote(26, {}, [['70', oddMass(total)], ['72', 1 - oddMass(total)]], MARGIN.odd));
    if (h === 0 || a === 0) {
      const yes = probAbove(home, 0.5) * probAbove(away, 0.5);
      quotes.push(quote(29, {}, [['74', yes], ['76', 1 - yes]], MARGIN.btts));
    }
    const [mh, ma] = remaining.match;
    const none = Math.exp(-(mh + ma));
    const some = 1 - none;
    const share = mh + ma > 0 ? mh / (mh + ma) : 0.5;
    quotes.push(quote(8, { goalnr: h + a + 1 }, [['6', share * some], ['7', none], ['8', (1 - share) * some]], MARGIN.nextGoal));

    if (this.phase === 'pre' || this.phase === 'first') {
      const home1 = shift(poisson(remaining.firstHalf[0]), h);
      const away1 = shift(poisson(remaining.firstHalf[1]), a);
      const diff1 = difference(home1, away1);
      quotes.push(quote(60, {}, [['1', probAbove(diff1, 0)], ['2', probEqual(diff1, 0)], ['3', probBelow(diff1, 0)]], MARGIN.half));
      const total1 = sum(home1, away1);
      for (const line of totalLines(total1, [0, 1], h + a)) quotes.push(totalQuote(68, {}, line.value, total1, MARGIN.line));
    }
    return quotes;
  }

  settle(marketId: number, specifiers: Specifiers): OutcomeResult[] | undefined {
    if (marketId === 60 || marketId === 68) {
      if (this.phase === 'pre' || this.phase === 'first') return undefined;
      const [h, a] = this.halftimeScore;
      if (marketId === 60) return settleWinner(['1', '2', '3'], h > a ? '1' : h === a ? '2' : '3');
      return settleLine(h + a, Number(specifiers.total), '12', '13');
    }
    if (!this.finished) return undefined;
    const [h, a] = this.score;
    switch (marketId) {
      case 1:
        return settleWinner(['1', '2', '3'], h > a ? '1' : h === a ? '2' : '3');
      case 10:
        return [
          { id: '9', result: h >= a ? 1 : 0 },
          { id: '10', result: h !== a ? 1 : 0 },
          { id: '11', result: h <= a ? 1 : 0 },
        ];
      case 11:
        return h === a ? settleVoid(['4', '5']) : settleWinner(['4', '5'], h > a ? '4' : '5');
      case 16:
        return settleLine(h - a, -Number(specifiers.hcp), '1714', '1715');
      case 18:
        return settleLine(h + a, Number(specifiers.total), '12', '13');
      case 19:
        return settleLine(h, Number(specifiers.total), '12', '13');
      case 20:
        return settleLine(a, Number(specifiers.total), '12', '13');
      case 26:
        return settleWinner(['70', '72'], (h + a) % 2 === 1 ? '70' : '72');
      case 29:
        return settleWinner(['74', '76'], h > 0 && a > 0 ? '74' : '76');
      case 8: {
        const scorer = this.goals[Number(specifiers.goalnr) - 1];
        return settleWinner(['6', '7', '8'], scorer === undefined ? '7' : scorer === 0 ? '6' : '8');
      }
      default:
        return undefined;
    }
  }
}

/** Relative goal intensity at `seconds` of regulation time: 0.85 rising linearly to 1.15. */
function weight(seconds: number): number {
  return 0.85 + (0.3 * seconds) / FULL;
}

/** ∫ weight over [from, to] seconds of regulation time. */
function integral(from: number, to: number): number {
  if (to <= from) return 0;
  return 0.85 * (to - from) + (0.15 * (to * to - from * from)) / FULL;
}

function oddMass(total: IntDist): number {
  let odd = 0;
  for (let i = 0; i < total.p.length; i += 1) if ((total.min + i) % 2 !== 0) odd += total.p[i]!;
  return odd;
}
