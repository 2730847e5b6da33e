import { AppError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { LeaderLease } from '../../core/ports/leader-lease.ts';
import { checkRenewal } from '../engine-lease/lease-rules.ts';

/** The LeaderLease in one process, timed by the Clock port: replicas in one process share an instance. */
export class InMemoryLeaderLease implements LeaderLease {
  private readonly clock: Clock;
  private held: { holder: string; expiresAt: number } | undefined;
  private closed = false;

  constructor(deps: { clock: Clock }) {
    this.clock = deps.clock;
  }

  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    checkRenewal(holder, ttlMs);
    const now = this.clock.now();
    if (this.held && this.held.holder !== holder && this.held.expiresAt > now) return false;
    this.held = { holder, expiresAt: now + ttlMs };
    return true;
  }

  async release(holder: string): Promise<void> {
    this.assertOpen();
    if (this.held?.holder === holder) this.held = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the leader lease is closed');
  }
}
