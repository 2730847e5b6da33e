/**
 * One push gateway process for the cluster test, wired as compose wires it in distributed mode:
 * the RedisPriceBook and the socket.io Redis adapter on a real Redis, HTTP on a port of its own.
 * Its bus stands in for its own Kafka consumer group: the test sends it every record over IPC,
 * as Kafka would deliver every record to every group.
 *
 * Environment: PUSH_REDIS_URL, PUSH_KEY_PREFIX, PUSH_NODE_ID, PUSH_JWT_SECRET.
 * IPC in: {type:'publish', id, topic, records}; out: {type:'ready', port}, {type:'published', id}.
 */
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import { createRedisSocketIoAdapter } from '../../adapters/socketio/redis-adapter.ts';
import { registerAuth } from '../../app/auth.ts';
import { createHttpServer } from '../../app/http.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { createPushGateway } from '../../push-gateway/push-gateway-service.ts';

interface PublishMessage {
  readonly type: 'publish';
  readonly id: number;
  readonly topic: string;
  readonly records: ReadonlyArray<{ key: string; value: unknown }>;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const prefix = env('PUSH_KEY_PREFIX');
const bus = new InMemoryBus();
const priceBook = new RedisPriceBook({ redis: env('PUSH_REDIS_URL'), keyPrefix: prefix });
const adapter = await createRedisSocketIoAdapter({ url: env('PUSH_REDIS_URL'), key: `${prefix}socket.io` });
const http = createHttpServer(silentLogger);
const auth = await registerAuth(http, { secret: env('PUSH_JWT_SECRET'), demoTokens: false });
const gateway = createPushGateway(
  { bus, clock: new SystemClock(), logger: silentLogger, metrics: new PromMetrics(), priceBook, verifyToken: auth.verify, httpServer: http.server, socketIoAdapter: adapter.adapter },
  { nodeId: env('PUSH_NODE_ID'), conflationWindowMs: 0, historyLength: 1024 },
);
await gateway.start();
const url = await http.listen({ host: '127.0.0.1', port: 0 });

// One record after the other, each handed over before the next: a partition's order.
let queue = Promise.resolve();
process.on('message', (message: PublishMessage) => {
  if (message.type !== 'publish') return;
  queue = queue.then(async () => {
    await bus.publish(message.topic, message.records);
    await new Promise((resolve) => setImmediate(resolve));
    process.send?.({ type: 'published', id: message.id });
  });
});

const stop = async () => {
  await gateway.stop();
  await http.close();
  await adapter.close();
  await priceBook.close();
  await bus.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready', port: new URL(url).port });
