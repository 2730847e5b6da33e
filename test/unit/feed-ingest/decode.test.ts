import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUof, stripBom } from '../../../feed-ingest/uof/decode.ts';
import type { DecodeResult } from '../../../feed-ingest/uof/decode.ts';
import type { UofDocument } from '../../../feed-ingest/uof/document.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (text: string): DecodeResult => decodeUof(bytes(text));

function documentOf(text: string): UofDocument {
  const result = decode(text);
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.detail}`);
  return result.document;
}

function failure(text: string | Uint8Array): { code: string; detail: string } {
  const result = typeof text === 'string' ? decode(text) : decodeUof(text);
  assert.ok(!result.ok, 'expected the decode to fail');
  assert.ok(result.detail.length > 0);
  return { code: result.code, detail: result.detail };
}

describe('decodeUof: documents', () => {
  test('odds_change: attributes, status, odds, markets, outcomes and metadata', () => {
    const document = documentOf(`<?xml version="1.0" encoding="UTF-8"?>
      <odds_change product="1" event_id="sr:match:1" timestamp="1795378812345" request_id="9" odds_change_reason="1">
        <sport_event_status status="1" match_status="6" home_score="2" away_score="1">
          <clock match_time="37:12" remaining_time="8" stopped="true"/>
          <period_scores><period_score number="1" match_status_code="6" home_score="2" away_score="1"/></period_scores>
        </sport_event_status>
        <odds betting_status="1" betstop_reason="3">
          <market id="18" specifiers="total=2.5" extended_specifiers="x=1" status="-1" cashout_status="1" favourite="1">
            <market_metadata next_betstop="1795379700000"/>
            <outcome id="12" odds="1.75" probabilities="0.55" active="1"/>
          </market>
        </odds>
      </odds_change>`);
    assert.deepEqual(document, {
      root: 'odds_change',
      product: 1,
      event_id: 'sr:match:1',
      timestamp: 1795378812345,
      request_id: 9,
      odds_change_reason: 1,
      sport_event_status: {
        status: 1,
        match_status: 6,
        home_score: 2,
        away_score: 1,
        clock: { match_time: '37:12', stoppage_time: undefined, remaining_time: '8', remaining_time_in_period: undefined, stopped: true },
        period_scores: [{ number: 1, match_status_code: 6, home_score: 2, away_score: 1 }],
      },
      betting_status: 1,
      betstop_reason: 3,
      market: [
        {
          id: 18,
          specifiers: 'total=2.5',
          extended_specifiers: 'x=1',
          status: -1,
          cashout_status: 1,
          favourite: 1,
          next_betstop: 1795379700000,
          outcome: [{ id: '12', odds: 1.75, probabilities: 0.55, active: 1 }],
        },
      ],
    });
  });

  test('odds_change without odds has no markets; a single market and outcome are still arrays', () => {
    const bare = documentOf('<odds_change product="1" event_id="sr:match:1" timestamp="1"/>');
    assert.equal(bare.root, 'odds_change');
    assert.deepEqual(bare.root === 'odds_change' && bare.market, []);
    const one = documentOf('<odds_change product="1" event_id="sr:match:1" timestamp="1"><odds><market id="1"><outcome id="1"/></market></odds></odds_change>');
    assert.ok(one.root === 'odds_change');
    assert.equal(one.market.length, 1);
    assert.equal(one.market[0]!.outcome.length, 1);
  });

  test('bet_settlement: outcomes/market/outcome with factors as canonical decimal strings', () => {
    const document = documentOf(`<bet_settlement product="1" event_id="sr:match:1" timestamp="5" certainty="2">
      <outcomes><market id="66" specifiers="hcp=-0.25" void_reason="2">
        <outcome id="1714" result="0" void_factor="0.50"/>
        <outcome id="1715" result="1" dead_heat_factor="5e-1"/>
      </market></outcomes></bet_settlement>`);
    assert.ok(document.root === 'bet_settlement');
    assert.equal(document.certainty, 2);
    assert.deepEqual(document.market, [
      {
        id: 66,
        specifiers: 'hcp=-0.25',
        extended_specifiers: undefined,
        void_reason: 2,
        outcome: [
          { id: '1714', result: 0, void_factor: '0.5', dead_heat_factor: undefined },
          { id: '1715', result: 1, void_factor: undefined, dead_heat_factor: '0.5' },
        ],
      },
    ]);
  });

  test('bet_cancel, rollbacks, bet_stop, fixture_change, alive and snapshot_complete', () => {
    const cancel = documentOf('<bet_cancel product="1" event_id="sr:match:1" timestamp="5" start_time="1" end_time="2" superceded_by="sr:match:2"><market id="1" void_reason="3"/></bet_cancel>');
    assert.deepEqual(cancel, {
      root: 'bet_cancel',
      product: 1,
      event_id: 'sr:match:1',
      timestamp: 5,
      request_id: undefined,
      start_time: 1,
      end_time: 2,
      superceded_by: 'sr:match:2',
      market: [{ id: 1, specifiers: undefined, extended_specifiers: undefined, void_reason: 3 }],
    });
    const rollback = documentOf('<rollback_bet_settlement product="1" event_id="sr:match:1" timestamp="5"><market id="1"/><market id="2"/></rollback_bet_settlement>');
    assert.ok(rollback.root === 'rollback_bet_settlement');
    assert.deepEqual(rollback.market.map((m) => m.id), [1, 2]);
    const rollbackCancel = documentOf('<rollback_bet_cancel product="1" event_id="sr:match:1" timestamp="5" start_time="3"><market id="1"/></rollback_bet_cancel>');
    assert.ok(rollbackCancel.root === 'rollback_bet_cancel');
    assert.equal(rollbackCancel.start_time, 3);
    assert.equal(rollbackCancel.end_time, undefined);
    const stop = documentOf('<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="a|b" market_status="0"/>');
    assert.ok(stop.root === 'bet_stop');
    assert.equal(stop.groups, 'a|b');
    assert.equal(stop.market_status, 0);
    const fixture = documentOf('<fixture_change product="3" event_id="sr:match:1" timestamp="5" change_type="106" start_time="7" next_live_time="8"/>');
    assert.ok(fixture.root === 'fixture_change');
    assert.deepEqual([fixture.change_type, fixture.start_time, fixture.next_live_time], [106, 7, 8]);
    assert.deepEqual(documentOf('<alive product="1" timestamp="5" subscribed="0"/>'), { root: 'alive', product: 1, timestamp: 5, subscribed: 0 });
    assert.deepEqual(documentOf('<snapshot_complete request_id="12" product="3" timestamp="5"/>'), { root: 'snapshot_complete', product: 3, timestamp: 5, request_id: 12 });
  });
});

describe('decodeUof: what real feeds do', () => {
  test('a UTF-8 BOM, no XML declaration, a default namespace and comments are fine', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('<alive product="1" timestamp="5" subscribed="1"/>')]);
    assert.deepEqual(decodeUof(withBom), { ok: true, document: { root: 'alive', product: 1, timestamp: 5, subscribed: 1 } });
    assert.equal(stripBom(withBom).length, withBom.length - 3);
    assert.equal(documentOf('<!-- hi --><alive xmlns="http://schemas.sportradar.com/uof" product="1" timestamp="5" subscribed="1"/>').root, 'alive');
  });

  test('numbers written as "1.0", exponents and "NaN" are read on purpose', () => {
    const document = documentOf('<odds_change product="1.0" event_id="sr:match:1" timestamp="5"><odds><market id="18.0" status="1.0"><outcome id="1" odds="1.5e0" probabilities="NaN" active="1.0"/></market></odds></odds_change>');
    assert.ok(document.root === 'odds_change');
    assert.equal(document.product, 1);
    const market = document.market[0]!;
    assert.deepEqual([market.id, market.status], [18, 1]);
    assert.equal(market.outcome[0]!.odds, 1.5);
    assert.ok(Number.isNaN(market.outcome[0]!.probabilities));
  });

  test('an empty attribute reads as absent; unusable informative values read as absent', () => {
    const document = documentOf('<odds_change product="1" event_id="" timestamp="5" odds_change_reason="x"><odds betting_status="?"><market id="1" status="" cashout_status="n/a" favourite="yes"><outcome id="1" odds="abc" probabilities="" active=""/></market></odds></odds_change>');
    assert.ok(document.root === 'odds_change');
    assert.equal(document.event_id, undefined);
    assert.equal(document.odds_change_reason, undefined);
    assert.equal(document.betting_status, undefined);
    const market = document.market[0]!;
    assert.deepEqual([market.status, market.cashout_status, market.favourite], [undefined, undefined, undefined]);
    assert.deepEqual(market.outcome[0], { id: '1', odds: undefined, probabilities: undefined, active: undefined });
  });

  test('unknown elements and attributes are ignored, at every level', () => {
    const document = documentOf('<bet_stop product="1" event_id="sr:match:1" timestamp="5" shiny="1"><future><deep a="1"/></future>text</bet_stop>');
    assert.deepEqual(document, { root: 'bet_stop', product: 1, event_id: 'sr:match:1', timestamp: 5, request_id: undefined, groups: undefined, market_status: undefined });
  });

  test('the XML entities and character references are decoded', () => {
    const document = documentOf('<bet_cancel product="1" event_id="sr:match:1" timestamp="5" superceded_by="a&amp;b&#65;&#x42;&lt;&quot;&apos;&gt;"><market id="1"/></bet_cancel>');
    assert.ok(document.root === 'bet_cancel');
    assert.equal(document.superceded_by, 'a&bAB<"\'>');
  });

  test('a DOCTYPE is read over but never acted on: no entity is expanded, nothing is fetched', () => {
    const harmless = documentOf('<!DOCTYPE bet_stop [<!ENTITY boom "xxxxxxxx">]><bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="all"/>');
    assert.ok(harmless.root === 'bet_stop');
    assert.equal(harmless.groups, 'all');
    const laughs = `<!DOCTYPE bet_stop [<!ENTITY l0 "ha">${Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')}]>`;
    const cases = {
      declaredEntity: '<!DOCTYPE bet_stop [<!ENTITY boom "xxxxxxxx">]><bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="&boom;"/>',
      billionLaughs: `${laughs}<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="&l9;"/>`,
      externalEntity: '<!DOCTYPE bet_stop [<!ENTITY x SYSTEM "file:///etc/passwd">]><bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="&x;"/>',
      inText: `${laughs}<bet_stop product="1" event_id="sr:match:1" timestamp="5">&l9;</bet_stop>`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const started = performance.now();
      const { code, detail } = failure(text);
      assert.equal(code, 'FEED_MALFORMED_XML', name);
      assert.match(detail, /undefined entity/, name);
      assert.ok(performance.now() - started < 50, `${name} took ${performance.now() - started} ms`);
    }
  });

  test('an element with text only (no attributes) reads as an element without attributes', () => {
    const document = documentOf('<odds_change product="1" event_id="sr:match:1" timestamp="5"><odds><market>junk</market></odds></odds_change>');
    assert.ok(document.root === 'odds_change');
    assert.deepEqual(document.market[0]!.outcome, []);
    assert.equal(document.market[0]!.id, undefined);
  });
});

describe('decodeUof: failures', () => {
  test('empty and whitespace-only payloads', () => {
    assert.equal(failure(new Uint8Array()).code, 'FEED_EMPTY_PAYLOAD');
    assert.equal(failure(new Uint8Array([0xef, 0xbb, 0xbf])).code, 'FEED_EMPTY_PAYLOAD');
    assert.equal(failure(' \n\t\r\n').code, 'FEED_EMPTY_PAYLOAD');
  });

  test('bytes that are not UTF-8', () => {
    const result = failure(new Uint8Array([0x3c, 0x61, 0xff, 0xfe, 0x2f, 0x3e]));
    assert.deepEqual(result, { code: 'FEED_MALFORMED_XML', detail: 'the payload is not valid UTF-8' });
  });

  test('XML that is not well-formed, including what the parser alone would accept', () => {
    const cases = {
      truncatedAfterAChild: '<bet_settlement product="1" event_id="sr:match:1" timestamp="5" certainty="2"><outcomes><market id="1"><outcome id="1" result="1"/></market>',
      truncatedInATag: '<odds_change product="1" event_id="sr:match:1" timestamp="5"><odds><market id="1"><outcome id="1" odds="1.',
      mismatchedClose: '<bet_stop product="1" event_id="sr:match:1" timestamp="5"><odds></bet_stop>',
      duplicateAttribute: '<alive product="1" timestamp="5" subscribed="1" subscribed="0"/>',
      unquotedAttribute: '<alive product=1 timestamp="5" subscribed="1"/>',
      twoRoots: '<alive product="1" timestamp="5" subscribed="1"/><alive product="1" timestamp="6" subscribed="1"/>',
      textAfterRoot: '<alive product="1" timestamp="5" subscribed="1"/>trailing',
      textOnly: 'hello',
      declarationOnly: '<?xml version="1.0"?>',
      commentOnly: '<!-- nothing -->',
      json: '{"alive":1}',
      unclosedComment: '<alive product="1" timestamp="5" subscribed="1"/><!-- ',
      tooDeep: `<odds_change product="1" event_id="sr:match:1" timestamp="5">${'<x>'.repeat(40)}${'</x>'.repeat(40)}</odds_change>`,
      undefinedEntity: '<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="a&bogus;"/>',
      nulReference: '<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="&#0;"/>',
      nulCharacter: '<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="a\u0000"/>',
      nonCharacter: '<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="\uFFFE"/>',
      lessThanInValue: '<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="a<b"/>',
      declarationNotFirst: '<!-- x --><?xml version="1.0"?><alive product="1" timestamp="5" subscribed="1"/>',
      cdataEndInText: '<bet_stop product="1" event_id="sr:match:1" timestamp="5">]]></bet_stop>',
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.equal(failure(text).code, 'FEED_MALFORMED_XML', name);
    }
  });

  test('the detail says what is wrong and where', () => {
    assert.deepEqual(failure('<alive product="1" timestamp="5" subscribed="1" subscribed="0"/>'), {
      code: 'FEED_MALFORMED_XML',
      detail: 'not well-formed XML: duplicate attribute: subscribed. (line 1, column 64)',
    });
    assert.match(failure('<bet_stop product="1" event_id="sr:match:1" timestamp="5">\n<odds>\n</bet_stop>').detail, /^not well-formed XML: unexpected close tag\. \(line 3, column \d+\)$/);
  });

  test('a broken message is malformed whatever its values: bad values are reported only for well-formed XML', () => {
    const truncated = '<bet_settlement product="x" event_id="sr:match:1" timestamp="5"><outcomes><market id="one"><outcome id="1" result="won"/></market>';
    assert.equal(failure(truncated).code, 'FEED_MALFORMED_XML');
    assert.equal(failure(`${truncated}</outcomes></bet_settlement>`).code, 'FEED_INVALID_VALUE');
    assert.equal(failure('<cashout product="x"><odds>').code, 'FEED_MALFORMED_XML');
  });

  test('details stay short when the library quotes megabytes of input back', () => {
    for (const text of ['<a>'.repeat(100_000), '<'.repeat(100_000), `<alive>${'</x'.repeat(1)}${'y'.repeat(100_000)}>`, `<${'n'.repeat(100_000)}/><x/>`]) {
      const { code, detail } = failure(text);
      assert.equal(code, 'FEED_MALFORMED_XML');
      assert.ok(detail.length < 300, `${detail.length} characters`);
    }
  });

  test('a root that is no UOF message, including a namespace-prefixed one', () => {
    assert.deepEqual(failure('<cashout product="1"/>'), { code: 'FEED_UNKNOWN_MESSAGE', detail: '<cashout> is not a Unified Odds Feed message' });
    assert.equal(failure('<uof:alive xmlns:uof="urn:x" product="1" timestamp="5" subscribed="1"/>').code, 'FEED_UNKNOWN_MESSAGE');
  });

  test('names that could pollute prototypes are unknown names like any other', () => {
    const alive = documentOf('<alive product="1" timestamp="5" subscribed="1" __proto__="x" constructor="y"/>');
    assert.deepEqual(alive, { root: 'alive', product: 1, timestamp: 5, subscribed: 1 });
    const stop = documentOf('<bet_stop product="1" event_id="sr:match:1" timestamp="5"><constructor/><__proto__ polluted="1"/><prototype/></bet_stop>');
    assert.equal(stop.root, 'bet_stop');
    assert.equal(failure('<__proto__ product="1"/>').code, 'FEED_UNKNOWN_MESSAGE');
    assert.equal(failure('<toString product="1"/>').code, 'FEED_UNKNOWN_MESSAGE');
    assert.equal(failure('<bet_stop product="1" event_id="sr:match:1" timestamp="5" groups="&constructor;"/>').code, 'FEED_MALFORMED_XML');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('an attribute the engine acts on with a value of the wrong form', () => {
    const id = failure('<odds_change product="1" event_id="sr:match:1" timestamp="5"><odds><market id="one"/></odds></odds_change>');
    assert.deepEqual(id, { code: 'FEED_INVALID_VALUE', detail: 'odds_change/odds/market/@id: "one" is not an integer' });
    assert.equal(failure('<alive product="1" timestamp="soon" subscribed="1"/>').code, 'FEED_INVALID_VALUE');
    assert.equal(failure('<alive product="1" timestamp="99999999999999999999" subscribed="1"/>').code, 'FEED_INVALID_VALUE');
    assert.equal(failure('<bet_stop product="1" event_id="sr:match:1" timestamp="5" market_status="-1.5"/>').code, 'FEED_INVALID_VALUE');
    const factor = failure('<bet_settlement product="1" event_id="sr:match:1" timestamp="5"><outcomes><market id="1"><outcome id="1" result="1" void_factor="half"/></market></outcomes></bet_settlement>');
    assert.equal(factor.code, 'FEED_INVALID_VALUE');
    assert.match(factor.detail, /void_factor/);
    assert.equal(failure('<bet_cancel product="1" event_id="sr:match:1" timestamp="5" start_time="yesterday"><market id="1"/></bet_cancel>').code, 'FEED_INVALID_VALUE');
  });

  test('an element the XSD allows once, sent twice', () => {
    const result = failure('<odds_change product="1" event_id="sr:match:1" timestamp="5"><odds/><odds/></odds_change>');
    assert.deepEqual(result, { code: 'FEED_INVALID_VALUE', detail: 'odds_change/odds appears more than once' });
  });
});
