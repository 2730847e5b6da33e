import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports/logger.ts';

export interface RedisSocketIoAdapterOptions {
  /** redis:// URL. */
  readonly url: string;
  /** Prefix of the pub/sub channels, so several deployments (or test runs) share one Redis. Default 'socket.io'. */
  readonly key?: string;
  /** How long to wait for both connections at start, ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RedisSocketIoAdapter {
  /** The constructor socket.io takes as its `adapter` option. */
  readonly adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

/**
 * The classic @socket.io/redis-adapter on two ioredis connections (one publishes, one
 * subscribes). It makes socket.io's cross-process operations (broadcasts that originate on one
 * process, fetchSockets, disconnectSockets, serverSideEmit) reach every gateway process.
 *
 * Limits, as documented upstream: Redis pub/sub is at-most-once; what is published while a
 * process's subscriber connection is down does not reach it. The push gateway therefore sends
 * channel traffic process-locally from its own bus consumer and never relies on this adapter
 * for order or completeness.
 */
export async function createRedisSocketIoAdapter(options: RedisSocketIoAdapterOptions): Promise<RedisSocketIoAdapter> {
  const connectTimeout = options.connectTimeoutMs ?? 2000;
  const connect = () => new Redis(options.url, { lazyConnect: true, connectTimeout, maxRetriesPerRequest: 1, disconnectTimeout: 100 });
  const pub = connect();
  const sub = pub.duplicate();
  for (const [role, client] of [['publish', pub], ['subscribe', sub]] as const) {
    client.on('error', (error: unknown) => options.logger?.warn({ err: error, role }, 'socket.io redis adapter: connection error'));
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (cause) {
    pub.disconnect();
    sub.disconnect();
    throw new AppError('DEPENDENCY_UNAVAILABLE', `the socket.io redis adapter cannot reach ${redact(options.url)}`, { cause });
  }
  return {
    adapter: createAdapter(pub, sub, { key: options.key ?? 'socket.io' }),
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
