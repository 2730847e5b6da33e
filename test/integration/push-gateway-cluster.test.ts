/**
 * Two push gateway processes with a real Redis (shared PriceBook, socket.io Redis adapter wired),
 * each fed every delta as its own Kafka consumer group would be (push-gateway-node.ts). A client
 * on each sees the same ordered sequence and never a frame twice; when a process is killed its
 * clients resume on the other without a gap or a duplicate, and a restarted process serves a
 * consistent state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import { registerAuth, type Auth } from '../../app/auth.ts';
import { createHttpServer } from '../../app/http.ts';
import type { OddsDelta } from '../../core/contracts/odds.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { TOPICS } from '../../core/topics.ts';
import { FakeEngine } from '../unit/push-gateway/hub-harness.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';
import { bookView, PushClient } from './push-gateway-support.ts';

const redis = requireService('redis');
const NODE_SCRIPT = fileURLToPath(new URL('./push-gateway-node.ts', import.meta.url));
const SECRET = 'a-cluster-test-secret-of-32-characters!';

class GatewayNode {
  private nextId = 0;
  private readonly acks = new Map<number, () => void>();
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (m: { type: string; id: number }) => {
      if (m.type === 'published') this.acks.get(m.id)?.();
    });
  }

  static async start(name: string, prefix: string): Promise<GatewayNode> {
    const child = fork(NODE_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, PUSH_REDIS_URL: redis.url, PUSH_KEY_PREFIX: prefix, PUSH_NODE_ID: name, PUSH_JWT_SECRET: SECRET },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { type: string; port: string }) => (m.type === 'ready' ? resolve(m.port) : reject(new Error(`unexpected ${m.type}`))));
      child.once('exit', (code) => reject(new Error(`gateway ${name} exited with ${code} before it was ready`)));
    });
    return new GatewayNode(name, child, `http://127.0.0.1:${port}`);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  publish(topic: string, records: ReadonlyArray<{ key: string; value: unknown }>): Promise<void> {
    const id = ++this.nextId;
    return new Promise<void>((resolve) => {
      this.acks.set(id, () => {
        this.acks.delete(id);
        resolve();
      });
      this.child.send({ type: 'publish', id, topic, records });
    });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}

describe('push gateway: two processes and a real Redis', { skip: redis.skip }, () => {
  const prefix = `${uniqueName('push-cluster')}:`;
  let book: RedisPriceBook;
  let auth: Auth;
  const nodes: GatewayNode[] = [];
  const clients: PushClient[] = [];

  const deliver = async (...deltas: OddsDelta[]) => {
    for (const d of deltas) await Promise.all(nodes.filter((n) => n.alive).map((n) => n.publish(TOPICS.oddsDeltas, [{ key: d.eventId, value: d }])));
  };
  const connect = async (node: GatewayNode, token?: string) => {
    const client = await PushClient.connect(node.url, token === undefined ? {} : { token });
    clients.push(client);
    return client;
  };

  before(async () => {
    book = new RedisPriceBook({ redis: redis.url, keyPrefix: prefix });
    auth = await registerAuth(createHttpServer(silentLogger), { secret: SECRET, demoTokens: false });
    nodes.push(...(await Promise.all([GatewayNode.start('a', prefix), GatewayNode.start('b', prefix)])));
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    for (const { eventId } of await book.listEvents()) await book.remove(eventId);
    await book.close();
  });

  test('a client on each process sees the same ordered sequence, each frame once', async () => {
    const channel = 'event:sr:match:201';
    const engine = new FakeEngine(book, 'sr:match:201');
    await deliver(await engine.newEpoch(), await engine.price('1', { '1': '2.00', X: '3.00', '2': '4.00' }));
    const [a, b] = [await connect(nodes[0]!), await connect(nodes[1]!)];
    await Promise.all([a.subscribe([channel]), b.subscribe([channel])]);
    await Promise.all([a.until(() => a.positions.has(channel), 'snapshot on a'), b.until(() => b.positions.has(channel), 'snapshot on b')]);
    const from = Math.max(a.positions.get(channel)!.seq, b.positions.get(channel)!.seq);
    for (let i = 0; i < 60; i++) await deliver(await engine.price(i % 4 ? '1' : '18/total=2.5', { [['1', 'X', '2'][i % 3]!]: `${2 + (i % 50) / 100}`.padEnd(4, '0') }));
    await deliver(await engine.status('1', 'suspended'));
    await Promise.all([a, b].map((c) => c.until(() => c.positions.get(channel)?.seq === engine.seq, 'at the engine seq')));
    assert.deepEqual(a.violations, []);
    assert.deepEqual(b.violations, []);
    const after = (c: PushClient) => c.applied.get(channel)!.filter((s) => s > from);
    assert.deepEqual(after(a), after(b));
    assert.deepEqual(after(a), Array.from({ length: engine.seq - from }, (_, i) => from + 1 + i));
    const expected = bookView(await book.getEvent('sr:match:201'));
    assert.deepEqual(a.view(channel), expected);
    assert.deepEqual(b.view(channel), expected);

    // Private updates reach the player on whichever process, in the same order.
    const [onA, onB] = [await connect(nodes[0]!, auth.sign({ sub: 'carol', role: 'player' })), await connect(nodes[1]!, auth.sign({ sub: 'carol', role: 'player' }))];
    await Promise.all([onA.subscribe(['player:carol']), onB.subscribe(['player:carol'])]);
    await Promise.all([onA, onB].map((c) => c.until(() => c.positions.has('player:carol'), 'player snapshot')));
    for (let i = 0; i < 6; i++) {
      const playerId = i % 3 ? 'carol' : 'dave';
      await Promise.all(nodes.map((n) => n.publish(TOPICS.bets, [{ key: `bet-${i}`, value: { type: 'BetAccepted', playerId, betId: `bet-${i}` } }])));
    }
    const betIds = (c: PushClient) => c.frames.flatMap((f) => (f.event === 'delta' ? (f.body.changes as Array<{ betId: string }>).map((u) => u.betId) : []));
    await Promise.all([onA, onB].map((c) => c.until(() => betIds(c).length === 4, "carol's four")));
    assert.deepEqual(betIds(onA), ['bet-1', 'bet-2', 'bet-4', 'bet-5']);
    assert.deepEqual(betIds(onB), betIds(onA));
  });

  test('a killed process: its client resumes on the other with no gap; a restarted one is consistent', async () => {
    const channel = 'event:sr:match:202';
    const engine = new FakeEngine(book, 'sr:match:202');
    await deliver(await engine.newEpoch(), await engine.price('1', {}));
    const onA = await connect(nodes[0]!);
    await onA.subscribe([channel]);
    for (let i = 0; i < 10; i++) await deliver(await engine.price('1', { '1': `2.${10 + i}` }));
    await onA.until(() => onA.positions.get(channel)?.seq === engine.seq, 'client on a caught up');

    const lost = new Promise<string>((resolve) => onA.socket.once('disconnect', (reason) => resolve(reason)));
    await nodes[0]!.kill('SIGKILL');
    assert.equal(await lost, 'transport close');
    for (let i = 0; i < 10; i++) await deliver(await engine.price('1', { X: `3.${10 + i}` }));

    // The same client, reconnected to the surviving process with the position it holds.
    const held = onA.positions.get(channel)!;
    const onB = await connect(nodes[1]!);
    onB.adopt(onA, channel);
    await onB.subscribe([channel], { [channel]: held });
    await onB.until(() => onB.positions.get(channel)?.seq === engine.seq, 'resumed on b');
    assert.equal(onB.frames[0]?.event, 'resumed');
    assert.equal(onB.frames.some((f) => f.event === 'snapshot'), false);
    assert.deepEqual(onB.applied.get(channel), Array.from({ length: engine.seq - held.seq }, (_, i) => held.seq + 1 + i), 'exactly the missed changes');
    assert.deepEqual(onB.violations, []);

    // The killed process comes back (a new one, as after a crash) and takes part again.
    nodes[0] = await GatewayNode.start('a2', prefix);
    const fresh = await connect(nodes[0]);
    await fresh.subscribe([channel]);
    const back = await connect(nodes[0]);
    back.adopt(onB, channel);
    await back.subscribe([channel], { [channel]: onB.positions.get(channel)! });
    for (let i = 0; i < 10; i++) await deliver(await engine.price('1', { '2': `4.${10 + i}` }));
    await Promise.all([fresh, back, onB].map((c) => c.until(() => c.positions.get(channel)?.seq === engine.seq, 'everyone at the engine seq')));
    const expected = bookView(await book.getEvent('sr:match:202'));
    for (const c of [fresh, back, onB]) {
      assert.deepEqual(c.violations, []);
      assert.deepEqual(c.view(channel), expected);
    }
  });

  test('behind a balancer, a client whose process dies reconnects by itself and resumes', async () => {
    const channel = 'event:sr:match:203';
    const engine = new FakeEngine(book, 'sr:match:203');
    await deliver(await engine.newEpoch(), await engine.price('1', {}));
    const [restarted, survivor] = [nodes[0]!, nodes[1]!];
    const balancer = await startBalancer(() => [survivor, restarted].filter((n) => n.alive).map((n) => Number(new URL(n.url).port)));
    try {
      const client = await PushClient.connect(`http://127.0.0.1:${balancer.port}`, { reconnect: true });
      clients.push(client);
      await client.subscribe([channel]);
      for (let i = 0; i < 5; i++) await deliver(await engine.price('1', { '1': `5.${10 + i}` }));
      await client.until(() => client.positions.get(channel)?.seq === engine.seq, 'caught up on the survivor');

      await survivor.kill('SIGKILL');
      for (let i = 0; i < 5; i++) await deliver(await engine.price('1', { X: `6.${10 + i}` }));
      await client.until(() => client.reconnects === 1 && client.positions.get(channel)?.seq === engine.seq, 'reconnected through the balancer and resumed', 15_000);
      assert.deepEqual(client.violations, []);
      assert.ok(client.frames.some((f) => f.event === 'resumed'), 'resumed, not a snapshot: the other process has the history');
      assert.deepEqual(client.view(channel), bookView(await book.getEvent('sr:match:203')));
    } finally {
      await balancer.close();
    }
  });
});

/** A TCP balancer: each connection goes to the first of the given ports that accepts it. */
async function startBalancer(ports: () => number[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const candidates = ports();
    const tryNext = (): void => {
      const port = candidates.shift();
      if (port === undefined) return void client.destroy();
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('error', () => (upstream.connecting ? tryNext() : client.destroy()));
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      });
    };
    tryNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
