import type { Clock, Timer } from '../../core/ports/clock.ts';

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  every?: number;
  cancelled: boolean;
}

/**
 * A Clock that moves only when the test says so. advance(ms) fires every timer due in the window
 * in time order (ties in the order they were set), moving now() to each timer's time first.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Scheduled[] = [];

  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.schedule(fn, Math.max(0, ms));
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.schedule(fn, Math.max(1, ms), Math.max(1, ms));
  }

  /** Moves time forward by ms, firing due timers synchronously. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.time = next.at;
      if (next.every !== undefined) next.at += next.every;
      else next.cancelled = true;
      next.fn();
      this.timers = this.timers.filter((t) => !t.cancelled);
    }
    this.time = end;
  }

  /** Advances in steps, letting promises settle between steps (for async timer callbacks). */
  async advanceAsync(ms: number, step = ms): Promise<void> {
    let left = ms;
    while (left > 0) {
      const d = Math.min(step, left);
      this.advance(d);
      left -= d;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private schedule(fn: () => void, ms: number, every?: number): Timer {
    const entry: Scheduled = { at: this.time + ms, seq: this.seq++, fn, every, cancelled: false };
    this.timers.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  private nextDue(end: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.at > end) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
