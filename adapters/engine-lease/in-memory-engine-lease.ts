import { AppError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { EngineLease, EngineLeaseState } from '../../core/ports/engine-lease.ts';
import { checkRenewal } from './lease-rules.ts';

/**
 * The EngineLease in one process, timed by the Clock port.
 *
 * Limits, by design: only the engine and acceptors of this process see it, so it tells an
 * acceptor whether the odds engine beside it is running, not whether one elsewhere is.
 */
export class InMemoryEngineLease implements EngineLease {
  private readonly clock: Clock;
  private held: { holder: string; expiresAt: number } | undefined;
  private closed = false;

  constructor(deps: { clock: Clock }) {
    this.clock = deps.clock;
  }

  async renew(holder: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    checkRenewal(holder, ttlMs);
    this.held = { holder, expiresAt: this.clock.now() + ttlMs };
  }

  async current(): Promise<EngineLeaseState | undefined> {
    this.assertOpen();
    const remainingMs = this.held ? this.held.expiresAt - this.clock.now() : 0;
    return this.held && remainingMs > 0 ? { holder: this.held.holder, remainingMs } : undefined;
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
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the engine lease is closed');
  }
}
