/**
 * A channel's short history: the last changes with contiguous sequence numbers, bounded by count
 * and by age. A client that resumes with `since` gets its missed changes from here, and a
 * subscriber that took a snapshot catches up from here to the live stream.
 *
 * Contiguity is the invariant that makes "no gap" checkable: entries always hold seq n, n+1, ...
 * A change that does not follow the last one must go to a cleared history (the caller decides
 * what a gap means for its subscribers).
 */
export interface HistoryEntry<T> {
  readonly seq: number;
  /** When the entry was added, ms (for the age bound). */
  readonly at: number;
  readonly change: T;
}

export class History<T> {
  private readonly ring: Array<HistoryEntry<T> | undefined>;
  /** Index of the oldest entry in the ring. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<HistoryEntry<T> | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** seq of the oldest entry held, undefined when empty. */
  get firstSeq(): number | undefined {
    return this.count === 0 ? undefined : this.ring[this.head]!.seq;
  }

  /** seq of the newest entry held, undefined when empty. */
  get lastSeq(): number | undefined {
    return this.count === 0 ? undefined : this.ring[(this.head + this.count - 1) % this.capacity]!.seq;
  }

  /** Adds the next change; throws unless seq follows the newest entry (or the history is empty). */
  append(seq: number, at: number, change: T): void {
    const last = this.lastSeq;
    if (last !== undefined && seq !== last + 1) throw new RangeError(`history expects seq ${last + 1}, got ${seq}`);
    const entry: HistoryEntry<T> = { seq, at, change };
    if (this.count < this.capacity) {
      this.ring[(this.head + this.count) % this.capacity] = entry;
      this.count += 1;
    } else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Whether every change after `after` up to the newest is held (true when nothing is missing). */
  covers(after: number): boolean {
    const first = this.firstSeq;
    const last = this.lastSeq;
    if (first === undefined || last === undefined) return false;
    return after >= first - 1 && after <= last;
  }

  /**
   * The entries with seq in (after, upTo], oldest first; undefined when the history does not
   * reach back to after + 1 or forward to upTo.
   */
  range(after: number, upTo: number): Array<HistoryEntry<T>> | undefined {
    const first = this.firstSeq;
    const last = this.lastSeq;
    if (upTo <= after) return [];
    if (first === undefined || last === undefined || after < first - 1 || upTo > last) return undefined;
    const out: Array<HistoryEntry<T>> = [];
    for (let seq = after + 1; seq <= upTo; seq++) out.push(this.ring[(this.head + (seq - first)) % this.capacity]!);
    return out;
  }

  /** Drops entries added before `before` (ms). */
  pruneOlderThan(before: number): void {
    while (this.count > 0 && this.ring[this.head]!.at < before) {
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count -= 1;
    }
  }

  clear(): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
