/**
 * The acceptance pipeline of one bet. Rejections are values (validation.ts); faults are thrown
 * AppErrors. In order:
 *
 *   request → an odds engine holds its lease, where one is kept (else every price is stale)
 *   → legs exist and are open → price against the version seen (odds-change mode)
 *   → stake limits and max payout → liability per outcome (reserved, shared by all replicas)
 *   → in-play delay for live legs (watch, then re-read and re-validate; the liability follows a
 *     price that moved) → wallet hold → bet stored → BetAccepted on bets.events
 *
 * Money safety:
 * - The liability reservation (id = bet id) is released whenever the bet is not accepted in the
 *   end; an accepted bet keeps it until settlement releases it.
 * - A wallet hold that succeeded is never lost: storing the bet is retried (the store is
 *   idempotent by bet id); if it still fails, the store is asked whether the bet landed after
 *   all (then it is accepted), and otherwise the hold is released with its own key and the client
 *   gets a retriable DEPENDENCY_UNAVAILABLE. A hold call that failed is checked the same way, so
 *   a hold committed just before a connection broke is released too.
 * - BetAccepted is published after the bet is stored; a bus that refuses it is logged and
 *   counted, and the bet stays accepted (the store is the record).
 */
import { randomUUID } from 'node:crypto';
import type { BetAccepted } from '../core/contracts/bet-events.ts';
import type { Bet, NewBet } from '../core/contracts/bets.ts';
import { AppError, isAppError } from '../core/errors.ts';
import { PRODUCERS } from '../core/ids.ts';
import { outcomeKey } from '../core/market-key.ts';
import { fromMinor, type Big, type Currency, type Minor } from '../core/money.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import type { Bus } from '../core/ports/bus.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { EngineLease } from '../core/ports/engine-lease.ts';
import type { LiabilityEntry, LiabilityLedger } from '../core/ports/liability-ledger.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Counter, Histogram, Metrics } from '../core/ports/metrics.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { Balance, Wallet } from '../core/ports/wallet.ts';
import { TOPICS } from '../core/topics.ts';
import { waitOnWatch, type MarketWatcher, type StopCause, type Watch } from './delay.ts';
import { EngineLiveness } from './engine-liveness.ts';
import type { Limits } from './limits.ts';
import {
  checkLegs,
  checkStake,
  combinedOdds,
  currentPrice,
  parseBet,
  potentialPayout,
  pricesStale,
  reject,
  REJECT_REASONS,
  type BetRequest,
  type Check,
  type LegRead,
  type ParsedBet,
  type ParsedLeg,
  type PricedLeg,
  type RejectReason,
  type Rejection,
} from './validation.ts';

export interface AcceptedBet {
  readonly status: 'accepted';
  readonly bet: Bet;
  /** Product of the legs' accepted odds, exact. */
  readonly odds: string;
  readonly potentialPayout: Minor;
  /** How long the in-play delay took (0 pre-match). */
  readonly delayMs: number;
  /** The player's balance right after the hold. */
  readonly balance: Balance;
}

export type Decision = AcceptedBet | Rejection;

export interface InPlayDelays {
  /** Delay for a sport without its own, ms. */
  readonly defaultMs: number;
  /** Sport id → delay, ms. */
  readonly bySport?: Readonly<Record<string, number>>;
}

export interface PipelineDeps {
  readonly priceBook: PriceBook;
  readonly wallet: Wallet;
  readonly betStore: BetStore;
  readonly liability: LiabilityLedger;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly watcher: MarketWatcher;
  /** Where the odds engine runs apart (or beside): bets are refused while nobody holds it. */
  readonly engineLease?: EngineLease;
}

export interface PipelineOptions {
  readonly currency: Currency;
  readonly limits: Limits;
  readonly delays: InPlayDelays;
  /** Most legs in an accumulator. */
  readonly maxLegs: number;
  /** After the delay, how long to wait for odds deltas the PriceBook already shows. */
  readonly catchUpMs: number;
  /** Attempts at storing a held bet before its hold is released. */
  readonly storeAttempts: number;
  readonly newBetId?: () => string;
}

/** Sports remembered per event id; the cache is dropped whole when it grows past this. */
const SPORT_CACHE = 50_000;

export class BetPipeline {
  private readonly deps: PipelineDeps;
  private readonly options: PipelineOptions;
  private readonly sports = new Map<string, string>();
  private readonly decisions: Counter;
  private readonly latency: Histogram;
  private readonly faults: Counter;
  private readonly liveness: EngineLiveness | undefined;
  private waiting = 0;

  constructor(deps: PipelineDeps, options: PipelineOptions) {
    this.deps = deps;
    this.options = options;
    this.decisions = deps.metrics.counter('sb_bet_decisions_total', 'Bet decisions, by outcome (accepted or the rejection reason).', ['decision']);
    this.latency = deps.metrics.histogram('sb_bet_decision_seconds', 'Time from request to decision, by kind (prematch, inplay).', ['kind'], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 6, 10, 15]);
    this.faults = deps.metrics.counter('sb_bet_faults_total', 'Faults on the bet path, by step.', ['step']);
    this.liveness = deps.engineLease && new EngineLiveness({ lease: deps.engineLease, clock: deps.clock });
  }

  /** Bets waiting out their in-play delay now. */
  get delaying(): number {
    return this.waiting;
  }

  async place(player: string, request: BetRequest, traceId: string): Promise<Decision> {
    const started = this.deps.clock.now();
    const parsed = parseBet(request, this.options.currency, this.options.maxLegs);
    if (!parsed.ok) return this.decided(parsed, started, 'prematch');
    const bet = parsed.bet;
    // Watching starts before the first read, so nothing that happens after it is missed.
    const watch = this.deps.watcher.watch(bet.legs);
    try {
      // The lease is read beside the legs (mostly from its cache): no extra round trip.
      const [reads, live] = this.liveness ? await Promise.all([this.readLegs(bet.legs), this.liveness.isLive()]) : [await this.readLegs(bet.legs), true];
      for (let i = 0; i < reads.length; i++) {
        const view = reads[i]!.view;
        if (view) watch.setBaseline(bet.legs[i]!.eventId, view.epoch, view.seq);
      }
      if (!live) return this.decided(pricesStale(), started, 'prematch');
      const checked = checkLegs(bet, reads);
      if (!checked.ok) return this.decided(checked, started, 'prematch');
      const sports = this.knownSports(bet.legs) ?? (await Promise.all(bet.legs.map((leg) => this.sportOf(leg.eventId))));
      const delayMs = this.delayFor(checked.legs, sports);
      const kind = delayMs > 0 ? 'inplay' : 'prematch';
      const decision = await this.limitAndAccept(player, bet, checked.legs, sports, delayMs, watch, traceId);
      return this.decided(decision, started, kind);
    } finally {
      watch.close();
    }
  }

  private async limitAndAccept(
    player: string,
    bet: ParsedBet,
    priced: readonly PricedLeg[],
    sports: readonly (string | undefined)[],
    delayMs: number,
    watch: Watch,
    traceId: string,
  ): Promise<Decision> {
    const { currency } = this.options;
    const stakeLimits = this.options.limits.forBet(
      player,
      bet.legs.map((leg, i) => ({ sportId: sports[i], marketId: leg.marketId })),
    );
    let legs = priced;
    let odds = combinedOdds(legs);
    let payout = potentialPayout(bet.stake, odds, currency);
    const stakeCheck = checkStake(bet.stake, payout, stakeLimits, currency);
    if (!stakeCheck.ok) return stakeCheck;

    const betId = (this.options.newBetId ?? randomUUID)();
    const exceeded = await this.reserveLiability(betId, legs, sports, bet.stake, payout);
    if (exceeded) return exceeded;
    let accepted = false;
    try {
      let waited = 0;
      if (delayMs > 0) {
        const begun = this.deps.clock.now();
        const after = await this.inPlayDelay(bet, legs, watch, delayMs);
        waited = this.deps.clock.now() - begun;
        if (!after.ok) return after;
        legs = after.legs;
        const moved = combinedOdds(legs);
        if (!moved.eq(odds)) {
          odds = moved;
          payout = potentialPayout(bet.stake, odds, currency);
          const again = checkStake(bet.stake, payout, stakeLimits, currency);
          if (!again.ok) return again;
          const over = await this.reserveLiability(betId, legs, sports, bet.stake, payout);
          if (over) return over;
        }
      }
      const hold = await this.hold(player, betId, bet.stake);
      if (hold.status === 'insufficient_funds') {
        return reject('INSUFFICIENT_FUNDS', `the stake ${fromMinor(bet.stake, currency)} is more than the available ${fromMinor(hold.balance.available, currency)}`, {
          details: { available: fromMinor(hold.balance.available, currency), currency },
        });
      }
      const stored = await this.store({
        betId,
        player,
        stake: bet.stake,
        currency,
        legs: legs.map((leg) => ({ eventId: leg.eventId, marketKey: leg.marketKey, outcomeId: leg.outcomeId, odds: leg.odds, priceVersion: leg.version })),
        placedAt: this.deps.clock.now(),
        traceId,
      });
      accepted = true;
      await this.announce(stored, odds, payout, waited, traceId);
      return { status: 'accepted', bet: stored, odds: odds.toString(), potentialPayout: payout, delayMs: waited, balance: hold.balance };
    } finally {
      if (!accepted) await this.releaseLiability(betId);
    }
  }

  /** Waits out the delay unless a watched market stops first, then re-reads and re-validates. */
  private async inPlayDelay(bet: ParsedBet, priced: readonly PricedLeg[], watch: Watch, delayMs: number): Promise<Check<{ legs: readonly PricedLeg[] }>> {
    const { clock } = this.deps;
    const stopped = () => watch.stopped !== undefined;
    this.waiting += 1;
    try {
      await waitOnWatch(clock, watch, delayMs, stopped);
    } finally {
      this.waiting -= 1;
    }
    if (watch.stopped) return this.stoppedDuringDelay(bet, watch.stopped);

    const reads = await this.readLegs(bet.legs);
    for (const [i, read] of reads.entries()) {
      if (read.view && read.view.epoch !== priced[i]!.version.epoch) {
        return this.stoppedDuringDelay(bet, { eventId: bet.legs[i]!.eventId, kind: 'event_rebuilt', seq: read.view.seq }, reads);
      }
    }
    // The PriceBook is written before the deltas are published: wait for the deltas of any
    // change the re-read shows, so a suspension lifted within the window is seen too.
    const caughtUp = () => reads.every((read, i) => read.view === undefined || read.view.market.version <= watch.seenSeq(bet.legs[i]!.eventId));
    if (!caughtUp()) await waitOnWatch(clock, watch, this.options.catchUpMs, () => stopped() || caughtUp());
    if (watch.stopped) return this.stoppedDuringDelay(bet, watch.stopped, reads);
    if (!caughtUp()) {
      this.faults.inc({ step: 'delay_catch_up' });
      return reject('BET_STOPPED_DURING_DELAY', 'the changes to the markets during the in-play delay could not be confirmed in time', {
        current: bet.legs.map((leg, i) => currentPrice(leg, reads[i]!.view)),
        details: { cause: 'UNCONFIRMED' },
      });
    }
    // Last, right before the hold: the engine may have died during the delay (details.cause PRICES_STALE).
    const checked = this.liveness && !(await this.liveness.isLive()) ? pricesStale() : checkLegs(bet, reads);
    if (!checked.ok) {
      return reject('BET_STOPPED_DURING_DELAY', `during the in-play delay: ${checked.message}`, {
        ...(checked.leg === undefined ? {} : { leg: checked.leg }),
        ...(checked.current ? { current: checked.current } : {}),
        details: { cause: checked.reason, ...checked.details },
      });
    }
    return checked;
  }

  private async stoppedDuringDelay(bet: ParsedBet, cause: StopCause, reads?: readonly LegRead[]): Promise<Rejection> {
    const now = reads ?? (await this.readLegs(bet.legs).catch(() => undefined));
    const leg = bet.legs.findIndex((l) => l.eventId === cause.eventId);
    const what = cause.kind === 'event_rebuilt' ? `the prices of ${cause.eventId} were rebuilt` : `market ${cause.marketKey} of ${cause.eventId} became ${cause.state}`;
    return reject('BET_STOPPED_DURING_DELAY', `${what} during the in-play delay`, {
      ...(leg >= 0 ? { leg } : {}),
      ...(now ? { current: bet.legs.map((l, i) => currentPrice(l, now[i]!.view)) } : {}),
      details: { cause: cause.kind === 'event_rebuilt' ? 'EVENT_REBUILT' : 'MARKET_SUSPENDED', ...(cause.state ? { state: cause.state } : {}) },
    });
  }

  private async readLegs(legs: readonly ParsedLeg[]): Promise<LegRead[]> {
    const { priceBook } = this.deps;
    return Promise.all(
      legs.map(async (leg) => {
        const view = await priceBook.getMarket(leg.eventId, leg.marketKey);
        if (view) return { view, eventKnown: true };
        // Only a missing market costs the event read that tells EVENT_ from MARKET_NOT_FOUND.
        return { view: undefined, eventKnown: (await priceBook.getEvent(leg.eventId)) !== undefined };
      }),
    );
  }

  /** The legs' sports when every one is remembered already (the usual case: no read needed). */
  private knownSports(legs: readonly ParsedLeg[]): (string | undefined)[] | undefined {
    const sports: string[] = [];
    for (const leg of legs) {
      const sport = this.sports.get(leg.eventId);
      if (sport === undefined) return undefined;
      sports.push(sport);
    }
    return sports;
  }

  private async sportOf(eventId: string): Promise<string | undefined> {
    const known = this.sports.get(eventId);
    if (known !== undefined) return known;
    const sportId = (await this.deps.priceBook.getEvent(eventId))?.sportId;
    if (sportId !== undefined) {
      if (this.sports.size >= SPORT_CACHE) this.sports.clear();
      this.sports.set(eventId, sportId);
    }
    return sportId;
  }

  /** The longest delay of the sports of the live legs; 0 when every leg is pre-match. */
  private delayFor(legs: readonly PricedLeg[], sports: readonly (string | undefined)[]): number {
    const { delays } = this.options;
    let ms = 0;
    legs.forEach((leg, i) => {
      if (!PRODUCERS[leg.producer]?.live) return;
      const sport = sports[i];
      ms = Math.max(ms, (sport !== undefined ? delays.bySport?.[sport] : undefined) ?? delays.defaultMs);
    });
    return ms;
  }

  /**
   * Books what the bet would cost the house (payout − stake) on each leg's outcome: an
   * accumulator loses the house its payout only if every leg wins, so each leg's outcome carries
   * the whole of it. Returns the rejection when an outcome has no room left.
   */
  private async reserveLiability(betId: string, legs: readonly PricedLeg[], sports: readonly (string | undefined)[], stake: Minor, payout: Minor): Promise<Rejection | undefined> {
    const loss = payout - stake;
    if (loss <= 0n) return undefined;
    const entries: LiabilityEntry[] = legs.map((leg, i) => ({
      key: outcomeKey(leg.eventId, leg.marketKey, leg.outcomeId),
      amount: loss,
      limit: this.options.limits.forMarket(sports[i], leg.marketId).liability,
    }));
    const result = await this.deps.liability.reserve(betId, entries);
    if (result.status === 'reserved') return undefined;
    const { currency } = this.options;
    const leg = entries.findIndex((e) => e.key === result.key);
    const room = result.limit > result.current ? result.limit - result.current : 0n;
    return reject('LIABILITY_EXCEEDED', `leg ${leg}: the outcome has room for a potential loss of ${fromMinor(room, currency)} more, this bet would add ${fromMinor(result.increase, currency)}`, {
      leg,
      details: { outcome: result.key, room: fromMinor(room, currency) },
    });
  }

  private async releaseLiability(betId: string): Promise<void> {
    try {
      await this.deps.liability.release(betId);
    } catch (error) {
      this.faults.inc({ step: 'liability_release' });
      this.deps.logger.error({ err: error, betId }, 'liability reservation of a bet not taken could not be released');
    }
  }

  private async hold(player: string, betId: string, stake: Minor) {
    try {
      return await this.deps.wallet.hold({ player, betId, amount: stake, currency: this.options.currency, key: `hold:${betId}` });
    } catch (error) {
      // The hold may have been committed before the failure was seen: undo it if it is there.
      this.faults.inc({ step: 'hold' });
      await this.releaseHold(betId, error);
      throw error;
    }
  }

  private async store(bet: NewBet): Promise<Bet> {
    const { betStore, clock } = this.deps;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.storeAttempts; attempt++) {
      try {
        return (await betStore.insert(bet)).bet;
      } catch (error) {
        lastError = error;
        this.faults.inc({ step: 'store' });
        if (isAppError(error) && !error.retriable) break;
        if (attempt < this.options.storeAttempts) await sleep(clock, 10 * 2 ** attempt);
      }
    }
    const landed = await betStore.get(bet.betId).catch(() => undefined);
    if (landed) return landed;
    await this.releaseHold(bet.betId, lastError);
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'the bet could not be stored; its stake was released, retry with the same Idempotency-Key', { cause: lastError });
  }

  private async releaseHold(betId: string, cause: unknown): Promise<void> {
    const { wallet, logger } = this.deps;
    try {
      const hold = await wallet.getHold(betId);
      if (hold?.status === 'pending') await wallet.release({ betId, key: `release:${betId}` });
      logger.warn({ err: cause, betId, released: hold?.status === 'pending' }, 'bet not stored: its hold is released');
    } catch (error) {
      this.faults.inc({ step: 'hold_release' });
      logger.error({ err: error, cause, betId }, 'bet not stored and its hold could not be released: reconcile this hold');
    }
  }

  private async announce(bet: Bet, odds: Big, payout: Minor, delayMs: number, traceId: string): Promise<void> {
    const event: BetAccepted = {
      v: 1,
      type: 'BetAccepted',
      eventKey: `${bet.betId}:accepted`,
      betId: bet.betId,
      playerId: bet.player,
      ts: bet.placedAt,
      traceId,
      status: 'open',
      version: bet.version,
      stake: fromMinor(bet.stake, bet.currency),
      currency: bet.currency,
      odds: odds.toString(),
      potentialPayout: fromMinor(payout, bet.currency),
      legs: bet.legs.map((leg) => ({ eventId: leg.eventId, marketKey: leg.marketKey, outcomeId: leg.outcomeId, odds: leg.odds, priceVersion: leg.priceVersion })),
      delayMs,
    };
    try {
      await this.deps.bus.publish(TOPICS.bets, [{ key: bet.betId, value: event, headers: { traceId } }]);
    } catch (error) {
      this.faults.inc({ step: 'publish' });
      this.deps.logger.error({ err: error, betId: bet.betId, traceId }, 'BetAccepted not published; the bet is stored and stays accepted');
    }
  }

  private decided(decision: Decision, started: number, kind: 'prematch' | 'inplay'): Decision {
    const label = decision.status === 'accepted' ? 'accepted' : decision.reason;
    this.decisions.inc(DECISION_LABELS[label]);
    this.latency.observe((this.deps.clock.now() - started) / 1000, KIND_LABELS[kind]);
    this.deps.logger.debug(decision.status === 'accepted' ? { betId: decision.bet.betId, delayMs: decision.delayMs } : { reason: decision.reason }, `bet ${label}`);
    return decision;
  }
}

/** Label sets made once: the metrics are touched by every bet. */
const DECISION_LABELS = Object.fromEntries(
  (['accepted', ...REJECT_REASONS] as const).map((decision) => [decision, Object.freeze({ decision })]),
) as Record<'accepted' | RejectReason, { readonly decision: string }>;
const KIND_LABELS = { prematch: Object.freeze({ kind: 'prematch' }), inplay: Object.freeze({ kind: 'inplay' }) } as const;

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
