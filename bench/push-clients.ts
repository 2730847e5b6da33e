/**
 * The client side of bench/push.bench.ts, in a process of its own: many connections to one
 * server, each subscribed to a few events, counting every price change received and its latency
 * (server publish → client receipt, same machine clock).
 *
 * Driven over IPC by the bench: it sends {type:'ready'} once every client is subscribed; on
 * {type:'measure', from, to} it counts what arrives between those two instants (ms, wall clock),
 * on {type:'report'} it answers with what it counted. The bench kills it when done.
 *
 * MQTT variants (mqtt: the gateway's MQTT transport through the embedded broker; mosquitto: a
 * publisher straight into Mosquitto) use mqtt.js clients subscribed at QoS 0 to the delta topics
 * of their events (`sb/v1/events/<eventId>/delta`); every payload is a delta frame
 * `{changes: [{ts, ...}]}`.
 *
 * Environment: PUSH_BENCH_URL, PUSH_BENCH_VARIANT (gateway | socketio | ws | mqtt | mosquitto),
 * PUSH_BENCH_CLIENTS, PUSH_BENCH_EVENTS, PUSH_BENCH_SUBSCRIPTIONS.
 */
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

export type Variant = 'gateway' | 'socketio' | 'ws' | 'mqtt' | 'mosquitto';

export interface ClientReport {
  readonly type: 'report';
  /** Price changes received while measuring. */
  readonly deliveries: number;
  /** Wire messages (packets / ws messages) received while measuring. */
  readonly messages: number;
  readonly seconds: number;
  /** Latency histogram: [bucket, count] for the non-empty buckets of BUCKET_MS each. */
  readonly latency: ReadonlyArray<readonly [number, number]>;
  readonly snapshots: number;
  readonly disconnects: number;
  readonly errors: number;
}

/** 0.1 ms buckets up to 30 s; the last one collects everything above. */
export const BUCKET_MS = 0.1;
const BUCKETS = 300_001;

const now = (): number => performance.timeOrigin + performance.now();

/**
 * What arrives between two wall-clock instants the bench chose beforehand: a client process busy
 * with a backlog reads its control messages late, so the window must not depend on when it
 * reads them.
 */
class Counters {
  deliveries = 0;
  messages = 0;
  snapshots = 0;
  disconnects = 0;
  errors = 0;
  histogram = new Uint32Array(BUCKETS);

  constructor(
    readonly from = Number.POSITIVE_INFINITY,
    readonly to = Number.POSITIVE_INFINITY,
  ) {}

  counts(at: number): boolean {
    return at >= this.from && at < this.to;
  }

  message(at: number): void {
    if (this.counts(at)) this.messages += 1;
  }

  change(ts: number, at: number): void {
    if (!this.counts(at)) return;
    this.deliveries += 1;
    this.histogram[Math.min(BUCKETS - 1, Math.max(0, Math.floor((at - ts) / BUCKET_MS)))]! += 1;
  }

  report(): ClientReport {
    const latency: Array<[number, number]> = [];
    this.histogram.forEach((count, bucket) => count > 0 && latency.push([bucket, count]));
    return {
      type: 'report',
      deliveries: this.deliveries,
      messages: this.messages,
      seconds: (this.to - this.from) / 1000,
      latency,
      snapshots: this.snapshots,
      disconnects: this.disconnects,
      errors: this.errors,
    };
  }
}

interface Change {
  readonly ts: number;
}

function pickEvents(client: number, events: number, count: number): number[] {
  // Deterministic and spread: every event gets about the same number of subscribers.
  const picked = new Set<number>();
  for (let k = 0; picked.size < Math.min(count, events); k++) picked.add((client * 7 + k * 13) % events);
  return [...picked];
}

interface Live {
  current: Counters;
}

async function connectAll(variant: Variant, url: string, clients: number, events: number, subscriptions: number, counters: Live): Promise<void> {
  const one = async (i: number): Promise<void> => {
    const channels = pickEvents(i, events, subscriptions).map((e) => `event:sr:match:${e + 1}`);
    if (variant === 'mqtt' || variant === 'mosquitto') {
      const client = mqtt.connect(url, { reconnectPeriod: 0, clean: true, connectTimeout: 30_000 });
      client.on('message', (_topic, payload) => {
        const at = now();
        const c = counters.current;
        c.message(at);
        for (const change of (JSON.parse(payload.toString('utf8')) as { changes: Change[] }).changes) c.change(change.ts, at);
      });
      client.on('close', () => (counters.current.disconnects += 1));
      client.on('error', () => (counters.current.errors += 1));
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await client.subscribeAsync(
        channels.map((c) => `sb/v1/events/${c.slice('event:'.length)}/delta`),
        { qos: 0 },
      );
      return;
    }
    if (variant === 'ws') {
      const ws = new WebSocket(url);
      ws.on('message', (data) => {
        const at = now();
        const c = counters.current;
        c.message(at);
        c.change((JSON.parse(String(data)) as Change).ts, at);
      });
      ws.on('close', () => (counters.current.disconnects += 1));
      ws.on('error', () => (counters.current.errors += 1));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ channels }));
      return;
    }
    const socket: Socket = io(variant === 'gateway' ? `${url}/odds` : url, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.on('disconnect', () => (counters.current.disconnects += 1));
    socket.on('error', () => (counters.current.errors += 1));
    if (variant === 'gateway') {
      socket.on('snapshot', () => {
        if (counters.current.counts(now())) counters.current.snapshots += 1;
      });
      socket.on('delta', (...frames: Array<{ changes: Change[] }>) => {
        const at = now();
        const c = counters.current;
        c.message(at);
        for (const frame of frames) for (const change of frame.changes) c.change(change.ts, at);
      });
    } else {
      socket.on('delta', (change: Change) => {
        const at = now();
        const c = counters.current;
        c.message(at);
        c.change(change.ts, at);
      });
    }
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await socket.timeout(30_000).emitWithAck('subscribe', { channels });
  };
  // A few hundred handshakes at a time: the server is not what is measured while connecting.
  for (let i = 0; i < clients; i += 100) await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, k) => one(i + k)));
}

async function main(): Promise<void> {
  const env = (name: string) => process.env[name] ?? '';
  const variant = env('PUSH_BENCH_VARIANT') as Variant;
  const counters: Live = { current: new Counters() };
  await connectAll(variant, env('PUSH_BENCH_URL'), Number(env('PUSH_BENCH_CLIENTS')), Number(env('PUSH_BENCH_EVENTS')), Number(env('PUSH_BENCH_SUBSCRIPTIONS')), counters);
  process.on('message', (message: { type: string; from?: number; to?: number }) => {
    if (message.type === 'measure') counters.current = new Counters(message.from, message.to);
    else if (message.type === 'report') process.send?.(counters.current.report());
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

if (process.send) await main();
