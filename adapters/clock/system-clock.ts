import type { Clock, Timer } from '../../core/ports/clock.ts';

/** Wall-clock time; timers are unref'd so a pending timer never keeps the process alive. */
export class SystemClock implements Clock {
  private last = 0;

  now(): number {
    // Date.now() can step back when NTP adjusts; the port promises monotonic readings.
    this.last = Math.max(this.last, Date.now());
    return this.last;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }

  setInterval(fn: () => void, ms: number): Timer {
    const handle = setInterval(fn, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  }
}
