import { AppError } from '../../core/errors.ts';
import type { EngineLease, EngineLeaseState } from '../../core/ports/engine-lease.ts';
import { RedisConnection, checkKeyPrefix, type RedisConnectionOptions } from '../redis/redis-connection.ts';
import { checkRenewal } from './lease-rules.ts';

export interface RedisEngineLeaseOptions extends RedisConnectionOptions {
  /** Prepended to the key. Default 'sb:'. */
  readonly keyPrefix?: string;
}

/** KEYS[1] the lease. Returns {holder, ms left} or nil; one script so both come from one instant. */
const CURRENT_LUA = `
local holder = redis.call('GET', KEYS[1])
if not holder then return nil end
return {holder, redis.call('PTTL', KEYS[1])}
`;

/** KEYS[1] the lease. ARGV: holder. Deletes it only while that holder has it. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The EngineLease on Redis, read by every acceptor: one string `<prefix>engine-lease` holding the
 * holder, set with PX so Redis itself expires it when the engine stops renewing.
 */
export class RedisEngineLease implements EngineLease {
  private readonly connection: RedisConnection;
  private readonly key: string;
  private readonly currentScript: (...args: Array<string | number>) => Promise<unknown>;
  private readonly releaseScript: (...args: Array<string | number>) => Promise<unknown>;
  private closed = false;

  constructor(options: RedisEngineLeaseOptions) {
    this.key = `${checkKeyPrefix(options.keyPrefix ?? 'sb:', 'engine lease')}engine-lease`;
    this.connection = new RedisConnection('engine lease', options);
    this.currentScript = this.connection.script('sbEngineLeaseCurrent', CURRENT_LUA, 1);
    this.releaseScript = this.connection.script('sbEngineLeaseRelease', RELEASE_LUA, 1);
  }

  async renew(holder: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    checkRenewal(holder, ttlMs);
    await this.connection.call(() => this.connection.client.set(this.key, holder, 'PX', ttlMs));
  }

  async current(): Promise<EngineLeaseState | undefined> {
    this.assertOpen();
    const reply = (await this.currentScript(this.key)) as [string, number] | null;
    // PTTL is -2 once the key is gone and -1 without an expiry; neither is a live lease.
    if (reply === null || reply[1] <= 0) return undefined;
    return { holder: reply[0], remainingMs: reply[1] };
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
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the engine lease is closed');
  }
}
