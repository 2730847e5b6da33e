import { randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { BeginResult, IdempotencyStore, StoredResponse } from '../../core/ports/idempotency-store.ts';
import { RedisConnection, checkKeyPrefix, type RedisConnectionOptions } from '../redis/redis-connection.ts';
import { checkKey, windows, type IdempotencyWindows } from './idempotency-rules.ts';

export interface RedisIdempotencyStoreOptions extends RedisConnectionOptions, IdempotencyWindows {
  /** Prepended to every key. Default 'sb:'. */
  readonly keyPrefix?: string;
}

/**
 * KEYS[1] the key's hash. ARGV: fingerprint, new token, lease ms.
 * Returns {'new'}, {'mismatch'}, {'in_flight'} or {'done', response JSON}.
 */
const BEGIN_LUA = `
local stored = redis.call('HMGET', KEYS[1], 'fp', 'state', 'response')
if not stored[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'in_flight', 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'new'}
end
if stored[1] ~= ARGV[1] then return {'mismatch'} end
if stored[2] == 'done' then return {'done', stored[3]} end
return {'in_flight'}
`;

/** KEYS[1] the key's hash. ARGV: token, response JSON ('' to abandon), retention ms. Returns 1 if it acted. */
const FINISH_LUA = `
local stored = redis.call('HMGET', KEYS[1], 'state', 'token')
if stored[1] ~= 'in_flight' or stored[2] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
  redis.call('HDEL', KEYS[1], 'token')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

/**
 * The IdempotencyStore on Redis, shared by every replica: one hash per key
 * (`<prefix>idem:<key>`: fingerprint, state, owner token, response JSON) whose TTL is the lease
 * while in flight and the retention window once done, so Redis does the expiring. Each call is
 * one Lua script, so begin() is an atomic test-and-set across processes.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly beginScript: (...args: Array<string | number>) => Promise<unknown>;
  private readonly finishScript: (...args: Array<string | number>) => Promise<unknown>;
  private closed = false;

  constructor(options: RedisIdempotencyStoreOptions) {
    this.prefix = checkKeyPrefix(options.keyPrefix ?? 'sb:', 'idempotency store');
    ({ retentionMs: this.retentionMs, leaseMs: this.leaseMs } = windows(options));
    this.connection = new RedisConnection('idempotency store', options);
    this.beginScript = this.connection.script('sbIdempotencyBegin', BEGIN_LUA, 1);
    this.finishScript = this.connection.script('sbIdempotencyFinish', FINISH_LUA, 1);
  }

  async begin(key: string, fingerprint: string): Promise<BeginResult> {
    this.assertOpen();
    const token = randomUUID();
    const reply = (await this.beginScript(this.redisKey(key), fingerprint, token, this.leaseMs)) as [string, string?];
    switch (reply[0]) {
      case 'new':
        return { status: 'new', token };
      case 'mismatch':
        return { status: 'mismatch' };
      case 'in_flight':
        return { status: 'in_flight' };
      case 'done':
        return { status: 'done', response: JSON.parse(reply[1]!) as StoredResponse };
      default:
        throw new AppError('INTERNAL', `idempotency store: unexpected script reply ${JSON.stringify(reply)}`);
    }
  }

  async complete(key: string, token: string, response: StoredResponse): Promise<boolean> {
    this.assertOpen();
    return (await this.finishScript(this.redisKey(key), token, JSON.stringify(response), this.retentionMs)) === 1;
  }

  async abandon(key: string, token: string): Promise<boolean> {
    this.assertOpen();
    return (await this.finishScript(this.redisKey(key), token, '', 0)) === 1;
  }

  health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? Promise.resolve({ ok: false, detail: 'closed' }) : this.connection.ping();
  }

  /** Later calls fail with SHUTTING_DOWN; the connection is closed only if the store opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private redisKey(key: string): string {
    return `${this.prefix}idem:${checkKey(key)}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the idempotency store is closed');
  }
}
