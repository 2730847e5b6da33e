import { AppError } from '../../core/errors.ts';
import type { MarketResult, MarketResultStore } from '../../core/ports/market-result-store.ts';

/**
 * The MarketResultStore in one process: embedded mode's store and the reference the PostgreSQL
 * store is tested against. States are frozen when put and handed out as they are.
 *
 * Limits, by design: nothing survives the process (a settlement process restarted on it would
 * judge bets against no results at all, which is why distributed mode uses PostgreSQL), and
 * nothing is removed, so memory grows with the markets resulted.
 */
export class InMemoryMarketResultStore implements MarketResultStore {
  private readonly results = new Map<string, MarketResult>();
  private closed = false;

  async get(eventId: string, marketKey: string): Promise<MarketResult | undefined> {
    this.assertOpen();
    return this.results.get(key(eventId, marketKey));
  }

  async put(result: MarketResult, expected: number): Promise<boolean> {
    this.assertOpen();
    if (typeof result?.eventId !== 'string' || result.eventId === '' || typeof result.marketKey !== 'string' || result.marketKey === '') {
      throw new AppError('INVALID_REQUEST', 'a market result needs its event id and market key');
    }
    const k = key(result.eventId, result.marketKey);
    const stored = this.results.get(k)?.version ?? 0;
    if (stored !== expected || result.version !== expected + 1) return false;
    this.results.set(k, deepFreeze(structuredClone(result)));
    return true;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the market result store is closed');
  }
}

function key(eventId: string, marketKey: string): string {
  return `${eventId}\u0000${marketKey}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
