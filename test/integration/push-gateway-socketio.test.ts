/**
 * The push gateway over real socket.io connections: the gateway on the app's fastify server,
 * deltas published on an in-memory bus by a stand-in odds engine that writes the PriceBook first,
 * as the real one does. Protocol, limits, private channels, slow consumers and metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../adapters/price-book/in-memory-price-book.ts';
import { registerAuth, type Auth } from '../../app/auth.ts';
import { createHttpServer } from '../../app/http.ts';
import type { Fixture, FixtureUpdated } from '../../core/contracts/fixtures.ts';
import type { OddsDelta } from '../../core/contracts/odds.ts';
import type { EventId } from '../../core/ids.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { TOPICS } from '../../core/topics.ts';
import { createPushGateway, type PushGateway } from '../../push-gateway/push-gateway-service.ts';
import { FakeEngine } from '../unit/push-gateway/hub-harness.ts';
import { waitFor } from '../support/wait.ts';
import { bookView, PushClient } from './push-gateway-support.ts';

describe('push gateway over socket.io', () => {
  const bus = new InMemoryBus();
  const book = new InMemoryPriceBook();
  const metrics = new PromMetrics();
  let http: FastifyInstance;
  let auth: Auth;
  let gateway: PushGateway;
  let url: string;
  const clients: PushClient[] = [];

  // InMemoryBus can leave a message queued until the next one when two publishes follow each
  // other within a few microtasks (its drain loop ends before its `draining` flag is cleared):
  // giving it a turn after each publish keeps these tests about the gateway.
  const send = async (topic: string, records: ReadonlyArray<{ key: string; value: unknown }>) => {
    await bus.publish(topic, records);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const publish = (...deltas: OddsDelta[]) => send(TOPICS.oddsDeltas, deltas.map((d) => ({ key: d.eventId, value: d })));
  const connect = async (token?: string) => {
    const client = await PushClient.connect(url, token === undefined ? {} : { token });
    clients.push(client);
    return client;
  };

  before(async () => {
    http = createHttpServer(silentLogger);
    auth = await registerAuth(http, { secret: 'a-test-secret-of-at-least-32-characters', demoTokens: false });
    gateway = createPushGateway(
      { bus, clock: new SystemClock(), logger: silentLogger, metrics, priceBook: book, verifyToken: auth.verify, httpServer: http.server },
      { conflationWindowMs: 0, maxSubscriptions: 4, maxChannelsPerRequest: 4, maxConnectionsPerIp: 40, maxMessageBytes: 2048, bufferCapPackets: 64, slowConsumerGraceMs: 800, historyLength: 64 },
    );
    await gateway.start();
    url = await http.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    for (const c of clients) c.close();
    await gateway.stop();
    await http.close();
    await bus.close();
  });

  test('a subscriber gets a snapshot, then every delta once and in order', async () => {
    const engine = new FakeEngine(book, 'sr:match:101');
    await publish(await engine.newEpoch(), await engine.price('1', { '1': '2.10', X: '3.20', '2': '3.50' }));
    await waitFor(() => gateway.hub.position('event:sr:match:101')?.seq === 2, { message: 'gateway consumed seq 2' });
    const client = await connect();
    assert.deepEqual(await client.subscribe(['event:sr:match:101']), { ok: true, channels: ['event:sr:match:101'] });
    for (let i = 0; i < 30; i++) await publish(await engine.price(i % 3 ? '1' : '18/total=2.5', { [['1', 'X', '2'][i % 3]!]: `${2 + i / 100}`.padEnd(4, '0') }));
    await publish(await engine.status('1', 'suspended'));
    await client.until(() => client.positions.get('event:sr:match:101')?.seq === engine.seq, 'client at the engine seq');
    assert.deepEqual(client.violations, []);
    assert.equal(client.frames[0]?.event, 'snapshot');
    assert.deepEqual(client.view('event:sr:match:101'), bookView(await book.getEvent('sr:match:101')));
  });

  test('a client that disconnects and resumes with since gets exactly what it missed', async () => {
    const channel = 'event:sr:match:102';
    const engine = new FakeEngine(book, 'sr:match:102');
    await publish(await engine.newEpoch());
    const first = await connect();
    await first.subscribe([channel]);
    for (let i = 0; i < 5; i++) await publish(await engine.price('1', { '1': `2.${i}0` }));
    await first.until(() => first.positions.get(channel)?.seq === engine.seq, 'first client caught up');
    first.close();
    const held = first.positions.get(channel)!;
    for (let i = 0; i < 7; i++) await publish(await engine.price('1', { X: `3.${i}0` }));
    await waitFor(() => gateway.hub.position(channel)?.flushedSeq === engine.seq, { message: 'gateway flushed' });

    const again = await connect();
    again.adopt(first, channel);
    await again.subscribe([channel], { [channel]: held });
    await publish(await engine.price('1', { '2': '9.00' }));
    await again.until(() => again.positions.get(channel)?.seq === engine.seq, 'resumed client caught up');
    assert.deepEqual(again.violations, []);
    assert.deepEqual(again.frames.map((f) => f.event).slice(0, 2), ['resumed', 'delta']);
    assert.equal(again.frames.some((f) => f.event === 'snapshot'), false);
    assert.deepEqual(again.applied.get(channel), Array.from({ length: 8 }, (_, i) => held.seq + 1 + i), 'each missed change once, in order');
    assert.deepEqual(again.view(channel), bookView(await book.getEvent('sr:match:102')));
  });

  test('bad requests get clear error events and acks', async () => {
    const client = await connect();
    const cases: Array<[unknown, string, RegExp]> = [
      [{ channels: ['event:42'] }, 'INVALID_REQUEST', /no such channel/],
      [{ channels: ['event:sr:match:1'], extra: 1 }, 'INVALID_REQUEST', /unknown field/],
      [{ channels: ['event:sr:match:1'], since: { epoch: 'e', seq: -1 } }, 'INVALID_REQUEST', /seq/],
      ['event:sr:match:1', 'INVALID_REQUEST', /expects an object/],
      [{ channels: ['event:sr:match:1', 'event:sr:match:2', 'event:sr:match:3', 'event:sr:match:4', 'event:sr:match:5'] }, 'INVALID_REQUEST', /at most 4 channels/],
      [{ channels: ['event:sr:match:1'], since: { 'event:sr:match:1': { epoch: 'x'.repeat(60), seq: 1 } }, pad: 'x'.repeat(3000) }, 'MESSAGE_TOO_LARGE', /2048 bytes/],
    ];
    for (const [body, code, message] of cases) {
      const reply = await client.socket.timeout(5000).emitWithAck('subscribe', body);
      assert.equal(reply.ok, false, JSON.stringify(body).slice(0, 80));
      assert.equal(reply.error.code, code);
      assert.match(reply.error.message, message);
    }
    const unknown = await client.socket.timeout(5000).emitWithAck('subscribe_all', {});
    assert.equal(unknown.error.code, 'INVALID_REQUEST');
    await client.until(() => client.errors.length === cases.length + 1, 'an error event for each');

    assert.equal((await client.subscribe(['event:sr:match:1', 'event:sr:match:2', 'event:sr:match:3'])).ok, true);
    const limited = await client.subscribe(['event:sr:match:4', 'event:sr:match:5']);
    assert.equal(limited.error?.code, 'SUBSCRIPTION_LIMIT');
    assert.equal((await client.unsubscribe(['event:sr:match:1'])).ok, true);
    assert.equal((await client.subscribe(['event:sr:match:4'])).ok, true);
  });

  test('player A can never receive player B private messages', async () => {
    const a = await connect(auth.sign({ sub: 'alice', role: 'player' }));
    const b = await connect(auth.sign({ sub: 'bob', role: 'player' }));
    const trader = await connect(auth.sign({ sub: 'tess', role: 'trader' }));
    const anonymous = await connect();
    assert.equal((await a.subscribe(['player:alice'])).ok, true);
    assert.equal((await b.subscribe(['player:bob'])).ok, true);
    assert.equal((await a.subscribe(['player:bob'])).error?.code, 'FORBIDDEN');
    assert.equal((await trader.subscribe(['player:bob'])).error?.code, 'FORBIDDEN');
    assert.equal((await anonymous.subscribe(['player:bob'])).error?.code, 'UNAUTHORIZED');
    await assert.rejects(PushClient.connect(url, { token: 'not-a-token' }), (e: Error & { code?: string }) => e.code === 'UNAUTHORIZED');
    // A token signed with another secret is no better.
    const forged = await registerAuth(createHttpServer(silentLogger), { secret: 'another-secret-of-at-least-32-characters', demoTokens: false });
    await assert.rejects(PushClient.connect(url, { token: forged.sign({ sub: 'bob', role: 'player' }) }), (e: Error & { code?: string }) => e.code === 'UNAUTHORIZED');

    const bets = [
      { type: 'BetAccepted', playerId: 'alice', betId: 'b1' },
      { type: 'BetAccepted', playerId: 'bob', betId: 'b2' },
      { type: 'BetSettled', playerId: 'bob', betId: 'b2' },
      { type: 'BetSettled', playerId: 'alice', betId: 'b1' },
    ];
    await send(TOPICS.bets, bets.map((value) => ({ key: value.betId, value })));
    await a.until(() => a.frames.filter((f) => f.event === 'delta').length >= 1 && (a.positions.get('player:alice')?.seq ?? 0) >= 2, 'alice got her two');
    await b.until(() => (b.positions.get('player:bob')?.seq ?? 0) >= 2, 'bob got his two');
    const privateTo = (c: PushClient) => JSON.stringify(c.frames.filter((f) => f.event !== 'error'));
    assert.ok(!privateTo(a).includes('bob'), 'nothing of bob reached alice');
    assert.ok(!privateTo(b).includes('alice'), 'nothing of alice reached bob');
    assert.ok(!privateTo(trader).includes('b2') && !privateTo(anonymous).includes('b2'));
    // A reconnecting player takes the recent updates as its snapshot.
    const a2 = await connect(auth.sign({ sub: 'alice', role: 'player' }));
    await a2.subscribe(['player:alice']);
    await a2.until(() => a2.frames.length > 0, 'snapshot');
    assert.deepEqual((a2.frames[0]!.body as { data: { updates: Array<{ betId: string }> } }).data.updates.map((u) => u.betId), ['b1', 'b1']);
  });

  test('the live list: events with score and main market, changes as deltas', async () => {
    const engine = new FakeEngine(book, 'sr:match:103');
    await publish(await engine.newEpoch(), await engine.price('1', { '1': '1.80', X: '3.60', '2': '4.50' }));
    const fixture = (status: Fixture['status'], home: number, updatedTs: number): FixtureUpdated => ({
      v: 1,
      type: 'FixtureUpdated',
      ts: updatedTs,
      fixture: {
        eventId: 'sr:match:103' as EventId,
        sport: { id: 'sr:sport:1', name: 'Soccer' },
        tournament: { id: 'sr:tournament:1', name: 'Cup' },
        competitors: [
          { id: 'sr:competitor:1', name: 'A', qualifier: 'home' },
          { id: 'sr:competitor:2', name: 'B', qualifier: 'away' },
        ],
        scheduledStart: '2026-11-22T12:00:00.000Z',
        status,
        score: { home, away: 0 },
        updatedTs,
      },
    });
    await send(TOPICS.fixtureChanges, [{ key: 'sr:match:103', value: fixture('live', 0, 1) }]);
    const client = await connect();
    await waitFor(async () => (await book.getEvent('sr:match:103')) !== undefined && gateway.hub.position('sport:sr:sport:1:live') !== undefined, { message: 'listed' });
    await client.subscribe(['sport:sr:sport:1:live']);
    await client.until(() => client.frames.some((f) => f.event === 'snapshot'), 'snapshot');
    const snapshot = client.frames.find((f) => f.event === 'snapshot')!.body as { data: { events: Array<{ eventId: string; main?: { outcomes: Array<{ price: string }> } }> } };
    const row = snapshot.data.events.find((e) => e.eventId === 'sr:match:103');
    assert.ok(row?.main, JSON.stringify(snapshot.data));
    await publish(await engine.price('1', { '1': '1.70' }));
    await send(TOPICS.fixtureChanges, [{ key: 'sr:match:103', value: fixture('live', 1, 2) }]);
    await send(TOPICS.fixtureChanges, [{ key: 'sr:match:103', value: fixture('ended', 1, 3) }]);
    await client.until(() => JSON.stringify(client.frames).includes('LiveEventRemoved'), 'removed').catch((e) => { console.log('POS', JSON.stringify(gateway.hub.position('sport:sr:sport:1:live')), client.socket.id, JSON.stringify(gateway.hub.channelsOf(client.socket.id!))); throw e; });
    const changes = client.frames.filter((f) => f.event === 'delta').flatMap((f) => (f.body as unknown as { changes: Array<{ type: string }> }).changes.map((c) => c.type));
    assert.deepEqual(changes, ['LiveMarketChanged', 'LiveEventUpdated', 'LiveEventRemoved']);
    assert.deepEqual(client.violations, []);
  });

  test('a slow consumer is paused, then catches up without a gap; one that never reads is disconnected', async () => {
    const channel = 'event:sr:match:104';
    const engine = new FakeEngine(book, 'sr:match:104');
    await publish(await engine.newEpoch());
    const slow = await connect();
    await slow.subscribe([channel]);
    await slow.until(() => slow.positions.has(channel), 'snapshot');
    // Stop reading the TCP socket: the gateway's buffer for it fills up.
    const tcp = (slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const bulky = Object.fromEntries(['1', 'X', '2'].map((o) => [o, '2.00']));
    for (let i = 0; i < 400; i++) {
      // Fat deltas fill the socket buffers quickly: 60 markets per burst.
      const burst: OddsDelta[] = [];
      for (let m = 0; m < 60; m++) burst.push(await engine.price(`${m + 1}`, { ...bulky, '1': `${2 + ((i + m) % 90) / 100}`.padEnd(4, '0') }));
      await publish(...burst);
      if ((await metrics.render()).includes('sb_push_slow_consumers_total{protocol="socketio",action="paused"}')) break;
    }
    assert.match(await metrics.render(), /sb_push_slow_consumers_total\{protocol="socketio",action="paused"\} 1/);
    // Changes while it is paused are not queued for it; it gets them when it has caught up.
    for (let i = 0; i < 5; i++) await publish(await engine.price('1', { X: `4.${10 + i}` }));
    tcp.resume();
    await slow.until(() => slow.positions.get(channel)?.seq === engine.seq, 'caught up', 20_000);
    await waitFor(async () => /action="caught_up"\} 1/.test(await metrics.render()), { message: 'caught up, as the gateway sees it' });
    assert.deepEqual(slow.violations, []);
    assert.deepEqual(slow.view(channel), bookView(await book.getEvent('sr:match:104')));

    const stuck = await connect();
    await stuck.subscribe([channel]);
    await stuck.until(() => stuck.positions.has(channel), 'snapshot');
    (stuck.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
    const disconnected = new Promise<string>((resolve) => stuck.socket.once('disconnect', (reason) => resolve(reason)));
    for (let i = 0; i < 400 && !(await metrics.render()).includes('action="disconnected"'); i++) {
      const burst: OddsDelta[] = [];
      for (let m = 0; m < 60; m++) burst.push(await engine.price(`${m + 1}`, { '1': `${3 + ((i + m) % 90) / 100}`.padEnd(4, '0') }));
      await publish(...burst);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(async () => (await metrics.render()).includes('action="disconnected"} 1'), { message: 'disconnected as a slow consumer', timeoutMs: 10_000 });
    (stuck.socket.io.engine.transport as unknown as { ws: { _socket: { resume(): void } } }).ws._socket.resume();
    assert.match(await disconnected, /transport close|transport error|ping timeout/);
    assert.equal(slow.socket.connected, true, 'the other client is unaffected');
  });

  test('connections per address are limited, with the reason in connect_error', async () => {
    const open = gateway.connections();
    const extra: PushClient[] = [];
    for (let i = open; i < 40; i++) extra.push(await connect());
    await assert.rejects(PushClient.connect(url), (e: Error & { code?: string }) => e.code === 'CONNECTION_LIMIT' && /at most 40/.test(e.message));
    extra.pop()!.close();
    await waitFor(() => gateway.connections() < 40, { message: 'one closed' });
    const ok = await connect();
    assert.equal(ok.socket.connected, true);
    for (const c of extra) c.close();
  });

  test('malformed bus messages are counted and skipped, the stream goes on', async () => {
    const engine = new FakeEngine(book, 'sr:match:105');
    const client = await connect();
    await publish(await engine.newEpoch());
    await client.subscribe(['event:sr:match:105']);
    const garbage: Array<[string, unknown]> = [
      [TOPICS.oddsDeltas, { v: 1, type: 'PriceChanged', eventId: 'sr:match:105', epoch: 'x', seq: 'nine' }],
      [TOPICS.oddsDeltas, { v: 2, type: 'Whatever' }],
      [TOPICS.oddsDeltas, null],
      [TOPICS.fixtureChanges, { v: 1, type: 'FixtureUpdated', fixture: { eventId: 'not an urn' } }],
      [TOPICS.bets, { type: 'BetAccepted', playerId: 'has spaces in it' }],
      [TOPICS.bets, 'a string'],
    ];
    for (const [topic, value] of garbage) await send(topic, [{ key: 'k', value }]);
    await publish(await engine.price('1', { '1': '2.22' }));
    await client.until(() => client.positions.get('event:sr:match:105')?.seq === engine.seq, 'the stream goes on');
    assert.match(await metrics.render(), /sb_push_dropped_total\{reason="invalid"\} 6/);
  });

  test('metrics: connections, subscriptions, deliveries, latency', async () => {
    const text = await metrics.render();
    for (const line of [/sb_push_connections\{protocol="socketio"\} \d+/, /sb_push_subscriptions\{kind="event"\} \d+/, /sb_push_deliveries_total\{protocol="socketio",kind="event"\} \d+/, /sb_push_latency_seconds_bucket\{le="0.05",kind="event"\} \d+/, /sb_push_rejected_total\{protocol="socketio",code="CONNECTION_LIMIT"\} 1/, /sb_push_snapshots_total\{kind="live"\} 1/]) {
      assert.match(text, line);
    }
  });
});
