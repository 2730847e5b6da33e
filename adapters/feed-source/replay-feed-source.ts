import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { FeedSource, RawFeedMessage } from '../../core/ports/feed-source.ts';
import type { Logger } from '../../core/ports/logger.ts';

export interface ReplayFeedSourceOptions {
  /**
   * A folder of `.xml` files (one message each) or a `.jsonl` recording, one message per line:
   * `{"ts": <ms>, "xml": "<odds_change .../>", "routingKey": "hi.-.live.odds_change..."}`
   * (routingKey optional).
   */
  readonly path: string;
  /**
   * Pace: 1 replays at the recorded pace, 10 ten times faster, 0 as fast as the handler takes
   * them. Default 1.
   */
  readonly speed?: number;
  /** Start again from the first message after the last. Default false. */
  readonly loop?: boolean;
  /**
   * Order of a folder's files: `name` (natural order: `2.xml` before `10.xml`) or `timestamp`
   * (the root element's `timestamp` attribute, which every file must then have; ties by name).
   * Default `name`. A .jsonl recording is replayed in line order.
   */
  readonly order?: 'name' | 'timestamp';
  /** After `onMessage` fails, the same message is offered again this much later. Default 1000. */
  readonly retryDelayMs?: number;
}

export interface ReplayFeedSourceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Recorded {
  readonly payload: Uint8Array;
  /** Recorded time, ms; messages without one are delivered right after the previous. */
  readonly ts: number | undefined;
  readonly routingKey: string | undefined;
  readonly source: string;
}

/** Files read one at a time (name order), all at once (sorted by timestamp), or a .jsonl stream. */
type Recording =
  | { kind: 'files'; files: readonly string[] }
  | { kind: 'loaded'; messages: readonly Recorded[] }
  | { kind: 'jsonl'; file: string };

/**
 * Replays a recorded feed through the Clock: message i is delivered when (ts_i − ts_first) /
 * speed has passed since the pass began, or right after the previous message when the handler
 * is slower than that (the pace never drifts, it only catches up). Timestamps that go backwards
 * deliver at once.
 *
 * A recording line that is not valid JSON of the documented shape is logged and skipped; a
 * handler failure retries the same message (nothing is skipped). The .jsonl file is streamed, so
 * recordings larger than memory replay fine.
 */
export class ReplayFeedSource implements FeedSource {
  readonly name = 'replay';

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly path: string;
  private readonly speed: number;
  private readonly loop: boolean;
  private readonly order: 'name' | 'timestamp';
  private readonly retryDelayMs: number;

  private running = false;
  private run: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: Timer | undefined;
  private delivered = 0;

  constructor(deps: ReplayFeedSourceDeps, options: ReplayFeedSourceOptions) {
    this.clock = deps.clock;
    this.logger = deps.logger.child({ component: 'replay-feed-source' });
    this.path = options.path;
    this.speed = options.speed ?? 1;
    this.loop = options.loop ?? false;
    this.order = options.order ?? 'name';
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    if (!Number.isFinite(this.speed) || this.speed < 0) {
      throw new AppError('CONFIG_INVALID', `replay speed must be 0 or more, got ${options.speed}`);
    }
  }

  /** Checks the recording, then replays it in the background; resolves once it has begun. */
  async start(onMessage: (message: RawFeedMessage) => Promise<void>): Promise<void> {
    if (this.running) throw new AppError('INTERNAL', 'ReplayFeedSource started twice');
    const recording = await this.open();
    this.running = true;
    this.delivered = 0;
    this.run = this.replay(recording, onMessage);
    // A failed replay is reported here; whenFinished() still rejects for whoever waits on it.
    this.run.catch((err: unknown) => this.logger.error({ err: String(err), path: this.path }, 'replay failed'));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    this.wake?.();
    await this.run?.catch(() => undefined);
  }

  /**
   * Resolves when every message has been delivered (never while looping) or the source was
   * stopped; rejects if the recording could not be read to the end.
   */
  async whenFinished(): Promise<void> {
    await this.run;
  }

  /** Messages delivered so far (handler resolved), over all passes. */
  deliveredCount(): number {
    return this.delivered;
  }

  private async open(): Promise<Recording> {
    const info = await stat(this.path).catch((err: unknown) => {
      throw new AppError('CONFIG_INVALID', `replay path ${this.path} cannot be read`, { cause: err });
    });
    if (info.isFile() && this.path.endsWith('.jsonl')) return { kind: 'jsonl', file: this.path };
    if (!info.isDirectory()) {
      throw new AppError('CONFIG_INVALID', `replay path ${this.path} is neither a folder of .xml files nor a .jsonl file`);
    }
    const names = (await readdir(this.path)).filter((name) => name.endsWith('.xml'));
    if (names.length === 0) throw new AppError('CONFIG_INVALID', `no .xml files in ${this.path}`);
    const files = names.sort(naturalOrder).map((name) => path.join(this.path, name));
    if (this.order === 'name') return { kind: 'files', files };
    const messages = await Promise.all(files.map(readXmlFile));
    const missing = messages.find((m) => m.ts === undefined);
    if (missing) {
      throw new AppError('CONFIG_INVALID', `${missing.source}: no timestamp attribute, needed for order 'timestamp'`);
    }
    // Array.prototype.sort is stable: equal timestamps keep the name order.
    return { kind: 'loaded', messages: messages.sort((a, b) => a.ts! - b.ts!) };
  }

  private async replay(recording: Recording, onMessage: (message: RawFeedMessage) => Promise<void>): Promise<void> {
    try {
      do {
        let first: { ts: number; at: number } | undefined;
        for await (const message of this.messages(recording)) {
          if (!this.running) return;
          if (message.ts !== undefined && this.speed > 0) {
            if (first === undefined) first = { ts: message.ts, at: this.clock.now() };
            else await this.sleep(first.at + (message.ts - first.ts) / this.speed - this.clock.now());
          }
          if (!(await this.deliver(message, onMessage))) return;
        }
      } while (this.loop && this.running);
      this.logger.info({ path: this.path, delivered: this.delivered }, 'replay finished');
    } finally {
      this.running = false;
    }
  }

  /** Offers the message until the handler takes it; false if the source stopped first. */
  private async deliver(message: Recorded, onMessage: (message: RawFeedMessage) => Promise<void>): Promise<boolean> {
    while (this.running) {
      const raw: RawFeedMessage = {
        payload: message.payload,
        source: message.source,
        receivedTs: this.clock.now(),
        ...(message.routingKey === undefined ? {} : { routingKey: message.routingKey }),
      };
      try {
        await onMessage(raw);
        this.delivered++;
        return true;
      } catch (err) {
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err), source: message.source, retryInMs: this.retryDelayMs },
          'replayed message handler failed; offering it again',
        );
        await this.sleep(this.retryDelayMs);
      }
    }
    return false;
  }

  private async *messages(recording: Recording): AsyncGenerator<Recorded> {
    switch (recording.kind) {
      case 'jsonl':
        yield* this.jsonlMessages(recording.file);
        return;
      case 'loaded':
        yield* recording.messages;
        return;
      case 'files':
        for (const file of recording.files) yield await readXmlFile(file);
    }
  }

  private async *jsonlMessages(file: string): AsyncGenerator<Recorded> {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        const message = parseJsonlLine(line, `replay:${file}:${lineNo}`);
        if (typeof message === 'string') {
          this.logger.warn({ file, line: lineNo, reason: message }, 'skipping a recording line');
          continue;
        }
        yield message;
      }
    } finally {
      lines.close();
    }
  }

  /** Waits ms on the Clock; stop() ends the wait early. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = this.clock.setTimeout(resolve, ms);
    }).finally(() => {
      this.wake = undefined;
      this.timer = undefined;
    });
  }
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

async function readXmlFile(file: string): Promise<Recorded> {
  const payload = await readFile(file);
  return { payload, ts: rootTimestamp(payload.toString('utf8', 0, 4096)), routingKey: undefined, source: `replay:${file}` };
}

/** The `timestamp` attribute of the root element, skipping the XML declaration and comments. */
export function rootTimestamp(xml: string): number | undefined {
  const root = /<(?![?!])[^>]*>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''));
  const ts = root && /\stimestamp\s*=\s*["'](\d{1,16})["']/.exec(root[0]);
  return ts ? Number(ts[1]) : undefined;
}

/** A recording line as a message, or why it cannot be one. */
function parseJsonlLine(line: string, source: string): Recorded | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const { ts, xml, routingKey } = value as Record<string, unknown>;
  if (typeof xml !== 'string') return 'no "xml" string';
  if (ts !== undefined && (typeof ts !== 'number' || !Number.isFinite(ts))) return '"ts" is not a number';
  if (routingKey !== undefined && typeof routingKey !== 'string') return '"routingKey" is not a string';
  return { payload: Buffer.from(xml, 'utf8'), ts, routingKey, source };
}
