/**
 * Rows for one table, written in batches: an insert starts when `maxRows` rows are waiting, when
 * the oldest row has waited `intervalMs`, or at once when a caller waits for its rows (group
 * commit: what arrives meanwhile goes into the next insert). One insert is in flight at a time,
 * so rows are written in the order they were added.
 *
 * A retriable failure puts the rows back at the head and retries after a backoff (doubling from
 * `backoff.initialMs` to `backoff.maxMs`, on the Clock); no insert starts while backing off. The
 * buffer holds at most `maxBuffered` rows: past it `drop-oldest` drops the oldest waiting rows
 * (counted), `reject` refuses the new ones with DEPENDENCY_UNAVAILABLE. A caller waits at most
 * `writeTimeoutMs`, then gets DEPENDENCY_UNAVAILABLE while its rows stay buffered. A failure that
 * is not retriable drops the batch (counted, logged) and rejects the callers waiting for it.
 *
 * Progress is tracked by sequence numbers: rows are numbered as added and finish (written,
 * dropped or failed) in that order, so "every row before n has finished" is one comparison.
 */
import { AppError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { Metrics } from '../../core/ports/metrics.ts';

export interface InsertBatcherOptions<Row> {
  /** The table: metric label and log field. */
  readonly table: string;
  readonly insert: (rows: readonly Row[]) => Promise<void>;
  readonly isRetriable: (error: unknown) => boolean;
  readonly maxRows: number;
  readonly intervalMs: number;
  readonly maxBuffered: number;
  readonly overflow: 'drop-oldest' | 'reject';
  readonly writeTimeoutMs: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
}

export interface InsertBatcherDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

interface Waiter {
  /** Rows with a sequence number below this must have finished. */
  readonly upTo: number;
  /** Rows from here on are the caller's own: their failure rejects it (-1: it only waits). */
  readonly ownFrom: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly timer: Timer;
}

export class InsertBatcher<Row> {
  private buffer: Row[] = [];
  /** Sequence number of buffer[0]; equals `nextSeq` when the buffer is empty. */
  private bufferSeq = 0;
  private nextSeq = 0;
  private inFlight: { readonly rows: Row[]; readonly seq: number } | undefined;
  /** Settles once the insert in flight has been handled (written, retried or dropped). */
  private inFlightHandled: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private intervalTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private backoffMs = 0;
  /** Set when close() starts: no new rows. */
  private closing: Promise<void> | undefined;
  /** Set when close() has flushed: no more inserts, no more waiting. */
  private closed = false;
  private readonly labels: { table: string };
  private readonly m;

  constructor(
    private readonly deps: InsertBatcherDeps,
    private readonly options: InsertBatcherOptions<Row>,
  ) {
    const { metrics } = deps;
    this.labels = { table: options.table };
    this.m = {
      written: metrics.counter('sb_analytics_rows_written_total', 'Analytics rows written to the store.', ['table']),
      dropped: metrics.counter('sb_analytics_rows_dropped_total', 'Analytics facts dropped before reaching the store, or forgotten by its bounds.', ['table', 'reason']),
      refused: metrics.counter('sb_analytics_rows_refused_total', 'Analytics rows refused because the buffer was full (the caller retries).', ['table']),
      failures: metrics.counter('sb_analytics_insert_failures_total', 'Analytics inserts that failed, by whether they are retried.', ['table', 'retriable']),
      buffered: metrics.gauge('sb_analytics_buffered_rows', 'Analytics rows waiting for an insert.', ['table']),
      seconds: metrics.histogram('sb_analytics_insert_seconds', 'Duration of analytics inserts.', ['table'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
    };
  }

  /** Rows waiting or in flight. */
  get pending(): number {
    return this.buffer.length + (this.inFlight?.rows.length ?? 0);
  }

  /** Buffers rows and returns at once. Throws SHUTTING_DOWN after close(), DEPENDENCY_UNAVAILABLE when full in `reject` mode. */
  add(rows: readonly Row[]): void {
    this.take(rows);
    this.schedule();
  }

  /** Buffers rows and resolves once they are written. */
  write(rows: readonly Row[]): Promise<void> {
    const ownFrom = this.take(rows);
    const done = this.waitFor(this.nextSeq, ownFrom);
    this.schedule();
    return done;
  }

  /** Resolves once every row added before the call has finished; DEPENDENCY_UNAVAILABLE after the write timeout. */
  flush(): Promise<void> {
    const done = this.waitFor(this.nextSeq, -1);
    this.schedule();
    return done;
  }

  /**
   * Refuses new rows, flushes, and stops every timer. When the flush times out it stops retrying,
   * lets an insert in flight finish (bounded by the client's request timeout) and counts every row
   * it could not write as dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      this.closed = true;
      this.retryTimer?.cancel();
      // A failure of the insert in flight counts its rows as dropped (see failed()).
      await this.inFlightHandled;
      this.m.dropped.inc({ ...this.labels, reason: 'closed' }, this.buffer.length);
      this.deps.logger.error({ err: error, table: this.options.table, rows: this.buffer.length }, 'analytics rows not written before close: dropped');
      this.buffer = [];
    }
    this.closed = true;
    this.intervalTimer?.cancel();
    this.retryTimer?.cancel();
    for (const w of this.waiters.splice(0)) {
      w.timer.cancel();
      w.reject(new AppError('SHUTTING_DOWN', 'the analytics store closed'));
    }
  }

  /** Appends rows; returns the sequence number of the first. */
  private take(rows: readonly Row[]): number {
    if (this.closing) throw new AppError('SHUTTING_DOWN', 'the analytics store is closed');
    const { maxBuffered, overflow } = this.options;
    // In-flight rows count too: after a failed insert they are back in the buffer.
    if (overflow === 'reject' && this.pending + rows.length > maxBuffered) {
      this.m.refused.inc(this.labels, rows.length);
      throw new AppError('DEPENDENCY_UNAVAILABLE', `the ${this.options.table} buffer is full (${this.buffer.length} rows): ClickHouse is behind or away`);
    }
    const first = this.nextSeq;
    for (const row of rows) this.buffer.push(row);
    this.nextSeq += rows.length;
    this.dropOverflow();
    this.m.buffered.set(this.buffer.length, this.labels);
    return first;
  }

  /** drop-oldest only: in `reject` mode take() keeps the buffer within bounds. */
  private dropOverflow(): void {
    const excess = this.buffer.length - this.options.maxBuffered;
    if (this.options.overflow !== 'drop-oldest' || excess <= 0) return;
    this.buffer.splice(0, excess);
    this.bufferSeq += excess;
    this.m.dropped.inc({ ...this.labels, reason: 'overflow' }, excess);
    this.settle();
  }

  private waitFor(upTo: number, ownFrom: number): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('SHUTTING_DOWN', 'the analytics store is closed'));
    if (this.finishedBelow() >= upTo) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        upTo,
        ownFrom,
        resolve,
        reject,
        timer: this.deps.clock.setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new AppError('DEPENDENCY_UNAVAILABLE', `ClickHouse did not take the ${this.options.table} rows within ${this.options.writeTimeoutMs} ms; they stay buffered`));
        }, this.options.writeTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Every row with a lower sequence number has finished. */
  private finishedBelow(): number {
    return this.inFlight?.seq ?? this.bufferSeq;
  }

  private settle(): void {
    const finished = this.finishedBelow();
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.upTo <= finished) {
        w.timer.cancel();
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  private schedule(): void {
    if (this.closed || this.inFlight || this.retryTimer || this.buffer.length === 0) return;
    const someoneWaits = this.waiters.some((w) => w.upTo > this.bufferSeq);
    if (someoneWaits || this.buffer.length >= this.options.maxRows) {
      this.startInsert();
      return;
    }
    this.intervalTimer ??= this.deps.clock.setTimeout(() => {
      this.intervalTimer = undefined;
      this.startInsert();
    }, this.options.intervalMs);
  }

  private startInsert(): void {
    if (this.closed || this.inFlight || this.buffer.length === 0) return;
    this.intervalTimer?.cancel();
    this.intervalTimer = undefined;
    const rows = this.buffer.splice(0, this.options.maxRows);
    const batch = { rows, seq: this.bufferSeq };
    this.inFlight = batch;
    this.bufferSeq += rows.length;
    this.m.buffered.set(this.buffer.length, this.labels);
    const started = performance.now();
    // The insert's outcome is handled here, never left as an unhandled rejection.
    this.inFlightHandled = this.options.insert(rows).then(
      () => this.succeeded(batch, started),
      (error: unknown) => this.failed(batch, error),
    );
  }

  private succeeded(batch: { rows: Row[]; seq: number }, started: number): void {
    this.m.seconds.observe((performance.now() - started) / 1000, this.labels);
    this.m.written.inc(this.labels, batch.rows.length);
    if (this.backoffMs > 0) this.deps.logger.info({ table: this.options.table }, 'ClickHouse takes analytics rows again');
    this.backoffMs = 0;
    this.inFlight = undefined;
    this.settle();
    this.schedule();
  }

  private failed(batch: { rows: Row[]; seq: number }, error: unknown): void {
    this.inFlight = undefined;
    const retriable = this.options.isRetriable(error);
    this.m.failures.inc({ ...this.labels, retriable: String(retriable) });
    if (this.closed) {
      this.m.dropped.inc({ ...this.labels, reason: 'closed' }, batch.rows.length);
      return;
    }
    if (!retriable) {
      this.m.dropped.inc({ ...this.labels, reason: 'failed' }, batch.rows.length);
      this.deps.logger.error({ err: error, table: this.options.table, rows: batch.rows.length }, 'analytics insert refused by ClickHouse: rows dropped');
      const end = batch.seq + batch.rows.length;
      this.waiters = this.waiters.filter((w) => {
        const own = w.ownFrom >= 0 && w.ownFrom < end && w.upTo > batch.seq;
        if (own) {
          w.timer.cancel();
          w.reject(error);
        }
        return !own;
      });
      this.settle();
      this.schedule();
      return;
    }
    // Back at the head, in order: they are still the oldest rows.
    this.buffer.unshift(...batch.rows);
    this.bufferSeq = batch.seq;
    this.dropOverflow();
    this.m.buffered.set(this.buffer.length, this.labels);
    if (this.backoffMs === 0) {
      this.deps.logger.warn({ err: error, table: this.options.table, rows: this.buffer.length }, 'ClickHouse unavailable: analytics rows stay buffered and are retried');
    }
    const { initialMs, maxMs } = this.options.backoff;
    this.backoffMs = this.backoffMs === 0 ? initialMs : Math.min(this.backoffMs * 2, maxMs);
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.startInsert();
    }, this.backoffMs);
  }
}
