import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MarketStatusChanged, OddsDelta, PriceChanged } from '../../../core/contracts/odds.ts';
import type { EventId } from '../../../core/ids.ts';
import type { OddsString } from '../../../core/odds.ts';
import { conflate, oddsConflation } from '../../../push-gateway/conflation.ts';
import { liveConflation, type LiveChange } from '../../../push-gateway/live-list.ts';

const meta = (seq: number) => ({ v: 1 as const, eventId: 'sr:match:1' as EventId, epoch: 'e', seq, ts: seq, sourceTs: seq, traceId: `t${seq}` });
const price = (seq: number, marketKey: string, outcomes: Record<string, string>, state: PriceChanged['state'] = 'open'): PriceChanged => ({
  ...meta(seq),
  type: 'PriceChanged',
  marketKey,
  state,
  outcomes: Object.entries(outcomes).map(([outcomeId, p]) => ({ outcomeId, price: p as OddsString, active: true })),
});
const status = (seq: number, marketKey: string, state: MarketStatusChanged['state']): MarketStatusChanged => ({
  ...meta(seq),
  type: 'MarketStatusChanged',
  marketKey,
  state,
  reasons: state === 'suspended' ? ['BET_STOP'] : [],
});
const summary = (changes: readonly OddsDelta[]) =>
  changes.map((c) => (c.type === 'PriceChanged' ? `${c.seq}:${c.marketKey}:${c.state}:${c.outcomes.map((o) => `${o.outcomeId}=${o.price}`).join(',')}` : `${c.seq}:${c.type}:${'marketKey' in c ? c.marketKey : ''}:${'state' in c ? c.state : ''}`));

describe('oddsConflation', () => {
  test('keeps only the latest price per outcome of a market', () => {
    const out = conflate([price(1, 'm1', { '1': '2.00', '2': '1.80' }), price(2, 'm1', { '1': '2.10' }), price(3, 'm1', { '1': '2.20', '3': '4.00' })], oddsConflation);
    assert.deepEqual(summary(out.changes), ['3:m1:open:1=2.20,2=1.80,3=4.00']);
    assert.equal(out.merged, 2);
  });

  test('different markets are merged separately and keep their first position', () => {
    const out = conflate([price(1, 'a', { x: '2.00' }), price(2, 'b', { y: '3.00' }), price(3, 'a', { x: '2.02' })], oddsConflation);
    assert.deepEqual(summary(out.changes), ['3:a:open:x=2.02', '2:b:open:y=3.00']);
  });

  test('a suspension is never conflated away and the order of states holds', () => {
    const input = [price(1, 'm', { '1': '2.00' }), status(2, 'm', 'suspended'), price(3, 'm', { '1': '2.50' }, 'suspended'), status(4, 'm', 'open'), price(5, 'm', { '1': '2.40' }), price(6, 'm', { '1': '2.30' })];
    const out = conflate(input, oddsConflation);
    assert.deepEqual(summary(out.changes), ['1:m:open:1=2.00', '2:MarketStatusChanged:m:suspended', '3:m:suspended:1=2.50', '4:MarketStatusChanged:m:open', '6:m:open:1=2.30']);
  });

  test('a price with another state is not merged into the previous price', () => {
    const out = conflate([price(1, 'm', { '1': '2.00' }), price(2, 'm', { '1': '2.00' }, 'suspended'), price(3, 'm', { '1': '2.10' })], oddsConflation);
    assert.equal(out.changes.length, 3);
  });

  test('replaying conflated changes gives the same final prices as replaying all of them', () => {
    const seqs = Array.from({ length: 300 }, (_, i) => i + 1);
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const input: OddsDelta[] = seqs.map((seq) =>
      rnd(6) === 0 ? status(seq, `m${rnd(3)}`, rnd(2) === 0 ? 'suspended' : 'open') : price(seq, `m${rnd(3)}`, { [`o${rnd(3)}`]: `${1 + rnd(50) / 10}`.padEnd(4, '0') }, rnd(5) === 0 ? 'suspended' : 'open'),
    );
    const apply = (changes: readonly OddsDelta[]) => {
      const state = new Map<string, { state: string; prices: Map<string, string | undefined> }>();
      const states: string[] = [];
      for (const c of changes) {
        if (c.type === 'EpochStarted') continue;
        const m = state.get(c.marketKey) ?? { state: 'open', prices: new Map() };
        if (m.state !== c.state) states.push(`${c.marketKey}:${c.state}`);
        m.state = c.state;
        if (c.type === 'PriceChanged') for (const o of c.outcomes) m.prices.set(o.outcomeId, o.price);
        state.set(c.marketKey, m);
      }
      return { final: [...state].map(([k, m]) => `${k}:${m.state}:${[...m.prices].sort().join(',')}`).sort(), states };
    };
    const out = conflate(input, oddsConflation);
    assert.ok(out.merged > 0);
    const all = apply(input);
    const conflated = apply(out.changes);
    assert.deepEqual(conflated.final, all.final);
    // Per market the sequence of states is the same (transitions are never merged away).
    for (const key of ['m0', 'm1', 'm2']) {
      assert.deepEqual(
        conflated.states.filter((s) => s.startsWith(`${key}:`)),
        all.states.filter((s) => s.startsWith(`${key}:`)),
      );
    }
  });
});

describe('liveConflation', () => {
  const upd = (eventId: string, status: 'live' | 'suspended', home: number): LiveChange => ({
    type: 'LiveEventUpdated',
    eventId,
    ts: home,
    event: { eventId, sportId: 'sr:sport:1', tournament: { id: 't', name: 'T' }, competitors: [], scheduledStart: '2026-11-22T12:00:00Z', status, score: { home, away: 0 } },
  });
  const removed = (eventId: string): LiveChange => ({ type: 'LiveEventRemoved', eventId, ts: 0 });

  test('merges updates of an event with the same status, never across a removal', () => {
    const out = conflate([upd('e1', 'live', 1), upd('e1', 'live', 2), upd('e2', 'live', 0), upd('e1', 'suspended', 2), removed('e1'), upd('e1', 'live', 3)], liveConflation);
    assert.deepEqual(
      out.changes.map((c) => `${c.type}:${c.eventId}:${c.type === 'LiveEventUpdated' ? `${c.event.status}:${c.event.score?.home}` : ''}`),
      ['LiveEventUpdated:e1:live:2', 'LiveEventUpdated:e2:live:0', 'LiveEventUpdated:e1:suspended:2', 'LiveEventRemoved:e1:', 'LiveEventUpdated:e1:live:3'],
    );
  });
});
