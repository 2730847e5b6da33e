/**
 * Time. Everything that waits or stamps goes through a Clock so tests can drive time exactly.
 *
 * Promises: now() is ms since epoch (UTC) and never goes backwards for one Clock; a timer fires
 * no earlier than `ms` after it was set, and not at all once cancelled.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

export interface Timer {
  cancel(): void;
}
