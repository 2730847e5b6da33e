/**
 * One raw provider message → one normalized feed message or one dead letter. The single entry
 * point of decoding for every feed source (AMQP, replay, simulator, CLI).
 *
 * Ids are derived from the payload, never from the time it arrived: a message delivered twice
 * gets the same messageId (`<type>:<producer>:<event or '-'>:<timestamp>:<12 hex of SHA-1>`), so
 * consumers can drop the duplicate, and the same traceId (16 hex of that SHA-1). The BOM is not
 * part of the hash: a relay that adds or strips one does not make a new message.
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../core/errors.ts';
import type { FeedDeadLetter, FeedMessage } from '../core/contracts/feed.ts';
import type { RawFeedMessage } from '../core/ports/feed-source.ts';
import { decodeUof, stripBom, utf8Text } from './uof/decode.ts';
import { normalizeUof } from './uof/normalize.ts';

/** Larger payloads are dead-lettered unread: the biggest real UOF message is a few hundred KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface TranslateOptions {
  /** Default {@link DEFAULT_MAX_PAYLOAD_BYTES} (4 MiB). */
  readonly maxBytes?: number;
}

export type Translation =
  | { readonly kind: 'message'; readonly message: FeedMessage }
  | { readonly kind: 'dead-letter'; readonly deadLetter: FeedDeadLetter };

const NO_BYTES = new Uint8Array(0);

/** Never throws, whatever the payload. */
export function translateFeedMessage(raw: RawFeedMessage, options: TranslateOptions = {}): Translation {
  const payload = raw.payload instanceof Uint8Array ? raw.payload : NO_BYTES;
  let sha1 = '';
  try {
    sha1 = createHash('sha1').update(stripBom(payload)).digest('hex');
    if (!(raw.payload instanceof Uint8Array)) return deadLetter(raw, payload, sha1, 'FEED_EMPTY_PAYLOAD', 'the payload is not a byte array');
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (payload.length > maxBytes) {
      return deadLetter(raw, payload, sha1, 'FEED_TOO_LARGE', `the payload has ${payload.length} bytes, more than the ${maxBytes} allowed`);
    }
    const decoded = decodeUof(payload);
    if (!decoded.ok) return deadLetter(raw, payload, sha1, decoded.code, decoded.detail);
    const context = { payloadSha1: sha1, receivedTs: raw.receivedTs, routingKey: raw.routingKey };
    const normalized = normalizeUof(decoded.document, context);
    if (!normalized.ok) return deadLetter(raw, payload, sha1, normalized.code, normalized.detail);
    return { kind: 'message', message: normalized.message };
  } catch (error) {
    const detail = `unexpected failure while translating: ${error instanceof Error ? error.message : String(error)}`;
    return deadLetter(raw, payload, sha1, 'INTERNAL', detail);
  }
}

function deadLetter(raw: RawFeedMessage, payload: Uint8Array, sha1: string, reason: ErrorCode, detail: string): Translation {
  const text = utf8Text(payload);
  return {
    kind: 'dead-letter',
    deadLetter: {
      v: 1,
      type: 'FeedDeadLettered',
      messageId: `FeedDeadLettered:-:-:-:${sha1.slice(0, 12)}`,
      reason,
      detail,
      source: raw.source,
      receivedTs: raw.receivedTs,
      raw: text ?? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'),
      rawEncoding: text === undefined ? 'base64' : 'utf8',
    },
  };
}
