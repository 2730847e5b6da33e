/**
 * Whether an odds engine tends the prices now: its lease (core/ports/engine-lease.ts) is held.
 *
 * Read at most every `maxAgeMs` (default 200) and shared by every bet in between, so the store
 * sees a handful of reads a second, not one per bet. A lease seen live is trusted for no longer
 * than it had left when the read began, so caching never stretches the lease; a lapsed one is
 * trusted for maxAgeMs, which delays the first bet after an engine (re)starts by that much at most.
 */
import type { Clock } from '../core/ports/clock.ts';
import type { EngineLease } from '../core/ports/engine-lease.ts';

export class EngineLiveness {
  private readonly lease: EngineLease;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private live = false;
  /** Clock time until which `live` holds without a read; 0 before the first read. */
  private validUntil = 0;
  private reading: Promise<boolean> | undefined;

  constructor(deps: { lease: EngineLease; clock: Clock }, options: { maxAgeMs?: number } = {}) {
    this.lease = deps.lease;
    this.clock = deps.clock;
    this.maxAgeMs = options.maxAgeMs ?? 200;
  }

  /** True while the lease is held. A store fault is thrown (not cached): the bet fails as a fault. */
  isLive(): Promise<boolean> {
    if (this.clock.now() < this.validUntil) return Promise.resolve(this.live);
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<boolean> {
    const began = this.clock.now();
    const lease = await this.lease.current();
    this.live = lease !== undefined;
    this.validUntil = began + Math.min(this.maxAgeMs, lease?.remainingMs ?? this.maxAgeMs);
    return this.live;
  }
}
