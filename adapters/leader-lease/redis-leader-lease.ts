import { AppError } from '../../core/errors.ts';
import type { LeaderLease } from '../../core/ports/leader-lease.ts';
import { RedisConnection, checkKeyPrefix, type RedisConnectionOptions } from '../redis/redis-connection.ts';
import { checkRenewal } from '../engine-lease/lease-rules.ts';

export interface RedisLeaderLeaseOptions extends RedisConnectionOptions {
  /** What the lease is for; part of the key (`<prefix>leader:<name>`). */
  readonly name: string;
  /** Prepended to the key. Default 'sb:'. */
  readonly keyPrefix?: string;
}

/** KEYS[1] the lease. ARGV: holder, ttl ms. Takes it when free, extends it when held by holder. */
const ACQUIRE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS[1] the lease. ARGV: holder. Deletes it only while that holder has it. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The LeaderLease on Redis: one string holding the holder, set with PX so Redis expires it when
 * the holder stops acquiring; the check and the set run as one script.
 */
export class RedisLeaderLease implements LeaderLease {
  private readonly connection: RedisConnection;
  private readonly key: string;
  private readonly acquireScript: (...args: Array<string | number>) => Promise<unknown>;
  private readonly releaseScript: (...args: Array<string | number>) => Promise<unknown>;
  private closed = false;

  constructor(options: RedisLeaderLeaseOptions) {
    if (!/^[a-z0-9-]+$/.test(options.name)) throw new AppError('INVALID_REQUEST', `a leader lease name is lowercase letters, digits and dashes, not ${JSON.stringify(options.name)}`);
    this.key = `${checkKeyPrefix(options.keyPrefix ?? 'sb:', 'leader lease')}leader:${options.name}`;
    this.connection = new RedisConnection(`leader lease ${options.name}`, options);
    this.acquireScript = this.connection.script('sbLeaderLeaseAcquire', ACQUIRE_LUA, 1);
    this.releaseScript = this.connection.script('sbLeaderLeaseRelease', RELEASE_LUA, 1);
  }

  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    checkRenewal(holder, ttlMs);
    return (await this.acquireScript(this.key, holder, ttlMs)) === 1;
  }

  async release(holder: string): Promise<void> {
    this.assertOpen();
    await this.releaseScript(this.key, holder);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the leader lease is closed');
  }
}
