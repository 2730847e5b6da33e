/**
 * How long a trader's margin change takes to reach the published prices: from sending
 * `PUT /v1/trading/margins/sport/:id` over real HTTP until the last affected event's PriceChanged
 * is on the bus, with 50 live events × 40 markets priced by the odds engine. Side by side with a
 * hello-world route on the same server (the HTTP floor). Goal: every affected price published
 * within 100 ms.
 *
 * The machine is shared, so the process CPU time each request cost (client, server, engine and
 * bus together: they share the process) is printed beside the wall-clock times.
 */
import { readFileSync } from 'node:fs';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../adapters/price-book/in-memory-price-book.ts';
import { createHttpServer } from '../app/http.ts';
import { registerAuth } from '../app/auth.ts';
import type { OddsChanged } from '../core/contracts/feed.ts';
import type { OddsDelta } from '../core/contracts/odds.ts';
import type { EventId } from '../core/ids.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { TOPICS } from '../core/topics.ts';
import { translateFeedMessage } from '../feed-ingest/translate.ts';
import { createOddsEngine } from '../odds-engine/odds-engine-service.ts';
import { registerTradingRoutes } from '../odds-engine/http.ts';
import type { BenchResult } from './run.ts';

const SAMPLE = new URL('../test/support/samples/uof/odds-change-40-markets.xml', import.meta.url);
const EVENTS = 50;
const CHANGES = 40;
const WARM_UP = 5;
const GOAL_MS = 100;

export default async function run(): Promise<BenchResult> {
  const translated = translateFeedMessage({ payload: readFileSync(SAMPLE), source: 'bench', receivedTs: 0 });
  if (translated.kind !== 'message' || translated.message.type !== 'OddsChanged') throw new Error('the sample does not translate');
  const sample = translated.message;

  const bus = new InMemoryBus();
  const priceBook = new InMemoryPriceBook();
  const engine = createOddsEngine(
    {
      bus,
      clock: new SystemClock(),
      logger: silentLogger,
      metrics: new PromMetrics(),
      priceBook,
      eventInfo: () => ({ sportId: 'sr:sport:1', tournamentId: 'sr:tournament:1' }),
    },
    { margin: { margin: 0.05, method: 'proportional' } },
  );
  const eventIds = Array.from({ length: EVENTS }, (_, e) => `sr:match:${80_000 + e}` as EventId);
  for (const [e, eventId] of eventIds.entries()) {
    await engine.handle({ ...(sample as OddsChanged), eventId, messageId: `load-${e}`, sourceTs: Date.now() });
  }

  let waiting: { seen: Set<string>; done: (at: number) => void } | undefined;
  await bus.subscribe<OddsDelta>({
    topics: [TOPICS.oddsDeltas],
    groupId: 'bench',
    handler: async ({ value }) => {
      if (!waiting || value.type !== 'PriceChanged') return;
      waiting.seen.add(value.eventId);
      if (waiting.seen.size === EVENTS) waiting.done(performance.now());
    },
  });

  const http = createHttpServer(silentLogger);
  const auth = await registerAuth(http, { secret: 'bench-secret-bench-secret-bench-secret', demoTokens: false });
  registerTradingRoutes(http, engine, { requireTrader: auth.requireTrader });
  http.get('/hello', async () => ({ hello: 'world' }));
  const base = await http.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${auth.sign({ sub: 'bench', role: 'trader' })}`, 'content-type': 'application/json' };

  const hello: number[] = [];
  const helloCpu: number[] = [];
  const answered: number[] = [];
  const published: number[] = [];
  const changeCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  for (let i = 0; i < WARM_UP + CHANGES; i++) {
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    await (await fetch(`${base}/hello`)).json();
    if (i >= WARM_UP) {
      hello.push(performance.now() - t0);
      helloCpu.push(cpuMs(cpu0));
    }

    const allPublished = new Promise<number>((resolve) => {
      waiting = { seen: new Set(), done: resolve };
    });
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const res = await fetch(`${base}/v1/trading/margins/sport/sr:sport:1`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ margin: i % 2 === 0 ? 0.08 : 0.06, method: 'proportional' }),
    });
    if (res.status !== 200) throw new Error(`margin change answered ${res.status}: ${await res.text()}`);
    await res.json();
    const answer = performance.now() - t0;
    const last = (await allPublished) - t0;
    waiting = undefined;
    if (i >= WARM_UP) {
      answered.push(answer);
      published.push(last);
      changeCpu.push(cpuMs(cpu0));
    }
  }
  await http.close();
  await bus.close();

  const quantile = (samples: readonly number[], q: number): number => {
    const s = [...samples].sort((a, b) => a - b);
    return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1));
  };
  const row = (variant: string, samples: number[], cpu: number[] | undefined) => ({
    variant,
    'ms p50': quantile(samples, 0.5),
    'ms p99': quantile(samples, 0.99),
    'ms max': quantile(samples, 1),
    'CPU ms (median)': cpu ? quantile(cpu, 0.5) : '',
  });
  const rows = [
    row('GET /hello round trip (baseline)', hello, helloCpu),
    row(`PUT margin → API answer (${EVENTS * 40} markets re-priced)`, answered, undefined),
    row(`PUT margin → last of ${EVENTS} events' PriceChanged published`, published, changeCpu),
  ];
  const p99 = rows[2]!['ms p99'];
  return {
    name: `margin change to published prices: ${EVENTS} events × 40 markets, ${CHANGES} changes over HTTP`,
    rows,
    goals: [{ goal: `every affected price published within ${GOAL_MS} ms (p99)`, met: p99 <= GOAL_MS, measured: `${p99} ms` }],
  };
}
