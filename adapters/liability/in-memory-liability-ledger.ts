import { AppError } from '../../core/errors.ts';
import type { LiabilityEntry, LiabilityLedger, ReserveResult } from '../../core/ports/liability-ledger.ts';
import { checkEntries, checkKey, checkReservationId, releasedId } from './liability-rules.ts';

/**
 * The LiabilityLedger in one process: embedded mode's ledger and the reference the Redis ledger
 * is tested against. Each call runs to completion without yielding, which makes every reserve an
 * atomic check-and-set.
 *
 * Limits, by design: one process only (acceptor replicas must share the Redis ledger), nothing
 * survives a restart, and released ids are remembered for as long as it runs.
 */
export class InMemoryLiabilityLedger implements LiabilityLedger {
  private readonly totals = new Map<string, bigint>();
  /**
   * Held reservations by id (their checked entries: a plain array weighs far less than a Map per
   * bet, and a bet has few legs); a released one maps to 'released'.
   */
  private readonly reservations = new Map<string, readonly LiabilityEntry[] | 'released'>();
  private closed = false;

  async reserve(reservationId: string, entries: readonly LiabilityEntry[]): Promise<ReserveResult> {
    this.assertOpen();
    const id = checkReservationId(reservationId);
    const wanted = checkEntries(entries);
    const held = this.reservations.get(id);
    if (held === 'released') throw releasedId(id);
    const before = held === undefined ? undefined : new Map(held.map((e) => [e.key, e.amount]));
    if (before !== undefined && sameAmounts(before, wanted)) return { status: 'reserved', existing: true };
    for (const { key, amount, limit } of wanted) {
      const increase = amount - (before?.get(key) ?? 0n);
      const current = this.totals.get(key) ?? 0n;
      if (increase > 0n && current + increase > limit) return { status: 'exceeded', key, current, limit, increase };
    }
    if (held !== undefined) for (const { key, amount } of held) this.add(key, -amount);
    for (const { key, amount } of wanted) this.add(key, amount);
    this.reservations.set(id, wanted);
    return { status: 'reserved', existing: false };
  }

  async release(reservationId: string): Promise<boolean> {
    this.assertOpen();
    const id = checkReservationId(reservationId);
    const held = this.reservations.get(id);
    if (held === undefined || held === 'released') return false;
    for (const { key, amount } of held) this.add(key, -amount);
    this.reservations.set(id, 'released');
    return true;
  }

  async current(key: string): Promise<bigint> {
    this.assertOpen();
    return this.totals.get(checkKey(key)) ?? 0n;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private add(key: string, amount: bigint): void {
    const total = (this.totals.get(key) ?? 0n) + amount;
    if (total === 0n) this.totals.delete(key);
    else this.totals.set(key, total);
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the liability ledger is closed');
  }
}

function sameAmounts(held: ReadonlyMap<string, bigint>, wanted: readonly LiabilityEntry[]): boolean {
  return held.size === wanted.length && wanted.every((e) => held.get(e.key) === e.amount);
}
