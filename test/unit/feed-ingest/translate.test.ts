import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_MAX_PAYLOAD_BYTES, translateFeedMessage } from '../../../feed-ingest/translate.ts';
import type { Translation } from '../../../feed-ingest/translate.ts';
import type { FeedDeadLetter, FeedMessage } from '../../../core/contracts/feed.ts';
import type { RawFeedMessage } from '../../../core/ports/feed-source.ts';

const ODDS = '<odds_change product="1" event_id="sr:match:61301159" timestamp="1795378812345"><odds><market id="1" status="1"><outcome id="1" odds="1.62" active="1"/></market></odds></odds_change>';
const BOM = [0xef, 0xbb, 0xbf];

function raw(payload: Uint8Array | string, extra: Partial<RawFeedMessage> = {}): RawFeedMessage {
  return { payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, source: 'amqp:test', receivedTs: 1795378899999, ...extra };
}

function messageOf(translation: Translation): FeedMessage {
  assert.equal(translation.kind, 'message', translation.kind === 'dead-letter' ? translation.deadLetter.detail : '');
  return (translation as { message: FeedMessage }).message;
}

function deadLetterOf(translation: Translation): FeedDeadLetter {
  assert.equal(translation.kind, 'dead-letter');
  return (translation as { deadLetter: FeedDeadLetter }).deadLetter;
}

describe('translateFeedMessage', () => {
  test('a re-delivered message has the same ids, whenever and however it arrives', () => {
    const first = messageOf(translateFeedMessage(raw(ODDS)));
    const again = messageOf(translateFeedMessage(raw(ODDS, { receivedTs: 1795379999999, source: 'replay:x' })));
    const withBom = messageOf(translateFeedMessage(raw(new Uint8Array([...BOM, ...Buffer.from(ODDS)]))));
    const sha1 = createHash('sha1').update(ODDS).digest('hex');
    assert.equal(first.messageId, `OddsChanged:1:sr:match:61301159:1795378812345:${sha1.slice(0, 12)}`);
    assert.equal(first.traceId, sha1.slice(0, 16));
    assert.deepEqual([again.messageId, again.traceId], [first.messageId, first.traceId]);
    assert.deepEqual([withBom.messageId, withBom.traceId], [first.messageId, first.traceId]);
    assert.equal(again.receivedTs, 1795379999999);
  });

  test('a different payload with the same header gets a different id', () => {
    const a = messageOf(translateFeedMessage(raw(ODDS)));
    const b = messageOf(translateFeedMessage(raw(ODDS.replace('1.62', '1.63'))));
    assert.notEqual(a.messageId, b.messageId);
    assert.equal(a.messageId.split(':').slice(0, -1).join(':'), b.messageId.split(':').slice(0, -1).join(':'));
  });

  test('the routing key supplies a missing event id', () => {
    const m = messageOf(translateFeedMessage(raw('<bet_stop product="1" timestamp="5"/>', { routingKey: 'hi.-.live.bet_stop.1.sr:match.42.-' })));
    assert.ok(m.type === 'BetStopped');
    assert.equal(m.eventId, 'sr:match:42');
  });

  test('a dead letter keeps the payload as text, its reason, a detail and where it came from', () => {
    const payload = '<bet_stop product="1" event_id="match-1" timestamp="5"/>';
    const letter = deadLetterOf(translateFeedMessage(raw(payload, { source: 'amqp:hi.-.live.bet_stop.1.sr:match.1.-' })));
    const sha1 = createHash('sha1').update(payload).digest('hex');
    assert.deepEqual(letter, {
      v: 1,
      type: 'FeedDeadLettered',
      messageId: `FeedDeadLettered:-:-:-:${sha1.slice(0, 12)}`,
      reason: 'FEED_INVALID_VALUE',
      detail: 'bet_stop/@event_id: "match-1" is not an event URN such as sr:match:123',
      source: 'amqp:hi.-.live.bet_stop.1.sr:match.1.-',
      receivedTs: 1795378899999,
      raw: payload,
      rawEncoding: 'utf8',
    });
  });

  test('a payload that is not UTF-8 is kept as base64, byte for byte', () => {
    const payload = new Uint8Array([0x3c, 0x61, 0x20, 0xc3, 0x28, 0x2f, 0x3e, 0x00, 0xff]);
    const letter = deadLetterOf(translateFeedMessage(raw(payload)));
    assert.equal(letter.reason, 'FEED_MALFORMED_XML');
    assert.equal(letter.rawEncoding, 'base64');
    assert.deepEqual(new Uint8Array(Buffer.from(letter.raw, 'base64')), payload);
  });

  test('a payload inside a larger buffer is read and kept exactly', () => {
    const backing = Buffer.from(`xxxx${ODDS}yyyy`);
    const view = backing.subarray(4, 4 + ODDS.length);
    assert.equal(messageOf(translateFeedMessage(raw(view))).type, 'OddsChanged');
    const junk = Buffer.from([0x41, 0xff, 0xfe, 0x42]).subarray(1, 3);
    assert.equal(deadLetterOf(translateFeedMessage(raw(junk))).raw, Buffer.from([0xff, 0xfe]).toString('base64'));
  });

  test('payloads over maxBytes are dead-lettered unread; the default is 4 MiB', () => {
    assert.equal(DEFAULT_MAX_PAYLOAD_BYTES, 4 * 1024 * 1024);
    const small = deadLetterOf(translateFeedMessage(raw(ODDS), { maxBytes: 100 }));
    assert.equal(small.reason, 'FEED_TOO_LARGE');
    assert.match(small.detail, new RegExp(`${ODDS.length} bytes`));
    const padding = ' '.repeat(DEFAULT_MAX_PAYLOAD_BYTES - ODDS.length);
    assert.equal(translateFeedMessage(raw(ODDS + padding)).kind, 'message');
    assert.equal(deadLetterOf(translateFeedMessage(raw(`${ODDS + padding} `))).reason, 'FEED_TOO_LARGE');
  });

  test('empty and whitespace payloads', () => {
    assert.equal(deadLetterOf(translateFeedMessage(raw(new Uint8Array()))).reason, 'FEED_EMPTY_PAYLOAD');
    assert.equal(deadLetterOf(translateFeedMessage(raw('\n \n'))).reason, 'FEED_EMPTY_PAYLOAD');
  });

  test('never throws, even for a payload that is not bytes', () => {
    const notBytes = { payload: 'not bytes' as unknown as Uint8Array, source: 'test', receivedTs: 1 };
    const letter = deadLetterOf(translateFeedMessage(notBytes));
    assert.equal(letter.reason, 'FEED_EMPTY_PAYLOAD');
    assert.equal(letter.raw, '');
  });
});
