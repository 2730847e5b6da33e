/**
 * Push fan-out: the push gateway against a plain socket.io broadcast and a raw ws server, on the
 * same load, side by side in one run.
 *
 * Load: 50 events × 20 price updates a second (1,000 updates/s, each a PriceChanged of one
 * market with one to three outcomes), 1,000 clients in a separate process (bench/push-clients.ts),
 * each subscribed to 20 of the events (a live lobby page): 400,000 offered deliveries a second,
 * about twice what plain socket.io delivers on the 2-core reference machine. With 10 events per
 * client it keeps up on a quiet machine (and the variants tie); with all 50 (1,000,000/s) every
 * variant collapses and a round takes minutes.
 *
 * - gateway: createPushGateway as compose runs it embedded (in-memory bus and PriceBook, the
 *   default conflation window); updates are written to the PriceBook and published on the bus,
 *   as the odds engine does.
 * - socket.io broadcast: `io.to('event:<id>').emit('delta', update)` per update, clients in
 *   one room per event: what a socket.io app does without the gateway.
 * - raw ws: one JSON.stringify per update, `ws.send` to each subscriber.
 *
 * Deliveries are price changes received by clients (a conflated change counts once, the ones
 * merged into it not at all); latency is server publish → client receipt per change, from one
 * histogram over every round. Variants run one at a time (each needs both cores), in interleaved
 * rounds whose order rotates, so drift on a shared machine hits every variant alike; each round
 * starts a fresh server and client process and closes both after, so the backlog an overloaded
 * variant builds up never eats into the next round.
 *
 * The MQTT path, side by side with Mosquitto, on the same load with fewer clients (each client is
 * a TCP connection of its own, and the transport publishes one frame per event for all of them):
 *
 * - gateway MQTT: createPushGateway with its MQTT transport publishing into the embedded aedes
 *   broker (adapters/mqtt/aedes-broker.ts), as compose runs it by default; the socket.io side
 *   has no clients. mqtt.js clients in the child process subscribe to the delta topics of their
 *   events (QoS 0).
 * - Mosquitto (baseline): the same number of mqtt.js clients against a Mosquitto the bench starts
 *   on a free loopback port (no queue or in-flight limits) and kills after the round, and one
 *   mqtt.js publisher sending each update straight to its event's delta topic at QoS 0, in the
 *   transport's frame format. Skipped, with a row saying so, when `mosquitto` is not installed.
 *
 * Knobs (environment): PUSH_BENCH_CLIENTS (1000), PUSH_BENCH_MQTT_CLIENTS (200), PUSH_BENCH_EVENTS (50), PUSH_BENCH_RATE
 * (20 updates/s per event), PUSH_BENCH_SUBSCRIPTIONS (20 per client), PUSH_BENCH_SECONDS (4
 * measured per variant), PUSH_BENCH_ROUNDS (2), PUSH_BENCH_WINDOW_MS (gateway conflation window;
 * default: the gateway's), PUSH_BENCH_ONLY (one variant, for profiling: ws, socketio, gateway,
 * mqtt, mosquitto).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import { InMemoryBus } from '../adapters/bus/in-memory-bus.ts';
import { AedesBroker } from '../adapters/mqtt/aedes-broker.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { PromMetrics } from '../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../adapters/price-book/in-memory-price-book.ts';
import type { PriceChanged, PricedMarket } from '../core/contracts/odds.ts';
import type { EventId } from '../core/ids.ts';
import { silentLogger } from '../core/ports/logger.ts';
import type { OddsString } from '../core/odds.ts';
import { TOPICS } from '../core/topics.ts';
import { mayRead } from '../push-gateway/mqtt-topics.ts';
import { createPushGateway } from '../push-gateway/push-gateway-service.ts';
import { BUCKET_MS, type ClientReport, type Variant } from './push-clients.ts';
import type { BenchResult } from './run.ts';

const CLIENT_SCRIPT = fileURLToPath(new URL('./push-clients.ts', import.meta.url));
const setting = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};
const CLIENTS = setting('PUSH_BENCH_CLIENTS', 1000);
const MQTT_CLIENTS = setting('PUSH_BENCH_MQTT_CLIENTS', 200);
const EVENTS = setting('PUSH_BENCH_EVENTS', 50);
const RATE = setting('PUSH_BENCH_RATE', 20);
const SUBSCRIPTIONS = setting('PUSH_BENCH_SUBSCRIPTIONS', 20);
const SECONDS = setting('PUSH_BENCH_SECONDS', 4);
const WINDOW_MS = process.env.PUSH_BENCH_WINDOW_MS ? Number(process.env.PUSH_BENCH_WINDOW_MS) : undefined;
const ROUNDS = setting('PUSH_BENCH_ROUNDS', 2);
/** Only one variant (ws, socketio, gateway), for profiling. */
const ONLY = process.env.PUSH_BENCH_ONLY;
const WARM_UP_MS = 1_000;
const REPORT_TIMEOUT_MS = 60_000;
const MARKETS = 10;
const GOAL_RATIO = 1.5;
const MQTT_GOAL_RATIO = 0.5;
const MOSQUITTO_START_MS = 10_000;

const now = (): number => performance.timeOrigin + performance.now();

/** How a server variant takes the updates due at one moment. */
interface Target {
  readonly url: string;
  publish(updates: readonly PriceChanged[]): Promise<void> | void;
  close(): Promise<void>;
}

/** The load: every event's updates evenly spaced, events out of phase. */
class Load {
  private timer: NodeJS.Timeout | undefined;
  private readonly start = now();

  /** `seq` is the target's, kept from one round to the next (the gateway drops repeated seqs). */
  constructor(
    private readonly target: Target,
    private readonly seq: number[],
  ) {}

  run(): void {
    const interval = 1000 / RATE;
    const due = new Array<number>(EVENTS).fill(0).map((_, e) => this.start + (e * interval) / EVENTS);
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const t = now();
      const batch: PriceChanged[] = [];
      for (let e = 0; e < EVENTS; e++) {
        while (due[e]! <= t) {
          batch.push(this.update(e));
          due[e]! += interval;
        }
      }
      void Promise.resolve(batch.length > 0 ? this.target.publish(batch) : undefined).finally(() => (busy = false));
    }, 2);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private update(e: number): PriceChanged {
    const seq = (this.seq[e]! += 1);
    const market = seq % MARKETS;
    const outcomes = ['1', 'X', '2'].slice(0, 1 + (seq % 3)).map((outcomeId, i) => ({ outcomeId, price: ((1.5 + ((seq + i) % 100) / 20).toFixed(2)) as OddsString, active: true }));
    const ts = now();
    return { v: 1, type: 'PriceChanged', eventId: `sr:match:${e + 1}` as EventId, epoch: 'bench', seq: seq + 1, ts, sourceTs: ts, traceId: `b${e}-${seq}`, marketKey: String(market + 1), state: 'open', outcomes };
  }
}

/** Listens on a free port; `shut` drops every connection at once (with whatever is still queued) and closes. */
async function listen(server: HttpServer): Promise<{ url: string; shut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shut: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The gateway; with `viaMqtt`, its MQTT transport into the embedded broker, whose URL clients get. */
async function gatewayTarget(viaMqtt = false): Promise<Target> {
  const bus = new InMemoryBus();
  const book = new InMemoryPriceBook();
  const http = createServer();
  const broker = viaMqtt ? await AedesBroker.start({ logger: silentLogger, verifyPlayer: () => false, mayRead }, { host: '127.0.0.1', port: 0 }) : undefined;
  const gateway = createPushGateway(
    { bus, clock: new SystemClock(), logger: silentLogger, metrics: new PromMetrics(), priceBook: book, verifyToken: () => undefined, httpServer: http, ...(broker ? { mqtt: broker } : {}) },
    { maxConnectionsPerIp: CLIENTS * 2, ...(WINDOW_MS === undefined ? {} : { conflationWindowMs: WINDOW_MS }) },
  );
  // Every event starts priced at seq 1, as the engine leaves it.
  for (let e = 0; e < EVENTS; e++) {
    const markets: PricedMarket[] = Array.from({ length: MARKETS }, (_, m) => ({
      marketKey: String(m + 1),
      marketId: m + 1,
      specifiers: '',
      state: 'open',
      suspensions: [],
      outcomes: ['1', 'X', '2'].map((outcomeId) => ({ outcomeId, price: '2.00' as OddsString, active: true, version: 1 })),
      producer: 1,
      margin: 0.05,
      version: 1,
    }));
    await book.apply({ eventId: `sr:match:${e + 1}`, epoch: 'bench', seq: 1, ts: Date.now(), sportId: 'sr:sport:1', markets });
  }
  await gateway.start();
  const { url, shut } = await listen(http);
  const markets = new Map<string, PricedMarket>();
  return {
    url: broker ? `mqtt://127.0.0.1:${broker.ports.tcp}` : url,
    async publish(updates) {
      // The engine's order: PriceBook first, then the bus.
      for (const update of updates) {
        const key = `${update.eventId}#${update.marketKey}`;
        const before = markets.get(key);
        const market: PricedMarket = {
          marketKey: update.marketKey,
          marketId: Number(update.marketKey),
          specifiers: '',
          state: 'open',
          suspensions: [],
          outcomes: ['1', 'X', '2'].map((id) => {
            const o = update.outcomes.find((x) => x.outcomeId === id);
            return o ? { outcomeId: id, price: o.price!, active: true, version: update.seq } : (before?.outcomes.find((x) => x.outcomeId === id) ?? { outcomeId: id, price: '2.00' as OddsString, active: true, version: 1 });
          }),
          producer: 1,
          margin: 0.05,
          version: update.seq,
        };
        markets.set(key, market);
        await book.apply({ eventId: update.eventId, epoch: update.epoch, seq: update.seq, ts: update.ts, markets: [market] });
      }
      await bus.publish(TOPICS.oddsDeltas, updates.map((u) => ({ key: u.eventId, value: u })));
    },
    async close() {
      await gateway.stop();
      await broker?.close();
      await shut();
      await bus.close();
    },
  };
}

async function socketIoTarget(): Promise<Target> {
  const http = createServer();
  const io = new SocketIoServer(http, { serveClient: false });
  io.on('connection', (socket) => {
    socket.on('subscribe', (body: { channels: string[] }, ack?: (r: unknown) => void) => {
      void socket.join(body.channels);
      ack?.({ ok: true });
    });
  });
  const { url, shut } = await listen(http);
  return {
    url,
    publish(updates) {
      for (const update of updates) io.to(`event:${update.eventId}`).emit('delta', update);
    },
    close: shut,
  };
}

async function wsTarget(): Promise<Target> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws) => {
    ws.once('message', (data) => {
      const { channels } = JSON.parse(String(data)) as { channels: string[] };
      for (const c of channels) {
        const room = rooms.get(c) ?? new Set<WebSocket>();
        room.add(ws);
        rooms.set(c, room);
      }
      ws.on('close', () => channels.forEach((c) => rooms.get(c)?.delete(ws)));
    });
  });
  const { url, shut } = await listen(http);
  return {
    url: url.replace('http', 'ws'),
    publish(updates) {
      for (const update of updates) {
        const text = JSON.stringify(update);
        for (const ws of rooms.get(`event:${update.eventId}`) ?? []) ws.send(text);
      }
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await shut();
    },
  };
}

const mosquittoInstalled = (): boolean => spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined;

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on the port, or rejects after `timeoutMs`. */
async function untilListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A Mosquitto of its own on a free loopback port, and one publisher sending every update as a delta frame. */
async function mosquittoTarget(): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'push-bench-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'max_inflight_messages 0', ''].join('\n'));
  const broker = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
  const exited = new Promise((resolve) => broker.once('exit', resolve));
  const kill = async () => {
    if (broker.exitCode === null && broker.signalCode === null) broker.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await untilListening(port, MOSQUITTO_START_MS);
    const url = `mqtt://127.0.0.1:${port}`;
    const publisher = await mqtt.connectAsync(url, { reconnectPeriod: 0, clean: true });
    return {
      url,
      publish(updates) {
        for (const update of updates) {
          const channel = `event:${update.eventId}`;
          publisher.publish(`sb/v1/events/${update.eventId}/delta`, JSON.stringify({ v: 1, channel, epoch: update.epoch, from: update.seq, seq: update.seq, changes: [update] }), { qos: 0 });
        }
      },
      async close() {
        await publisher.endAsync(true);
        await kill();
      },
    };
  } catch (error) {
    await kill();
    throw error;
  }
}

/** A server variant with its client process, connected and subscribed. */
interface Rig {
  readonly target: Target;
  readonly child: ChildProcess;
}

/** Sends a request to the client process; undefined when it does not answer in time. */
function ask<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

const clientsOf = (variant: Variant): number => (variant === 'mqtt' || variant === 'mosquitto' ? MQTT_CLIENTS : CLIENTS);

async function startRig(variant: Variant): Promise<Rig> {
  const targets: Record<Variant, () => Promise<Target>> = { gateway: () => gatewayTarget(), socketio: socketIoTarget, ws: wsTarget, mqtt: () => gatewayTarget(true), mosquitto: mosquittoTarget };
  const target = await targets[variant]();
  const child = fork(CLIENT_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PUSH_BENCH_URL: target.url, PUSH_BENCH_VARIANT: variant, PUSH_BENCH_CLIENTS: String(clientsOf(variant)), PUSH_BENCH_EVENTS: String(EVENTS), PUSH_BENCH_SUBSCRIPTIONS: String(SUBSCRIPTIONS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the ${variant} client process exited with ${code}`)));
  });
  return { target, child };
}

async function stopRig(rig: Rig): Promise<void> {
  // No goodbye: an overloaded client process would read it only after its backlog.
  const exited = new Promise((resolve) => rig.child.once('exit', resolve));
  rig.child.kill('SIGKILL');
  await exited;
  await rig.target.close();
}

/** One measured round on a fresh server and client process: nothing carries over between rounds. */
async function round(variant: Variant, seconds: number, seqs: number[]): Promise<ClientReport> {
  const rig = await startRig(variant);
  try {
    const from = now() + WARM_UP_MS;
    const to = from + seconds * 1000;
    rig.child.send({ type: 'measure', from, to });
    const load = new Load(rig.target, seqs);
    load.run();
    await sleep(to - now());
    load.stop();
    // What arrived in the window is counted by arrival time: a late answer is still exact.
    const report = await ask<ClientReport>(rig.child, 'report', REPORT_TIMEOUT_MS);
    if (!report) throw new Error(`the ${variant} client process did not report within ${REPORT_TIMEOUT_MS} ms`);
    return report;
  } finally {
    // Closing drops whatever backlog an overloaded variant built up.
    await stopRig(rig);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percentile of the latency histograms of every round together. */
function percentile(reports: readonly ClientReport[], p: number): number {
  const counts = new Map<number, number>();
  for (const r of reports) for (const [bucket, count] of r.latency) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
  const buckets = [...counts].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, c]) => sum + c, 0);
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= p * total) return (bucket + 1) * BUCKET_MS;
  }
  return Number.NaN;
}

export default async function run(): Promise<BenchResult> {
  const hasMosquitto = mosquittoInstalled();
  const variants = ([
    ['ws', 'raw ws (baseline)'],
    ['socketio', 'socket.io broadcast (baseline)'],
    ['gateway', 'push gateway'],
    ['mosquitto', 'Mosquitto fan-out (MQTT baseline)'],
    ['mqtt', 'push gateway MQTT (aedes)'],
  ] as const).filter(([variant]) => (!ONLY || ONLY === variant) && (variant !== 'mosquitto' || hasMosquitto));
  const rigs = variants.map(([variant, label]) => ({ variant, label, rounds: [] as ClientReport[], seqs: new Array<number>(EVENTS).fill(0) }));
  // Interleaved rounds, the order rotating: drift on a shared machine hits every variant alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < rigs.length; i++) {
      const rig = rigs[(r + i) % rigs.length]!;
      rig.rounds.push(await round(rig.variant, SECONDS / ROUNDS, rig.seqs));
    }
  }
  const offeredTo = (clients: number) => EVENTS * RATE * clients * (Math.min(SUBSCRIPTIONS, EVENTS) / EVENTS);
  const offered = offeredTo(CLIENTS);
  const rate = (rig: (typeof rigs)[number]) => median(rig.rounds.map((r) => r.deliveries / r.seconds));
  const rows: Array<Record<string, string | number>> = rigs.map((rig) => ({
    variant: rig.label,
    clients: clientsOf(rig.variant),
    'deliveries/s (median)': Math.round(rate(rig)),
    'min..max': `${Math.round(Math.min(...rig.rounds.map((r) => r.deliveries / r.seconds)))}..${Math.round(Math.max(...rig.rounds.map((r) => r.deliveries / r.seconds)))}`,
    'of offered': `${Math.round((100 * rate(rig)) / offeredTo(clientsOf(rig.variant)))} %`,
    'messages/s': Math.round(median(rig.rounds.map((r) => r.messages / r.seconds))),
    'p50 ms': Number(percentile(rig.rounds, 0.5).toFixed(1)),
    'p99 ms': Number(percentile(rig.rounds, 0.99).toFixed(1)),
    disconnects: rig.rounds.reduce((sum, r) => sum + r.disconnects, 0),
  }));
  if (!hasMosquitto && (!ONLY || ONLY === 'mosquitto')) rows.push({ variant: 'Mosquitto fan-out (MQTT baseline)', clients: MQTT_CLIENTS, 'deliveries/s (median)': 'not measured: mosquitto is not installed' });
  const plain = rigs.find((r) => r.variant === 'socketio');
  const ours = rigs.find((r) => r.variant === 'gateway');
  const goals =
    plain && ours
      ? [
          { goal: `gateway ≥ ${GOAL_RATIO}× socket.io broadcast deliveries/s`, met: rate(ours) / rate(plain) >= GOAL_RATIO, measured: `${(rate(ours) / rate(plain)).toFixed(2)}×` },
          { goal: 'gateway p99 ≤ socket.io broadcast p99', met: percentile(ours.rounds, 0.99) <= percentile(plain.rounds, 0.99), measured: `${percentile(ours.rounds, 0.99).toFixed(1)} ms vs ${percentile(plain.rounds, 0.99).toFixed(1)} ms` },
        ]
      : [];
  const mosquitto = rigs.find((r) => r.variant === 'mosquitto');
  const viaMqtt = rigs.find((r) => r.variant === 'mqtt');
  if (mosquitto && viaMqtt) {
    goals.push({ goal: `MQTT path ≥ ${MQTT_GOAL_RATIO}× Mosquitto deliveries/s`, met: rate(viaMqtt) / rate(mosquitto) >= MQTT_GOAL_RATIO, measured: `${(rate(viaMqtt) / rate(mosquitto)).toFixed(2)}×` });
  }
  return {
    name: `push fan-out: ${CLIENTS} clients (MQTT: ${MQTT_CLIENTS}) in a separate process, ${EVENTS} events × ${RATE} updates/s, ${SUBSCRIPTIONS} events per client (${offered.toLocaleString('en')} deliveries/s offered; MQTT ${offeredTo(MQTT_CLIENTS).toLocaleString('en')}), ${ROUNDS} interleaved rounds of ${(SECONDS / ROUNDS).toFixed(1)} s`,
    rows,
    goals,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run();
  console.log(result.name);
  console.table(result.rows);
  for (const goal of result.goals) console.log(`${goal.met ? 'met   ' : 'MISSED'}  ${goal.goal}: ${goal.measured}`);
}
