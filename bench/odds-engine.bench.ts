/**
 * Odds engine throughput against feed decoding, on one core, for the same messages: variants of
 * the 40-market live odds_change sample whose odds and probabilities all move from one message
 * to the next (the worst case: every market of every message is priced again).
 *
 * - decode: translateFeedMessage on the XML bytes (what feed-ingest does per message);
 * - engine: OddsEngine.handle on the decoded message, with the embedded mode's in-memory
 *   PriceBook and bus: state, fair probabilities, margin, ladder and band, deltas, PriceBook
 *   write and publish; once per margin method the engine is configured with;
 * - engine, output discarded: the same with a PriceBook and a bus that take the output and keep
 *   nothing, to show the engine's own share apart from the adapters';
 * - engine, 4 of 40 markets moving: as a live feed sends them, each message repeats most markets
 *   unchanged; only the markets whose inputs moved are priced again. For reference: the goals
 *   are on the worst case above.
 *
 * Variants run in interleaved rounds so drift on a shared machine hits all of them alike;
 * throughput is the median of the rounds, latency percentiles are over every message timed. The
 * machine is shared, so the process CPU time per message (median of the rounds) is printed too:
 * it moves far less with the load than wall-clock rates do.
 */
import { readFileSync } from 'node:fs';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../adapters/price-book/in-memory-price-book.ts';
import type { OddsChanged } from '../core/contracts/feed.ts';
import type { Bus } from '../core/ports/bus.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { EventId } from '../core/ids.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { translateFeedMessage } from '../feed-ingest/translate.ts';
import { createOddsEngine, type OddsEngine } from '../odds-engine/odds-engine-service.ts';
import type { MarginMethod } from '../odds-engine/pricing/index.ts';
import type { BenchResult } from './run.ts';

const SAMPLE = new URL('../test/support/samples/uof/odds-change-40-markets.xml', import.meta.url);
const VARIANTS = 200;
/** Events the messages are spread over (each gets every tenth variant). */
const EVENTS = 10;
const METHODS: readonly MarginMethod[] = ['proportional', 'power'];
const WARM_UP_MS = 3_000;
const ROUNDS = 10;
const ROUND_MS = 500;
const GOAL_RATIO = 2;
const GOAL_P99_MS = 1;
/** Market groups of the few-moving variant: markets k ≡ g (mod GROUPS) move together. */
const GROUPS = 10;

interface Stage {
  /** Handles message i of the round; returns once it is done. */
  run(i: number): unknown;
  /** Held to the goals (the worst case), or shown for reference. */
  readonly goal: boolean;
}

interface Samples {
  readonly rates: number[];
  /** Process CPU time (user + system) per message, µs, per round. */
  readonly cpu: number[];
  readonly latencies: number[];
}

/** Runs the stage for about ms milliseconds, timing every call; returns calls per second and CPU µs per call. */
async function round(stage: Stage, ms: number, latencies: number[] | undefined, offset: { next: number }): Promise<{ rate: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let calls = 0;
  let now = start;
  while (now < end) {
    const t0 = now;
    const result = stage.run(offset.next++);
    if (result instanceof Promise) await result;
    now = performance.now();
    latencies?.push(now - t0);
    calls++;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { rate: (calls * 1000) / (now - start), cpu: (cpu.user + cpu.system) / calls };
}

/** Odds and probabilities moved by up to ±4 % in a pattern that differs per variant and outcome. */
function variantXml(xml: string, v: number): string {
  let k = 0;
  return xml
    .replace(/timestamp="(\d+)"/, (_, ts: string) => `timestamp="${Number(ts) + v}"`)
    .replace(/odds="([\d.]+)"/g, (_, odds: string) => {
      const moved = Math.max(1.01, Number(odds) * (1 + 0.04 * Math.sin(v * 1.7 + k++)));
      return `odds="${moved.toFixed(2)}"`;
    })
    .replace(/probabilities="([\d.]+)"/g, (_, p: string) => `probabilities="${(Number(p) * (1 + 0.04 * Math.sin(v * 0.9 + k++))).toFixed(10)}"`);
}

/**
 * Variant v of the few-moving feed. An event receives the variants v ≡ e (mod EVENTS) in turn,
 * step s = ⌊v / EVENTS⌋ = 0, 1, ..., 19, 0, ...; market k of group g = k mod GROUPS is at level
 * ⌊(s + g) / GROUPS⌋ mod 2 (its sample prices, or moved by ±3 %). From one step to the next,
 * wrap-around included, exactly one group changes level: 4 of the 40 markets.
 */
function fewMovingXml(xml: string, v: number): string {
  const step = Math.floor(v / EVENTS);
  let market = -1;
  return xml
    .replace(/timestamp="(\d+)"/, (_, ts: string) => `timestamp="${Number(ts) + v}"`)
    .replace(/<market [^>]*>[\s\S]*?<\/market>/g, (block) => {
      market++;
      if (Math.floor((step + (market % GROUPS)) / GROUPS) % 2 === 0) return block;
      let k = 0;
      return block
        .replace(/odds="([\d.]+)"/g, (_, odds: string) => `odds="${Math.max(1.01, Number(odds) * (k++ % 2 === 0 ? 1.03 : 0.97)).toFixed(2)}"`)
        .replace(/probabilities="([\d.]+)"/g, (_, p: string) => `probabilities="${(Number(p) * (k++ % 2 === 0 ? 1.03 : 0.97)).toFixed(10)}"`);
    });
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** Takes every update and keeps nothing. */
const discardingPriceBook: PriceBook = {
  apply: async () => true,
  getEvent: async () => undefined,
  getMarket: async () => undefined,
  listEvents: async () => [],
  remove: async () => undefined,
  close: async () => undefined,
};

/** Takes every publish and delivers nothing. */
const discardingBus: Bus = {
  publish: async () => undefined,
  subscribe: async () => ({ close: async () => undefined }),
  health: async () => ({ ok: true }),
  close: async () => undefined,
};

function engineFor(method: MarginMethod, options: { metrics?: PromMetrics; discard?: boolean } = {}): OddsEngine {
  const discard = options.discard === true;
  return createOddsEngine(
    {
      bus: discard ? discardingBus : new InMemoryBus(),
      clock: new SystemClock(),
      logger: silentLogger,
      metrics: options.metrics ?? new PromMetrics(),
      priceBook: discard ? discardingPriceBook : new InMemoryPriceBook(),
    },
    { margin: { margin: 0.05, method } },
  );
}

export default async function run(): Promise<BenchResult> {
  const xml = readFileSync(SAMPLE, 'utf8');
  const translate = (payload: Buffer): OddsChanged => {
    const t = translateFeedMessage({ payload, source: 'bench', receivedTs: 0 });
    if (t.kind !== 'message' || t.message.type !== 'OddsChanged' || t.message.markets.length !== 40) {
      throw new Error('a bench variant does not translate to a 40-market OddsChanged');
    }
    return t.message;
  };
  const payloads = Array.from({ length: VARIANTS }, (_, v) => Buffer.from(variantXml(xml, v)));
  const decoded = payloads.map(translate);
  const fewMoving = Array.from({ length: VARIANTS }, (_, v) => translate(Buffer.from(fewMovingXml(xml, v))));
  const outcomesPerMessage = decoded[0]!.markets.reduce((n, m) => n + m.outcomes.filter((o) => o.active).length, 0);
  const eventIds = Array.from({ length: EVENTS }, (_, e) => `sr:match:${70_000 + e}` as EventId);

  /** Outcomes priced when one event receives `second` after `first`. */
  const pricedBetween = async (first: OddsChanged, second: OddsChanged): Promise<number> => {
    const metrics = new PromMetrics();
    const probe = engineFor('proportional', { metrics });
    const priced = async () => Number(/^sb_odds_priced_outcomes_total (\d+)$/m.exec(await metrics.render())?.[1] ?? 0);
    await probe.handle({ ...first, messageId: 'probe-0', sourceTs: 1 });
    const before = await priced();
    await probe.handle({ ...second, messageId: 'probe-1', sourceTs: 2 });
    return (await priced()) - before;
  };
  // Every outcome of every message must be priced again, or the figures flatter.
  if ((await pricedBetween(decoded[0]!, decoded[1]!)) !== outcomesPerMessage) throw new Error('consecutive bench variants do not re-price every outcome');
  // One event's consecutive few-moving messages differ in one group of markets.
  const fewPriced = await pricedBetween(fewMoving[3]!, fewMoving[3 + EVENTS]!);
  const fewMarkets = 40 / GROUPS;
  if (fewPriced === 0 || fewPriced >= outcomesPerMessage / 2) throw new Error(`the few-moving variants re-price ${fewPriced} outcomes`);

  const decode: Stage = { goal: false, run: (i) => translateFeedMessage({ payload: payloads[i % VARIANTS]!, source: 'bench', receivedTs: 0 }) };

  const engineStage = (engine: OddsEngine, messages: readonly OddsChanged[], goal: boolean): Stage => ({
    goal,
    // A fresh id and a later timestamp each time: the engine drops re-deliveries and older odds.
    run: (i) => {
      const message: OddsChanged = { ...messages[i % VARIANTS]!, eventId: eventIds[i % EVENTS]!, messageId: `bench-${i}`, sourceTs: 1_000_000 + i };
      return engine.handle(message);
    },
  });
  const stages = new Map<string, Stage>([
    ['decode (translateFeedMessage)', decode],
    ...METHODS.map((m): [string, Stage] => [`engine, ${m} margin`, engineStage(engineFor(m), decoded, true)]),
    ...METHODS.map((m): [string, Stage] => [`engine, ${m}, output discarded`, engineStage(engineFor(m, { discard: true }), decoded, true)]),
    [`engine, proportional, ${fewMarkets} of 40 markets moving`, engineStage(engineFor('proportional'), fewMoving, false)],
  ]);
  const names = [...stages.keys()];
  const offsets = new Map(names.map((n) => [n, { next: 0 }]));
  /** Outcomes decoded, or priced, per message. */
  const outcomesOf = (name: string): number => (name.includes('moving') ? fewPriced : outcomesPerMessage);

  for (const name of names) await round(stages.get(name)!, WARM_UP_MS / names.length, undefined, offsets.get(name)!);
  const samples = new Map<string, Samples>(names.map((n) => [n, { rates: [], cpu: [], latencies: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of names) {
      const s = samples.get(name)!;
      const { rate, cpu } = await round(stages.get(name)!, ROUND_MS, s.latencies, offsets.get(name)!);
      s.rates.push(rate);
      s.cpu.push(cpu);
    }
  }

  const decodeRate = median(samples.get(names[0]!)!.rates);
  const decodeCpu = median(samples.get(names[0]!)!.cpu);
  const rows = names.map((name) => {
    const s = samples.get(name)!;
    const rate = median(s.rates);
    const cpu = median(s.cpu);
    const sorted = [...s.latencies].sort((a, b) => a - b);
    return {
      stage: name,
      'msgs/s (median)': Math.round(rate),
      'min..max': `${Math.round(Math.min(...s.rates))}..${Math.round(Math.max(...s.rates))}`,
      'outcomes/s': Math.round(rate * outcomesOf(name)),
      'µs/msg p50': Number((percentile(sorted, 0.5) * 1000).toFixed(0)),
      'µs/msg p99': Number((percentile(sorted, 0.99) * 1000).toFixed(0)),
      'CPU µs/msg': Number(cpu.toFixed(1)),
      'vs decode': Number((rate / decodeRate).toFixed(2)),
      'vs decode, CPU': Number((decodeCpu / cpu).toFixed(2)),
    };
  });

  const goals = rows
    .filter((row) => stages.get(row.stage)!.goal)
    .flatMap((row) => [
      { goal: `${row.stage}: ≥ ${GOAL_RATIO}× decode throughput`, met: row['vs decode'] >= GOAL_RATIO, measured: `${row['vs decode']}× (CPU time: ${row['vs decode, CPU']}×)` },
      { goal: `${row.stage}: p99 ≤ ${GOAL_P99_MS} ms per message`, met: row['µs/msg p99'] <= GOAL_P99_MS * 1000, measured: `${row['µs/msg p99']} µs` },
    ]);
  return {
    name: `odds-engine vs decode: ${payloads[0]!.length}-byte odds_change, 40 markets / ${outcomesPerMessage} outcomes all moving (last row: ${fewMarkets} markets, ${fewPriced} outcomes), ${ROUNDS} interleaved rounds of ${ROUND_MS} ms`,
    rows,
    goals,
  };
}
