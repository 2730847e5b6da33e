/**
 * Brings bets in line with the results of their markets: the bet of record (BetStore) and the
 * money (Wallet) are moved from what they are to what the market states say they should be.
 * Each bet is judged as a whole (every leg against its own market's state), so the same code
 * settles, re-settles, voids and reopens, and running it twice changes nothing the second time.
 *
 * A bet's target, from its legs' results (settlement/market-results.ts):
 * - every leg void by a bet_cancel → cancelled (the stake returned);
 * - every leg resulted otherwise  → settled with payout = stake × Π factors (settlement/payout.ts);
 * - else open, the legs that have a result keeping it. An accumulator with a lost leg therefore
 *   waits for its other legs: the bet store records a settlement only with every leg resolved
 *   (core/ports/bet-store.ts), and its payout is 0 whatever they bring.
 *
 * Money first, then the record, so a crash in between leaves money that the next run finds and
 * the record catches up with (never a record claiming money that did not move):
 * - the hold must be pending for an open bet and posted with the target payout otherwise; a void
 *   is posted as a settlement paying back the stake, because the wallet's release is final and a
 *   bet_cancel can be rolled back (reverseSettlement reopens a posted hold, nothing reopens a
 *   voided one);
 * - the wallet's idempotency keys come from the hold's own history: `settle:<betId>:<n>` and
 *   `reverse:<betId>:<n>`, n the reversals already posted for the bet (read from its postings).
 *   Each settlement and each reversal of a hold thus has exactly one key: a retry after a fault
 *   reuses it and cannot pay twice, and a new decision after a reversal gets a new one;
 * - the bet store's status changes carry the version read, so a concurrent change (another
 *   process settling the other leg of an accumulator) is a conflict, and the bet is judged again.
 *
 * One bet is judged at a time in this process (a lock per bet id); across processes the wallet
 * keys and the version checks serialize.
 */
import type { Bet, BetLeg, BetStatus, LegResult, LegResultChange } from '../core/contracts/bets.ts';
import { AppError, isAppError } from '../core/errors.ts';
import { fromMinor, type Minor } from '../core/money.ts';
import type { BetStore, StatusUpdate } from '../core/ports/bet-store.ts';
import type { LiabilityLedger } from '../core/ports/liability-ledger.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { MarketResult } from '../core/ports/market-result-store.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { Hold, Wallet } from '../core/ports/wallet.ts';
import { betCancelled, betReopened, betResettled, betSettled, type SettlementEvent, type Trace } from './bet-events.ts';
import { legResultFor, sameLegResult } from './market-results.ts';
import { betPayout } from './payout.ts';

/** The market states a bet's legs are judged by. */
export type MarketStates = (eventId: string, marketKey: string) => Promise<MarketResult | undefined>;

export interface BetTarget {
  readonly status: BetStatus;
  /** One per leg; undefined while the leg has no result. */
  readonly legs: readonly (LegResult | undefined)[];
  /** The settlement's payout; present only for 'settled'. */
  readonly payout?: Minor;
}

/** What the bet should be, given its legs' results. */
export function decideBet(bet: Pick<Bet, 'stake' | 'currency'> & { readonly legs: readonly Pick<BetLeg, 'odds'>[] }, results: readonly (LegResult | undefined)[]): BetTarget {
  if (results.some((r) => r === undefined)) return { status: 'open', legs: results };
  if (results.every((r) => r!.source === 'cancelled')) return { status: 'cancelled', legs: results };
  const payout = betPayout(
    bet.stake,
    bet.currency,
    bet.legs.map((leg, i) => ({ odds: leg.odds, result: results[i]! })),
  );
  return { status: 'settled', legs: results, payout };
}

/** What the hold must have paid for the target: nothing while open, the stake for a void. */
export function walletPayout(bet: Pick<Bet, 'stake'>, target: BetTarget): Minor | undefined {
  if (target.status === 'settled') return target.payout;
  if (target.status === 'cancelled') return bet.stake;
  return undefined;
}

/**
 * The status changes that take the bet of record to the target, without versions: none when it
 * is there; a terminal bet that must change goes back to open first (one change per wallet step).
 */
export function storeSteps(bet: Bet, target: BetTarget, detail: string): Omit<StatusUpdate, 'version'>[] {
  const diff: LegResultChange[] = [];
  target.legs.forEach((result, leg) => {
    if (!sameLegResult(bet.legs[leg]?.result, result)) diff.push({ leg, result: result ?? null });
  });
  const base = { betId: bet.betId, detail };
  const toTarget = (from: BetStatus, legResults: LegResultChange[]): Omit<StatusUpdate, 'version'> => {
    if (target.status === 'settled') return { ...base, from, to: 'settled', reason: 'settled', payout: target.payout!, legResults };
    if (target.status === 'cancelled') return { ...base, from, to: 'cancelled', reason: 'cancelled', legResults };
    return { ...base, from, to: 'open', reason: 'leg_resulted', legResults };
  };
  if (bet.status === 'open') {
    if (target.status === 'open' && diff.length === 0) return [];
    return [toTarget('open', diff)];
  }
  const unchanged = target.status === bet.status && diff.length === 0 && (bet.status !== 'settled' || bet.payout === target.payout);
  if (unchanged) return [];
  const reason = bet.status === 'settled' ? 'settlement_rolled_back' : 'cancel_rolled_back';
  if (target.status === 'open') return [{ ...base, from: bet.status, to: 'open', reason, legResults: diff }];
  // Results that go away leave with the reversal; new ones come with the new settlement.
  const cleared = diff.map((c) => ({ leg: c.leg, result: null }));
  const set = diff.filter((c) => c.result !== null);
  return [{ ...base, from: bet.status, to: 'open', reason, legResults: cleared }, toTarget('open', set)];
}

export type BetOutcome = 'unchanged' | 'leg_resulted' | 'settled' | 'resettled' | 'cancelled' | 'reopened' | 'skipped';

export interface BetRun {
  readonly outcome: BetOutcome;
  readonly events: readonly SettlementEvent[];
  /** The bet of record afterwards (absent when skipped). */
  readonly bet?: Bet;
}

export interface SettlerDeps {
  readonly bets: BetStore;
  readonly wallet: Wallet;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Puts events on bets.events; awaited before a pass goes on. */
  readonly publish: (events: readonly SettlementEvent[]) => Promise<void>;
  /**
   * The acceptors' liability reservations (one per bet, by bet id), released once a bet is
   * resolved. A released reservation is spent (core/ports/liability-ledger.ts), so a bet reopened
   * by a rollback is not counted in the exposure again.
   */
  readonly liability?: LiabilityLedger;
}

export interface SettlerOptions {
  /** Bets read per byMarket() page; 0 reads a market's bets in one call. Default 1000. */
  readonly pageSize?: number;
  /** Bets of one page judged at once. Default 8. */
  readonly concurrency?: number;
}

export interface PassSummary {
  readonly bets: number;
  readonly outcomes: Readonly<Partial<Record<BetOutcome, number>>>;
  /** Newly paid by settlements and re-settlements of this pass, per currency, as decimal strings. */
  readonly paid: Readonly<Record<string, string>>;
}

/** Passes over at most this many bets log a line per bet; bigger ones only their summary. */
const BET_LINES_MAX = 100;
/** Attempts to judge one bet when its record or hold changes under us. */
const MAX_ATTEMPTS = 5;
/** Wallet refusals that mean the hold moved since it was read: judge the bet again. */
const MOVED: readonly string[] = ['HOLD_STATE_CONFLICT', 'DUPLICATE_REQUEST'];

export class Settler {
  private readonly bets: BetStore;
  private readonly wallet: Wallet;
  private readonly logger: Logger;
  private readonly publish: (events: readonly SettlementEvent[]) => Promise<void>;
  private readonly liability: LiabilityLedger | undefined;
  private readonly pageSize: number;
  private readonly concurrency: number;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly outcomes;
  private readonly problems;

  constructor(deps: SettlerDeps, options: SettlerOptions = {}) {
    this.bets = deps.bets;
    this.wallet = deps.wallet;
    this.logger = deps.logger;
    this.publish = deps.publish;
    this.liability = deps.liability;
    this.pageSize = options.pageSize ?? 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.outcomes = deps.metrics.counter('sb_settlement_bets_total', 'Bets judged by settlement, by what happened to them.', ['outcome']);
    this.problems = deps.metrics.counter(
      'sb_settlement_problems_total',
      'Bets settlement could not bring in line (no hold, hold released, outcome missing from a settlement).',
      ['problem'],
    );
  }

  /** Judges every bet on the market (open, settled and cancelled alike) against `states`. */
  async settleMarket(eventId: string, marketKey: string, states: MarketStates, trace: Trace, detail: string): Promise<PassSummary> {
    const counts: Partial<Record<BetOutcome, number>> = {};
    const paid = new Map<string, Minor>();
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.bets.byMarket(eventId, marketKey, {
        status: ['open', 'settled', 'cancelled'],
        ...(after === undefined ? {} : { after }),
        ...(this.pageSize > 0 ? { limit: this.pageSize } : {}),
      });
      // A small market's bets each get a log line; a big one's only its summary: the events and
      // the bets' histories say the rest, and a million lines would cost more than the pass.
      const verbose = after === undefined && page.length <= BET_LINES_MAX && (this.pageSize === 0 || page.length < this.pageSize);
      for (let i = 0; i < page.length; i += this.concurrency) {
        const runs = await Promise.all(page.slice(i, i + this.concurrency).map((bet) => this.settleBet(bet, states, trace, detail, verbose)));
        const events = runs.flatMap((r) => r.events);
        if (events.length > 0) await this.publish(events);
        for (const run of runs) {
          counts[run.outcome] = (counts[run.outcome] ?? 0) + 1;
          if ((run.outcome === 'settled' || run.outcome === 'resettled') && run.bet?.payout !== undefined) {
            paid.set(run.bet.currency, (paid.get(run.bet.currency) ?? 0n) + run.bet.payout);
          }
        }
      }
      total += page.length;
      if (this.pageSize === 0 || page.length < this.pageSize) break;
      after = page[page.length - 1]!.betId;
    }
    const paidText = Object.fromEntries([...paid].map(([currency, minor]) => [currency, fromMinor(minor, currency as Bet['currency'])]));
    return { bets: total, outcomes: counts, paid: paidText };
  }

  /** Judges one bet; `bet` is a recent read (it is read again if it turns out stale). Events are returned, not published. */
  settleBet(bet: Bet, states: MarketStates, trace: Trace, detail: string, verbose = true): Promise<BetRun> {
    return this.exclusive(bet.betId, async () => {
      let current: Bet | undefined = bet;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        if (attempt > 1) current = await this.bets.get(bet.betId);
        if (!current) return { outcome: 'skipped', events: [] };
        try {
          const run = await this.judge(current, states, trace, detail, verbose);
          if (run) {
            this.outcomes.inc({ outcome: run.outcome });
            return run;
          }
        } catch (error) {
          if (!(isAppError(error) && MOVED.includes(error.code))) throw error;
        }
      }
      throw new AppError('INTERNAL', `bet ${bet.betId} kept changing while it was being settled (${MAX_ATTEMPTS} attempts)`);
    });
  }

  /** One attempt; undefined when the bet changed under us and must be read again. */
  private async judge(bet: Bet, states: MarketStates, trace: Trace, detail: string, verbose: boolean): Promise<BetRun | undefined> {
    const results: (LegResult | undefined)[] = [];
    for (const leg of bet.legs) {
      const state = await states(leg.eventId, leg.marketKey);
      const result = legResultFor(state, leg.outcomeId, bet.placedAt);
      if (!result && state?.settlement && !state.settlement.outcomes.some((o) => o.outcomeId === leg.outcomeId)) {
        this.problem('outcome_not_settled', bet, `${leg.eventId} ${leg.marketKey} was settled without outcome ${leg.outcomeId}`);
      }
      results.push(result);
    }
    const target = decideBet(bet, results);

    const hold = await this.wallet.getHold(bet.betId);
    if (!hold) {
      this.problem('no_hold', bet, 'the bet has no wallet hold');
      return { outcome: 'skipped', events: [] };
    }
    if (hold.status === 'voided') {
      this.problem('hold_released', bet, 'the hold was released: the wallet cannot pay or reopen it');
      return { outcome: 'skipped', events: [] };
    }
    const balance = await this.moveMoney(bet, hold, walletPayout(bet, target));

    const steps = storeSteps(bet, target, detail);
    let now = bet;
    const done: Bet[] = [];
    for (const step of steps) {
      const result = await this.bets.updateStatus({ ...step, version: now.version });
      if (result.status === 'not_found') return { outcome: 'skipped', events: [] };
      if (result.status === 'conflict') return undefined;
      now = result.bet;
      done.push(now);
    }
    // Released on every judgement of a resolved bet, not only the one that resolved it: a
    // release that failed then is retried by the re-delivered message, which changes nothing else.
    if (now.status !== 'open') await this.liability?.release(now.betId);
    const run = { ...describe(bet, done, trace, detail), bet: now };
    if (verbose && run.outcome !== 'unchanged' && run.outcome !== 'leg_resulted') {
      this.logger.info(
        {
          betId: now.betId,
          player: now.player,
          status: now.status,
          ...(now.payout === undefined ? {} : { payout: fromMinor(now.payout, now.currency) }),
          currency: now.currency,
          ...(balance ? { available: fromMinor(balance, now.currency) } : {}),
          traceId: trace.traceId,
        },
        `bet ${run.outcome}: ${now.betId} of ${now.player}${now.payout === undefined ? '' : ` pays ${fromMinor(now.payout, now.currency)} ${now.currency}`}${balance === undefined ? '' : `, available ${fromMinor(balance, now.currency)}`}`,
      );
    }
    return run;
  }

  /**
   * Moves the hold to what `payout` asks (undefined: pending). Returns the player's available
   * balance after a move, undefined when nothing moved.
   */
  private async moveMoney(bet: Bet, hold: Hold, payout: Minor | undefined): Promise<Minor | undefined> {
    let status = hold.status;
    let reversals: number | undefined;
    let available: Minor | undefined;
    if (status === 'posted' && (payout === undefined || hold.payout !== payout)) {
      reversals = await this.reversals(bet.betId);
      const reversed = await this.wallet.reverseSettlement({ betId: bet.betId, key: `reverse:${bet.betId}:${reversals}` });
      reversals += 1;
      status = 'pending';
      available = reversed.balance.available;
    }
    if (status === 'pending' && payout !== undefined) {
      reversals ??= await this.reversals(bet.betId);
      const settled = await this.wallet.settle({ betId: bet.betId, payout, key: `settle:${bet.betId}:${reversals}` });
      available = settled.balance.available;
    }
    return available;
  }

  /** How many times the bet's hold was reversed: one stake_reversal line on `held` each. */
  private async reversals(betId: string): Promise<number> {
    const lines = await this.wallet.postings({ betId, limit: 10_000 });
    return lines.filter((p) => p.account === 'held' && p.kind === 'stake_reversal').length;
  }

  private problem(problem: string, bet: Bet, message: string): void {
    this.problems.inc({ problem });
    this.logger.error({ betId: bet.betId, player: bet.player, problem }, `settlement cannot judge bet ${bet.betId}: ${message}`);
  }

  /** Runs `work` after any earlier work on the same bet in this process. */
  private async exclusive<T>(betId: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(betId) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(betId, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(betId) === tail) this.locks.delete(betId);
    }
  }
}

/** The outcome and the events of the status changes made, a reversal and a new settlement read as one re-settlement. */
function describe(before: Bet, done: readonly Bet[], trace: Trace, detail: string): { outcome: BetOutcome; events: SettlementEvent[] } {
  const events: SettlementEvent[] = [];
  let outcome: BetOutcome = 'unchanged';
  let previous = before;
  let reopened: { bet: Bet; from: Bet } | undefined;
  for (const bet of done) {
    if (bet.status === 'open' && previous.status !== 'open') {
      reopened = { bet, from: previous };
      outcome = 'reopened';
    } else if (bet.status === 'settled') {
      if (reopened?.from.status === 'settled') {
        events.push(betResettled(bet, reopened.from.payout ?? 0n, trace));
        outcome = 'resettled';
      } else {
        if (reopened) events.push(betReopened(reopened.bet, 'cancel_rolled_back', trace));
        events.push(betSettled(bet, trace));
        outcome = 'settled';
      }
      reopened = undefined;
    } else if (bet.status === 'cancelled') {
      if (reopened) events.push(betReopened(reopened.bet, 'settlement_rolled_back', trace));
      events.push(betCancelled(bet, detail, trace));
      outcome = 'cancelled';
      reopened = undefined;
    } else if (outcome === 'unchanged') {
      outcome = 'leg_resulted';
    }
    previous = bet;
  }
  if (reopened) events.push(betReopened(reopened.bet, reopened.from.status === 'settled' ? 'settlement_rolled_back' : 'cancel_rolled_back', trace));
  return { outcome, events };
}
