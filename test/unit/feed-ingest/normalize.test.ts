import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeUof } from '../../../feed-ingest/uof/normalize.ts';
import type { NormalizeContext } from '../../../feed-ingest/uof/normalize.ts';
import type {
  UofBetSettlement,
  UofBetSettlementOutcome,
  UofDocument,
  UofOddsChange,
  UofOddsChangeMarket,
} from '../../../feed-ingest/uof/document.ts';
import type { BetSettled, FeedMessage, OddsChanged } from '../../../core/contracts/feed.ts';

const SHA1 = '0123456789abcdef0123456789abcdef01234567';
const CONTEXT: NormalizeContext = { payloadSha1: SHA1, receivedTs: 1795378899999 };
const HEAD = { product: 1, event_id: 'sr:match:61301159', timestamp: 1795378812345 };

function message(document: UofDocument, context: NormalizeContext = CONTEXT): FeedMessage {
  const result = normalizeUof(document, context);
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.detail}`);
  return result.message;
}

function failure(document: UofDocument, context: NormalizeContext = CONTEXT): { code: string; detail: string } {
  const result = normalizeUof(document, context);
  assert.ok(!result.ok, 'expected a failure');
  return { code: result.code, detail: result.detail };
}

function oddsChange(markets: UofOddsChangeMarket[], extra: Partial<UofOddsChange> = {}): UofOddsChange {
  return { root: 'odds_change', ...HEAD, market: markets, ...extra };
}

function settlement(outcomes: UofBetSettlementOutcome[], extra: Partial<UofBetSettlement> = {}): UofBetSettlement {
  return { root: 'bet_settlement', ...HEAD, certainty: 2, market: [{ id: 1, outcome: outcomes }], ...extra };
}

describe('normalizeUof: meta', () => {
  test('messageId and traceId come from type, producer, event, timestamp and the payload hash', () => {
    const m = message(oddsChange([]));
    assert.equal(m.messageId, 'OddsChanged:1:sr:match:61301159:1795378812345:0123456789ab');
    assert.equal(m.traceId, '0123456789abcdef');
    assert.deepEqual([m.v, m.producer, m.sourceTs, m.receivedTs], [1, 1, 1795378812345, 1795378899999]);
    assert.equal('requestId' in m, false);
    const alive = message({ root: 'alive', product: 3, timestamp: 7, subscribed: 1 });
    assert.equal(alive.messageId, 'ProducerAlive:3:-:7:0123456789ab');
  });

  test('request_id becomes requestId', () => {
    assert.equal(message(oddsChange([], { request_id: 7001 })).requestId, 7001);
  });

  test('product and timestamp are required and must make sense', () => {
    assert.deepEqual(failure({ root: 'bet_stop', event_id: 'sr:match:1', timestamp: 1 }), { code: 'FEED_MISSING_FIELD', detail: 'bet_stop/@product is missing' });
    assert.equal(failure({ root: 'bet_stop', product: 1, event_id: 'sr:match:1' }).code, 'FEED_MISSING_FIELD');
    assert.equal(failure({ root: 'alive', timestamp: 1, subscribed: 1 }).code, 'FEED_MISSING_FIELD');
    assert.equal(failure({ root: 'bet_stop', product: 0, event_id: 'sr:match:1', timestamp: 1 }).code, 'FEED_INVALID_VALUE');
    assert.equal(failure({ root: 'bet_stop', product: 1, event_id: 'sr:match:1', timestamp: -1 }).code, 'FEED_INVALID_VALUE');
    assert.equal(failure({ root: 'bet_stop', ...HEAD, request_id: -2 }).code, 'FEED_INVALID_VALUE');
  });
});

describe('normalizeUof: event id', () => {
  test('must be an event URN', () => {
    const result = failure({ root: 'bet_stop', ...HEAD, event_id: 'match-61301159' });
    assert.deepEqual(result, { code: 'FEED_INVALID_VALUE', detail: 'bet_stop/@event_id: "match-61301159" is not an event URN such as sr:match:123' });
  });

  test('falls back to the AMQP routing key when the message has none', () => {
    const withKey = { ...CONTEXT, routingKey: 'hi.-.live.bet_stop.1.sr:match.61301159.-' };
    const m = message({ root: 'bet_stop', product: 1, timestamp: 5 }, withKey);
    assert.ok(m.type === 'BetStopped');
    assert.equal(m.eventId, 'sr:match:61301159');
    assert.equal(m.messageId, 'BetStopped:1:sr:match:61301159:5:0123456789ab');
  });

  test('the routing key does not override the message, and a key without an event does not help', () => {
    const m = message({ root: 'bet_stop', ...HEAD }, { ...CONTEXT, routingKey: 'hi.-.live.bet_stop.1.sr:match.999.-' });
    assert.ok(m.type === 'BetStopped');
    assert.equal(m.eventId, 'sr:match:61301159');
    for (const routingKey of [undefined, '-.-.-.bet_stop.-.-.-.-', 'garbage', 'a.b.c.d.e.sr:match.x.-']) {
      assert.equal(failure({ root: 'bet_stop', product: 1, timestamp: 5 }, { ...CONTEXT, routingKey }).code, 'FEED_MISSING_FIELD', String(routingKey));
    }
  });
});

describe('normalizeUof: odds_change', () => {
  test('canonical specifiers and market keys; defaults for status and active', () => {
    const m = message(oddsChange([{ id: 18, specifiers: 'total=2.5|hcp=0:1', outcome: [{ id: '12', odds: 1.9 }] }])) as OddsChanged;
    assert.deepEqual(m.markets, [
      { marketId: 18, specifiers: 'hcp=0:1|total=2.5', marketKey: '18/hcp=0:1|total=2.5', status: 1, outcomes: [{ outcomeId: '12', active: true, odds: 1.9 }] },
    ]);
  });

  test('market fields that are sent are kept', () => {
    const m = message(oddsChange([{ id: 1, status: -1, extended_specifiers: 'period=1', cashout_status: -2, favourite: 1, next_betstop: 1795379700000, outcome: [] }])) as OddsChanged;
    assert.deepEqual(m.markets[0], {
      marketId: 1,
      specifiers: '',
      marketKey: '1',
      status: -1,
      extendedSpecifiers: 'period=1',
      cashoutStatus: -2,
      favourite: true,
      nextBetstop: '1795379700000',
      outcomes: [],
    });
  });

  test('unusable odds and probabilities are left out; the outcome stays', () => {
    const outcomes = [
      { id: 'a', odds: 1, probabilities: Number.NaN },
      { id: 'b', odds: Number.POSITIVE_INFINITY, probabilities: 1.2 },
      { id: 'c', odds: Number.NaN, probabilities: -0.1 },
      { id: 'd', odds: 1.01, probabilities: 0 },
      { id: 'e', odds: 1000, probabilities: 1 },
    ];
    const m = message(oddsChange([{ id: 1, outcome: outcomes }])) as OddsChanged;
    assert.deepEqual(m.markets[0]!.outcomes, [
      { outcomeId: 'a', active: true },
      { outcomeId: 'b', active: true },
      { outcomeId: 'c', active: true },
      { outcomeId: 'd', active: true, odds: 1.01, probability: 0 },
      { outcomeId: 'e', active: true, odds: 1000, probability: 1 },
    ]);
  });

  test('a market status or outcome active outside the XSD fails the message', () => {
    assert.equal(failure(oddsChange([{ id: 1, status: 5, outcome: [] }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(oddsChange([{ id: 1, outcome: [{ id: '1', active: 2 }] }])).code, 'FEED_INVALID_VALUE');
    assert.equal(message(oddsChange([{ id: 1, outcome: [{ id: '1', active: 0 }] }])).type, 'OddsChanged');
  });

  test('market and outcome ids are required', () => {
    assert.deepEqual(failure(oddsChange([{ outcome: [] }])), { code: 'FEED_MISSING_FIELD', detail: 'odds_change/odds/market/@id is missing' });
    assert.equal(failure(oddsChange([{ id: 1, outcome: [{ odds: 2 }] }])).code, 'FEED_MISSING_FIELD');
    assert.equal(failure(oddsChange([{ id: -1, outcome: [] }])).code, 'FEED_INVALID_VALUE');
  });

  test('sport_event_status: scores, clock and period scores; dropped without a status', () => {
    const status = {
      status: 1,
      match_status: 7,
      home_score: 2,
      away_score: Number.NaN,
      clock: { match_time: '45:00', remaining_time: 'soon', stopped: true },
      period_scores: [
        { number: 1, match_status_code: 6, home_score: 1, away_score: 0 },
        { number: 2, home_score: 1 },
      ],
    };
    const m = message(oddsChange([], { sport_event_status: status, betting_status: 1, betstop_reason: 2, odds_change_reason: 1 })) as OddsChanged;
    assert.deepEqual(m.sportEventStatus, { status: 1, matchStatus: 7, homeScore: 2, matchTime: '45:00', stopped: true, periodScores: [{ number: 1, home: 1, away: 0, matchStatusCode: 6 }] });
    assert.deepEqual([m.bettingStatus, m.betstopReason, m.oddsChangeReason], [1, 2, 1]);
    const without = message(oddsChange([], { sport_event_status: { match_status: 7, period_scores: [] } })) as OddsChanged;
    assert.equal('sportEventStatus' in without, false);
  });
});

describe('normalizeUof: bet_stop', () => {
  test('groups split and trimmed; defaults all and suspended', () => {
    const m = message({ root: 'bet_stop', ...HEAD, groups: 'goal| corner ||' , market_status: 0 });
    assert.ok(m.type === 'BetStopped');
    assert.deepEqual([m.groups, m.marketStatus], [['goal', 'corner'], 0]);
    const defaults = message({ root: 'bet_stop', ...HEAD });
    assert.ok(defaults.type === 'BetStopped');
    assert.deepEqual([defaults.groups, defaults.marketStatus], [['all'], -1]);
    const blank = message({ root: 'bet_stop', ...HEAD, groups: ' | ' });
    assert.ok(blank.type === 'BetStopped');
    assert.deepEqual(blank.groups, ['all']);
    assert.equal(failure({ root: 'bet_stop', ...HEAD, market_status: 3 }).code, 'FEED_INVALID_VALUE');
  });
});

describe('normalizeUof: bet_settlement', () => {
  test('result 1 won, 0 lost; factors default to 0 and 1', () => {
    const m = message(settlement([{ id: '1', result: 1 }, { id: '2', result: 0, void_factor: '0.5', dead_heat_factor: '0.5' }])) as BetSettled;
    assert.equal(m.certainty, 2);
    assert.deepEqual(m.markets[0]!.outcomes, [
      { outcomeId: '1', won: true, voidFactor: '0', deadHeatFactor: '1' },
      { outcomeId: '2', won: false, voidFactor: '0.5', deadHeatFactor: '0.5' },
    ]);
  });

  test('certainty defaults to 1; anything but 1 or 2 fails', () => {
    assert.equal((message(settlement([{ id: '1', result: 1 }], { certainty: undefined })) as BetSettled).certainty, 1);
    assert.equal(failure(settlement([{ id: '1', result: 1 }], { certainty: 3 })).code, 'FEED_INVALID_VALUE');
  });

  test('undecided outcomes are not settled; a market left empty is dropped', () => {
    const m = message({
      root: 'bet_settlement',
      ...HEAD,
      market: [
        { id: 38, outcome: [{ id: 'a', result: 1 }, { id: 'b', result: -1 }] },
        { id: 39, outcome: [{ id: 'a', result: -1 }] },
      ],
    }) as BetSettled;
    assert.deepEqual(m.markets.map((market) => [market.marketKey, market.outcomes.map((o) => o.outcomeId)]), [['38', ['a']]]);
  });

  test('result is required and must be 1, 0 or -1; factors must be in range', () => {
    assert.equal(failure(settlement([{ id: '1' }])).code, 'FEED_MISSING_FIELD');
    assert.equal(failure(settlement([{ id: '1', result: 2 }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(settlement([{ id: '1', result: 1, void_factor: '1.5' }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(settlement([{ id: '1', result: 1, void_factor: '-0.5' }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(settlement([{ id: '1', result: 1, dead_heat_factor: '0' }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(settlement([{ id: '1', result: 1, dead_heat_factor: '2' }])).code, 'FEED_INVALID_VALUE');
    assert.equal(failure(settlement([{ result: 1 }])).code, 'FEED_MISSING_FIELD');
  });
});

describe('normalizeUof: cancels, rollbacks, fixture changes, producer messages', () => {
  test('bet_cancel keeps its window, superceded_by and void reasons', () => {
    const m = message({ root: 'bet_cancel', ...HEAD, start_time: 10, end_time: 20, superceded_by: 'sr:match:2', market: [{ id: 18, specifiers: 'total=2.5', void_reason: 1 }] });
    assert.ok(m.type === 'BetCancelled');
    assert.deepEqual([m.startTime, m.endTime, m.supercededBy], [10, 20, 'sr:match:2']);
    assert.deepEqual(m.markets, [{ marketId: 18, specifiers: 'total=2.5', marketKey: '18/total=2.5', voidReason: 1 }]);
    const open = message({ root: 'bet_cancel', ...HEAD, market: [] });
    assert.ok(open.type === 'BetCancelled');
    assert.equal('startTime' in open || 'endTime' in open || 'supercededBy' in open, false);
  });

  test('a cancel window that ends before it starts fails', () => {
    assert.equal(failure({ root: 'bet_cancel', ...HEAD, start_time: 20, end_time: 10, market: [] }).code, 'FEED_INVALID_VALUE');
    assert.equal(failure({ root: 'rollback_bet_cancel', ...HEAD, start_time: -5, market: [] }).code, 'FEED_INVALID_VALUE');
  });

  test('rollbacks name their markets', () => {
    const settlementRollback = message({ root: 'rollback_bet_settlement', ...HEAD, market: [{ id: 1 }] });
    assert.ok(settlementRollback.type === 'SettlementRolledBack');
    assert.deepEqual(settlementRollback.markets, [{ marketId: 1, specifiers: '', marketKey: '1' }]);
    const cancelRollback = message({ root: 'rollback_bet_cancel', ...HEAD, start_time: 1, market: [{ id: 2 }] });
    assert.ok(cancelRollback.type === 'CancelRolledBack');
    assert.deepEqual([cancelRollback.startTime, cancelRollback.endTime, cancelRollback.markets.length], [1, undefined, 1]);
  });

  test('fixture_change', () => {
    const m = message({ root: 'fixture_change', ...HEAD, change_type: 5, start_time: 100, next_live_time: 90 });
    assert.ok(m.type === 'FixtureChanged');
    assert.deepEqual([m.changeType, m.startTime, m.nextLiveTime], [5, 100, 90]);
  });

  test('alive: subscribed is required and 1 or 0', () => {
    const down = message({ root: 'alive', product: 1, timestamp: 5, subscribed: 0 });
    assert.ok(down.type === 'ProducerAlive');
    assert.equal(down.subscribed, false);
    assert.equal(failure({ root: 'alive', product: 1, timestamp: 5 }).code, 'FEED_MISSING_FIELD');
    assert.equal(failure({ root: 'alive', product: 1, timestamp: 5, subscribed: 2 }).code, 'FEED_INVALID_VALUE');
  });

  test('snapshot_complete: request_id is required', () => {
    const m = message({ root: 'snapshot_complete', product: 3, timestamp: 5, request_id: 12 });
    assert.ok(m.type === 'SnapshotCompleted');
    assert.equal(m.requestId, 12);
    assert.deepEqual(failure({ root: 'snapshot_complete', product: 3, timestamp: 5 }), { code: 'FEED_MISSING_FIELD', detail: 'snapshot_complete/@request_id is missing' });
  });
});
