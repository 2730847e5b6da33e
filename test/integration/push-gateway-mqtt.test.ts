/**
 * The push gateway's MQTT side with the embedded broker (aedes), end to end from the match
 * simulator: UOF XML → feed-ingest → odds engine → PriceBook and odds.deltas → gateway → aedes
 * → mqtt.js clients over TCP and WebSocket. Snapshot and in-order deltas; private topics that
 * no other player can read, wildcards included; no client may publish.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.ts';
import { AedesBroker } from '../../adapters/mqtt/aedes-broker.ts';
import { InMemoryPriceBook } from '../../adapters/price-book/in-memory-price-book.ts';
import { registerAuth, type Auth } from '../../app/auth.ts';
import { createHttpServer } from '../../app/http.ts';
import type { FixtureUpdated } from '../../core/contracts/fixtures.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { TOPICS } from '../../core/topics.ts';
import { createFeedIngest, type FeedIngest } from '../../feed-ingest/feed-ingest-service.ts';
import { createMatchSimulator } from '../../feed-ingest/simulator/simulator.ts';
import { createFixtures, type Fixtures } from '../../fixtures/fixtures-service.ts';
import { createOddsEngine, type OddsEngine } from '../../odds-engine/odds-engine-service.ts';
import { mayRead } from '../../push-gateway/mqtt-topics.ts';
import { createPushGateway, type PushGateway } from '../../push-gateway/push-gateway-service.ts';
import { bookView } from './push-gateway-support.ts';
import { MqttTestClient, REFUSED } from './mqtt-test-client.ts';
import { waitFor } from '../support/wait.ts';
import type { FastifyInstance } from 'fastify';

/** Filters that could match player B's topic: every one must be refused to player A. */
const FILTERS_REACHING_BOB = [
  'sb/v1/players/bob/bets',
  'sb/v1/players/bob/#',
  'sb/v1/players/+/bets',
  'sb/v1/players/+/#',
  'sb/v1/players/#',
  'sb/v1/+/bob/bets',
  'sb/v1/#',
  'sb/+/players/bob/bets',
  'sb/#',
  '+/v1/players/bob/bets',
  '+/+/+/+/+',
  '#',
  '$share/g/sb/v1/players/bob/bets',
];

describe('push gateway over MQTT (embedded aedes), end to end from the simulator', () => {
  const clock = new SystemClock();
  const bus = new InMemoryBus();
  const book = new InMemoryPriceBook();
  const metrics = new PromMetrics();
  const deps = { clock, logger: silentLogger, metrics };
  const simulator = createMatchSimulator(deps, {
    seed: 'push-mqtt',
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
  let broker: AedesBroker;
  let http: FastifyInstance;
  let auth: Auth;
  let tcpUrl: string;
  let wsUrl: string;
  const clients: MqttTestClient[] = [];
  const connect = async (options: { username?: string; password?: string } = {}, url = tcpUrl) => {
    const client = await MqttTestClient.connect(url, options);
    clients.push(client);
    return client;
  };
  const player = (id: string) => ({ username: id, password: auth.sign({ sub: id, role: 'player' }) });
  const betUpdate = async (playerId: string, betId: string) => {
    await bus.publish(TOPICS.bets, [{ key: betId, value: { type: 'BetAccepted', playerId, betId, secret: `${playerId}-${betId}` } }]);
    // InMemoryBus may hold a message back when publishes follow each other within a few microtasks.
    await new Promise((resolve) => setImmediate(resolve));
  };

  async function liveEvent(): Promise<string> {
    let eventId: string | undefined;
    await waitFor(
      async () => {
        for (const f of fixtures.list({ status: 'live' })) if (((await book.getEvent(f.eventId))?.markets.length ?? 0) > 3) eventId = f.eventId;
        return eventId !== undefined;
      },
      { timeoutMs: 20_000, message: 'a live, priced event' },
    );
    return eventId!;
  }

  before(async () => {
    http = createHttpServer(silentLogger);
    auth = await registerAuth(http, { secret: 'an-mqtt-secret-of-at-least-32-characters', demoTokens: false });
    broker = await AedesBroker.start(
      {
        logger: silentLogger,
        verifyPlayer: (playerId, token) => {
          const principal = auth.verify(token);
          return principal?.role === 'player' && principal.sub === playerId;
        },
        mayRead,
      },
      { host: '127.0.0.1', port: 0, wsPort: 0 },
    );
    tcpUrl = `mqtt://127.0.0.1:${broker.ports.tcp}`;
    wsUrl = `ws://127.0.0.1:${broker.ports.ws}`;
    fixtures = createFixtures({ ...deps, bus, provider: simulator });
    fixtures.onChange((fixture) => {
      const value: FixtureUpdated = { v: 1, type: 'FixtureUpdated', fixture, ts: clock.now() };
      void bus.publish(TOPICS.fixtureChanges, [{ key: fixture.eventId, value }]);
    });
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
    gateway = createPushGateway(
      { ...deps, bus, priceBook: book, verifyToken: auth.verify, httpServer: http.server, listFixtures: () => fixtures.list(), mqtt: broker },
      { conflationWindowMs: 50, mqttSnapshotIntervalMs: 200 },
    );
    await fixtures.start();
    await engine.start();
    await gateway.start();
    await ingest.start();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await ingest.stop();
    await gateway.stop();
    await broker.close();
    await engine.stop();
    await fixtures.stop();
    await bus.close();
  });

  for (const transport of ['tcp', 'websocket'] as const) {
    test(`a client (${transport}) receives a correct retained snapshot and in-order deltas`, async () => {
      const eventId = await liveEvent();
      const topic = `sb/v1/events/${eventId}`;
      // Let the gateway publish the event first, so the snapshot is there as a retained message.
      await waitFor(() => book.getEvent(eventId).then((b) => (b?.seq ?? 0) > 5), { message: 'event moving' });
      const client = await connect({}, transport === 'tcp' ? tcpUrl : wsUrl);
      assert.deepEqual(await client.subscribe([topic, `${topic}/delta`]), [1, 1]);
      await client.until(() => client.messages.some((m) => m.topic === topic), 'retained snapshot');
      const first = client.messages.find((m) => m.topic === topic)!;
      assert.equal((JSON.parse(first.payload) as { v: number }).v, 1);
      await client.until(() => (client.deltas.get(`${topic}/delta`)?.length ?? 0) >= 20, '20 delta frames', 20_000);
      assert.deepEqual(client.violations, []);
      const frames = client.deltas.get(`${topic}/delta`)!;
      assert.ok(frames.every((f, i) => i === 0 || f.seq > frames[i - 1]!.seq), 'frames in seq order');
      // The state held converges on the PriceBook's at the same seq.
      await waitFor(
        async () => {
          const b = await book.getEvent(eventId);
          return client.held.get(topic)?.seq === b?.seq && JSON.stringify(client.view(topic)) === JSON.stringify(bookView(b));
        },
        { timeoutMs: 10_000, message: `client state equals the PriceBook of ${eventId}` },
      );
      assert.deepEqual(client.violations, []);
    });
  }

  test('the live list is published, retained, with its deltas', async () => {
    await liveEvent();
    const client = await connect();
    assert.deepEqual(await client.subscribe(['sb/v1/sports/sr:sport:1/live', 'sb/v1/sports/+/live/delta']), [1, 1]);
    await client.until(() => client.on('sb/v1/sports/sr:sport:1/live').length > 0, 'live list snapshot');
    const snapshot = JSON.parse(client.on('sb/v1/sports/sr:sport:1/live')[0]!) as { data: { events: Array<{ eventId: string }> } };
    const live = fixtures.list({ status: 'live', sport: 'sr:sport:1' }).map((f) => f.eventId).sort();
    assert.deepEqual(snapshot.data.events.map((e) => e.eventId).sort(), live);
    await client.until(() => client.on('sb/v1/sports/sr:sport:1/live/delta').length > 0, 'live list deltas', 10_000);
  });

  test('player A can never receive player B private messages, wildcards included', async () => {
    const alice = await connect(player('alice'));
    const bob = await connect(player('bob'));
    assert.deepEqual(await alice.subscribe(['sb/v1/players/alice/bets']), [1]);
    assert.deepEqual(await bob.subscribe(['sb/v1/players/bob/bets']), [1]);
    for (const filter of FILTERS_REACHING_BOB) assert.deepEqual(await alice.subscribe([filter]), [REFUSED], filter);
    const anonymous = await connect();
    assert.deepEqual(await anonymous.subscribe(['sb/v1/players/bob/bets', 'sb/v1/players/+/bets', '#', 'sb/v1/events/#']), [REFUSED, REFUSED, REFUSED, 1]);

    for (let i = 0; i < 5; i++) await betUpdate('bob', `b-${i}`);
    // The marker on alice's own topic, sent last: once she has it, bob's were delivered before.
    await betUpdate('alice', 'marker');
    await alice.until(() => alice.on('sb/v1/players/alice/bets').length === 1, 'alice has her marker');
    await bob.until(() => bob.on('sb/v1/players/bob/bets').length >= 1, 'bob has his updates');
    const bobs = bob.on('sb/v1/players/bob/bets').flatMap((p) => (JSON.parse(p) as { changes: Array<{ betId: string }> }).changes.map((c) => c.betId));
    await bob.until(() => bob.on('sb/v1/players/bob/bets').flatMap((p) => (JSON.parse(p) as { changes: unknown[] }).changes).length === 5, 'bob has all five');
    assert.ok(bobs.length <= 5);
    assert.deepEqual(alice.messages.filter((m) => !m.topic.startsWith('sb/v1/players/alice/')), []);
    assert.ok(alice.messages.every((m) => !m.payload.includes('bob-')), 'nothing of bob reaches alice');
    assert.ok(anonymous.messages.every((m) => !m.topic.startsWith('sb/v1/players/')));
  });

  test('a wrong token, another player\'s token or a bare username is refused at connect', async () => {
    await assert.rejects(connect({ username: 'alice', password: 'not-a-token' }), /Bad username or password|bad username/i);
    await assert.rejects(connect({ username: 'alice', password: player('bob').password }), /Bad username or password|bad username/i);
    await assert.rejects(connect({ username: 'alice' }), /Bad username or password|bad username/i);
    await assert.rejects(connect({ username: 'alice', password: auth.sign({ sub: 'alice', role: 'trader' }) }), /Bad username or password|bad username/i);
  });

  test('no client may publish, not even to its own topic', async () => {
    const alice = await connect(player('alice'));
    const bob = await connect(player('bob'));
    assert.deepEqual(await bob.subscribe(['sb/v1/players/bob/bets', 'sb/v1/events/sr:match:999999']), [1, 1]);
    // aedes closes the connection of a client whose publish is refused (MQTT 3.1.1 has no NACK).
    const closed = new Promise<void>((resolve) => alice.client.once('close', () => resolve()));
    alice.client.publish('sb/v1/players/bob/bets', '{"forged":true}', { qos: 1 });
    alice.client.publish('sb/v1/events/sr:match:999999', '{"forged":true}', { qos: 0, retain: true });
    await closed;
    await betUpdate('bob', 'bob-marker');
    await bob.until(() => bob.messages.some((m) => m.payload.includes('bob-marker')), 'bob has the marker');
    assert.ok(bob.messages.every((m) => !m.payload.includes('forged')), 'no forged message delivered');
  });
});
