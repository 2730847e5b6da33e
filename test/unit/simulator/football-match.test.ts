import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../../support/manual-clock.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import type { SimulatorOptions } from '../../../feed-ingest/simulator/simulator.ts';
import { marketKey } from '../../../core/market-key.ts';

type Attrs = Record<string, string>;
interface Node {
  $?: Attrs;
  [child: string]: unknown;
}
interface Message {
  readonly root: string;
  readonly attrs: Attrs;
  readonly node: Node;
}
interface Result {
  readonly result: string;
  readonly voidFactor?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '$',
  parseAttributeValue: false,
  isArray: (name) => name === 'market' || name === 'outcome' || name === 'period_score',
});
const decoder = new TextDecoder();

/** One football match, kicked off 30 s after start, played to the end with a ManualClock. */
async function playOneMatch(options: SimulatorOptions): Promise<Message[]> {
  const clock = new ManualClock();
  const sim = new MatchSimulator(
    { clock },
    { sports: { football: 1, tennis: 0, basketball: 0 }, liveMatches: 0, upcomingMatches: 1, kickoffSpacingMs: 30_000, ...options },
  );
  const all: Message[] = [];
  await sim.start(async (m) => {
    const doc = parser.parse(decoder.decode(m.payload)) as Record<string, Node>;
    const root = Object.keys(doc).find((k) => k !== '?xml')!;
    all.push({ root, attrs: doc[root]!.$ ?? {}, node: doc[root]! });
  });
  const first = (await sim.listFixtures())[0]!.eventId;
  const closed = (): boolean =>
    all.some((m) => m.attrs.event_id === first && m.root === 'odds_change' && (m.node.sport_event_status as Node | undefined)?.$?.status === '4');
  // A match lasts about 6.5 simulated-clock minutes with the default speed; allow 12.
  for (let minute = 0; minute < 12 && !closed(); minute += 1) {
    await clock.advanceAsync(60_000, 1000);
    await sim.drain();
  }
  await sim.stop();
  assert.ok(closed(), 'the match was played to the end and closed');
  return all.filter((m) => m.attrs.event_id === first);
}

function markets(m: Message): Node[] {
  if (m.root === 'bet_settlement') return (m.node.outcomes as { market: Node[] }).market;
  if (m.root === 'rollback_bet_settlement' || m.root === 'bet_cancel') return (m.node.market as Node[] | undefined) ?? [];
  return ((m.node.odds as { market?: Node[] } | undefined)?.market ?? []) as Node[];
}

function keyOf(market: Node): string {
  return marketKey(Number(market.$!.id), market.$!.specifiers ?? '');
}

function results(market: Node): Record<string, Result> {
  const out: Record<string, Result> = {};
  for (const o of market.outcome as Node[]) out[o.$!.id!] = { result: o.$!.result!, ...(o.$!.void_factor ? { voidFactor: o.$!.void_factor } : {}) };
  return out;
}

/** What a two-way line must settle to, worked out here independently of the simulator. */
function expectedLine(value: number, line: number): { over: Result; under: Result } {
  const halves = Math.abs(line * 4) % 2 === 1 ? [line - 0.25, line + 0.25] : [line];
  const score = halves.map((h): number => (value > h ? 1 : value < h ? -1 : 0));
  const sum = score.reduce((a, b) => a + b, 0);
  if (halves.length === 1) {
    if (sum === 0) return { over: { result: '0', voidFactor: '1' }, under: { result: '0', voidFactor: '1' } };
    return sum > 0 ? { over: { result: '1' }, under: { result: '0' } } : { over: { result: '0' }, under: { result: '1' } };
  }
  if (sum === 2) return { over: { result: '1' }, under: { result: '0' } };
  if (sum === -2) return { over: { result: '0' }, under: { result: '1' } };
  return sum > 0
    ? { over: { result: '1', voidFactor: '0.5' }, under: { result: '0', voidFactor: '0.5' } }
    : { over: { result: '0', voidFactor: '0.5' }, under: { result: '1', voidFactor: '0.5' } };
}

describe('a full football match', () => {
  let feed: Message[] = [];
  let home = 0;
  let away = 0;
  let confirmed = new Map<string, Node>();

  before(async () => {
    feed = await playOneMatch({ seed: 'full-match', rollbackProbability: 0, betCancelProbability: 0 });
    const ended = feed.find((m) => m.root === 'odds_change' && (m.node.sport_event_status as Node | undefined)?.$?.status === '3')!;
    const status = (ended.node.sport_event_status as Node).$!;
    home = Number(status.home_score);
    away = Number(status.away_score);
    const certain = feed.filter((m) => m.root === 'bet_settlement' && m.attrs.certainty === '2');
    confirmed = new Map(certain.flatMap((m) => markets(m).map((market) => [keyOf(market), market] as const)));
  });

  test('follows the provider lifecycle from new fixture to closed', () => {
    const steps = feed.map((m) => {
      const status = (m.node.sport_event_status as Node | undefined)?.$?.status;
      if (m.root === 'odds_change') {
        const handedOver = markets(m).length > 0 && markets(m).every((x) => x.$!.status === '-2');
        return `${m.root}/${m.attrs.product}/${handedOver ? 'handed-over' : `status-${status}`}`;
      }
      return m.root === 'bet_settlement' ? `${m.root}/${m.attrs.certainty}` : m.root;
    });
    assert.equal(steps[0], 'fixture_change');
    assert.equal(feed[0]!.attrs.change_type, '1');
    assert.equal(steps[1], 'odds_change/3/status-0', 'pre-match odds from Ctrl');
    const handover = steps.indexOf('odds_change/3/handed-over');
    assert.ok(handover > 1, 'Ctrl hands its markets over at kick-off');
    assert.equal(steps[handover + 1], 'odds_change/1/status-1', 'then LiveOdds prices the match');
    const ended = steps.indexOf('odds_change/1/status-3');
    const firstSettlement = steps.indexOf('bet_settlement/1', ended);
    const confirmation = steps.indexOf('bet_settlement/2');
    assert.ok(ended > handover && firstSettlement > ended && confirmation > firstSettlement, steps.join(' '));
    assert.equal(steps.at(-1), 'odds_change/1/status-4');
    assert.ok(steps.includes('bet_stop'), 'betting stopped at least at the final whistle');
  });

  test('settles every market it ever offered, once confirmed', () => {
    const offered = new Set(feed.filter((m) => m.root === 'odds_change').flatMap((m) => markets(m).filter((x) => x.$!.status === '1').map(keyOf)));
    assert.ok(offered.size > 15, `markets offered: ${offered.size}`);
    assert.deepEqual([...confirmed.keys()].sort(), [...offered].sort());
  });

  test('1x2, double chance and draw no bet follow the final score', () => {
    const oneXTwo = results(confirmed.get('1')!);
    const winner = home > away ? '1' : home === away ? '2' : '3';
    for (const id of ['1', '2', '3']) assert.equal(oneXTwo[id]!.result, id === winner ? '1' : '0', `1x2 ${id} at ${home}-${away}`);
    const dc = results(confirmed.get('10')!);
    assert.equal(dc['9']!.result, home >= away ? '1' : '0');
    assert.equal(dc['10']!.result, home !== away ? '1' : '0');
    assert.equal(dc['11']!.result, home <= away ? '1' : '0');
    const dnb = results(confirmed.get('11')!);
    if (home === away) assert.deepEqual(dnb, { '4': { result: '0', voidFactor: '1' }, '5': { result: '0', voidFactor: '1' } });
    else assert.equal(dnb['4']!.result, home > away ? '1' : '0');
  });

  test('every total and handicap line follows the final score, pushes and quarter lines included', () => {
    let lines = 0;
    for (const [key, market] of confirmed) {
      const id = Number(market.$!.id);
      const spec = Object.fromEntries((market.$!.specifiers ?? '').split('|').filter(Boolean).map((kv) => kv.split('=')));
      const got = results(market);
      if (id === 18 || id === 19 || id === 20) {
        const value = id === 18 ? home + away : id === 19 ? home : away;
        const want = expectedLine(value, Number(spec.total));
        assert.deepEqual({ over: got['12'], under: got['13'] }, want, `${key} at ${home}-${away}`);
        lines += 1;
      }
      if (id === 16) {
        const want = expectedLine(home - away, -Number(spec.hcp));
        assert.deepEqual({ over: got['1714'], under: got['1715'] }, want, `${key} at ${home}-${away}`);
        lines += 1;
      }
    }
    assert.ok(lines >= 8, `lines checked: ${lines}`);
  });

  test('both teams to score and odd/even follow the final score', () => {
    const btts = results(confirmed.get('29')!);
    assert.equal(btts['74']!.result, home > 0 && away > 0 ? '1' : '0');
    const odd = results(confirmed.get('26')!);
    assert.equal(odd['70']!.result, (home + away) % 2 === 1 ? '1' : '0');
  });

  test('first-half markets are settled at half-time from the half-time score', () => {
    const atHalfTime = feed.findIndex((m) => m.root === 'bet_settlement' && markets(m).some((x) => x.$!.id === '60'));
    const ended = feed.findIndex((m) => m.root === 'odds_change' && (m.node.sport_event_status as Node | undefined)?.$?.status === '3');
    assert.ok(atHalfTime > 0 && atHalfTime < ended, 'settled before the final whistle');
    const last = feed.filter((m) => m.root === 'odds_change' && (m.node.sport_event_status as Node | undefined)?.$?.status === '3').at(-1)!;
    const periods = ((last.node.sport_event_status as Node).period_scores as { period_score: Node[] }).period_score.map((p) => p.$!);
    const first = periods.find((p) => p.number === '1')!;
    const [h, a] = [Number(first.home_score), Number(first.away_score)];
    const ht = results(confirmed.get('60')!);
    assert.equal(ht[h > a ? '1' : h === a ? '2' : '3']!.result, '1');
    assert.equal(h + Number(periods.find((p) => p.number === '2')!.home_score), home, 'period scores add up');
  });
});

describe('a rolled back settlement', () => {
  test('is followed by a new settlement of the same markets before the confirmation', async () => {
    const feed = await playOneMatch({ seed: 'rollback', rollbackProbability: 1, betCancelProbability: 0 });
    const rollbackAt = feed.findIndex((m) => m.root === 'rollback_bet_settlement');
    assert.ok(rollbackAt > 0, 'a rollback was sent');
    const rolledBack = markets(feed[rollbackAt]!).map(keyOf).sort();
    const settledBefore = new Set(feed.slice(0, rollbackAt).filter((m) => m.root === 'bet_settlement').flatMap((m) => markets(m).map(keyOf)));
    for (const key of rolledBack) assert.ok(settledBefore.has(key), `${key} had been settled`);
    const resettle = feed.slice(rollbackAt).find((m) => m.root === 'bet_settlement')!;
    assert.equal(resettle.attrs.certainty, '1');
    assert.deepEqual(markets(resettle).map(keyOf).sort(), rolledBack);
    const confirmation = feed.findIndex((m) => m.root === 'bet_settlement' && m.attrs.certainty === '2');
    assert.ok(confirmation > feed.indexOf(resettle));
  });
});
