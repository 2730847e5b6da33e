/**
 * Feed to client latency through the whole price path, embedded against distributed, in one run:
 *
 *   bench ──AMQP──► feed-ingest ──bus──► odds engine ──bus──► push gateway ──socket.io──► client
 *   (the feed)                                                                        (the bench)
 *
 * - embedded: one process running feed-ingest, the odds engine and the push gateway as `npm start`
 *   composes them (in-memory bus and PriceBook).
 * - distributed: the same three services as three processes, as in production: the bus on a
 *   private librdkafka mock cluster (every topic with PIPELINE_BENCH_PARTITIONS partitions,
 *   default 12 as docker-compose.yml creates them), PriceBook and socket.io adapter on Redis
 *   (database 15, emptied before and after each round), MQTT to Mosquitto.
 *
 * Both read the feed the way they read the provider's (SB_FEED_SOURCE=amqp), from a RabbitMQ
 * exchange of the round's own into which the bench publishes UOF XML, and both run in child
 * processes, so the bench process (feed and client) does the same work in either variant and the
 * variants differ only in how the services reach each other.
 *
 * Load: RATE odds_change messages a second spread evenly over EVENTS events (default 200 over 20,
 * 10 a second per event), one 1X2 market each, every message moving a price: the figures are the
 * path's, not pricing's (bench/odds-engine.bench.ts prices 40-market messages). Producer 1 sends
 * an alive every 2 s. One socket.io client subscribes to every event's channel (`event:<id>` on
 * `/odds`).
 *
 * Latency of a message: from just before the bench hands it to RabbitMQ until the client holds
 * the delta it caused, both on the bench's clock. The message's timestamp comes back as the
 * delta's sourceTs, which names the message; a delta the gateway merged into a later one
 * (conflation, 50 ms window) is held when the frame covering its seq arrives, so it counts with
 * that frame's arrival. Per event every message is one PriceChanged, so seqs and messages
 * advance together, and the run checks it: every message of the measured window held by the
 * client, frames contiguous (from = held seq + 1), seqs rising within a frame, nothing twice,
 * no snapshot in the middle (it would stand for changes never seen as deltas), every change a
 * PriceChanged whose seq distance to the one before equals the message distance.
 *
 * Server CPU is the CPU time of the round's processes (the services, and in the distributed
 * variant the Kafka mock) over the measured window, per message; Redis, RabbitMQ and
 * Mosquitto are shared services and not counted.
 *
 * Rounds: each variant runs PIPELINE_BENCH_ROUNDS rounds (default 2) on fresh processes,
 * alternating, each with PIPELINE_BENCH_WARM_UP_S (5) of load before a measured window of
 * PIPELINE_BENCH_SECONDS / rounds (20 s in all per variant); percentiles pool every round.
 *
 * Two limits of the Kafka mock (librdkafka 2.0, rdkafka_mock_handlers.c) that a real broker does
 * not have, both on the distributed side:
 * - A fetch that finds no records is answered only after its whole max wait, even when records
 *   arrive meanwhile (a real broker answers as soon as they do), so every quiet moment adds up
 *   to that wait per hop. The distributed variant therefore runs with
 *   PIPELINE_BENCH_KAFKA_MAX_WAIT_MS (default 10, the smallest SB_KAFKA_MAX_WAIT_MS): the wait a
 *   real broker cuts short is then at most 10 ms a hop. 500 (the product default) shows the mock's.
 * - A fetch returns at most one produced batch per partition, and each feed message is one
 *   batch, so a partition is drained at one message per fetch round trip. With few partitions a
 *   busy machine stretches the round trip past the partition's message interval and its events
 *   fall behind by seconds (4 partitions: p99 0.1 to 6.6 s from run to run); with 12 to 16 the
 *   tail stays below 0.2 s.
 *
 * Needs the test services: `npm run -s services -- start`, then
 * `eval "$(npm run -s services -- env)"` and `npm run bench -- pipeline`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import type { OddsDelta } from '../core/contracts/odds.ts';
import { ALL_TOPICS } from '../core/topics.ts';
import type { DeltaFrame, ErrorFrame, ResumedFrame, SnapshotFrame } from '../push-gateway/wire.ts';
import { kafkaMockBinary, startKafkaMock, TEST_KAFKA_TIMINGS, type KafkaMockCluster } from '../test/support/kafka-mock.ts';
import { ProcessCluster } from '../test/support/process-cluster.ts';
import { requireService } from '../test/support/services.ts';
import { waitFor } from '../test/support/wait.ts';
import { BenchFeed, now, type SentOddsChange } from './pipeline-feed.ts';
import type { BenchResult } from './run.ts';

const setting = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};
const RATE = setting('PIPELINE_BENCH_RATE', 200);
const EVENTS = setting('PIPELINE_BENCH_EVENTS', 20);
const SECONDS = setting('PIPELINE_BENCH_SECONDS', 20);
const ROUNDS = setting('PIPELINE_BENCH_ROUNDS', 2);
const WARM_UP_S = setting('PIPELINE_BENCH_WARM_UP_S', 5);
const KAFKA_MAX_WAIT_MS = setting('PIPELINE_BENCH_KAFKA_MAX_WAIT_MS', 10);
const PARTITIONS = setting('PIPELINE_BENCH_PARTITIONS', 12);
const REDIS_DB = 15;
const ALIVE_EVERY_MS = 2000;
const SEED_EVERY_MS = 250;
const READY_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 30_000;
const SECRET = 'pipeline-bench-secret-0123456789abcdef';
const SERVICES = ['feed-ingest', 'odds-engine', 'push-gateway'];
/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_S = 100;

type Variant = 'embedded' | 'distributed';

interface Services {
  readonly redis: string;
  readonly amqp: string;
  readonly mqtt: string;
  readonly kafkaMock: string;
}

/** The test services' addresses, or an error saying how to start them. */
function services(): Services {
  const needs = { redis: requireService('redis'), amqp: requireService('amqp'), mqtt: requireService('mqtt') };
  const kafka = kafkaMockBinary();
  const missing = [...Object.entries(needs).filter(([, s]) => s.skip).map(([, s]) => s.skip), ...(kafka.skip ? [kafka.skip] : [])];
  if (missing.length > 0) {
    throw new Error(
      `the pipeline bench needs the test services (${missing.join('; ')}). Start them with \`npm run -s services -- start\`, ` +
        `then run \`eval "$(npm run -s services -- env)"\` in this shell and \`npm run bench -- pipeline\` again.`,
    );
  }
  return { redis: needs.redis.url, amqp: needs.amqp.url, mqtt: needs.mqtt.url, kafkaMock: kafka.bin };
}

/** The server side of a round: its processes, the gateway's URL and every process's. */
interface Stack {
  readonly url: string;
  readonly processUrls: readonly string[];
  /** The round's own processes: the services and, distributed, the Kafka mock. */
  readonly pids: readonly number[];
  /** The services' recent log lines. */
  logs(): string[];
  stop(): Promise<void>;
}

/** Messages of the warnings and errors the services logged since `since` (ms). */
function warningsSince(stack: Stack, since: number): string[] {
  const found: string[] = [];
  for (const line of stack.logs()) {
    try {
      const entry = JSON.parse(line) as { level?: number; time?: number; msg?: string };
      if ((entry.level ?? 0) >= 40 && (entry.time ?? 0) >= since) found.push(entry.msg ?? line);
    } catch {
      // not a log line (a stack trace printed by Node): counted as it is
      found.push(line);
    }
  }
  return found;
}

function commonSettings(svc: Services, exchange: string): Record<string, string> {
  return {
    SB_LOG_LEVEL: 'info',
    SB_JWT_SECRET: SECRET,
    SB_FEED_SOURCE: 'amqp',
    SB_AMQP_URL: svc.amqp,
    SB_AMQP_EXCHANGE: exchange,
    // Asked only when a producer goes down, which the bench's alives prevent; nothing listens there.
    SB_UOF_API_URL: 'http://127.0.0.1:9/',
    SB_FEED_PRODUCERS: '1',
  };
}

async function embeddedStack(svc: Services, exchange: string): Promise<Stack> {
  const cluster = new ProcessCluster({ ...commonSettings(svc, exchange), SB_MODE: 'embedded', SB_MQTT_PORT: '0', SB_MQTT_WS_PORT: '0' });
  try {
    const app = await cluster.start('embedded', SERVICES);
    return { url: app.url, processUrls: [app.url], pids: [app.pid], logs: () => app.logs().split('\n'), stop: () => cluster.stopAll() };
  } catch (error) {
    await cluster.stopAll();
    throw error;
  }
}

async function distributedStack(svc: Services, exchange: string): Promise<Stack> {
  const redisUrl = new URL(svc.redis);
  redisUrl.pathname = `/${REDIS_DB}`;
  const flush = async () => {
    const redis = new Redis(redisUrl.toString());
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
  };
  let mock: KafkaMockCluster | undefined;
  let cluster: ProcessCluster | undefined;
  const stop = async () => {
    await cluster?.stopAll();
    await mock?.stop();
    await flush();
  };
  try {
    await flush();
    mock = await startKafkaMock(svc.kafkaMock, ALL_TOPICS.map((t) => `${t}:${PARTITIONS}`));
    cluster = new ProcessCluster({
      ...commonSettings(svc, exchange),
      SB_MODE: 'distributed',
      SB_KAFKA_BROKERS: mock.brokers.join(','),
      SB_KAFKA_SESSION_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.sessionTimeout),
      SB_KAFKA_HEARTBEAT_MS: String(TEST_KAFKA_TIMINGS.heartbeatInterval),
      SB_KAFKA_REBALANCE_TIMEOUT_MS: String(TEST_KAFKA_TIMINGS.rebalanceTimeout),
      SB_KAFKA_MAX_WAIT_MS: String(KAFKA_MAX_WAIT_MS),
      SB_REDIS_URL: redisUrl.toString(),
      SB_MQTT_URL: svc.mqtt,
    });
    // Consumers first (a new group starts at the latest offsets), the feed last.
    const [engine, gateway] = await Promise.all([cluster.start('odds-engine', ['odds-engine']), cluster.start('push-gateway', ['push-gateway'])]);
    const ingest = await cluster.start('feed-ingest', ['feed-ingest']);
    const pids = [ingest.pid, engine.pid, gateway.pid, ...childrenRunning(svc.kafkaMock)];
    const logs = () => [ingest, engine, gateway].flatMap((p) => p.logs().split('\n'));
    return { url: gateway.url, processUrls: [ingest.url, engine.url, gateway.url], pids, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** User + system CPU seconds of these processes (0 for one that is gone). */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state(3) ... utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_S;
}

/** This process's children running `bin` (the Kafka mock, whose helper does not tell its pid). */
function childrenRunning(bin: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] === bin) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * How far a message has come, from the services' own histograms of "now − the message's
 * timestamp": published by feed-ingest, published by the engine, handed to socket.io by the
 * gateway. Sum and count per stage, added up over the processes.
 */
const STAGES = {
  ingested: 'sb_feed_lag_seconds',
  priced: 'sb_odds_feed_to_publish_seconds',
  sent: 'sb_push_latency_seconds',
} as const;
type Stage = keyof typeof STAGES;
type StageTotals = Record<Stage, { sum: number; count: number }>;

async function stageTotals(urls: readonly string[]): Promise<StageTotals> {
  const totals = { ingested: { sum: 0, count: 0 }, priced: { sum: 0, count: 0 }, sent: { sum: 0, count: 0 } };
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const m = /^(\w+)_(sum|count)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m) continue;
      // The gateway's histogram also times the live list; only event channels are on this path.
      if (m[1] === STAGES.sent && !m[3]?.includes('kind="event"')) continue;
      for (const stage of Object.keys(STAGES) as Stage[]) if (STAGES[stage] === m[1]) totals[stage][m[2] as 'sum' | 'count'] += Number(m[4]);
    }
  }
  return totals;
}

/** Mean ms per stage between two readings. */
function stageMeans(before: StageTotals, after: StageTotals): Record<Stage, number> {
  const mean = (stage: Stage) => (1000 * (after[stage].sum - before[stage].sum)) / (after[stage].count - before[stage].count);
  return { ingested: mean('ingested'), priced: mean('priced'), sent: mean('sent') };
}

/** A message sent, and when the client first held its delta. */
type Sent = SentOddsChange & { heldAt?: number };

/** What the client checks and measures on one event channel. */
interface Track {
  readonly eventId: string;
  readonly sent: Sent[];
  readonly byTs: Map<number, number>;
  epoch: string;
  seq: number;
  priced: boolean;
  resyncing: boolean;
  /** The last delta received and the index of its message: what the next one is checked against. */
  last: { seq: number; index: number } | undefined;
}

interface Anomalies {
  gaps: number;
  duplicates: number;
  outOfOrder: number;
  snapshotsUnderLoad: number;
  /** Deltas other than PriceChanged, or whose seq does not advance with their message. */
  unexpected: number;
  /** Deltas naming no message the bench sent. */
  unknown: number;
}

/**
 * One socket.io client on every event's channel, following the protocol's client rule (hold
 * epoch and seq; on a gap, resubscribe with `since`), and recording when each message's delta
 * was first held.
 */
class PipelineClient {
  readonly tracks = new Map<string, Track>();
  readonly anomalies: Anomalies = { gaps: 0, duplicates: 0, outOfOrder: 0, snapshotsUnderLoad: 0, unexpected: 0, unknown: 0 };
  /** Deltas merged into later ones by the gateway (covered by a frame, not sent on their own). */
  merged = 0;
  underLoad = false;

  private constructor(private readonly socket: Socket) {}

  static async connect(url: string, eventIds: readonly string[]): Promise<PipelineClient> {
    const socket = io(`${url}/odds`, { transports: ['websocket'], reconnection: false, forceNew: true });
    const client = new PipelineClient(socket);
    for (const eventId of eventIds) {
      client.tracks.set(`event:${eventId}`, { eventId, sent: [], byTs: new Map(), epoch: '', seq: 0, priced: false, resyncing: true, last: undefined });
    }
    socket.on('snapshot', (frame: SnapshotFrame) => client.onSnapshot(frame));
    socket.on('resumed', (frame: ResumedFrame) => client.onResumed(frame));
    socket.on('error', (frame: ErrorFrame) => client.onError(frame));
    socket.on('delta', (...frames: DeltaFrame[]) => {
      const at = now();
      for (const frame of frames) client.onDelta(frame, at);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await client.subscribe([...client.tracks.keys()]);
    return client;
  }

  get ready(): boolean {
    return [...this.tracks.values()].every((t) => t.priced && !t.resyncing);
  }

  track(eventId: string): Track {
    return this.tracks.get(`event:${eventId}`)!;
  }

  close(): void {
    this.socket.disconnect();
  }

  private async subscribe(channels: readonly string[], since?: Record<string, { epoch: string; seq: number }>): Promise<void> {
    const ack = (await this.socket.timeout(10_000).emitWithAck('subscribe', since ? { channels, since } : { channels })) as { ok: boolean; error?: { message: string } };
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error?.message}`);
  }

  private onSnapshot(frame: SnapshotFrame): void {
    const track = this.tracks.get(frame.channel);
    if (!track) return;
    if (this.underLoad) this.anomalies.snapshotsUnderLoad += 1;
    track.epoch = frame.epoch;
    track.seq = frame.seq;
    track.priced = ((frame.data as { markets?: unknown[] }).markets?.length ?? 0) > 0;
    track.resyncing = false;
    // The changes up to its seq came in the snapshot, not one by one: the next delta starts afresh.
    track.last = undefined;
  }

  private onResumed(frame: ResumedFrame): void {
    const track = this.tracks.get(frame.channel);
    if (!track) return;
    track.epoch = frame.epoch;
    track.seq = frame.seq;
    track.resyncing = false;
  }

  /** A subscription the gateway ended (an event it could not snapshot yet): subscribe again. */
  private onError(frame: ErrorFrame): void {
    const track = frame.channel === undefined ? undefined : this.tracks.get(frame.channel);
    if (!track) return;
    track.resyncing = true;
    this.resubscribe(frame.channel!);
  }

  private resubscribe(channel: string, since?: { epoch: string; seq: number }): void {
    // A refused or unanswered resubscription leaves the channel resyncing: its messages show as never held.
    this.subscribe([channel], since && { [channel]: since }).catch(() => undefined);
  }

  private onDelta(frame: DeltaFrame, at: number): void {
    const track = this.tracks.get(frame.channel);
    if (!track || track.resyncing) return;
    if (frame.epoch === track.epoch && frame.seq <= track.seq) {
      this.anomalies.duplicates += 1;
      return;
    }
    if (frame.epoch !== track.epoch || frame.from !== track.seq + 1) {
      // Seeding the events starts their epochs; under load a gap is a fault.
      if (this.underLoad) this.anomalies.gaps += 1;
      track.resyncing = true;
      this.resubscribe(frame.channel, { epoch: track.epoch, seq: track.seq });
      return;
    }
    let previous = track.seq;
    for (const change of frame.changes as OddsDelta[]) {
      if (change.seq <= previous || change.seq > frame.seq) this.anomalies.outOfOrder += 1;
      previous = change.seq;
      this.hold(track, change, at);
    }
    this.merged += frame.seq - frame.from + 1 - frame.changes.length;
    track.seq = frame.seq;
  }

  /** Marks the change's message, and those merged into it since the last change, as held at `at`. */
  private hold(track: Track, change: OddsDelta, at: number): void {
    if (change.type !== 'PriceChanged') {
      if (this.underLoad) this.anomalies.unexpected += 1;
      track.last = undefined;
      return;
    }
    const index = track.byTs.get(change.sourceTs);
    if (index === undefined) {
      this.anomalies.unknown += 1;
      track.last = undefined;
      return;
    }
    const last = track.last;
    if (last && change.seq - last.seq !== index - last.index) this.anomalies.unexpected += 1;
    const from = last && index > last.index ? last.index + 1 : index;
    for (let i = from; i <= index; i++) {
      const sent = track.sent[i]!;
      if (sent.heldAt === undefined) sent.heldAt = at;
      else if (i === index) this.anomalies.duplicates += 1;
    }
    track.last = { seq: change.seq, index };
  }
}

interface RoundReport {
  readonly latencies: number[];
  readonly measured: number;
  readonly missing: number;
  readonly seconds: number;
  readonly serverCpuS: number;
  readonly merged: number;
  readonly anomalies: Anomalies;
  /** Mean ms from the message's timestamp to each stage, in the measured window. */
  readonly stages: Record<Stage, number>;
  /** Warnings and errors the services logged from the start of the measured window. */
  readonly warnings: readonly string[];
}

/** Event ids of this run's own (the gateway's Redis adapter shares its pub/sub channels with anyone on that Redis). */
const EVENT_BASE = 900_000_000 + (process.pid % 100_000) * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function round(variant: Variant, svc: Services, roundNo: number, seconds: number): Promise<RoundReport> {
  const first = EVENT_BASE + (2 * roundNo + (variant === 'embedded' ? 0 : 1)) * EVENTS;
  const eventIds = Array.from({ length: EVENTS }, (_, e) => `sr:match:${first + e}`);
  const feed = await BenchFeed.open(svc.amqp, `bench.pipeline.${process.pid}.${variant}.${roundNo}`);
  let stack: Stack | undefined;
  let client: PipelineClient | undefined;
  let aliveTimer: NodeJS.Timeout | undefined;
  let loadTimer: NodeJS.Timeout | undefined;
  try {
    stack = await (variant === 'embedded' ? embeddedStack : distributedStack)(svc, feed.exchange);
    feed.alive();
    aliveTimer = setInterval(() => feed.alive(), ALIVE_EVERY_MS);
    const c = (client = await PipelineClient.connect(stack.url, eventIds));
    const send = (eventId: string): Sent => {
      const sent: Sent = feed.oddsChange(eventId);
      const track = c.track(eventId);
      track.byTs.set(sent.ts, track.sent.length);
      track.sent.push(sent);
      return sent;
    };

    // Until every event is priced and its client channel holds it (a consumer may join after the first ones).
    await waitFor(
      () => {
        if (c.ready) return true;
        for (const [, t] of c.tracks) if (!t.priced) send(t.eventId);
        return false;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: SEED_EVERY_MS, message: `every event priced on the ${variant} client` },
    );

    // Evenly spaced per event, the events out of phase; what is due is sent on each tick.
    const interval = (1000 * EVENTS) / RATE;
    const start = now();
    const due = eventIds.map((_, e) => start + (e * interval) / EVENTS);
    const from = start + WARM_UP_S * 1000;
    const to = from + seconds * 1000;
    const measured: Sent[] = [];
    c.underLoad = true;
    loadTimer = setInterval(() => {
      const t = now();
      for (let e = 0; e < EVENTS; e++) {
        while (due[e]! <= t) {
          due[e]! += interval;
          const sent = send(eventIds[e]!);
          if (sent.emittedAt >= from && sent.emittedAt < to) measured.push(sent);
        }
      }
    }, 2);
    await sleep(from - now());
    const cpuBefore = cpuSeconds(stack.pids);
    const mergedBefore = c.merged;
    const stagesBefore = await stageTotals(stack.processUrls);
    await sleep(to - now());
    const serverCpuS = cpuSeconds(stack.pids) - cpuBefore;
    const merged = c.merged - mergedBefore;
    const stages = stageMeans(stagesBefore, await stageTotals(stack.processUrls));
    clearInterval(loadTimer);
    await waitFor(() => measured.every((m) => m.heldAt !== undefined), { timeoutMs: DRAIN_TIMEOUT_MS, intervalMs: 50, message: 'the last deltas' }).catch(() => undefined);
    const latencies = measured.filter((m) => m.heldAt !== undefined).map((m) => m.heldAt! - m.emittedAt);
    return { latencies, measured: measured.length, missing: measured.length - latencies.length, seconds, serverCpuS, merged, anomalies: { ...c.anomalies }, stages, warnings: warningsSince(stack, from) };
  } finally {
    clearInterval(loadTimer);
    clearInterval(aliveTimer);
    client?.close();
    await stack?.stop();
    await feed.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Summary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly rate: number;
  readonly cpuMsPerMsg: number;
  readonly measured: number;
  readonly missing: number;
  readonly merged: number;
  readonly anomalies: Anomalies;
  readonly stages: Record<Stage, number>;
  readonly meanHeld: number;
  readonly warnings: readonly string[];
}

function summarize(reports: readonly RoundReport[]): Summary {
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const anomalies: Anomalies = { gaps: 0, duplicates: 0, outOfOrder: 0, snapshotsUnderLoad: 0, unexpected: 0, unknown: 0 };
  for (const r of reports) for (const key of Object.keys(anomalies) as Array<keyof Anomalies>) anomalies[key] += r.anomalies[key];
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    rate: median(reports.map((r) => r.latencies.length / r.seconds)),
    cpuMsPerMsg: median(reports.map((r) => (1000 * r.serverCpuS) / r.measured)),
    measured: reports.reduce((sum, r) => sum + r.measured, 0),
    missing: reports.reduce((sum, r) => sum + r.missing, 0),
    merged: reports.reduce((sum, r) => sum + r.merged, 0),
    anomalies,
    stages: { ingested: median(reports.map((r) => r.stages.ingested)), priced: median(reports.map((r) => r.stages.priced)), sent: median(reports.map((r) => r.stages.sent)) },
    meanHeld: latencies.reduce((sum, l) => sum + l, 0) / latencies.length,
    warnings: reports.flatMap((r) => r.warnings),
  };
}

const faults = (s: Summary): string[] => [
  ...(s.missing > 0 ? [`${s.missing} of ${s.measured} messages never held`] : []),
  ...Object.entries(s.anomalies).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`),
];

export default async function run(): Promise<BenchResult> {
  const svc = services();
  // An interrupted run still ends its service processes (killed on exit) and the Kafka mock (its input closes).
  const interrupted = () => process.exit(130);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const reports: Record<Variant, RoundReport[]> = { embedded: [], distributed: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // Alternating, the order flipping each round: drift on a shared machine hits both alike.
      const order: Variant[] = r % 2 === 0 ? ['embedded', 'distributed'] : ['distributed', 'embedded'];
      for (const variant of order) reports[variant].push(await round(variant, svc, r, SECONDS / ROUNDS));
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  const embedded = summarize(reports.embedded);
  const distributed = summarize(reports.distributed);
  const row = (label: string, s: Summary) => ({
    variant: label,
    'msgs/s (median)': Math.round(s.rate),
    'p50 ms': Number(s.p50.toFixed(1)),
    'p99 ms': Number(s.p99.toFixed(1)),
    'max ms': Number(s.max.toFixed(1)),
    'server CPU ms/msg': Number(s.cpuMsPerMsg.toFixed(2)),
    'mean ms: ingested / priced / sent / held': [s.stages.ingested, s.stages.priced, s.stages.sent, s.meanHeld].map((ms) => ms.toFixed(1)).join(' / '),
    'held / sent': `${s.measured - s.missing} / ${s.measured}`,
    'merged by conflation': s.merged,
    'service warnings': s.warnings.length === 0 ? 0 : `${s.warnings.length}: ${[...new Set(s.warnings)].slice(0, 3).join(' | ').slice(0, 160)}`,
  });
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const problems = [...faults(embedded).map((f) => `embedded: ${f}`), ...faults(distributed).map((f) => `distributed: ${f}`)];
  return {
    name: `feed → client price path: ${RATE} odds_change/s over ${EVENTS} events, one socket.io client on every event, ${ROUNDS} alternating rounds of ${WARM_UP_S} s warm-up + ${(SECONDS / ROUNDS).toFixed(1)} s measured per variant (Kafka mock: ${PARTITIONS} partitions, max wait ${KAFKA_MAX_WAIT_MS} ms)`,
    rows: [
      row('embedded: one process, in-memory bus', embedded),
      row('distributed: 3 processes, Kafka mock + Redis', distributed),
      {
        variant: 'distributed / embedded',
        'msgs/s (median)': ratio(distributed.rate, embedded.rate),
        'p50 ms': ratio(distributed.p50, embedded.p50),
        'p99 ms': ratio(distributed.p99, embedded.p99),
        'max ms': ratio(distributed.max, embedded.max),
        'server CPU ms/msg': ratio(distributed.cpuMsPerMsg, embedded.cpuMsPerMsg),
      },
    ],
    goals: [
      {
        goal: 'every measured message reached the client, per event in seq order, none twice',
        met: problems.length === 0,
        measured: problems.length === 0 ? `${embedded.measured + distributed.measured} messages checked` : problems.join('; '),
      },
      {
        goal: 'distributed latency against embedded (no target: measured)',
        met: true,
        measured: `p50 ${distributed.p50.toFixed(1)} vs ${embedded.p50.toFixed(1)} ms (${ratio(distributed.p50, embedded.p50)}), p99 ${distributed.p99.toFixed(1)} vs ${embedded.p99.toFixed(1)} ms (${ratio(distributed.p99, embedded.p99)})`,
      },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run();
  console.log(result.name);
  console.table(result.rows);
  for (const goal of result.goals) console.log(`${goal.met ? 'met   ' : 'MISSED'}  ${goal.goal}: ${goal.measured}`);
}
