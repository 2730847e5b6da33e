import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { betSettlementXml, escapeAttribute, oddsChangeXml, routingKey } from '../../../feed-ingest/simulator/xml.ts';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false });

describe('UOF XML building', () => {
  test('escapes every character XML reserves in attribute values', () => {
    assert.equal(escapeAttribute(`a&b<c>"d'`), 'a&amp;b&lt;c&gt;&quot;d&apos;');
    const xml = oddsChangeXml({ product: 1, eventId: 'sr:match:1', timestamp: 5, markets: [{ id: 999, specifiers: `x=<&">`, status: 1, outcomes: [] }] });
    assert.equal(XMLValidator.validate(xml), true);
    const doc = parser.parse(xml) as { odds_change: { odds: { market: { specifiers: string } } } };
    assert.equal(doc.odds_change.odds.market.specifiers, 'x=<&">', 'a parser reads back the original text');
  });

  test('writes sport_event_status with clock, period scores and statistics in the schema order', () => {
    const xml = oddsChangeXml({
      product: 1,
      eventId: 'sr:match:7',
      timestamp: 1,
      requestId: 3,
      state: {
        status: 1,
        matchStatus: 7,
        homeScore: 2,
        awayScore: 1,
        clock: { matchTime: '67:12' },
        periodScores: [{ number: 1, matchStatusCode: 6, home: 1, away: 1 }],
        cards: { yellow: [1, 2], red: [0, 1] },
      },
      markets: [],
    });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><odds_change product="1" event_id="sr:match:7" timestamp="1" request_id="3">' +
        '<sport_event_status status="1" reporting="1" match_status="7" home_score="2" away_score="1"><clock match_time="67:12"/>' +
        '<period_scores><period_score match_status_code="6" number="1" home_score="1" away_score="1"/></period_scores>' +
        '<statistics><yellow_cards home="1" away="2"/><red_cards home="0" away="1"/></statistics></sport_event_status></odds_change>',
    );
  });

  test('writes results with void factors only where they apply', () => {
    const xml = betSettlementXml({
      product: 1,
      eventId: 'sr:match:7',
      timestamp: 1,
      certainty: 2,
      markets: [{ marketId: 18, specifiers: 'total=2', outcomes: [{ id: '12', result: 0, voidFactor: 1 }, { id: '13', result: 0, voidFactor: 1 }] }, { marketId: 1, specifiers: '', outcomes: [{ id: '1', result: 1 }] }],
    });
    assert.match(xml, /<bet_settlement certainty="2" product="1" event_id="sr:match:7" timestamp="1"><outcomes><market id="18" specifiers="total=2"><outcome id="12" result="0" void_factor="1"\/>/);
    assert.match(xml, /<market id="1"><outcome id="1" result="1"\/><\/market><\/outcomes><\/bet_settlement>$/);
  });

  test('routes like the provider: priority, pre/live, type, sport, event', () => {
    assert.equal(routingKey('odds_change', { eventId: 'sr:match:123', sportId: 'sr:sport:1', live: true }), 'hi.-.live.odds_change.1.sr:match.123.-');
    assert.equal(routingKey('bet_settlement', { eventId: 'sr:match:9', sportId: 'sr:sport:5', live: true }), 'lo.-.live.bet_settlement.5.sr:match.9.-');
    assert.equal(routingKey('fixture_change', { eventId: 'sr:match:9', sportId: 'sr:sport:2', live: false }), 'lo.pre.-.fixture_change.2.sr:match.9.-');
    assert.equal(routingKey('alive'), '-.-.-.alive.-.-.-.-');
  });
});
