/**
 * analytics: consumes the priced output (`odds.deltas`) and the bet lifecycle (`bets.events`) in
 * the consumer group 'analytics' and records them as facts in the AnalyticsStore, which answers
 * the trading reports (http.ts).
 *
 * Delivery: the bus delivers at least once and the store counts each fact once, so redeliveries
 * are harmless. A bet fact is acknowledged to the bus only once stored: when the store cannot take
 * it (DEPENDENCY_UNAVAILABLE, retriable) the handler throws and the bus delivers it again, so no
 * bet is lost to an outage. Price facts are buffered by the store and never hold up the stream;
 * after a long outage a price chart may have a gap (the store counts what it dropped). Messages
 * that are malformed are counted and skipped, never retried.
 */
import type { Bus, Delivery, Subscription } from '../core/ports/bus.ts';
import type { FixtureProvider } from '../core/ports/fixture-provider.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { AnalyticsStore } from '../core/ports/analytics.ts';
import type { HealthReport, Service } from '../core/service.ts';
import { isAppError } from '../core/errors.ts';
import { TOPICS } from '../core/topics.ts';
import { betFactOf, parseBetEvent, priceFactsOf } from './facts.ts';
import { SportLookup } from './sport-lookup.ts';

export interface AnalyticsDeps {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: AnalyticsStore;
  /** Where a bet's sport comes from (its legs' events): the fixture provider or the catalog. */
  readonly fixtures: Pick<FixtureProvider, 'getFixture'>;
}

export interface AnalyticsOptions {
  /** Consumer group on the bus. Default 'analytics'. */
  readonly groupId?: string;
  /** Events whose sport is remembered. Default 10,000. */
  readonly sportCacheSize?: number;
}

export type Analytics = Service;

export function createAnalytics(deps: AnalyticsDeps, options: AnalyticsOptions = {}): Analytics {
  const { bus, store } = deps;
  const logger = deps.logger.child({ service: 'analytics' });
  const sports = new SportLookup(deps.fixtures, options.sportCacheSize ?? 10_000);
  const facts = deps.metrics.counter('sb_analytics_facts_total', 'Facts handed to the analytics store, by kind.', ['kind']);
  const skipped = deps.metrics.counter('sb_analytics_skipped_messages_total', 'Bus messages analytics skipped: malformed, or refused by the store.', ['topic', 'reason']);
  let subscription: Subscription | undefined;

  /** Retriable faults go back to the bus (redelivery); anything else is counted and skipped. */
  const skipOrRethrow = (error: unknown, delivery: Delivery): void => {
    if (isAppError(error) && error.retriable) throw error;
    const reason = isAppError(error) && error.code === 'INVALID_REQUEST' ? 'invalid' : 'refused';
    skipped.inc({ topic: delivery.topic, reason });
    // Malformed input is counted only (it could be a flood); a refusal by the store is a fault worth a line.
    if (reason === 'refused') logger.error({ err: error, topic: delivery.topic, key: delivery.key }, 'analytics fact refused by the store: skipped');
  };

  const onDelta = (delivery: Delivery): void => {
    const prices = priceFactsOf(delivery.value);
    if (prices === undefined || prices.length === 0) return;
    store.recordPrices(prices);
    facts.inc({ kind: 'price' }, prices.length);
  };

  const onBetEvent = async (delivery: Delivery): Promise<void> => {
    const event = parseBetEvent(delivery.value);
    const sportId = event.type === 'BetAccepted' ? await sports.sportOfLegs(event.legs.map((l) => l.eventId)) : '';
    const fact = betFactOf(event, sportId);
    await store.recordBets([fact]);
    facts.inc({ kind: fact.kind });
  };

  const handle = async (delivery: Delivery): Promise<void> => {
    try {
      if (delivery.topic === TOPICS.oddsDeltas) onDelta(delivery);
      else if (delivery.topic === TOPICS.bets) await onBetEvent(delivery);
    } catch (error) {
      skipOrRethrow(error, delivery);
    }
  };

  return {
    name: 'analytics',
    async start() {
      if (subscription) return;
      // From the beginning: bets accepted before the group first joined still count in the reports.
      subscription = await bus.subscribe({ topics: [TOPICS.oddsDeltas, TOPICS.bets], groupId: options.groupId ?? 'analytics', fromBeginning: true, handler: handle });
      logger.info({}, 'analytics started');
    },
    async stop() {
      await subscription?.close();
      subscription = undefined;
      // What was consumed is written before the store is closed by its owner.
      await store.flush().catch((err: unknown) => logger.warn({ err }, 'analytics flush at stop failed: buffered facts wait for the store to close'));
    },
    async health(): Promise<HealthReport> {
      const [busHealth, storeHealth] = await Promise.all([bus.health(), store.health()]);
      return { ok: busHealth.ok && storeHealth.ok && subscription !== undefined, checks: { bus: busHealth, analyticsStore: storeHealth } };
    },
  };
}
