/**
 * Data that is read again every `intervalMs` (and at once when its inputs change), for what has
 * no push channel: the catalog, the trading views, reports. A slow answer never overwrites a
 * newer one, and nothing is read while the page is hidden.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** Reads again now (after an action changed what is shown). */
  refresh(): void;
}

export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, inputs: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let controller: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') {
        controller = new AbortController();
        try {
          const value = await loadRef.current(controller.signal);
          if (!stopped) {
            setData(value);
            setError(undefined);
          }
        } catch (e) {
          if (!stopped && !(e instanceof DOMException && e.name === 'AbortError')) setError(e instanceof Error ? e : new Error(String(e)));
        }
      }
      if (!stopped) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      controller?.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs, tick, ...inputs]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, refresh };
}
