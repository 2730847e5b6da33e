import { AppError } from '../../core/errors.ts';
import type { RateDecision, RateLimiter, RateRule } from '../../core/ports/rate-limiter.ts';
import { RedisConnection, checkKeyPrefix, type RedisConnectionOptions } from '../redis/redis-connection.ts';
import { checkRateKey, checkRule } from './rate-rules.ts';

export interface RedisRateLimiterOptions extends RedisConnectionOptions {
  /** Prepended to every key. Default 'sb:'. */
  readonly keyPrefix?: string;
}

/**
 * GCRA in one script, on the server's clock (TIME), so replicas with drifting clocks agree.
 * KEYS[1] the key's arrival time (ms, may be fractional). ARGV: limit, windowMs.
 * Returns {allowed 1/0, remaining, retryAfterMs}.
 */
const TAKE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nextAt = tat + interval
local ahead = nextAt - now
if ahead > window then return {0, 0, math.ceil(ahead - window)} end
redis.call('SET', KEYS[1], string.format('%.3f', nextAt), 'PX', math.ceil(ahead))
return {1, math.floor((window - ahead) / interval + 0.000000001), 0}
`;

/**
 * The RateLimiter on Redis, shared by every replica: one short-lived string per key
 * (`<prefix>rl:<key>`) holding its next arrival time, expiring when the bucket is full again.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly takeScript: (...args: Array<string | number>) => Promise<unknown>;
  private closed = false;

  constructor(options: RedisRateLimiterOptions) {
    this.prefix = checkKeyPrefix(options.keyPrefix ?? 'sb:', 'rate limiter');
    this.connection = new RedisConnection('rate limiter', options);
    this.takeScript = this.connection.script('sbRateTake', TAKE_LUA, 1);
  }

  async take(key: string, rule: RateRule): Promise<RateDecision> {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the rate limiter is closed');
    const { limit, windowMs } = checkRule(rule);
    const [allowed, remaining, retryAfterMs] = (await this.takeScript(`${this.prefix}rl:${checkRateKey(key)}`, limit, windowMs)) as [number, number, number];
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }
}
