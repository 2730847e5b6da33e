/**
 * Metrics, Prometheus-style. Services declare what they measure; the adapter decides where it
 * goes. Each Metrics instance owns its registry: no module-level singletons.
 *
 * Promises: declaring the same name twice returns the same instrument; label values are strings.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface Metrics {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(name: string, help: string, labelNames?: readonly string[], buckets?: readonly number[]): Histogram;
  /** Prometheus text exposition of everything declared. */
  render(): Promise<string>;
  readonly contentType: string;
}
