import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ManualClock } from '../../support/manual-clock.ts';
import { MatchSimulator } from '../../../feed-ingest/simulator/simulator.ts';
import { describeMarket, marketDescription, marketGroups } from '../../../core/market-descriptions.ts';

type Attrs = Record<string, string>;
interface Node {
  $?: Attrs;
  [child: string]: unknown;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '$',
  parseAttributeValue: false,
  isArray: (name) => name === 'market' || name === 'outcome' || name === 'period_score',
});
const decoder = new TextDecoder();
const ROOTS = ['odds_change', 'bet_stop', 'bet_settlement', 'rollback_bet_settlement', 'bet_cancel', 'fixture_change', 'alive', 'snapshot_complete'];
/** Markets whose outcomes exclude each other (double chance does not). */
const overlapping = new Set([10]);

interface Received {
  readonly routingKey: string;
  readonly xml: string;
  readonly root: string;
  readonly node: Node;
}

describe('simulator messages', () => {
  const received: Received[] = [];

  before(async () => {
    const clock = new ManualClock();
    // Settlements, rollbacks and cancels often enough to be seen in 12 minutes of play.
    const sim = new MatchSimulator({ clock }, { seed: 'messages', rollbackProbability: 0.5, betCancelProbability: 0.5 });
    await sim.start(async (m) => {
      const xml = decoder.decode(m.payload);
      assert.equal(m.source, 'simulator');
      assert.equal(XMLValidator.validate(xml), true, `well-formed: ${xml.slice(0, 200)}`);
      const doc = parser.parse(xml) as Record<string, Node>;
      const root = Object.keys(doc).find((k) => k !== '?xml')!;
      received.push({ routingKey: m.routingKey ?? '', xml, root, node: doc[root]! });
    });
    await clock.advanceAsync(12 * 60_000, 1000);
    await sim.requestRecovery({ producer: 1, requestId: 5 });
    await sim.drain();
    await sim.stop();
  });

  test('every message is a UOF message of a known type, under the matching routing key', () => {
    const types = new Set(received.map((r) => r.root));
    for (const root of ROOTS) assert.ok(types.has(root), `saw ${root}`);
    for (const r of received) {
      assert.ok(ROOTS.includes(r.root), r.root);
      const parts = r.routingKey.split('.');
      assert.equal(parts.length, 8, r.routingKey);
      assert.equal(parts[3], r.root, r.routingKey);
      const attrs = r.node.$ ?? {};
      assert.match(attrs.product ?? '', /^[13]$/);
      assert.match(attrs.timestamp ?? '', /^\d{13}$/);
      if (r.root === 'alive' || r.root === 'snapshot_complete') {
        assert.equal(r.routingKey, `-.-.-.${r.root}.-.-.-.-`);
        continue;
      }
      assert.match(attrs.event_id ?? '', /^sr:match:\d+$/);
      assert.equal(`${parts[5]}:${parts[6]}`, attrs.event_id, 'routing key names the event');
      assert.equal(parts[2] === 'live', attrs.product === '1', 'live producer under the live routing key');
    }
  });

  test('every market offered has a description, and its outcomes are the described ones', () => {
    let markets = 0;
    for (const r of received.filter((x) => x.root === 'odds_change')) {
      const odds = r.node.odds as { market?: Node[] } | undefined;
      for (const market of odds?.market ?? []) {
        const id = Number(market.$!.id);
        const specifiers = market.$!.specifiers ?? '';
        assert.ok(describeMarket(id, specifiers), `market ${id} ${specifiers} has a description`);
        const known = new Set(marketDescription(id)!.outcomes.map((o) => o.id));
        for (const outcome of (market.outcome as Node[] | undefined) ?? []) assert.ok(known.has(outcome.$!.id!), `outcome ${outcome.$!.id} of market ${id}`);
        assert.ok(['1', '0', '-1', '-2'].includes(market.$!.status!), `status ${market.$!.status}`);
        markets += 1;
      }
    }
    assert.ok(markets > 1000, `plenty of markets checked (${markets})`);
  });

  test('active outcomes carry odds above 1 and probabilities; a book sums to 1 with a 3–10 % margin', () => {
    let books = 0;
    for (const r of received.filter((x) => x.root === 'odds_change')) {
      const odds = r.node.odds as { market?: Node[] } | undefined;
      for (const market of odds?.market ?? []) {
        const outcomes = ((market.outcome as Node[] | undefined) ?? []).map((o) => o.$!);
        if (outcomes.length === 0) continue;
        for (const o of outcomes.filter((x) => x.active === '1')) {
          assert.ok(Number(o.odds) >= 1.01, `odds ${o.odds}`);
          assert.ok(Number(o.probabilities) > 0 && Number(o.probabilities) <= 1, `probability ${o.probabilities}`);
        }
        const id = Number(market.$!.id);
        const allActive = outcomes.every((o) => o.active === '1');
        const unclamped = outcomes.every((o) => Number(o.odds) > 1.01 && Number(o.odds) < 500);
        if (overlapping.has(id) || !allActive || !unclamped) continue;
        const fair = outcomes.reduce((n, o) => n + Number(o.probabilities), 0);
        assert.ok(Math.abs(fair - 1) < 1e-5, `market ${id} probabilities sum to ${fair}`);
        const book = outcomes.reduce((n, o) => n + 1 / Number(o.odds), 0);
        assert.ok(book > 1.03 && book < 1.1, `market ${id} ${market.$!.specifiers ?? ''} overround ${book}`);
        books += 1;
      }
    }
    assert.ok(books > 1000, `books checked: ${books}`);
  });

  test('sport_event_status carries the score and the clock while live', () => {
    const live = received.filter((r) => r.root === 'odds_change' && (r.node.sport_event_status as Node | undefined)?.$?.status === '1');
    assert.ok(live.length > 100);
    for (const r of live) {
      const status = (r.node.sport_event_status as Node).$!;
      assert.match(status.home_score ?? '', /^\d+$/);
      assert.match(status.away_score ?? '', /^\d+$/);
      assert.ok(Number(status.match_status) > 0, `match_status ${status.match_status}`);
    }
    const clocks = live.map((r) => ((r.node.sport_event_status as Node).clock as Node | undefined)?.$?.match_time).filter(Boolean);
    assert.ok(clocks.length > 50, 'football and basketball send a clock');
    for (const c of clocks) assert.match(c!, /^\d{2,3}:\d{2}$/);
  });

  test('bet_stop names groups that markets belong to', () => {
    const groups = new Set([...[1, 60, 202, 219, 235].flatMap((id) => marketGroups(id))]);
    const stops = received.filter((r) => r.root === 'bet_stop');
    assert.ok(stops.length > 10);
    for (const r of stops) for (const g of r.node.$!.groups!.split('|')) assert.ok(groups.has(g), `group ${g}`);
  });

  test('settlements name described markets, results 0/1 and void factors 0.5/1 only', () => {
    const settlements = received.filter((r) => r.root === 'bet_settlement');
    assert.ok(settlements.length > 5);
    for (const r of settlements) {
      assert.match(r.node.$!.certainty!, /^[12]$/);
      for (const market of (r.node.outcomes as { market: Node[] }).market) {
        assert.ok(describeMarket(Number(market.$!.id), market.$!.specifiers ?? ''), `described: ${market.$!.id}`);
        const results = (market.outcome as Node[]).map((o) => o.$!);
        for (const o of results) {
          assert.match(o.result!, /^[01]$/);
          if (o.void_factor !== undefined) assert.match(o.void_factor, /^(0\.5|1)$/);
        }
        if (results.every((o) => o.void_factor === undefined)) {
          assert.ok(results.some((o) => o.result === '1'), `market ${market.$!.id} ${market.$!.specifiers ?? ''} has a winner`);
        }
      }
    }
  });

  test('recovery answers with request_id on odds_change, then snapshot_complete', () => {
    const answered = received.filter((r) => r.node.$?.request_id === '5');
    assert.ok(answered.length >= 2);
    assert.equal(answered.at(-1)!.root, 'snapshot_complete');
    for (const r of answered.slice(0, -1)) assert.equal(r.root, 'odds_change');
  });
});
