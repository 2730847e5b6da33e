/**
 * The odds engine holds its lease while it runs: renewed every third of its time to live, taken
 * only after the prices of an earlier engine are withdrawn, released when it stops.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryEngineLease } from '../../../adapters/engine-lease/in-memory-engine-lease.ts';
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import { AppError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import type { PriceBookUpdate } from '../../../core/ports/price-book.ts';
import { createOddsEngine, type OddsEngine, type OddsEngineOptions } from '../../../odds-engine/odds-engine-service.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { uniqueName } from '../../support/wait.ts';
import { EVENT } from './rig.ts';

interface LeaseRig {
  readonly engine: OddsEngine;
  readonly clock: ManualClock;
  readonly lease: InMemoryEngineLease;
  readonly priceBook: InMemoryPriceBook;
  readonly metrics: PromMetrics;
  close(): Promise<void>;
}

async function leaseRig(options: OddsEngineOptions = {}, parts: { lease?: (clock: ManualClock) => InMemoryEngineLease; priceBook?: InMemoryPriceBook } = {}): Promise<LeaseRig> {
  const clock = new ManualClock();
  const bus = new InMemoryBus();
  const priceBook = parts.priceBook ?? new InMemoryPriceBook();
  const lease = parts.lease?.(clock) ?? new InMemoryEngineLease({ clock });
  const metrics = new PromMetrics();
  const engine = createOddsEngine({ bus, clock, logger: silentLogger, metrics, priceBook, lease }, { groupId: uniqueName('odds-engine'), ...options });
  return {
    engine,
    clock,
    lease,
    priceBook,
    metrics,
    async close() {
      await engine.stop();
      await bus.close();
      await lease.close();
    },
  };
}

/** A lease whose renewals fail while `failing` is set. */
class FlakyLease extends InMemoryEngineLease {
  failing = false;
  override async renew(holder: string, ttlMs: number): Promise<void> {
    if (this.failing) throw new AppError('DEPENDENCY_UNAVAILABLE', 'the lease store is down');
    return super.renew(holder, ttlMs);
  }
}

/** A price book that notes, on every write, whether the lease was held then. */
class LeaseWatchingBook extends InMemoryPriceBook {
  lease: InMemoryEngineLease | undefined;
  readonly leaseAtWrites: unknown[] = [];
  override async apply(update: PriceBookUpdate): Promise<boolean> {
    this.leaseAtWrites.push(await this.lease?.current());
    return super.apply(update);
  }
}

let r: LeaseRig | undefined;
afterEach(() => r?.close());

describe('odds engine: its lease', () => {
  test('taken at start, renewed every third of its time to live, released at stop', async () => {
    r = await leaseRig({ leaseTtlMs: 1500 });
    assert.equal(await r.lease.current(), undefined);
    await r.engine.start();
    const taken = await r.lease.current();
    assert.match(taken?.holder ?? '', /^odds-engine-/);
    assert.equal(taken?.remainingMs, 1500);
    // Well past the time to live of one renewal: still held, never with less than two thirds left.
    for (let i = 0; i < 20; i++) {
      await r.clock.advanceAsync(500);
      const held = await r.lease.current();
      assert.equal(held?.holder, taken?.holder);
      assert.ok(held.remainingMs >= 1000, `${held.remainingMs} ms left`);
    }
    await r.engine.stop();
    assert.equal(await r.lease.current(), undefined, 'released at once: nobody tends the prices any more');
  });

  test('a failed renewal is counted and retried on the next tick, before the lease lapses', async () => {
    let flaky: FlakyLease | undefined;
    r = await leaseRig({ leaseTtlMs: 3000 }, { lease: (clock) => (flaky = new FlakyLease({ clock })) });
    await r.engine.start();
    flaky!.failing = true;
    await r.clock.advanceAsync(1000);
    assert.match(await r.metrics.render(), /sb_odds_lease_renewal_failures_total 1\b/);
    flaky!.failing = false;
    await r.clock.advanceAsync(1000);
    assert.equal((await r.lease.current())?.remainingMs, 3000, 'renewed on the next tick');
  });

  test('with withdrawOnStart the lease is taken only once the earlier engine\'s prices are withdrawn', async () => {
    const book = new LeaseWatchingBook();
    r = await leaseRig({ withdrawOnStart: true }, { priceBook: book });
    book.lease = r.lease;
    await r.priceBook.apply({ eventId: EVENT, epoch: 'old', seq: 3, ts: 0, markets: [] });
    await r.engine.start();
    assert.deepEqual(book.leaseAtWrites, [undefined, undefined], 'no lease while the earlier prices were there');
    assert.ok(await r.lease.current());
  });
});
