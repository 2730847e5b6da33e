import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryAnalytics } from '../../../adapters/analytics/in-memory-analytics.ts';
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { createAnalytics, type Analytics } from '../../../analytics/analytics-service.ts';
import type { BetAccepted, BetEvent } from '../../../core/contracts/bet-events.ts';
import type { PriceChanged } from '../../../core/contracts/odds.ts';
import { AppError } from '../../../core/errors.ts';
import type { EventId } from '../../../core/ids.ts';
import type { AnalyticsStore, BetFact } from '../../../core/ports/analytics.ts';
import type { FixtureDetails } from '../../../core/ports/fixture-provider.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { TOPICS } from '../../../core/topics.ts';
import { waitFor } from '../../support/wait.ts';

const TS = Date.UTC(2026, 10, 22, 12, 0, 0);
const SPORTS: Record<string, string> = { 'sr:match:1': 'sr:sport:1', 'sr:match:2': 'sr:sport:1', 'sr:match:3': 'sr:sport:2' };

function details(eventId: string, sportId: string): FixtureDetails {
  return {
    eventId: eventId as EventId,
    sport: { id: sportId, name: sportId },
    tournament: { id: 'sr:tournament:1', name: 'T' },
    competitors: [],
    scheduledStart: '2026-11-22T12:00:00Z',
  };
}

function priceChanged(seq: number, prices: Record<string, string>): PriceChanged {
  return {
    v: 1,
    type: 'PriceChanged',
    eventId: 'sr:match:1' as EventId,
    epoch: 'ep',
    seq,
    ts: TS + seq * 1000,
    sourceTs: TS,
    traceId: `t${seq}`,
    marketKey: '1',
    state: 'open',
    outcomes: Object.entries(prices).map(([outcomeId, price]) => ({ outcomeId, price, active: true })),
  };
}

const meta = (betId: string, version: number, status: BetEvent['status']) => ({ v: 1 as const, eventKey: `${betId}/${version}`, betId, playerId: 'p1', ts: TS + version, traceId: 'tr', status, version });

function betAccepted(betId: string, stake: string, events: readonly string[]): BetAccepted {
  return {
    ...meta(betId, 1, 'open'),
    type: 'BetAccepted',
    stake,
    currency: 'EUR',
    odds: '2.00',
    potentialPayout: (Number(stake) * 2).toFixed(2),
    legs: events.map((eventId) => ({ eventId, marketKey: '1', outcomeId: '1', odds: '2.00', priceVersion: { epoch: 'ep', seq: 1 } })),
    delayMs: 0,
  };
}

const betSettled = (betId: string, version: number, payout: string): BetEvent => ({ ...meta(betId, version, 'settled'), type: 'BetSettled', payout, currency: 'EUR', legs: [] });

describe('analytics service', () => {
  let bus: InMemoryBus;
  let store: InMemoryAnalytics;
  let metrics: PromMetrics;
  let service: Analytics;
  let lookups: string[];
  let fixturesDown: number;
  let storeDown: number;

  beforeEach(async () => {
    bus = new InMemoryBus({ partitions: 2, retryBackoffMs: 1 });
    store = new InMemoryAnalytics();
    metrics = new PromMetrics();
    lookups = [];
    fixturesDown = 0;
    storeDown = 0;
    // The store and the provider fail on demand, as they do during an outage.
    const flaky: AnalyticsStore = Object.assign(Object.create(store) as AnalyticsStore, {
      recordBets: async (facts: readonly BetFact[]) => {
        if (storeDown > 0) {
          storeDown -= 1;
          throw new AppError('DEPENDENCY_UNAVAILABLE', 'store away');
        }
        return store.recordBets(facts);
      },
    });
    service = createAnalytics({
      bus,
      logger: silentLogger,
      metrics,
      store: flaky,
      fixtures: {
        getFixture: async (eventId) => {
          lookups.push(eventId);
          if (fixturesDown > 0) {
            fixturesDown -= 1;
            throw new AppError('DEPENDENCY_UNAVAILABLE', 'provider away');
          }
          const sport = SPORTS[eventId];
          return sport === undefined ? undefined : details(eventId, sport);
        },
      },
    });
    await service.start();
  });

  afterEach(async () => {
    await service.stop();
    await bus.close();
  });

  const publishBets = (...events: BetEvent[]) => bus.publish(TOPICS.bets, events.map((value) => ({ key: value.betId, value })));
  const ggr = () => store.ggrBySportAndDay({ from: '2026-11-22', to: '2026-11-22' });
  const metric = async (name: string, labels: string) => {
    const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };

  test('records one price point per outcome of each PriceChanged; other deltas and redeliveries add nothing', async () => {
    const status = { ...priceChanged(3, {}), type: 'MarketStatusChanged', reasons: ['TRADER'] };
    await bus.publish(TOPICS.oddsDeltas, [priceChanged(1, { '1': '2.10', '2': '3.40' }), priceChanged(2, { '1': '2.05' }), status, priceChanged(2, { '1': '2.05' })].map((value) => ({ key: 'sr:match:1', value })));
    await waitFor(async () => (await metric('sb_analytics_facts_total', 'kind="price"')) === 4, { message: 'four price facts' });
    const points = await store.priceHistory({ eventId: 'sr:match:1', marketKey: '1', limit: 10 });
    assert.deepEqual(points.map((p) => [p.seq, p.outcomeId, p.price]), [[1, '1', '2.10'], [1, '2', '3.40'], [2, '1', '2.05']]);
  });

  test('a bet is reported under its legs’ sport, "multi" across sports, "unknown" when the catalog lacks one', async () => {
    await publishBets(
      betAccepted('single', '10.00', ['sr:match:1']),
      betAccepted('same-sport-acca', '4.00', ['sr:match:1', 'sr:match:2']),
      betAccepted('cross-sport', '2.00', ['sr:match:1', 'sr:match:3']),
      betAccepted('mystery', '1.00', ['sr:match:99']),
      betSettled('single', 2, '20.00'),
    );
    await waitFor(async () => (await ggr()).reduce((n, r) => n + r.bets, 0) === 4 && (await ggr()).some((r) => r.payouts === '20.00'), { message: 'four bets, one paid' });
    assert.deepEqual(
      (await ggr()).map((r) => [r.sportId, r.bets, r.turnover, r.payouts, r.ggr]),
      [
        ['multi', 1, '2.00', '0.00', '0.00'],
        ['sr:sport:1', 2, '14.00', '20.00', '-10.00'],
        ['unknown', 1, '1.00', '0.00', '0.00'],
      ],
    );
    // Sports are remembered: match 1 was asked about once, however many bets named it.
    assert.equal(lookups.filter((e) => e === 'sr:match:1').length, 1);
  });

  test('while the store or the provider is away the bet is redelivered, and counted once when back', async () => {
    storeDown = 3;
    fixturesDown = 2;
    await publishBets(betAccepted('b1', '5.00', ['sr:match:1']), betSettled('b1', 2, '0.00'));
    await waitFor(async () => (await ggr())[0]?.ggr === '5.00', { message: 'the bet, once the outage is over' });
    assert.equal(storeDown, 0);
    assert.equal(fixturesDown, 0);
    assert.deepEqual((await ggr()).map((r) => [r.bets, r.turnover]), [[1, '5.00']]);
  });

  test('malformed messages are counted and skipped; the stream goes on', async () => {
    await bus.publish<unknown>(TOPICS.bets, [
      { key: 'x', value: { v: 1, type: 'BetAccepted', betId: 'x' } },
      { key: 'y', value: { ...betAccepted('y', '1.005', ['sr:match:1']) } },
      { key: 'z', value: 'not an object' },
    ]);
    await bus.publish<unknown>(TOPICS.oddsDeltas, [{ key: 'sr:match:1', value: { ...priceChanged(1, {}), outcomes: [{ outcomeId: '1', price: 2.1, active: true }] } }]);
    await publishBets(betAccepted('ok', '3.00', ['sr:match:1']));
    await waitFor(async () => (await ggr()).length === 1, { message: 'the valid bet after the bad ones' });
    assert.equal(await metric('sb_analytics_skipped_messages_total', 'topic="bets.events",reason="invalid"'), 3);
    assert.equal(await metric('sb_analytics_skipped_messages_total', 'topic="odds.deltas",reason="invalid"'), 1);
  });

  test('health reports the bus and the store; stop() leaves the group', async () => {
    const health = await service.health!();
    assert.equal(health.ok, true);
    assert.deepEqual(Object.keys(health.checks), ['bus', 'analyticsStore']);
    await service.stop();
    assert.equal((await service.health!()).ok, false);
    await service.stop();
    await service.start();
  });
});
