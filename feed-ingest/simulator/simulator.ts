/**
 * The match simulator: the embedded default feed. It plays football, tennis and basketball
 * matches on a rolling schedule and publishes them as Unified Odds Feed XML, exactly as the
 * provider's AMQP feed would deliver them (payload bytes + routing key):
 *
 * - pre-match odds from producer 3 (Ctrl) after a fixture_change change_type="1", drifting until
 *   kick-off, then handed over (market status -2) to producer 1 (LiveOdds);
 * - live odds_change with sport_event_status (score, clock, periods) every 1–2 s and on every
 *   score, several total and handicap lines, lines that drift or become decided deactivated;
 * - bet_stop on dangerous moments (goals, penalties, red cards, break points, period ends),
 *   reopened by the next odds_change with status 1;
 * - period markets settled when their period ends; at the end status 3, bet_settlement with
 *   certainty 1, sometimes a rollback_bet_settlement and a re-settlement, then certainty 2 for
 *   everything and status 4 (closed); now and then a bet_cancel for bets taken just before a goal;
 * - alive every 10 s per producer, recovery answered with odds_change request_id=… per event and
 *   snapshot_complete.
 *
 * Time comes only from the Clock and chance only from the seeded Rng: the same seed and the same
 * clock steps give byte-identical messages. It also serves the fixtures it schedules.
 */
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { FeedSource, RawFeedMessage, RecoveryRequester } from '../../core/ports/feed-source.ts';
import type { FixtureDetails, FixtureProvider } from '../../core/ports/fixture-provider.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import type { Counter, Gauge, Metrics } from '../../core/ports/metrics.ts';
import { AppError } from '../../core/errors.ts';
import { eventId } from '../../core/ids.ts';
import { marketKey, parseSpecifiers } from '../../core/market-key.ts';
import { basketballProfile, BasketballModel } from './basketball.ts';
import { SPORTS } from './catalog.ts';
import { Fifo } from './fifo.ts';
import { footballProfile, FootballModel } from './football.ts';
import type { MarketQuote, MarketResult } from './market.ts';
import { publishOutcomes } from './pricing.ts';
import { Rng } from './rng.ts';
import type { ScheduledMatch } from './schedule.ts';
import { Schedule } from './schedule.ts';
import type { ModelEvent, SportKey, SportModel } from './sport-model.ts';
import { tennisProfile, TennisModel } from './tennis.ts';
import type { MarketRef, XmlMarket } from './xml.ts';
import {
  aliveXml,
  betCancelXml,
  betSettlementXml,
  betStopXml,
  fixtureChangeXml,
  oddsChangeXml,
  rollbackBetSettlementXml,
  routingKey,
  snapshotCompleteXml,
} from './xml.ts';

export interface SimulatorOptions {
  /** Seed of every random choice. Default 'sportsbook'. */
  readonly seed?: string;
  /** Relative weight of each sport among new matches. Default football 3, tennis 2, basketball 1. */
  readonly sports?: Readonly<Partial<Record<SportKey, number>>>;
  /** Matches live at once (in steady state). Default 6. */
  readonly liveMatches?: number;
  /** Matches waiting for kick-off with pre-match odds. Default 6. */
  readonly upcomingMatches?: number;
  /**
   * Real ms per simulated second, per sport. Defaults football 55, tennis 55, basketball 125:
   * each match lasts about 6 real minutes (basketball counts game clock, not real time).
   */
  readonly msPerSimSecond?: Readonly<Partial<Record<SportKey, number>>>;
  /** Real ms between live price updates, uniform in [min, max]. Default [1000, 2000]. */
  readonly oddsIntervalMs?: readonly [number, number];
  /** Real ms between pre-match price updates. Default [8000, 15000]. */
  readonly preMatchOddsIntervalMs?: readonly [number, number];
  /** Real ms between kick-offs. Default 390,000 / liveMatches (a match's typical length). */
  readonly kickoffSpacingMs?: number;
  /** Real ms between simulation steps. Default 250. */
  readonly tickMs?: number;
  /** Default 10,000. */
  readonly aliveIntervalMs?: number;
  /** Chance that a match's first settlement is rolled back and sent again. Default 0.1. */
  readonly rollbackProbability?: number;
  /** Chance that a goal voids the bets taken in the seconds before it (bet_cancel). Default 0.03. */
  readonly betCancelProbability?: number;
  /** Real ms from the final whistle to bet_settlement certainty 1. Default 3,000. */
  readonly settlementDelayMs?: number;
  /**
   * Real ms from the final whistle to certainty 2 and status closed; at least 8 s after the
   * first settlement, so a rollback and its re-settlement come first. Default 15,000.
   */
  readonly confirmationDelayMs?: number;
  /** Real ms before a message the consumer failed on is delivered again. Default 1,000. */
  readonly retryDelayMs?: number;
}

export interface SimulatorDeps {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

const LIVE = 1;
const PREMATCH = 3;
const TYPICAL_MATCH_MS = 390_000;
/** Finished matches kept for getFixture after they leave the schedule. */
const RECENT_FIXTURES = 500;

type Phase = 'prematch' | 'live' | 'ended' | 'closed';

interface PublishedMarket {
  readonly marketId: number;
  readonly specifiers: string;
  status: XmlMarket['status'];
  signature: string;
}

interface SimMatch {
  readonly spec: ScheduledMatch;
  readonly fixture: FixtureDetails;
  readonly model: SportModel;
  readonly rng: Rng;
  readonly msPerSimSecond: number;
  phase: Phase;
  suspended: boolean;
  nextOddsAt: number;
  /** What the current producer last published per market key. */
  readonly published: Map<string, PublishedMarket>;
  /** Every market ever offered by either producer: all of them get settled. */
  readonly offered: Map<string, MarketRef>;
  readonly results: Map<string, MarketResult>;
  /** Steps after the final whistle, in time order. */
  readonly timeline: { at: number; run: (now: number) => void }[];
}

export class MatchSimulator implements FeedSource, RecoveryRequester, FixtureProvider {
  readonly name = 'simulator';
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: Required<Omit<SimulatorOptions, 'sports' | 'msPerSimSecond'>> & {
    readonly sports: Readonly<Record<SportKey, number>>;
    readonly msPerSimSecond: Readonly<Record<SportKey, number>>;
  };
  private readonly rng: Rng;
  private readonly schedule: Schedule;
  private opened = false;
  private readonly matches: SimMatch[] = [];
  private readonly recent = new Map<string, FixtureDetails>();
  private readonly paused = new Set<number>();
  private readonly encoder = new TextEncoder();
  private readonly messages: Counter | undefined;
  private readonly queueDepth: Gauge | undefined;
  private readonly failures: Counter | undefined;

  private onMessage: ((message: RawFeedMessage) => Promise<void>) | undefined;
  private timer: Timer | undefined;
  private running = false;
  private lastTick = 0;
  private nextAliveAt = 0;
  private readonly queue = new Fifo<RawFeedMessage>();
  private pumping: Promise<void> | undefined;
  /** Ends a wait before redelivery early (stop). */
  private wake: (() => void) | undefined;

  constructor(deps: SimulatorDeps, options: SimulatorOptions = {}) {
    this.clock = deps.clock;
    this.logger = (deps.logger ?? silentLogger).child({ component: 'simulator' });
    const liveMatches = options.liveMatches ?? 6;
    this.options = {
      seed: options.seed ?? 'sportsbook',
      sports: { football: 3, tennis: 2, basketball: 1, ...options.sports },
      liveMatches,
      upcomingMatches: options.upcomingMatches ?? 6,
      msPerSimSecond: { football: 55, tennis: 55, basketball: 125, ...options.msPerSimSecond },
      oddsIntervalMs: options.oddsIntervalMs ?? [1000, 2000],
      preMatchOddsIntervalMs: options.preMatchOddsIntervalMs ?? [8000, 15000],
      kickoffSpacingMs: options.kickoffSpacingMs ?? Math.round(TYPICAL_MATCH_MS / Math.max(1, liveMatches)),
      tickMs: options.tickMs ?? 250,
      aliveIntervalMs: options.aliveIntervalMs ?? 10_000,
      rollbackProbability: options.rollbackProbability ?? 0.1,
      betCancelProbability: options.betCancelProbability ?? 0.03,
      settlementDelayMs: options.settlementDelayMs ?? 3000,
      confirmationDelayMs: options.confirmationDelayMs ?? 15_000,
      retryDelayMs: options.retryDelayMs ?? 1000,
    };
    this.rng = new Rng(this.options.seed);
    // Event numbers start from the minute the simulator is made (1,000 per minute, far more than
    // can kick off in one): started again later, it never reuses the id of an earlier match
    // whose bets may still be on record.
    const firstEventNumber = 40_000_000 + (Math.floor(this.clock.now() / 60_000) % 1_000_000) * 1000;
    this.schedule = new Schedule(this.rng.fork('schedule'), this.options.sports, firstEventNumber);
    this.messages = deps.metrics?.counter('simulator_messages_total', 'Feed messages produced by the match simulator.', ['type']);
    this.queueDepth = deps.metrics?.gauge('simulator_queue_depth', 'Simulator messages waiting for the consumer.');
    this.failures = deps.metrics?.counter('simulator_delivery_failures_total', 'Simulator messages the consumer failed on (delivered again).');
  }

  // ---- FeedSource ----------------------------------------------------------------------------

  async start(onMessage: (message: RawFeedMessage) => Promise<void>): Promise<void> {
    if (this.running) return;
    this.onMessage = onMessage;
    this.running = true;
    const now = this.clock.now();
    this.lastTick = now;
    if (!this.opened) this.openSchedule(now);
    this.sendAlives(now);
    this.nextAliveAt = now + this.options.aliveIntervalMs;
    this.timer = this.clock.setInterval(() => this.tick(), this.options.tickMs);
    this.logger.info({ seed: this.options.seed, live: this.options.liveMatches, upcoming: this.options.upcomingMatches }, 'match simulator started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.clear();
    this.wake?.();
    await this.pumping;
    this.onMessage = undefined;
    this.logger.info({}, 'match simulator stopped');
  }

  /** Resolves once every message produced so far has been handled by the consumer. */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops the alive messages of a producer, as when it goes down (recovery fails meanwhile). */
  pause(producer: number): void {
    this.paused.add(producer);
  }

  /** Alive messages of the producer flow again, the first one at once. */
  resume(producer: number): void {
    if (!this.paused.delete(producer) || !this.running) return;
    this.send(aliveXml({ product: producer, timestamp: this.clock.now(), subscribed: true }), 'alive');
  }

  // ---- RecoveryRequester -----------------------------------------------------------------------

  async requestRecovery(request: { producer: number; requestId: number; after?: number }): Promise<void> {
    if (this.paused.has(request.producer)) {
      throw new AppError('RECOVERY_FAILED', `producer ${request.producer} is down`, { details: { producer: request.producer } });
    }
    const now = this.clock.now();
    for (const match of this.matches) {
      if (this.producerOf(match) !== request.producer || match.phase === 'closed') continue;
      this.publishOdds(match, now, { full: true, requestId: request.requestId });
    }
    this.send(snapshotCompleteXml({ product: request.producer, timestamp: now, requestId: request.requestId }), 'snapshot_complete');
  }

  // ---- FixtureProvider -------------------------------------------------------------------------

  async getFixture(eventId: string): Promise<FixtureDetails | undefined> {
    const match = this.matches.find((m) => m.spec.eventId === eventId);
    return match ? this.details(match) : this.recent.get(eventId);
  }

  async listFixtures(): Promise<readonly FixtureDetails[]> {
    return this.matches.filter((m) => m.phase !== 'closed').map((m) => this.details(m));
  }

  // ---- the simulation --------------------------------------------------------------------------

  /** The first schedule: matches already under way (joined mid-play) and upcoming ones. */
  private openSchedule(now: number): void {
    this.opened = true;
    const spacing = this.options.kickoffSpacingMs;
    for (let i = this.options.liveMatches - 1; i >= 0; i -= 1) {
      const match = this.createMatch(now - i * spacing, now);
      this.kickOff(match, now, i * spacing * 0.8);
    }
    this.topUp(now);
  }

  /** Keeps `upcomingMatches` matches waiting, spaced by the kick-off spacing. */
  private topUp(now: number): void {
    let waiting = this.matches.filter((m) => m.phase === 'prematch').length;
    while (waiting < this.options.upcomingMatches) {
      const start = Math.max(this.schedule.latestStart, now) + this.options.kickoffSpacingMs;
      this.createMatch(start, now);
      waiting += 1;
    }
  }

  private createMatch(start: number, now: number): SimMatch {
    const spec = this.schedule.create(start);
    const rng = this.rng.fork(`match/${spec.seq}`);
    const match: SimMatch = {
      spec,
      fixture: {
        eventId: eventId(spec.eventId),
        sport: SPORTS[spec.sport],
        tournament: { id: spec.tournament.id, name: spec.tournament.name },
        competitors: [
          { id: spec.home.id, name: spec.home.name, qualifier: 'home' },
          { id: spec.away.id, name: spec.away.name, qualifier: 'away' },
        ],
        scheduledStart: new Date(spec.scheduledStart).toISOString(),
      },
      model: createModel(spec, rng.fork('model'), rng.fork('profile')),
      rng,
      msPerSimSecond: this.options.msPerSimSecond[spec.sport],
      phase: 'prematch',
      suspended: false,
      nextOddsAt: now,
      published: new Map(),
      offered: new Map(),
      results: new Map(),
      timeline: [],
    };
    this.matches.push(match);
    this.send(fixtureChangeXml({ product: PREMATCH, eventId: spec.eventId, timestamp: now, changeType: 1, startTime: spec.scheduledStart }), 'fixture_change', match);
    if (spec.scheduledStart > now) {
      this.publishOdds(match, now, { full: true });
      match.nextOddsAt = now + this.between(match.rng, this.options.preMatchOddsIntervalMs);
    }
    return match;
  }

  private tick(): void {
    if (!this.running) return;
    const now = this.clock.now();
    // A stalled process must not replay minutes of play in one step.
    const elapsed = Math.min(now - this.lastTick, this.options.tickMs * 10);
    this.lastTick = now;
    for (const match of [...this.matches]) this.advance(match, now, elapsed);
    for (let i = this.matches.length - 1; i >= 0; i -= 1) {
      if (this.matches[i]!.phase === 'closed') this.retire(this.matches.splice(i, 1)[0]!);
    }
    this.topUp(now);
    if (now >= this.nextAliveAt) {
      this.sendAlives(now);
      this.nextAliveAt = now + this.options.aliveIntervalMs;
    }
    this.queueDepth?.set(this.queue.size);
  }

  private advance(match: SimMatch, now: number, elapsed: number): void {
    switch (match.phase) {
      case 'prematch':
        if (now >= match.spec.scheduledStart) this.kickOff(match, now, 0);
        else if (now >= match.nextOddsAt) {
          match.model.drift();
          this.publishOdds(match, now, {});
          match.nextOddsAt = now + this.between(match.rng, this.options.preMatchOddsIntervalMs);
        }
        return;
      case 'live': {
        this.handle(match, now, match.model.play(elapsed / match.msPerSimSecond));
        if (match.phase === 'live' && now >= match.nextOddsAt) {
          this.publishOdds(match, now, {});
          match.nextOddsAt = now + this.between(match.rng, this.options.oddsIntervalMs);
        }
        return;
      }
      case 'ended':
        while (match.timeline.length > 0 && match.timeline[0]!.at <= now) match.timeline.shift()!.run(now);
        return;
      case 'closed':
        return;
    }
  }

  /**
   * Kick-off: Ctrl hands its markets over (status -2) and LiveOdds takes the match. A match that
   * joins the schedule already under way is played forward `alreadyPlayedMs` silently first.
   */
  private kickOff(match: SimMatch, now: number, alreadyPlayedMs: number): void {
    if (match.published.size > 0) {
      const handedOver: XmlMarket[] = [...match.published.values()].map((m) => ({ id: m.marketId, specifiers: m.specifiers, status: -2, outcomes: [] }));
      this.send(oddsChangeXml({ product: PREMATCH, eventId: match.spec.eventId, timestamp: now, markets: handedOver }), 'odds_change', match);
    }
    match.published.clear();
    match.phase = 'live';
    match.model.kickOff();
    if (alreadyPlayedMs > 0) match.model.play(alreadyPlayedMs / match.msPerSimSecond);
    if (match.model.finished) {
      this.finish(match, now);
      return;
    }
    this.publishOdds(match, now, { full: true });
    match.nextOddsAt = now + this.between(match.rng, this.options.oddsIntervalMs);
  }

  private handle(match: SimMatch, now: number, events: readonly ModelEvent[]): void {
    let pricesDue = false;
    const flush = (): void => {
      if (pricesDue && !match.model.finished) this.publishOdds(match, now, { force: true });
      pricesDue = false;
    };
    for (const event of events) {
      switch (event.type) {
        case 'bet-stop':
          flush();
          if (!match.suspended) {
            this.send(betStopXml({ product: LIVE, eventId: match.spec.eventId, timestamp: now, groups: event.groups }), 'bet_stop', match);
            match.suspended = true;
          }
          break;
        case 'bet-start':
          match.suspended = false;
          pricesDue = true;
          break;
        case 'score':
          pricesDue = true;
          if (event.goal && match.rng.chance(this.options.betCancelProbability)) {
            flush();
            this.cancelLateBets(match, now);
          }
          break;
        case 'period-ended':
          flush();
          if (!match.model.finished) this.settle(match, now, 1, [...match.offered.keys()]);
          break;
        case 'ended':
          flush();
          this.finish(match, now);
          break;
      }
    }
    flush();
  }

  /** The goal was scouted late: bets on the main markets taken just before it are void. */
  private cancelLateBets(match: SimMatch, now: number): void {
    const markets = [...match.published.values()]
      .filter((m) => m.status !== 0 && (m.marketId === 1 || m.marketId === 18))
      .map((m) => ({ marketId: m.marketId, specifiers: m.specifiers }));
    if (markets.length === 0) return;
    const startTime = now - match.rng.int(3, 8) * 1000;
    this.send(betCancelXml({ product: LIVE, eventId: match.spec.eventId, timestamp: now, startTime, endTime: now, markets }), 'bet_cancel', match);
  }

  /** Final whistle: status 3, then settlement, maybe a rollback, confirmation, status 4. */
  private finish(match: SimMatch, now: number): void {
    match.phase = 'ended';
    const deactivated: XmlMarket[] = [...match.published.values()].map((m) => ({ id: m.marketId, specifiers: m.specifiers, status: 0, outcomes: [] }));
    for (const m of match.published.values()) m.status = 0;
    this.send(oddsChangeXml({ product: LIVE, eventId: match.spec.eventId, timestamp: now, state: match.model.state(), markets: deactivated }), 'odds_change', match);

    const settleAt = now + this.options.settlementDelayMs;
    const confirmAt = now + Math.max(this.options.confirmationDelayMs, this.options.settlementDelayMs + 8000);
    const open = [...match.offered.keys()].filter((key) => !match.results.has(key));
    match.timeline.push({ at: settleAt, run: (t) => this.settle(match, t, 1, open) });
    if (match.rng.chance(this.options.rollbackProbability) && open.length > 0) {
      const sorted = [...open].sort();
      const chosen = [...new Set([match.rng.pick(sorted), match.rng.pick(sorted), match.rng.pick(sorted)])];
      match.timeline.push({ at: settleAt + 2000, run: (t) => this.rollback(match, t, chosen) });
      match.timeline.push({ at: settleAt + 4000, run: (t) => this.settle(match, t, 1, chosen) });
    }
    match.timeline.push({
      at: confirmAt,
      run: (t) => {
        this.settle(match, t, 2, [...match.offered.keys()]);
        this.send(oddsChangeXml({ product: LIVE, eventId: match.spec.eventId, timestamp: t, state: match.model.state(), closed: true, markets: [] }), 'odds_change', match);
        match.phase = 'closed';
      },
    });
  }

  /** bet_settlement for those of `keys` the model can decide now (all of them once it ended). */
  private settle(match: SimMatch, now: number, certainty: 1 | 2, keys: readonly string[]): void {
    const markets: MarketResult[] = [];
    for (const key of keys) {
      if (certainty === 1 && match.results.has(key) && match.phase === 'live') continue;
      const ref = match.offered.get(key);
      if (!ref) continue;
      const outcomes = match.results.get(key)?.outcomes ?? match.model.settle(ref.marketId, parseSpecifiers(ref.specifiers));
      if (!outcomes) continue;
      const result = { marketId: ref.marketId, specifiers: ref.specifiers, outcomes };
      match.results.set(key, result);
      markets.push(result);
    }
    if (markets.length === 0) return;
    this.send(betSettlementXml({ product: LIVE, eventId: match.spec.eventId, timestamp: now, certainty, markets }), 'bet_settlement', match);
  }

  private rollback(match: SimMatch, now: number, keys: readonly string[]): void {
    const markets = keys.map((key) => match.offered.get(key)).filter((m): m is MarketRef => m !== undefined);
    this.send(rollbackBetSettlementXml({ product: LIVE, eventId: match.spec.eventId, timestamp: now, markets }), 'rollback_bet_settlement', match);
  }

  private retire(match: SimMatch): void {
    this.schedule.release(match.spec);
    this.recent.set(match.spec.eventId, this.details(match));
    if (this.recent.size > RECENT_FIXTURES) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * odds_change for the match's current producer. Only markets whose odds or status changed go
   * out unless `full` (recovery, kick-off); markets no longer offered are sent inactive once.
   * Without any market change nothing is sent unless `force` (the score or phase changed).
   */
  private publishOdds(match: SimMatch, now: number, how: { full?: boolean; force?: boolean; requestId?: number }): void {
    const producer = this.producerOf(match);
    const quotes = match.phase === 'ended' ? [] : match.model.quotes();
    const markets: XmlMarket[] = [];
    const seen = new Set<string>();
    for (const q of quotes) {
      const key = marketKey(q.marketId, q.specifiers);
      seen.add(key);
      if (!match.offered.has(key)) match.offered.set(key, { marketId: q.marketId, specifiers: q.specifiers });
      const market = this.toXmlMarket(q, match.suspended || match.phase === 'ended' ? -1 : 1);
      const signature = `${market.status}|${market.outcomes.map((o) => `${o.id}:${o.odds ?? '-'}`).join(',')}`;
      const last = match.published.get(key);
      if (how.full || !last || last.signature !== signature) markets.push(market);
      match.published.set(key, { marketId: q.marketId, specifiers: q.specifiers, status: market.status, signature });
    }
    for (const [key, last] of match.published) {
      if (seen.has(key) || (last.status === 0 && !how.full)) continue;
      markets.push({ id: last.marketId, specifiers: last.specifiers, status: 0, outcomes: [] });
      last.status = 0;
      last.signature = '0';
    }
    if (markets.length === 0 && !how.full && !how.force) return;
    const xml = oddsChangeXml({
      product: producer,
      eventId: match.spec.eventId,
      timestamp: now,
      requestId: how.requestId,
      state: match.model.state(),
      closed: match.phase === 'closed',
      markets,
    });
    this.send(xml, 'odds_change', match);
  }

  private toXmlMarket(q: MarketQuote, status: 1 | -1): XmlMarket {
    return { id: q.marketId, specifiers: q.specifiers, status, favourite: q.favourite === true, outcomes: publishOutcomes(q) };
  }

  private sendAlives(now: number): void {
    for (const product of [LIVE, PREMATCH]) {
      if (!this.paused.has(product)) this.send(aliveXml({ product, timestamp: now, subscribed: true }), 'alive');
    }
  }

  private producerOf(match: SimMatch): number {
    return match.phase === 'prematch' ? PREMATCH : LIVE;
  }

  private details(match: SimMatch): FixtureDetails {
    return { ...match.fixture, producer: this.producerOf(match) };
  }

  private between(rng: Rng, [min, max]: readonly [number, number]): number {
    return Math.round(rng.between(min, max));
  }

  // ---- delivery --------------------------------------------------------------------------------

  private send(xml: string, type: string, match?: SimMatch): void {
    if (!this.running) return;
    const event = match ? { eventId: match.spec.eventId, sportId: match.fixture.sport.id, live: this.producerOf(match) === LIVE } : undefined;
    this.queue.push({ payload: this.encoder.encode(xml), source: 'simulator', routingKey: routingKey(type, event), receivedTs: this.clock.now() });
    this.messages?.inc({ type });
    this.pumping ??= this.pump();
  }

  /**
   * Delivers queued messages one at a time, each after the previous one was handled. A message
   * the consumer fails on is delivered again after `retryDelayMs`, before any later one, as the
   * provider's broker redelivers an unacknowledged message: nothing is skipped.
   */
  private async pump(): Promise<void> {
    try {
      for (let message = this.queue.peek(); this.running && message !== undefined; message = this.queue.peek()) {
        try {
          await this.onMessage?.(message);
          this.queue.drop();
        } catch (err) {
          this.failures?.inc();
          this.logger.warn({ err, routingKey: message.routingKey, retryInMs: this.options.retryDelayMs }, 'feed consumer failed on a simulator message');
          await this.waitBeforeRedelivery();
        }
      }
    } finally {
      this.pumping = undefined;
    }
  }

  /** Waits `retryDelayMs` on the clock, or until stop(). */
  private waitBeforeRedelivery(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, this.options.retryDelayMs);
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}

export function createMatchSimulator(deps: SimulatorDeps, options: SimulatorOptions = {}): MatchSimulator {
  return new MatchSimulator(deps, options);
}

function createModel(spec: ScheduledMatch, rng: Rng, profileRng: Rng): SportModel {
  switch (spec.sport) {
    case 'football':
      return new FootballModel(rng, footballProfile(profileRng));
    case 'tennis':
      return new TennisModel(rng, tennisProfile(profileRng, spec.tournament.women));
    case 'basketball':
      return new BasketballModel(rng, basketballProfile(profileRng));
  }
}
