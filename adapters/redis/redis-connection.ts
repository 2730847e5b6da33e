/**
 * What the Redis adapters of the bet path (liability, idempotency, rate limits) share: opening or
 * borrowing a connection, running Lua scripts by name, translating ioredis errors to AppError
 * once, and closing only what was opened here.
 */
import { Redis } from 'ioredis';
import { AppError, isAppError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports/logger.ts';

export interface RedisConnectionOptions {
  /** A connected client to share (close() leaves it open), or a redis:// URL to connect to. */
  readonly redis: Redis | string;
  /**
   * For a connection opened here: how long a command may wait, including while reconnecting,
   * before it fails with DEPENDENCY_UNAVAILABLE. Default 1000 ms.
   */
  readonly commandTimeoutMs?: number;
  /** Where connection errors of a connection opened here are reported. */
  readonly logger?: Logger;
}

/** Server replies that mean "not now" (failover, loading, busy, out of memory) rather than a bug. */
const TRANSIENT_REPLIES = /^(READONLY|LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|NOSCRIPT)\b/;

export class RedisConnection {
  readonly client: Redis;
  private readonly owned: boolean;
  private readonly what: string;

  /** `what` names the adapter in error messages and logs ("liability ledger"). */
  constructor(what: string, options: RedisConnectionOptions) {
    this.what = what;
    if (typeof options.redis === 'string') {
      const timeout = options.commandTimeoutMs ?? 1000;
      this.client = new Redis(options.redis, {
        commandTimeout: timeout,
        maxRetriesPerRequest: 1,
        connectTimeout: timeout,
        // After a failed connection ioredis waits this long for a socket that is already gone
        // before close() lets the process exit (default 2 s).
        disconnectTimeout: 100,
      });
      this.owned = true;
      // Commands report their own failures; the listener keeps ioredis from printing every
      // reconnect attempt to stderr.
      const logger = options.logger;
      this.client.on('error', (error: unknown) => logger?.warn({ err: error }, `${what}: redis connection error`));
    } else {
      this.client = options.redis;
      this.owned = false;
    }
  }

  /** A Lua script callable as `(keys..., args...)`: EVALSHA, falling back to EVAL once. */
  script(name: string, lua: string, numberOfKeys: number): (...args: Array<string | number>) => Promise<unknown> {
    this.client.defineCommand(name, { lua, numberOfKeys });
    const command = (this.client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name]!;
    return (...args) => this.call(() => command.apply(this.client, args));
  }

  async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.call(() => this.client.ping());
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Closes the connection if it was opened here; a shared client stays open. */
  async close(): Promise<void> {
    if (!this.owned) return;
    if (this.client.status === 'ready') {
      try {
        // QUIT lets the replies already on their way arrive first.
        await this.client.quit();
        return;
      } catch {
        // The connection broke meanwhile: fall through.
      }
    }
    this.client.disconnect();
  }

  /**
   * Connection loss, timeouts and transient server replies are DEPENDENCY_UNAVAILABLE (retriable);
   * any other error reply (a script or type error) is INTERNAL and not worth retrying.
   */
  private translate(error: unknown): AppError {
    if (isAppError(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    const isReply = error instanceof Error && error.name === 'ReplyError';
    if (isReply && !TRANSIENT_REPLIES.test(message)) {
      return new AppError('INTERNAL', `${this.what}: redis replied ${message}`, { cause: error, retriable: false });
    }
    return new AppError('DEPENDENCY_UNAVAILABLE', `${this.what}: redis unavailable (${message})`, { cause: error });
  }
}

/** Key prefixes may not contain braces: they would break the hash tags that keep keys in one slot. */
export function checkKeyPrefix(prefix: string, what: string): string {
  if (/[{}]/.test(prefix)) throw new AppError('CONFIG_INVALID', `the ${what} key prefix may not contain braces`);
  return prefix;
}
