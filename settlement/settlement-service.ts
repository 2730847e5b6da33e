/**
 * settlement: results from the feed to paid bets. Consumes feed.events (bet_settlement,
 * bet_cancel and their rollbacks) and bets.events (BetAccepted), keeps each market's result
 * state (market-results.ts) in a MarketResultStore, and brings the market's bets in line with it
 * (settler.ts): wallet settlements and reversals, bet status changes, and BetSettled /
 * BetResettled / BetCancelled / BetReopened on bets.events for the push gateway.
 *
 * Per market message: the new state is stored first, marked pending, then every bet on the market
 * is judged, then the mark is cleared. A bet accepted in between is caught by its BetAccepted,
 * which is judged against the stored state; a crash in between leaves the mark, and the
 * re-delivered message finishes the pass instead of being skipped as a duplicate.
 */
import type { BetEvent } from '../core/contracts/bet-events.ts';
import type { FeedEventMessage } from '../core/contracts/feed.ts';
import { AppError, isAppError } from '../core/errors.ts';
import type { BetStore } from '../core/ports/bet-store.ts';
import type { Bus, Subscription } from '../core/ports/bus.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { LiabilityLedger } from '../core/ports/liability-ledger.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { MarketResult, MarketResultStore } from '../core/ports/market-result-store.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { Wallet } from '../core/ports/wallet.ts';
import type { HealthReport, Service } from '../core/service.ts';
import { TOPICS } from '../core/topics.ts';
import type { SettlementEvent, Trace } from './bet-events.ts';
import {
  DEFAULT_CERTAINTY_POLICY,
  applyMarketChange,
  emptyMarketResult,
  hasResults,
  marketMessages,
  type CertaintyPolicy,
  type ChangeEffect,
  type MarketMessage,
} from './market-results.ts';
import { collectLedger, reconcile, type ReconcileReport } from './reconcile.ts';
import { Settler, type MarketStates, type PassSummary } from './settler.ts';

export interface SettlementDeps {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly wallet: Wallet;
  readonly bets: BetStore;
  readonly results: MarketResultStore;
  /** The acceptors' liability ledger: a resolved bet's reservation is released. Optional. */
  readonly liability?: LiabilityLedger;
}

export interface SettlementOptions {
  /** Consumer group on feed.events and bets.events. Default 'settlement'. */
  readonly groupId?: string;
  /** Which certainty settles. Default: the first result (certainty 1); a differing confirmed one re-settles. */
  readonly certainty?: CertaintyPolicy;
  /** Bets read per page of a market. Default 1000; 0 reads a market's bets in one call. */
  readonly pageSize?: number;
  /** Bets of a page judged at once. Default 8. */
  readonly concurrency?: number;
}

export interface Settlement extends Service {
  /** Applies one feed message: what the feed.events subscription does with each delivery. */
  handleFeed(message: FeedEventMessage): Promise<void>;
  /** Judges an accepted bet whose market may already be resulted: what the bets.events subscription does. */
  handleBetEvent(event: BetEvent): Promise<void>;
  /** Checks the ledger, the holds and the bets of record against each other (reconcile.ts). */
  reconcile(): Promise<ReconcileReport>;
}

export function createSettlement(deps: SettlementDeps, options: SettlementOptions = {}): Settlement {
  const { bus, wallet, bets, results, clock } = deps;
  const logger = deps.logger.child({ service: 'settlement' });
  const policy = options.certainty ?? DEFAULT_CERTAINTY_POLICY;
  const groupId = options.groupId ?? 'settlement';
  const messages = deps.metrics.counter('sb_settlement_market_messages_total', 'Market parts of feed messages settlement applied, by kind and effect.', ['kind', 'effect']);
  const refusedMarkets = deps.metrics.counter('sb_settlement_refused_markets_total', 'Settled markets refused for factors that are not decimals in range.');
  const failures = deps.metrics.counter('sb_settlement_failures_total', 'Messages settlement gave up on after a fault that retrying cannot fix.', ['topic']);
  const passSeconds = deps.metrics.histogram('sb_settlement_market_pass_seconds', 'Time to judge every bet of a market after its result changed.', [], [0.001, 0.01, 0.1, 1, 10, 60, 600]);
  const settler = new Settler(
    {
      bets,
      wallet,
      logger,
      metrics: deps.metrics,
      ...(deps.liability ? { liability: deps.liability } : {}),
      publish: (events) => bus.publish<SettlementEvent>(TOPICS.bets, events.map((e) => ({ key: e.betId, value: e }))),
    },
    {
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    },
  );
  const subscriptions: Subscription[] = [];

  /** Market states read fresh at every judgement; `known` is the state this pass is for. */
  const statesWith = (known?: MarketResult): MarketStates => async (eventId, marketKey) =>
    known && known.eventId === eventId && known.marketKey === marketKey ? known : results.get(eventId, marketKey);

  const put = async (state: MarketResult, expected: number) => {
    if (!(await results.put(state, expected))) {
      throw new AppError('INTERNAL', `the result of ${state.eventId} ${state.marketKey} changed under this process (another settlement consumer?)`);
    }
  };

  const applyToMarket = async (part: MarketMessage, trace: Trace): Promise<ChangeEffect> => {
    const { eventId, marketKey, change } = part;
    const current = (await results.get(eventId, marketKey)) ?? emptyMarketResult(eventId, marketKey);
    const applied = applyMarketChange(current, change, policy);
    messages.inc({ kind: change.kind, effect: applied.effect });
    const fields = { eventId, marketKey, messageId: change.messageId, traceId: trace.traceId };
    if (applied.effect !== 'duplicate') await put(applied.state, current.version);
    logger.debug({ ...fields, effect: applied.effect }, `${change.kind.replaceAll('_', ' ')} ${eventId} ${marketKey}: ${applied.effect}`);
    const state = applied.state;
    if (!state.pending) return applied.effect;
    const started = performance.now();
    const summary = await settler.settleMarket(eventId, marketKey, statesWith(state), trace, `feed ${change.messageId}`);
    passSeconds.observe((performance.now() - started) / 1000);
    await put({ ...state, pending: false, version: state.version + 1 }, state.version);
    if (summary.bets > 0) logger.info({ ...fields, ...summary }, `market ${eventId} ${marketKey}: ${describePass(summary)}`);
    return applied.effect;
  };

  const handleFeed = async (message: FeedEventMessage) => {
    const { accepted, refused } = marketMessages(message);
    for (const r of refused) {
      refusedMarkets.inc();
      logger.error({ eventId: message.eventId, marketKey: r.marketKey, messageId: message.messageId }, `settlement refused for ${message.eventId} ${r.marketKey}: ${r.reason}`);
    }
    const trace = { traceId: message.traceId, ts: clock.now() };
    const effects: Partial<Record<ChangeEffect, number>> = {};
    for (const part of accepted) {
      const effect = await applyToMarket(part, trace);
      effects[effect] = (effects[effect] ?? 0) + 1;
    }
    if (accepted.length > 0) {
      const counts = Object.entries(effects).map(([effect, n]) => `${n} ${effect}`).join(', ');
      const certainty = message.type === 'BetSettled' ? `, certainty ${message.certainty}` : '';
      logger.info(
        { eventId: message.eventId, messageId: message.messageId, traceId: message.traceId, type: message.type, effects },
        `${message.type} ${message.eventId}${certainty}: ${accepted.length} markets (${counts})`,
      );
    }
  };

  const handleBetEvent = async (event: BetEvent) => {
    if (event.type !== 'BetAccepted') return;
    let resulted = false;
    for (const leg of event.legs) if (hasResults(await results.get(leg.eventId, leg.marketKey))) resulted = true;
    if (!resulted) return;
    const bet = await bets.get(event.betId);
    if (!bet) {
      logger.error({ betId: event.betId, traceId: event.traceId }, `accepted bet ${event.betId} is not in the bet store`);
      return;
    }
    const run = await settler.settleBet(bet, statesWith(), { traceId: event.traceId, ts: clock.now() }, 'accepted on a resulted market');
    if (run.events.length > 0) await bus.publish<SettlementEvent>(TOPICS.bets, run.events.map((e) => ({ key: e.betId, value: e })));
  };

  /** Retriable faults go back to the bus for redelivery; anything else would block the partition forever. */
  const guarded =
    <T>(topic: string, work: (value: T) => Promise<void>, describeValue: (value: T) => Record<string, unknown>) =>
    async ({ value }: { value: T }) => {
      try {
        await work(value);
      } catch (error) {
        if (isAppError(error) && error.retriable) throw error;
        failures.inc({ topic });
        logger.error({ err: error, topic, ...describeValue(value) }, 'settlement gave up on a message: replay it once the cause is fixed');
      }
    };

  return {
    name: 'settlement',
    handleFeed,
    handleBetEvent,
    reconcile: async () => reconcile(await collectLedger(wallet, bets)),
    async start() {
      if (subscriptions.length > 0) return;
      subscriptions.push(
        await bus.subscribe<FeedEventMessage>({
          topics: [TOPICS.feedEvents],
          groupId,
          fromBeginning: true,
          handler: guarded(TOPICS.feedEvents, handleFeed, (m) => ({ messageId: m.messageId, eventId: m.eventId, type: m.type })),
        }),
        await bus.subscribe<BetEvent>({
          topics: [TOPICS.bets],
          groupId,
          fromBeginning: true,
          handler: guarded(TOPICS.bets, handleBetEvent, (e) => ({ betId: e.betId, type: e.type })),
        }),
      );
      logger.info({ groupId, settleOnCertainty: policy.settleOnCertainty }, 'settlement started');
    },
    async stop() {
      const open = subscriptions.splice(0);
      await Promise.all(open.map((s) => s.close()));
    },
    async health(): Promise<HealthReport> {
      const [busHealth, walletHealth, betsHealth, resultsHealth] = await Promise.all([bus.health(), wallet.health(), bets.health(), results.health()]);
      return {
        ok: busHealth.ok && walletHealth.ok && betsHealth.ok && resultsHealth.ok && subscriptions.length > 0,
        checks: { bus: busHealth, wallet: walletHealth, bets: betsHealth, marketResults: resultsHealth },
      };
    },
  };
}

function describePass(summary: PassSummary): string {
  const parts = Object.entries(summary.outcomes).map(([outcome, n]) => `${n} ${outcome.replaceAll('_', ' ')}`);
  const paid = Object.entries(summary.paid).map(([currency, amount]) => `${amount} ${currency}`);
  return `${summary.bets} bets judged (${parts.join(', ')})${paid.length > 0 ? `, paid ${paid.join(' + ')}` : ''}`;
}
