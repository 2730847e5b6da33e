import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedEventMessage, SettledOutcome } from '../../../core/contracts/feed.ts';
import type { EventId } from '../../../core/ids.ts';
import {
  applyMarketChange,
  emptyMarketResult,
  legResultFor,
  marketMessages,
  type CertaintyPolicy,
  type MarketChange,
} from '../../../settlement/market-results.ts';
import type { MarketResult } from '../../../core/ports/market-result-store.ts';

const EVENT = 'sr:match:1' as EventId;
const outcome = (outcomeId: string, won: boolean, voidFactor = '0', deadHeatFactor = '1'): SettledOutcome => ({ outcomeId, won, voidFactor, deadHeatFactor });
const HOME = [outcome('1', true), outcome('2', false), outcome('3', false)];
const AWAY = [outcome('1', false), outcome('2', false), outcome('3', true)];

const settle = (messageId: string, certainty: 1 | 2, outcomes = HOME): MarketChange => ({ kind: 'settled', messageId, certainty, outcomes });
const rollback = (messageId: string): MarketChange => ({ kind: 'settlement_rolled_back', messageId });
const cancel = (messageId: string, startTime?: number, endTime?: number): MarketChange => ({
  kind: 'cancelled',
  messageId,
  ...(startTime === undefined ? {} : { startTime }),
  ...(endTime === undefined ? {} : { endTime }),
});
const uncancel = (messageId: string, startTime?: number, endTime?: number): MarketChange => ({
  kind: 'cancel_rolled_back',
  messageId,
  ...(startTime === undefined ? {} : { startTime }),
  ...(endTime === undefined ? {} : { endTime }),
});

function run(changes: readonly MarketChange[], policy?: CertaintyPolicy): { state: MarketResult; effects: string[] } {
  let state = emptyMarketResult(EVENT, '1');
  const effects: string[] = [];
  for (const change of changes) {
    const applied = applyMarketChange(state, change, policy);
    effects.push(applied.effect);
    state = applied.state;
  }
  return { state, effects };
}

describe('market results: the last effective message decides', () => {
  const cases: Array<{ name: string; changes: MarketChange[]; effects: string[]; winner?: string; certainty?: number; cancels?: number; policy?: CertaintyPolicy }> = [
    { name: 'a first result settles', changes: [settle('s1', 1)], effects: ['changed'], winner: '1', certainty: 1 },
    { name: 'the same message again is a duplicate', changes: [settle('s1', 1), settle('s1', 1)], effects: ['changed', 'duplicate'], winner: '1' },
    { name: 'a confirmation of the same result changes no bet', changes: [settle('s1', 1), settle('s2', 2)], effects: ['changed', 'confirmed'], winner: '1', certainty: 2 },
    { name: 'a confirmed result that differs re-settles', changes: [settle('s1', 1), settle('s2', 2, AWAY)], effects: ['changed', 'changed'], winner: '3', certainty: 2 },
    { name: 'a live result after a confirmed one is outranked', changes: [settle('s1', 2), settle('s2', 1, AWAY)], effects: ['changed', 'ignored'], winner: '1', certainty: 2 },
    { name: 'a second live result that differs re-settles', changes: [settle('s1', 1), settle('s2', 1, AWAY)], effects: ['changed', 'changed'], winner: '3', certainty: 1 },
    { name: 'a rollback undoes the settlement', changes: [settle('s1', 2), rollback('r1')], effects: ['changed', 'changed'] },
    { name: 'after a rollback a live result settles again', changes: [settle('s1', 2), rollback('r1'), settle('s2', 1, AWAY)], effects: ['changed', 'changed', 'changed'], winner: '3', certainty: 1 },
    { name: 'a re-delivered settlement after its rollback stays rolled back', changes: [settle('s1', 1), rollback('r1'), settle('s1', 1)], effects: ['changed', 'changed', 'duplicate'] },
    { name: 'a rollback with nothing settled does nothing', changes: [rollback('r1')], effects: ['ignored'] },
    { name: 'waiting for certainty 2: a live result does nothing', changes: [settle('s1', 1)], effects: ['ignored'], policy: { settleOnCertainty: 2 } },
    { name: 'waiting for certainty 2: the confirmed result settles', changes: [settle('s1', 1), settle('s2', 2, AWAY)], effects: ['ignored', 'changed'], winner: '3', certainty: 2, policy: { settleOnCertainty: 2 } },
    { name: 'a cancel adds its window', changes: [cancel('c1', 100, 200)], effects: ['changed'], cancels: 1 },
    { name: 'a cancel of the same window again only renames it', changes: [cancel('c1', 100, 200), cancel('c2', 100, 200)], effects: ['changed', 'ignored'], cancels: 1 },
    { name: 'a cancel rollback removes the matching window', changes: [cancel('c1', 100, 200), cancel('c2'), uncancel('u1', 100, 200)], effects: ['changed', 'changed', 'changed'], cancels: 1 },
    { name: 'a cancel rollback of another window does nothing', changes: [cancel('c1', 100, 200), uncancel('u1', 100)], effects: ['changed', 'ignored'], cancels: 1 },
    { name: 'cancels and settlements live side by side', changes: [settle('s1', 1), cancel('c1'), rollback('r1')], effects: ['changed', 'changed', 'changed'], cancels: 1 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { state, effects } = run(c.changes, c.policy);
      assert.deepEqual(effects, c.effects);
      assert.equal(state.settlement?.outcomes.find((o) => o.won)?.outcomeId, c.winner);
      if (c.certainty !== undefined) assert.equal(state.settlement?.certainty, c.certainty);
      assert.equal(state.cancels.length, c.cancels ?? 0);
    });
  }

  test('every applied message is remembered, the state versioned and marked pending when bets must change', () => {
    const { state } = run([settle('s1', 1), settle('s2', 2), rollback('r1')]);
    assert.deepEqual(state.seen, ['s1', 's2', 'r1']);
    assert.equal(state.version, 3);
    assert.equal(state.pending, true);
    const confirmedOnly = applyMarketChange({ ...run([settle('s1', 1)]).state, pending: false }, settle('s2', 2));
    assert.equal(confirmedOnly.state.pending, false, 'a confirmation needs no pass over the bets');
  });

  test('a confirmation keeps the message that set the results as their reference', () => {
    assert.equal(run([settle('s1', 1), settle('s2', 2)]).state.settlement?.messageId, 's1');
  });
});

describe('the result of a bet on the market', () => {
  const { state } = run([settle('s1', 1, [outcome('1', true, '0.5'), outcome('2', false)]), cancel('c1', 1000, 2000)]);

  test('a bet placed inside a cancel window is void, settled or not', () => {
    assert.deepEqual(legResultFor(state, '1', 1500), { source: 'cancelled', won: false, voidFactor: '1', deadHeatFactor: '1', ref: 'c1' });
  });
  test('the window is [start, end)', () => {
    assert.equal(legResultFor(state, '1', 1000)?.source, 'cancelled');
    assert.equal(legResultFor(state, '1', 2000)?.source, 'settled');
    assert.equal(legResultFor(state, '1', 999)?.source, 'settled');
  });
  test('outside the window the settlement decides', () => {
    assert.deepEqual(legResultFor(state, '1', 10), { source: 'settled', won: true, voidFactor: '0.5', deadHeatFactor: '1', ref: 's1' });
    assert.equal(legResultFor(state, '2', 10)?.won, false);
  });
  test('an outcome the settlement does not list has no result', () => {
    assert.equal(legResultFor(state, '3', 10), undefined);
  });
  test('open-ended windows', () => {
    const { state: open } = run([cancel('c1', undefined, 500), cancel('c2', 900)]);
    assert.equal(legResultFor(open, '1', 0)?.ref, 'c1');
    assert.equal(legResultFor(open, '1', 700), undefined);
    assert.equal(legResultFor(open, '1', 9e12)?.ref, 'c2');
  });
});

describe('feed messages split by market', () => {
  const meta = { v: 1 as const, messageId: 'm1', traceId: 't1', producer: 1, sourceTs: 1, receivedTs: 2, eventId: EVENT };

  test('a bet_settlement gives one change per market; odds and other messages give none', () => {
    const message: FeedEventMessage = {
      ...meta,
      type: 'BetSettled',
      certainty: 2,
      markets: [
        { marketId: 1, specifiers: '', marketKey: '1', outcomes: HOME },
        { marketId: 18, specifiers: 'total=2.5', marketKey: '18/total=2.5', outcomes: [outcome('12', true), outcome('13', false)] },
      ],
    };
    const { accepted, refused } = marketMessages(message);
    assert.deepEqual(accepted.map((m) => [m.marketKey, m.change.kind]), [['1', 'settled'], ['18/total=2.5', 'settled']]);
    assert.equal(refused.length, 0);
    assert.deepEqual(marketMessages({ ...meta, type: 'BetStopped', groups: ['all'], marketStatus: -1 }), { accepted: [], refused: [] });
  });

  test('a market whose factors are not plain decimals in range is refused, the others go on', () => {
    const message: FeedEventMessage = {
      ...meta,
      type: 'BetSettled',
      certainty: 1,
      markets: [
        { marketId: 1, specifiers: '', marketKey: '1', outcomes: [outcome('1', true, '1e-1')] },
        { marketId: 2, specifiers: '', marketKey: '2', outcomes: [outcome('1', true, '0', '0')] },
        { marketId: 3, specifiers: '', marketKey: '3', outcomes: [outcome('1', true, '0.5', '0.5')] },
      ],
    };
    const { accepted, refused } = marketMessages(message);
    assert.deepEqual(accepted.map((m) => m.marketKey), ['3']);
    assert.deepEqual(refused.map((r) => r.marketKey), ['1', '2']);
  });

  test('cancels and their rollbacks carry their window', () => {
    const { accepted } = marketMessages({ ...meta, type: 'BetCancelled', startTime: 10, markets: [{ marketId: 1, specifiers: '', marketKey: '1' }] });
    assert.deepEqual(accepted[0]?.change, { kind: 'cancelled', messageId: 'm1', startTime: 10 });
    const back = marketMessages({ ...meta, type: 'CancelRolledBack', startTime: 10, endTime: 20, markets: [{ marketId: 1, specifiers: '', marketKey: '1' }] });
    assert.deepEqual(back.accepted[0]?.change, { kind: 'cancel_rolled_back', messageId: 'm1', startTime: 10, endTime: 20 });
  });
});
