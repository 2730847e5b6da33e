import { AppError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { RateDecision, RateLimiter, RateRule } from '../../core/ports/rate-limiter.ts';
import { checkRateKey, checkRule } from './rate-rules.ts';

/**
 * The RateLimiter in one process (GCRA): per key the "theoretical arrival time" of the next
 * request; a request is allowed while that time is at most windowMs ahead of now. Keys whose time
 * has passed hold a full bucket and are dropped by a sweep every minute of the clock.
 *
 * Limits, by design: one process only. Replicas behind a load balancer each count on their own
 * (a client gets up to replicas × limit), which is why distributed mode uses the Redis limiter.
 */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly clock: Clock;
  private readonly arrivals = new Map<string, number>();
  private readonly sweeper: Timer;
  private closed = false;

  constructor(deps: { clock: Clock }) {
    this.clock = deps.clock;
    this.sweeper = this.clock.setInterval(() => this.sweep(), 60_000);
  }

  async take(key: string, rule: RateRule): Promise<RateDecision> {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the rate limiter is closed');
    checkRateKey(key);
    const { limit, windowMs } = checkRule(rule);
    const now = this.clock.now();
    const interval = windowMs / limit;
    const next = Math.max(this.arrivals.get(key) ?? now, now) + interval;
    const ahead = next - now;
    if (ahead > windowMs) return { allowed: false, remaining: 0, retryAfterMs: Math.ceil(ahead - windowMs) };
    this.arrivals.set(key, next);
    return { allowed: true, remaining: Math.floor((windowMs - ahead) / interval + 1e-9), retryAfterMs: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sweeper.cancel();
    this.arrivals.clear();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, at] of this.arrivals) if (at <= now) this.arrivals.delete(key);
  }
}
