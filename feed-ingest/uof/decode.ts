/**
 * Bytes → UOF document. Decoding only: well-formedness, element structure and lexical forms
 * (document.ts states the value rules). What the document means is normalize.ts's business.
 *
 * Order of checks, each with its own reason code:
 *   empty (after a UTF-8 BOM) → FEED_EMPTY_PAYLOAD; invalid UTF-8 or not well-formed XML →
 *   FEED_MALFORMED_XML; a root that is no UOF message → FEED_UNKNOWN_MESSAGE; an attribute the
 *   engine acts on with a value of the wrong form → FEED_INVALID_VALUE.
 *
 * saxes is a conformant, non-validating XML 1.0 parser: it refuses anything not well-formed
 * (a message cut off anywhere, mismatched tags, a repeated attribute, text outside the root,
 * characters XML does not allow), so a truncated settlement cannot settle half its markets. The
 * document is built from its events as it reads (document-builder.ts), in one pass. Among the
 * maintained JavaScript XML parsers measured on a live odds_change, none as strict is faster, and
 * the faster lenient tokenizers need these checks added on top, which cost about their lead
 * (bench/RESULTS.md).
 *
 * Entities: the five XML ones and character references are decoded. A DOCTYPE is read over but
 * never acted on: its entities are not expanded and a reference to one (or to any other undefined
 * entity) is not well-formed, so entity bombs and external entities do nothing.
 *
 * Namespaces: names are read as written. A default namespace on the root (what the provider
 * sends) changes nothing; a prefixed root (`<uof:alive xmlns:uof="...">`) is no UOF message. The
 * parser's namespace mode would accept it, but costs a quarter more CPU on every message for a
 * form the provider does not use.
 */
import { SaxesParser } from 'saxes';
import type { SaxesOptions } from 'saxes';
import { DecodeFailure, UofDocumentBuilder } from './document-builder.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { UofDocument } from './document.ts';

export type DecodeResult =
  | { readonly ok: true; readonly document: UofDocument }
  | { readonly ok: false; readonly code: ErrorCode; readonly detail: string };

/**
 * The parser configuration, exported so the benchmark's parse-only baseline runs exactly it.
 * `position` tracks line and column for the dead-letter detail.
 */
export const UOF_SAX_OPTIONS = { xmlns: false, position: true } as const satisfies SaxesOptions;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The payload without a leading UTF-8 byte order mark (a view, not a copy). */
export function stripBom(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** The payload as text, or undefined when it is not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Parser messages may quote input (a tag name can be megabytes long): keep the start of it. */
const MAX_MESSAGE_CHARS = 200;

function brief(message: string): string {
  const oneLine = message.slice(0, 2 * MAX_MESSAGE_CHARS).replace(/\s+/g, ' ');
  return oneLine.length <= MAX_MESSAGE_CHARS ? oneLine : `${oneLine.slice(0, MAX_MESSAGE_CHARS)}…`;
}

/** saxes prefixes its messages with "line:column: "; the detail says where in words instead. */
function notWellFormed(parser: SaxesParser<typeof UOF_SAX_OPTIONS>, error: Error): DecodeFailure {
  const { line, column } = parser;
  const prefix = `${line}:${column}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new DecodeFailure('FEED_MALFORMED_XML', `not well-formed XML: ${brief(message)} (line ${line}, column ${column})`);
}

/** Decodes one UOF message. Every bad input gives a failure result; a throw would be a defect here. */
export function decodeUof(payload: Uint8Array): DecodeResult {
  const bytes = stripBom(payload);
  if (bytes.length === 0) return { ok: false, code: 'FEED_EMPTY_PAYLOAD', detail: 'the payload is empty' };
  const text = utf8Text(bytes);
  if (text === undefined) return { ok: false, code: 'FEED_MALFORMED_XML', detail: 'the payload is not valid UTF-8' };
  if (text.trim() === '') return { ok: false, code: 'FEED_EMPTY_PAYLOAD', detail: 'the payload holds only whitespace' };

  // A parser per payload: constructing one costs about 0.2 µs (a 40-market odds_change takes
  // ~100 µs to parse), and a parser that has thrown midway needs no resetting.
  const builder = new UofDocumentBuilder();
  const parser = new SaxesParser(UOF_SAX_OPTIONS);
  parser.on('opentag', (tag) => builder.open(tag.name, tag.attributes));
  parser.on('closetag', () => builder.close());
  // The first well-formedness error ends the parse: nothing after it can be trusted.
  parser.on('error', (error) => {
    throw notWellFormed(parser, error);
  });
  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof DecodeFailure) return { ok: false, code: error.code, detail: error.detail };
    throw error;
  }
  return builder.result();
}
