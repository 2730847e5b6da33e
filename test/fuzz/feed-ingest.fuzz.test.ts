// Whatever bytes arrive, translateFeedMessage returns a message or a dead letter with a known
// reason and a detail, and never throws. Three sources of input: structured messages of every
// UOF type with random attributes, byte-level mutations of the recorded samples, and raw noise.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { translateFeedMessage } from '../../feed-ingest/translate.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { RawFeedMessage } from '../../core/ports/feed-source.ts';

const FEED_REASONS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FEED_EMPTY_PAYLOAD',
  'FEED_TOO_LARGE',
  'FEED_MALFORMED_XML',
  'FEED_UNKNOWN_MESSAGE',
  'FEED_MISSING_FIELD',
  'FEED_INVALID_VALUE',
]);
const MESSAGE_ID = /^[A-Za-z]+:\d+:(?:-|[a-z][a-z0-9]*:[a-z_]+:\d+):\d+:[0-9a-f]{12}$/;

// Runs per property, chosen so the total passes 100,000 and the file stays well under 60 s on
// two cores (measured: see bench/RESULTS.md).
const RUNS = { structured: 45_000, mutated: 45_000, noise: 12_000 };

const counts = { total: 0, messages: 0, deadLetters: 0 };
const reasons = new Map<string, number>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);

/** The property every input must satisfy. */
function translatesCleanly(raw: RawFeedMessage, maxBytes?: number): void {
  counts.total++;
  const translation = translateFeedMessage(raw, maxBytes === undefined ? {} : { maxBytes });
  if (translation.kind === 'message') {
    counts.messages++;
    const { message } = translation;
    assert.equal(message.v, 1);
    assert.match(message.messageId, MESSAGE_ID);
    assert.match(message.traceId, /^[0-9a-f]{16}$/);
    // Nothing JSON cannot carry (NaN, Infinity, undefined) reaches the bus.
    assert.deepEqual(JSON.parse(JSON.stringify(message)), message);
  } else {
    counts.deadLetters++;
    const { deadLetter } = translation;
    reasons.set(deadLetter.reason, (reasons.get(deadLetter.reason) ?? 0) + 1);
    assert.ok(FEED_REASONS.has(deadLetter.reason), `unexpected reason ${deadLetter.reason}: ${deadLetter.detail}`);
    assert.ok(deadLetter.detail.length > 0);
    const kept = deadLetter.rawEncoding === 'utf8' ? Buffer.from(deadLetter.raw, 'utf8') : Buffer.from(deadLetter.raw, 'base64');
    assert.ok(kept.equals(Buffer.from(raw.payload)), 'the dead letter must keep the payload byte for byte');
  }
}

const raw = (payload: Uint8Array, routingKey?: string): RawFeedMessage =>
  routingKey === undefined ? { payload, source: 'fuzz', receivedTs: 1795378899999 } : { payload, source: 'fuzz', receivedTs: 1795378899999, routingKey };

// ---- structured messages ------------------------------------------------------------------

const escapeXml = (text: string): string =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Values a provider might plausibly send, and values it should never send. */
const attributeValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
  { weight: 2, arbitrary: fc.double({ noDefaultInfinity: false }).map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('', ' ', '0', '1', '-1', '2', '-4', '1.0', '0.5', '1.5e3', '5e-1', 'NaN', 'INF', '-INF', '99999999999999999999', '1e400', '0x1F', 'true', '1795378812345', 'sr:match:1', 'sr:match:', 'total=2.5|hcp=0:1', '|=|', '&amp;', '&#0;', '&#x110000;'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map(escapeXml) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);

const eventIdValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 99_999_999 }).map((n) => `sr:match:${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('sr:stage:9', 'od:match:1', 'match-1', 'sr:match:x', '') },
  { weight: 1, arbitrary: attributeValue },
);

/**
 * Each attribute is absent, well-formed, or anything. Mostly well-formed, so that about half the
 * messages get through decoding and exercise the interpretation too.
 */
function attribute(name: string, good: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 40, arbitrary: good.map((v) => ` ${name}="${v}"`) },
    { weight: 2, arbitrary: attributeValue.map((v) => ` ${name}="${v}"`) },
  );
}

const unknownAttribute = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('future', 'x_y', 'team', 'name', 'xmlns', 'xml:lang'), attributeValue).map(([n, v]) => ` ${n}="${escapeXml(v)}"`) },
);

const unknownElement = fc.oneof(
  { weight: 5, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('<future a="1"/>', '<x><y z="2">text</y></x>', '<!-- note -->', '<![CDATA[<market id="1">]]>', 'loose text') },
);

const int = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map(String);
const odds = fc.double({ min: 1.01, max: 500, noNaN: true }).map((v) => v.toFixed(2));
const probability = fc.double({ min: 0, max: 1, noNaN: true }).map((v) => v.toFixed(4));
const timestamp = int(1_700_000_000_000, 1_900_000_000_000);
const specifiers = fc.constantFrom('', 'total=2.5', 'hcp=0:1|total=1.5', 'variant=sr:exact_games:bestof:5|total=3.5', 'goalnr=1', 'player=sr:player:1');
const factor = fc.constantFrom('0', '0.5', '1', '0.25', '1.0', '5e-1');

const header = fc
  .tuple(attribute('product', int(1, 6)), attribute('event_id', eventIdValue), attribute('timestamp', timestamp), fc.oneof(fc.constant(''), attribute('request_id', int(0, 99_999))), unknownAttribute)
  .map((parts) => parts.join(''));

const children = <T>(arb: fc.Arbitrary<T>, max: number): fc.Arbitrary<T[]> => fc.array(arb, { maxLength: max });

const oddsOutcome = fc
  .tuple(attribute('id', int(1, 2000)), attribute('odds', odds), fc.oneof(fc.constant(''), attribute('probabilities', probability)), attribute('active', fc.constantFrom('1', '0')), unknownAttribute)
  .map((parts) => `<outcome${parts.join('')}/>`);

const oddsMarket = fc
  .tuple(
    attribute('id', int(1, 1200)),
    fc.oneof(fc.constant(''), attribute('specifiers', specifiers)),
    attribute('status', fc.constantFrom('1', '0', '-1', '-2', '-3', '-4')),
    fc.oneof(fc.constant(''), attribute('cashout_status', int(-2, 1))),
    fc.oneof(fc.constant(''), attribute('favourite', fc.constant('1'))),
    fc.oneof(fc.constant(''), attribute('next_betstop', timestamp).map((a) => `<market_metadata${a}/>`)),
    children(oddsOutcome, 4),
    unknownElement,
  )
  .map(([id, spec, status, cashout, fav, meta, outcomes, junk]) => `<market${id}${spec}${status}${cashout}${fav}>${meta}${outcomes.join('')}${junk}</market>`);

const sportEventStatus = fc
  .tuple(
    attribute('status', int(0, 9)),
    attribute('match_status', int(0, 120)),
    attribute('home_score', int(0, 9)),
    attribute('away_score', int(0, 9)),
    fc.oneof(fc.constant(''), attribute('match_time', fc.constantFrom('37:12', '45', '90:00')).map((a) => `<clock${a}/>`)),
    children(fc.tuple(attribute('number', int(1, 5)), attribute('home_score', int(0, 5)), attribute('away_score', int(0, 5))).map((p) => `<period_score${p.join('')}/>`), 3),
  )
  .map(([status, match, home, away, clock, periods]) => `<sport_event_status${status}${match}${home}${away}>${clock}<period_scores>${periods.join('')}</period_scores></sport_event_status>`);

const oddsChange = fc
  .tuple(header, fc.oneof(fc.constant(''), sportEventStatus), fc.oneof(fc.constant(null), children(oddsMarket, 5)), unknownElement)
  .map(([head, status, markets, junk]) => `<odds_change${head}>${status}${markets === null ? '' : `<odds>${markets.join('')}</odds>`}${junk}</odds_change>`);

const settlementOutcome = fc
  .tuple(attribute('id', int(1, 2000)), attribute('result', fc.constantFrom('1', '0', '-1')), fc.oneof(fc.constant(''), attribute('void_factor', factor)), fc.oneof(fc.constant(''), attribute('dead_heat_factor', factor)))
  .map((parts) => `<outcome${parts.join('')}/>`);

const settlementMarket = fc
  .tuple(attribute('id', int(1, 1200)), fc.oneof(fc.constant(''), attribute('specifiers', specifiers)), fc.oneof(fc.constant(''), attribute('void_reason', int(0, 20))), children(settlementOutcome, 4))
  .map(([id, spec, reason, outcomes]) => `<market${id}${spec}${reason}>${outcomes.join('')}</market>`);

const betSettlement = fc
  .tuple(header, fc.oneof(fc.constant(''), attribute('certainty', fc.constantFrom('1', '2'))), children(settlementMarket, 4))
  .map(([head, certainty, markets]) => `<bet_settlement${head}${certainty}><outcomes>${markets.join('')}</outcomes></bet_settlement>`);

const marketRef = fc
  .tuple(attribute('id', int(1, 1200)), fc.oneof(fc.constant(''), attribute('specifiers', specifiers)), fc.oneof(fc.constant(''), attribute('void_reason', int(0, 20))))
  .map((parts) => `<market${parts.join('')}/>`);

const window = fc.tuple(fc.oneof(fc.constant(''), attribute('start_time', timestamp)), fc.oneof(fc.constant(''), attribute('end_time', timestamp))).map((p) => p.join(''));

const betCancel = fc
  .tuple(header, window, fc.oneof(fc.constant(''), attribute('superceded_by', eventIdValue)), children(marketRef, 4))
  .map(([head, times, superceded, markets]) => `<bet_cancel${head}${times}${superceded}>${markets.join('')}</bet_cancel>`);

const rollbackBetSettlement = fc.tuple(header, children(marketRef, 4)).map(([head, markets]) => `<rollback_bet_settlement${head}>${markets.join('')}</rollback_bet_settlement>`);
const rollbackBetCancel = fc.tuple(header, window, children(marketRef, 4)).map(([head, times, markets]) => `<rollback_bet_cancel${head}${times}>${markets.join('')}</rollback_bet_cancel>`);

const betStop = fc
  .tuple(header, fc.oneof(fc.constant(''), attribute('groups', fc.constantFrom('all', 'goal|corner', ' | ', 'a|b|c'))), fc.oneof(fc.constant(''), attribute('market_status', fc.constantFrom('-1', '0'))))
  .map(([head, groups, status]) => `<bet_stop${head}${groups}${status}/>`);

const fixtureChange = fc
  .tuple(header, fc.oneof(fc.constant(''), attribute('change_type', fc.constantFrom('1', '2', '3', '4', '5', '106', '107'))), attribute('start_time', timestamp), fc.oneof(fc.constant(''), attribute('next_live_time', timestamp)))
  .map(([head, change, start, next]) => `<fixture_change${head}${change}${start}${next}/>`);

const alive = fc
  .tuple(attribute('product', int(1, 6)), attribute('timestamp', timestamp), attribute('subscribed', fc.constantFrom('1', '0')), unknownAttribute)
  .map((parts) => `<alive${parts.join('')}/>`);

const snapshotComplete = fc
  .tuple(attribute('request_id', int(0, 99_999)), attribute('product', int(1, 6)), attribute('timestamp', timestamp))
  .map((parts) => `<snapshot_complete${parts.join('')}/>`);

const prolog = fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<!-- recorded -->');
const routingKey = fc.oneof(
  fc.constant(undefined),
  int(1, 99_999_999).map((n) => `hi.-.live.odds_change.1.sr:match.${n}.-`),
  fc.constantFrom('-.-.-.alive.-.-.-.-', 'garbage', ''),
);

const structuredMessage = fc.tuple(
  prolog,
  fc.oneof(oddsChange, betSettlement, betCancel, rollbackBetSettlement, rollbackBetCancel, betStop, fixtureChange, alive, snapshotComplete),
  routingKey,
);

// ---- mutations of the samples -------------------------------------------------------------

const SAMPLES = fileURLToPath(new URL('../support/samples/uof/', import.meta.url));
const sampleBytes = readdirSync(SAMPLES)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => new Uint8Array(readFileSync(SAMPLES + name)));

const WEIRD_UNICODE = ['\u0000', '\uFFFE', '\uFEFF', '\u202E', '\u200D', '\uD83D\uDE00', 'Ω', '\u0301', '\u2028', '\r\n'];
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

type Mutation = (bytes: Uint8Array) => Uint8Array;
/** A position in [0, length], from a fraction so one mutation fits every sample. */
const at = (bytes: Uint8Array, fraction: number): number => Math.floor(fraction * bytes.length);
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Edits bytes as latin1 text, so every byte the edit does not touch stays as it was. */
function editText(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  return new Uint8Array(Buffer.from(edit(Buffer.from(bytes).toString('latin1')), 'latin1'));
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fraction.map((f): Mutation => (b) => b.subarray(0, at(b, f))),
  fc.tuple(fraction, fc.integer({ min: 0, max: 7 })).map(([f, bit]): Mutation => (b) => {
    const out = new Uint8Array(b);
    const i = Math.min(at(b, f), out.length - 1);
    if (i >= 0) out[i] = out[i]! ^ (1 << bit);
    return out;
  }),
  fc.tuple(fraction, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([f, junk]): Mutation => (b) => concat(b.subarray(0, at(b, f)), junk, b.subarray(at(b, f)))),
  fc.tuple(fraction, fc.constantFrom(...WEIRD_UNICODE)).map(([f, char]): Mutation => (b) => concat(b.subarray(0, at(b, f)), utf8(char), b.subarray(at(b, f)))),
  fc.tuple(fraction, fc.constantFrom('<', '>', '"', '&', '/>', '</market>', '<market id="1">', '&bogus;', '&#0;', ']]>', '<!--', '<?x?>', ' id="2"')).map(([f, token]): Mutation => (b) => concat(b.subarray(0, at(b, f)), utf8(token), b.subarray(at(b, f)))),
  // Duplicate one attribute: ` name="value"` appears twice on its element.
  fraction.map((f): Mutation => (b) =>
    editText(b, (text) => {
      const matches = [...text.matchAll(/ [a-z_]+="[^"]*"/g)];
      const m = matches[Math.floor(f * matches.length)];
      return m?.index === undefined ? text : text.slice(0, m.index) + m[0] + m[0] + text.slice(m.index);
    }),
  ),
  // Drop one attribute.
  fraction.map((f): Mutation => (b) =>
    editText(b, (text) => {
      const matches = [...text.matchAll(/ [a-z_]+="[^"]*"/g)];
      const m = matches[Math.floor(f * matches.length)];
      return m?.index === undefined ? text : text.slice(0, m.index) + text.slice(m.index + m[0].length);
    }),
  ),
  // Replace one attribute value with anything.
  fc.tuple(fraction, attributeValue).map(([f, value]): Mutation => (b) =>
    editText(b, (text) => {
      const matches = [...text.matchAll(/="([^"]*)"/g)];
      const m = matches[Math.floor(f * matches.length)];
      return m?.index === undefined ? text : `${text.slice(0, m.index)}="${value}"${text.slice(m.index + m[0].length)}`;
    }),
  ),
  // Huge numbers.
  fc.tuple(fraction, fc.integer({ min: 20, max: 400 })).map(([f, digits]): Mutation => (b) =>
    editText(b, (text) => {
      const matches = [...text.matchAll(/\d+/g)];
      const m = matches[Math.floor(f * matches.length)];
      return m?.index === undefined ? text : text.slice(0, m.index) + '9'.repeat(digits) + text.slice(m.index + m[0].length);
    }),
  ),
  // Deep nesting, inside the root.
  fc.tuple(fraction, fc.integer({ min: 1, max: 3000 })).map(([f, depth]): Mutation => (b) => {
    const text = Buffer.from(b).toString('utf8');
    const close = text.lastIndexOf('</');
    const i = close > 0 ? close : at(b, f);
    return utf8(text.slice(0, i) + '<n>'.repeat(depth) + '</n>'.repeat(depth) + text.slice(i));
  }),
);

const mutatedSample = fc.tuple(fc.constantFrom(...sampleBytes), fc.array(mutation, { minLength: 1, maxLength: 3 }), routingKey);

// ---- tests --------------------------------------------------------------------------------

describe('translateFeedMessage under fuzzing', () => {
  test(`${RUNS.structured} structured messages of every type with random attributes`, () => {
    fc.assert(
      fc.property(structuredMessage, ([head, body, key]) => translatesCleanly(raw(utf8(head + body), key))),
      { numRuns: RUNS.structured },
    );
  });

  test(`${RUNS.mutated} byte-level mutations of the samples`, () => {
    fc.assert(
      fc.property(mutatedSample, ([sample, mutations, key]) => translatesCleanly(raw(mutations.reduce<Uint8Array>((bytes, mutate) => mutate(bytes), sample), key))),
      { numRuns: RUNS.mutated },
    );
  });

  test(`${RUNS.noise} payloads of noise, blank text and size limits`, () => {
    const noise = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }).map(utf8),
      fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\r'), maxLength: 20 }).map(utf8),
      fc.string({ unit: fc.constantFrom('<', '>', '/', 'a', '=', '"', ' ', '!', '?', '-', '[', ']', '&', ';'), maxLength: 60 }).map(utf8),
    );
    fc.assert(
      fc.property(noise, fc.option(fc.integer({ min: 0, max: 300 })), (payload, maxBytes) => translatesCleanly(raw(payload), maxBytes ?? undefined)),
      { numRuns: RUNS.noise },
    );
  });

  test('ran more than 100,000 inputs without an unhandled rejection', async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
    assert.ok(counts.total >= 100_000, `only ${counts.total} inputs`);
    // Both outcomes must be well exercised, or the generators have drifted.
    assert.ok(counts.messages > 10_000, `only ${counts.messages} messages`);
    assert.ok(counts.deadLetters > 10_000, `only ${counts.deadLetters} dead letters`);
  });
});

after(() => {
  process.off('unhandledRejection', onUnhandled);
  const byReason = [...reasons].sort().map(([reason, n]) => `${reason}=${n}`).join(' ');
  console.log(`fuzz: ${counts.total} inputs translated: ${counts.messages} messages, ${counts.deadLetters} dead letters (${byReason})`);
});
