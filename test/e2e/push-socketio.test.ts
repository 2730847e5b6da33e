/**
 * End to end, in one process as `npm start` runs it: the match simulator's UOF XML → feed-ingest
 * → fixtures and the odds engine → PriceBook and odds.deltas → the push gateway → socket.io
 * clients. The simulator runs fast (prices every 40–120 ms per match) on the real clock.
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
import { silentLogger } from '../../core/ports/logger.ts';
import { TOPICS } from '../../core/topics.ts';
import { createFeedIngest, type FeedIngest } from '../../feed-ingest/feed-ingest-service.ts';
import { createMatchSimulator } from '../../feed-ingest/simulator/simulator.ts';
import { createFixtures, type Fixtures } from '../../fixtures/fixtures-service.ts';
import { createOddsEngine, type OddsEngine } from '../../odds-engine/odds-engine-service.ts';
import { createPushGateway, type PushGateway } from '../../push-gateway/push-gateway-service.ts';
import { bookView, PushClient } from '../integration/push-gateway-support.ts';
import { waitFor } from '../support/wait.ts';

describe('push over socket.io, end to end from the simulator', () => {
  const clock = new SystemClock();
  const bus = new InMemoryBus();
  const book = new InMemoryPriceBook();
  const metrics = new PromMetrics();
  const deps = { clock, logger: silentLogger, metrics };
  const simulator = createMatchSimulator(deps, {
    seed: 'push-e2e',
    sports: { football: 1, tennis: 0, basketball: 0 },
    liveMatches: 3,
    upcomingMatches: 1,
    oddsIntervalMs: [40, 120],
    tickMs: 20,
    msPerSimSecond: { football: 10 },
  });
  let fixtures: Fixtures;
  let engine: OddsEngine;
  let ingest: FeedIngest;
  let gateway: PushGateway;
  let http: FastifyInstance;
  let auth: Auth;
  let url: string;
  const clients: PushClient[] = [];
  const connect = async (token?: string) => {
    const client = await PushClient.connect(url, token === undefined ? {} : { token });
    clients.push(client);
    return client;
  };
  const startGateway = async () => {
    gateway = createPushGateway(
      { ...deps, bus, priceBook: book, verifyToken: auth.verify, httpServer: http.server, listFixtures: () => fixtures.list() },
      { conflationWindowMs: 50, historyLength: 512 },
    );
    await gateway.start();
  };

  /** A live event with priced markets, and its channel. */
  async function liveEvent(): Promise<{ eventId: string; channel: string }> {
    let eventId: string | undefined;
    await waitFor(
      async () => {
        const live = fixtures.list({ status: 'live' });
        for (const f of live) if (((await book.getEvent(f.eventId))?.markets.length ?? 0) > 3) eventId = f.eventId;
        return eventId !== undefined;
      },
      { timeoutMs: 20_000, message: 'a live, priced event' },
    );
    return { eventId: eventId!, channel: `event:${eventId}` };
  }

  /** Waits until the client holds the PriceBook's current seq, then compares the states. */
  async function assertConverges(client: PushClient, eventId: string): Promise<void> {
    const channel = `event:${eventId}`;
    await waitFor(
      async () => {
        const b = await book.getEvent(eventId);
        return b !== undefined && client.positions.get(channel)?.seq === b.seq && client.positions.get(channel)?.epoch === b.epoch;
      },
      { timeoutMs: 10_000, message: `client at the PriceBook's seq of ${eventId}` },
    );
    // Same turn as the check above cannot be guaranteed with prices moving every few ms: compare
    // with the book at the seq the client holds, read again until they meet.
    await waitFor(
      async () => {
        const b = await book.getEvent(eventId);
        return client.positions.get(channel)?.seq === b?.seq && JSON.stringify(client.view(channel)) === JSON.stringify(bookView(b));
      },
      { timeoutMs: 10_000, message: `client state equals the PriceBook of ${eventId}` },
    );
  }

  before(async () => {
    http = createHttpServer(silentLogger);
    auth = await registerAuth(http, { secret: 'an-e2e-secret-of-at-least-32-characters!', demoTokens: false });
    fixtures = createFixtures({ ...deps, bus, provider: simulator });
    engine = createOddsEngine({
      ...deps,
      bus,
      priceBook: book,
      eventInfo: (id) => {
        const f = fixtures.get(id);
        return f && { sportId: f.sport.id, tournamentId: f.tournament.id };
      },
    });
    ingest = createFeedIngest({ ...deps, bus, source: simulator, recovery: simulator }, { producers: [1, 3], aliveTimeoutMs: 20_000, maxLagMs: 0, summaryIntervalMs: 0 });
    await fixtures.start();
    await engine.start();
    await startGateway();
    url = await http.listen({ host: '127.0.0.1', port: 0 });
    await ingest.start();
  });

  after(async () => {
    for (const c of clients) c.close();
    await ingest.stop();
    await gateway.stop();
    await engine.stop();
    await fixtures.stop();
    await http.close();
    await bus.close();
  });

  test('a client receives a correct snapshot and then in-order deltas', async () => {
    const { eventId, channel } = await liveEvent();
    const client = await connect();
    assert.deepEqual(await client.subscribe([channel]), { ok: true, channels: [channel] });
    await client.until(() => (client.applied.get(channel)?.length ?? 0) >= 20, '20 changes applied', 20_000);
    assert.equal(client.frames[0]?.event, 'snapshot');
    assert.deepEqual(client.violations, []);
    const seqs = client.applied.get(channel)!;
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'changes in seq order');
    await assertConverges(client, eventId);
    assert.deepEqual(client.violations, []);
  });

  test('a client that disconnects and resumes with since gets no gap and no duplicate', async () => {
    const { eventId, channel } = await liveEvent();
    const first = await connect();
    await first.subscribe([channel]);
    await first.until(() => (first.applied.get(channel)?.length ?? 0) >= 5, 'a few changes');
    first.close();
    const held = first.positions.get(channel)!;
    await waitFor(async () => ((await book.getEvent(eventId))?.seq ?? 0) >= held.seq + 10, { timeoutMs: 10_000, message: 'ten more changes while away' });

    const again = await connect();
    again.adopt(first, channel);
    await again.subscribe([channel], { [channel]: held });
    await again.until(() => (again.positions.get(channel)?.seq ?? 0) >= held.seq + 10, 'caught up');
    assert.equal(again.frames[0]?.event, 'resumed');
    assert.equal(again.frames.some((f) => f.event === 'snapshot'), false, 'no snapshot needed');
    const replay = again.frames[1];
    assert.equal(replay?.event, 'delta');
    if (replay?.event === 'delta') {
      assert.equal(replay.body.from, held.seq + 1);
      assert.deepEqual(
        (replay.body.changes as Array<{ seq: number }>).map((c) => c.seq),
        Array.from({ length: replay.body.seq - held.seq }, (_, i) => held.seq + 1 + i),
        'every missed change, once, in order',
      );
    }
    assert.deepEqual(again.violations, []);
    await assertConverges(again, eventId);
  });

  test('the live list carries the live football matches with their 1X2 prices', async () => {
    await liveEvent();
    const client = await connect();
    await client.subscribe(['sport:sr:sport:1:live']);
    await client.until(() => client.frames.some((f) => f.event === 'snapshot'), 'snapshot');
    const snapshot = client.frames[0]!.body as { data: { events: Array<{ eventId: string; status: string; competitors: unknown[]; main?: { marketKey: string; outcomes: Array<{ price?: string }> } }> } };
    const live = fixtures.list({ status: 'live', sport: 'sr:sport:1' }).map((f) => f.eventId).sort();
    assert.deepEqual(snapshot.data.events.map((e) => e.eventId).sort(), live);
    assert.ok(snapshot.data.events.some((e) => e.main?.marketKey === '1' && e.main.outcomes.length === 3 && e.main.outcomes.every((o) => /^\d+\.\d\d$/.test(o.price ?? ''))), JSON.stringify(snapshot.data.events[0]));
    await client.until(() => client.frames.some((f) => f.event === 'delta'), 'live list deltas', 10_000);
    assert.deepEqual(client.violations, []);
  });

  test('player A can never receive player B private messages', async () => {
    const alice = await connect(auth.sign({ sub: 'alice', role: 'player' }));
    const bob = await connect(auth.sign({ sub: 'bob', role: 'player' }));
    assert.equal((await alice.subscribe(['player:alice'])).ok, true);
    assert.equal((await bob.subscribe(['player:bob'])).ok, true);
    assert.equal((await alice.subscribe(['player:bob'])).error?.code, 'FORBIDDEN');
    for (let i = 0; i < 10; i++) {
      const playerId = i % 2 ? 'alice' : 'bob';
      await bus.publish(TOPICS.bets, [{ key: `bet-${i}`, value: { type: 'BetAccepted', playerId, betId: `bet-${i}`, secret: `${playerId}-${i}` } }]);
      // InMemoryBus may hold a message back until the next one on its partition when publishes
      // follow each other within a few microtasks; a turn in between avoids that.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await alice.until(() => (alice.positions.get('player:alice')?.seq ?? 0) >= 5, 'alice has her five');
    await bob.until(() => (bob.positions.get('player:bob')?.seq ?? 0) >= 5, 'bob has his five');
    assert.ok(!JSON.stringify(alice.frames).includes('bob-'), 'nothing of bob at alice');
    assert.ok(!JSON.stringify(bob.frames).includes('alice-'), 'nothing of alice at bob');
  });

  test('after the gateway is stopped and started again, clients recover to a consistent state', async () => {
    const { eventId, channel } = await liveEvent();
    const before = await connect();
    await before.subscribe([channel]);
    await before.until(() => (before.applied.get(channel)?.length ?? 0) >= 3, 'a few changes');
    const lost = new Promise<string>((resolve) => before.socket.once('disconnect', (reason) => resolve(reason)));
    await gateway.stop();
    assert.equal(await lost, 'transport close', 'a transport failure: clients reconnect by themselves');
    await startGateway();

    // The new gateway process knows nothing of the old one's history: `since` gets a snapshot.
    const after = await connect();
    after.adopt(before, channel);
    await after.subscribe([channel], { [channel]: before.positions.get(channel)! });
    await after.until(() => after.frames.some((f) => f.event === 'snapshot'), 'fresh snapshot');
    await after.until(() => (after.applied.get(channel)?.length ?? 0) >= 3, 'deltas after it');
    assert.deepEqual(after.violations, []);
    await assertConverges(after, eventId);
    // The HTTP API is still served by the same server.
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  });

  test('metrics count connections, deliveries and feed-to-wire latency', async () => {
    const text = await metrics.render();
    assert.match(text, /sb_push_connections\{protocol="socketio"\} [1-9]/);
    assert.match(text, /sb_push_deliveries_total\{protocol="socketio",kind="event"\} [1-9]/);
    const count = Number(/sb_push_latency_seconds_count\{kind="event"\} (\d+)/.exec(text)?.[1] ?? 0);
    assert.ok(count > 0, 'latency observed');
  });
});
