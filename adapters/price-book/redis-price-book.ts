import { Redis } from 'ioredis';
import type { EventBook, PricedMarket } from '../../core/contracts/odds.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import type { EventId } from '../../core/ids.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { MarketView, PriceBook, PriceBookUpdate } from '../../core/ports/price-book.ts';
import { assertValidUpdate } from './update-checks.ts';

export interface RedisPriceBookOptions {
  /** A connected client to share (close() leaves it open), or a redis:// URL to connect to. */
  readonly redis: Redis | string;
  /** Prepended to every key, so several books (or test runs) share one Redis. Default 'sb:'. */
  readonly keyPrefix?: string;
  /**
   * For a connection the book opens itself: how long a command may wait, including while
   * reconnecting, before it fails with DEPENDENCY_UNAVAILABLE. Default 1000 ms.
   */
  readonly commandTimeoutMs?: number;
  /** Where connection errors of a connection the book opened are reported. */
  readonly logger?: Logger;
}

interface StoredMeta {
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  readonly sportId?: string;
}

/** Hash field of the event's (epoch, seq, ts, sportId); market fields carry a prefix so no key collides with it. */
const META = 'meta';
const MARKET = 'm:';

/**
 * KEYS[1] the event's hash. ARGV: epoch, seq, meta JSON, replace (1/0), sport given (1/0),
 * market count n, n pairs of (field, market JSON), then the fields to remove.
 * Returns 1 when applied, 0 when the seq is stale within the stored epoch.
 */
const APPLY_LUA = `
local key = KEYS[1]
local meta = ARGV[3]
local rebuild = ARGV[4] == '1'
local stored = redis.call('HGET', key, '${META}')
if stored then
  local current = cjson.decode(stored)
  if current.epoch ~= ARGV[1] then
    rebuild = true
  elseif tonumber(ARGV[2]) <= current.seq then
    return 0
  end
  if ARGV[5] == '0' and type(current.sportId) == 'string' then
    meta = string.sub(meta, 1, -2) .. ',"sportId":' .. cjson.encode(current.sportId) .. '}'
  end
  if rebuild then redis.call('DEL', key) end
end
local firstRemoved = 7 + 2 * tonumber(ARGV[6])
-- unpack() is bounded by Lua's C stack: pass arguments in chunks of 1000 (an even number, so
-- field/value pairs never split).
for i = firstRemoved, #ARGV, 1000 do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('HSET', key, '${META}', meta)
for i = 7, firstRemoved - 1, 1000 do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, firstRemoved - 1)))
end
return 1
`;

const APPLY_COMMAND = 'sbPriceBookApply';

type ApplyCommand = (key: string, ...args: string[]) => Promise<number>;

/**
 * The PriceBook on Redis, shared by every process of the distributed mode.
 *
 * Per event one hash `<prefix>pb:{<eventId>}` (the braces are a hash tag, so the event's data
 * stays in one Redis Cluster slot): field `meta` holds {epoch, seq, ts, sportId} as JSON, field
 * `m:<marketKey>` one market as JSON. apply() is one Lua script that checks (epoch, seq) and
 * writes meta, markets and removals together (a new epoch or replace=true deletes the hash
 * first), so readers on any connection see one seq's state whole. getMarket is one HMGET of
 * meta and market, getEvent one HGETALL: each a single atomic read.
 *
 * listEvents reads the set `<prefix>pb:events`, kept beside the hashes (a cross-slot key, so not
 * inside the script): apply() adds the id before its script writes the hash, remove() drops the
 * id after deleting the hash, and ids whose hash is gone are skipped. So listEvents can miss a
 * stored event only when a remove() of that event races an apply() to it.
 *
 * Connection and server faults become AppError DEPENDENCY_UNAVAILABLE (retriable): retrying an
 * apply() that timed out is safe, since a seq already stored is ignored. Values read are fresh
 * copies parsed from JSON. Within an update, `removed` is applied before `markets`; an update
 * without sportId keeps the sport the event already has.
 */
export class RedisPriceBook implements PriceBook {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly applyScript: ApplyCommand;
  private closed = false;

  constructor(options: RedisPriceBookOptions) {
    this.prefix = options.keyPrefix ?? 'sb:';
    if (/[{}]/.test(this.prefix)) {
      throw new AppError('CONFIG_INVALID', 'the price book key prefix may not contain braces (they would break the hash tag)');
    }
    if (typeof options.redis === 'string') {
      this.redis = new Redis(options.redis, {
        commandTimeout: options.commandTimeoutMs ?? 1000,
        maxRetriesPerRequest: 1,
        connectTimeout: options.commandTimeoutMs ?? 1000,
        // After a failed connection ioredis waits this long for a socket that is already gone
        // before close() lets the process exit (default 2 s).
        disconnectTimeout: 100,
      });
      this.ownsClient = true;
      // Commands report their own failures; the listener keeps ioredis from printing every
      // reconnect attempt to stderr.
      const logger = options.logger;
      this.redis.on('error', (error: unknown) => logger?.warn({ err: error }, 'price book: redis connection error'));
    } else {
      this.redis = options.redis;
      this.ownsClient = false;
    }
    // EVALSHA with a fallback to EVAL when the server has not seen the script yet.
    this.redis.defineCommand(APPLY_COMMAND, { lua: APPLY_LUA, numberOfKeys: 1 });
    const command = (this.redis as unknown as Record<string, ApplyCommand>)[APPLY_COMMAND]!;
    this.applyScript = command.bind(this.redis);
  }

  async apply(update: PriceBookUpdate): Promise<boolean> {
    this.assertOpen();
    assertValidUpdate(update);
    const meta: StoredMeta = {
      epoch: update.epoch,
      seq: update.seq,
      ts: update.ts,
      ...(update.sportId === undefined ? {} : { sportId: update.sportId }),
    };
    const args = [
      update.epoch,
      String(update.seq),
      JSON.stringify(meta),
      update.replace === true ? '1' : '0',
      update.sportId === undefined ? '0' : '1',
      String(update.markets.length),
    ];
    for (const market of update.markets) args.push(MARKET + market.marketKey, JSON.stringify(market));
    for (const key of update.removed ?? []) args.push(MARKET + key);
    // Both go out on the connection back to back: one round trip.
    const [, applied] = await this.call(() =>
      Promise.all([this.redis.sadd(this.indexKey(), update.eventId), this.applyScript(this.eventKey(update.eventId), ...args)]),
    );
    return applied === 1;
  }

  async getEvent(eventId: string): Promise<EventBook | undefined> {
    this.assertOpen();
    const hash = await this.call(() => this.redis.hgetall(this.eventKey(eventId)));
    const rawMeta = hash[META];
    if (rawMeta === undefined) return undefined;
    const meta = JSON.parse(rawMeta) as StoredMeta;
    const markets: PricedMarket[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith(MARKET)) markets.push(JSON.parse(value) as PricedMarket);
    }
    return { eventId: eventId as EventId, ...meta, markets };
  }

  async getMarket(eventId: string, marketKey: string): Promise<MarketView | undefined> {
    this.assertOpen();
    const [rawMeta, rawMarket] = await this.call(() => this.redis.hmget(this.eventKey(eventId), META, MARKET + marketKey));
    if (rawMeta == null || rawMarket == null) return undefined;
    const meta = JSON.parse(rawMeta) as StoredMeta;
    return { eventId, epoch: meta.epoch, seq: meta.seq, market: JSON.parse(rawMarket) as PricedMarket };
  }

  async listEvents(): Promise<ReadonlyArray<{ eventId: string; epoch: string; seq: number; sportId?: string }>> {
    this.assertOpen();
    const ids = await this.call(() => this.redis.smembers(this.indexKey()));
    const metas = await this.call(() => Promise.all(ids.map((id) => this.redis.hget(this.eventKey(id), META))));
    const out: Array<{ eventId: string; epoch: string; seq: number; sportId?: string }> = [];
    ids.forEach((eventId, i) => {
      const raw = metas[i];
      if (raw == null) return;
      const { epoch, seq, sportId } = JSON.parse(raw) as StoredMeta;
      out.push({ eventId, epoch, seq, ...(sportId === undefined ? {} : { sportId }) });
    });
    return out;
  }

  async remove(eventId: string): Promise<void> {
    this.assertOpen();
    await this.call(() => Promise.all([this.redis.del(this.eventKey(eventId)), this.redis.srem(this.indexKey(), eventId)]));
  }

  /** Later calls fail with SHUTTING_DOWN; the connection is closed only if the book opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsClient) return;
    if (this.redis.status === 'ready') {
      try {
        // QUIT lets the replies already on their way arrive first.
        await this.redis.quit();
        return;
      } catch {
        // The connection broke meanwhile: fall through.
      }
    }
    // Not connected (or reconnecting): nothing in flight to wait for, and no retry may outlive the book.
    this.redis.disconnect();
  }

  private eventKey(eventId: string): string {
    return `${this.prefix}pb:{${eventId}}`;
  }

  private indexKey(): string {
    return `${this.prefix}pb:events`;
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateRedisError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the price book is closed');
  }
}

/** Server replies that mean "not now" (failover, loading, busy, out of memory) rather than a bug. */
const TRANSIENT_REPLIES = /^(READONLY|LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM)\b/;

/**
 * Connection loss, timeouts and transient server replies are DEPENDENCY_UNAVAILABLE (retriable);
 * any other error reply (a script or type error) is INTERNAL and not worth retrying.
 */
function translateRedisError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !TRANSIENT_REPLIES.test(message)) {
    return new AppError('INTERNAL', `price book: redis replied ${message}`, { cause: error, retriable: false });
  }
  return new AppError('DEPENDENCY_UNAVAILABLE', `price book: redis unavailable (${message})`, { cause: error });
}
