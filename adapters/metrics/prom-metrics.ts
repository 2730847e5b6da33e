import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Labels, Metrics } from '../../core/ports/metrics.ts';

/**
 * Metrics on prom-client with a registry of its own per instance (never the global one), so two
 * apps in one test process do not share counters.
 */
export class PromMetrics implements Metrics {
  private readonly registry = new Registry();
  private readonly instruments = new Map<string, Counter | Gauge | Histogram>();

  constructor(options: { defaultMetrics?: boolean; prefix?: string } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: options.prefix ?? 'sb_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []) {
    const c = this.declare(name, () => new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] }));
    return { inc: (labels?: Labels, value = 1) => (labels ? c.inc(labels, value) : c.inc(value)) };
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []) {
    const g = this.declare(name, () => new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] }));
    return {
      set: (value: number, labels?: Labels) => (labels ? g.set(labels, value) : g.set(value)),
      inc: (labels?: Labels, value = 1) => (labels ? g.inc(labels, value) : g.inc(value)),
      dec: (labels?: Labels, value = 1) => (labels ? g.dec(labels, value) : g.dec(value)),
    };
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]) {
    const h = this.declare(
      name,
      () => new Histogram({ name, help, labelNames: [...labelNames], registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}) }),
    );
    return { observe: (value: number, labels?: Labels) => (labels ? h.observe(labels, value) : h.observe(value)) };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private declare<T extends Counter | Gauge | Histogram>(name: string, make: () => T): T {
    const existing = this.instruments.get(name);
    if (existing) return existing as T;
    const created = make();
    this.instruments.set(name, created);
    return created;
  }
}
