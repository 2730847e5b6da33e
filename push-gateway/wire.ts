/**
 * What clients and the gateway say to each other, version 1, whatever the transport (the README
 * documents it for socket.io). Requests are validated here, strictly: unknown fields, wrong
 * types and oversize lists are rejected with INVALID_REQUEST rather than half-understood.
 */
import type { ErrorCode } from '../core/errors.ts';

/** A client's position in one channel: the last change it holds. */
export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** Server → client: the channel's whole state at (epoch, seq); deltas after seq follow. */
export interface SnapshotFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly seq: number;
  readonly data: unknown;
}

/**
 * Server → client: the changes from seq `from` to `seq` of the epoch, in order (conflated ones
 * merged). A client holding seq n expects `from` = n + 1; anything else is a gap and it
 * resubscribes with `since`.
 */
export interface DeltaFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly from: number;
  readonly seq: number;
  readonly changes: readonly unknown[];
}

/** Server → client: `since` was honoured; the missed changes (if any) follow as deltas. */
export interface ResumedFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly seq: number;
}

/** Server → client: a request failed or a subscription ended; `channel` when it concerns one. */
export interface ErrorFrame {
  readonly code: ErrorCode;
  readonly message: string;
  readonly channel?: string;
}

export type OutFrame =
  | { readonly event: 'snapshot'; readonly body: SnapshotFrame }
  | { readonly event: 'delta'; readonly body: DeltaFrame }
  | { readonly event: 'resumed'; readonly body: ResumedFrame }
  | { readonly event: 'error'; readonly body: ErrorFrame };

export interface SubscribeRequest {
  readonly channels: readonly string[];
  /** Per channel, the position held by a client that resumes. */
  readonly since: ReadonlyMap<string, Position>;
}

export interface UnsubscribeRequest {
  readonly channels: readonly string[];
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/**
 * `{channels: string[], since?: {epoch, seq} | {[channel]: {epoch, seq}}}`. The bare
 * `{epoch, seq}` form is for a request naming a single channel.
 */
export function parseSubscribe(body: unknown, maxChannels: number): Parsed<SubscribeRequest> {
  if (!isPlainObject(body)) return fail('subscribe expects an object {channels, since?}');
  const unknown = Object.keys(body).filter((k) => k !== 'channels' && k !== 'since');
  if (unknown.length > 0) return fail(`unknown field ${unknown[0]}`);
  const channels = parseChannelList(body.channels, maxChannels);
  if (!channels.ok) return channels;
  const since = new Map<string, Position>();
  if (body.since !== undefined) {
    if (!isPlainObject(body.since)) return fail('since must be an object');
    if ('epoch' in body.since || 'seq' in body.since) {
      if (channels.value.length !== 1) return fail('since {epoch, seq} names no channel: use {"<channel>": {epoch, seq}} for several');
      const position = parsePosition(body.since);
      if (!position.ok) return position;
      since.set(channels.value[0]!, position.value);
    } else {
      for (const [channel, value] of Object.entries(body.since)) {
        if (!channels.value.includes(channel)) return fail(`since names ${channel}, which is not in channels`);
        const position = parsePosition(value);
        if (!position.ok) return fail(`since ${channel}: ${position.message}`);
        since.set(channel, position.value);
      }
    }
  }
  return { ok: true, value: { channels: channels.value, since } };
}

/** `{channels: string[]}`. */
export function parseUnsubscribe(body: unknown, maxChannels: number): Parsed<UnsubscribeRequest> {
  if (!isPlainObject(body)) return fail('unsubscribe expects an object {channels}');
  const unknown = Object.keys(body).filter((k) => k !== 'channels');
  if (unknown.length > 0) return fail(`unknown field ${unknown[0]}`);
  const channels = parseChannelList(body.channels, maxChannels);
  return channels.ok ? { ok: true, value: { channels: channels.value } } : channels;
}

function parseChannelList(value: unknown, max: number): Parsed<string[]> {
  if (!Array.isArray(value) || value.length === 0) return fail('channels must be a non-empty array of channel names');
  if (value.length > max) return fail(`at most ${max} channels per request`);
  if (!value.every((c): c is string => typeof c === 'string')) return fail('channels must be strings');
  return { ok: true, value: [...new Set(value)] };
}

function parsePosition(value: unknown): Parsed<Position> {
  if (!isPlainObject(value)) return fail('a position is {epoch, seq}');
  const unknown = Object.keys(value).filter((k) => k !== 'epoch' && k !== 'seq');
  if (unknown.length > 0) return fail(`unknown field ${unknown[0]}`);
  const { epoch, seq } = value;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) return fail('epoch must be a non-empty string');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return fail('seq must be a non-negative integer');
  return { ok: true, value: { epoch, seq } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
