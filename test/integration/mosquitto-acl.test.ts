/**
 * The shipped Mosquitto ACL (deploy/mosquitto/acl) on a real Mosquitto started by this test on a
 * port of its own, with a password file made by mosquitto_passwd for players alice and bob and
 * the gateway user. The gateway publishes through MqttClientPublisher. Alice must never receive
 * bob's bet updates, whatever she subscribes to, and neither player may publish.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MqttClientPublisher } from '../../adapters/mqtt/mqtt-client-publisher.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { requireService } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';
import { MqttTestClient, REFUSED } from './mqtt-test-client.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';
const ACL = fileURLToPath(new URL('../../deploy/mosquitto/acl', import.meta.url));
// The test command installs Mosquitto when it starts the shared one (TEST_MQTT_URL).
const service = requireService('mqtt');
const skip = service.skip || (existsSync(MOSQUITTO) ? false : 'mosquitto is not installed');

const PASSWORDS = { alice: 'alice-secret', bob: 'bob-secret', 'sb-gateway': 'gateway-secret' } as const;

const FILTERS_REACHING_BOB = ['sb/v1/players/bob/bets', 'sb/v1/players/+/bets', 'sb/v1/players/#', 'sb/v1/+/bob/bets', 'sb/#', '+/v1/players/bob/bets', '#'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('Mosquitto with the shipped ACL', { skip }, () => {
  let dir: string;
  let broker: ChildProcess;
  let url: string;
  let gateway: MqttClientPublisher;
  const clients: MqttTestClient[] = [];
  const connect = async (user?: keyof typeof PASSWORDS, password?: string) => {
    const client = await MqttTestClient.connect(url, user === undefined ? {} : { username: user, password: password ?? PASSWORDS[user] });
    clients.push(client);
    return client;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-mosquitto-'));
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(PASSWORDS)) execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
    // Started as root, Mosquitto drops to its own user, which must be able to read these.
    chmodSync(dir, 0o755);
    chmodSync(passwd, 0o644);
    const port = await freePort();
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `password_file ${passwd}`, `acl_file ${ACL}`, 'persistence false', 'max_queued_messages 0', 'max_inflight_messages 0', 'log_dest stderr', 'log_type error'].join('\n') + '\n',
    );
    broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
    url = `mqtt://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        try {
          await (await MqttTestClient.connect(url)).close();
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 5000, message: 'mosquitto accepting connections' },
    );
    gateway = await MqttClientPublisher.connect({ logger: silentLogger }, { url, username: 'sb-gateway', password: PASSWORDS['sb-gateway'] });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    broker?.kill('SIGTERM');
    if (broker && broker.exitCode === null) await new Promise((resolve) => broker.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('alice never receives bob\'s bet updates, through his topic or any wildcard', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    assert.deepEqual(await alice.subscribe(['sb/v1/players/alice/bets']), [1]);
    assert.deepEqual(await bob.subscribe(['sb/v1/players/bob/bets']), [1]);
    // Mosquitto 2.0.11 grants these subscriptions (SUBACK 1, not 0x80) and enforces the ACL on
    // delivery, message by message: what counts is that nothing of bob's ever arrives.
    const granted = await alice.subscribe(FILTERS_REACHING_BOB);
    assert.equal(granted.length, FILTERS_REACHING_BOB.length);
    assert.ok(granted.every((g) => g === 1 || g === REFUSED));
    const anonymous = await connect();
    await anonymous.subscribe(FILTERS_REACHING_BOB);

    for (let i = 0; i < 5; i++) await gateway.publish('sb/v1/players/bob/bets', JSON.stringify({ v: 1, secret: `bob-${i}` }), { qos: 1, retain: false });
    await gateway.publish('sb/v1/players/bob/bets', JSON.stringify({ v: 1, secret: 'bob-retained' }), { qos: 1, retain: true });
    // The marker on alice's topic, sent last: once she has it, bob's were delivered before it.
    await gateway.publish('sb/v1/players/alice/bets', JSON.stringify({ v: 1, marker: true }), { qos: 1, retain: false });
    await alice.until(() => alice.messages.some((m) => m.payload.includes('marker')), 'alice has her marker');
    await bob.until(() => bob.on('sb/v1/players/bob/bets').length === 6, 'bob has his six');
    // A late subscription does not get bob's retained message either.
    await alice.subscribe(['sb/v1/players/+/bets', '#']);
    await gateway.publish('sb/v1/players/alice/bets', JSON.stringify({ v: 1, marker: 2 }), { qos: 1, retain: false });
    await alice.until(() => alice.messages.some((m) => m.payload.includes('"marker":2')), 'alice has the second marker');
    assert.deepEqual(alice.messages.filter((m) => m.payload.includes('bob-')), []);
    assert.deepEqual(anonymous.messages.filter((m) => m.topic.startsWith('sb/v1/players/')), []);
  });

  test('public topics are readable by anyone, written only by the gateway', async () => {
    const alice = await connect('alice');
    const anonymous = await connect();
    assert.deepEqual(await anonymous.subscribe(['sb/v1/events/#', 'sb/v1/sports/+/live']), [1, 1]);
    assert.deepEqual(await alice.subscribe(['sb/v1/events/sr:match:1']), [1]);
    await gateway.publish('sb/v1/events/sr:match:1', JSON.stringify({ v: 1, epoch: 'e', seq: 1, data: { eventId: 'sr:match:1', markets: [] } }), { qos: 1, retain: true });
    await alice.until(() => alice.on('sb/v1/events/sr:match:1').length === 1, 'alice has the snapshot');
    await anonymous.until(() => anonymous.on('sb/v1/events/sr:match:1').length === 1, 'anonymous has the snapshot');
  });

  test('players and anonymous clients cannot publish, not even to their own topic', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const watcher = await connect('bob');
    assert.deepEqual(await watcher.subscribe(['sb/v1/players/bob/bets', 'sb/v1/events/sr:match:2']), [1, 1]);
    const anonymous = await connect();
    // Mosquitto acknowledges a denied QoS 1 publish and drops it (MQTT 3.1.1 has no NACK).
    await alice.client.publishAsync('sb/v1/players/bob/bets', 'forged-by-alice', { qos: 1 });
    await bob.client.publishAsync('sb/v1/players/bob/bets', 'forged-by-bob', { qos: 1 });
    await anonymous.client.publishAsync('sb/v1/events/sr:match:2', 'forged-anonymous', { qos: 1, retain: true });
    await gateway.publish('sb/v1/players/bob/bets', 'the-marker', { qos: 1, retain: false });
    await watcher.until(() => watcher.messages.some((m) => m.payload === 'the-marker'), 'the marker');
    assert.deepEqual(watcher.messages.filter((m) => m.payload.startsWith('forged')), []);
  });

  test('a wrong password is refused', async () => {
    await assert.rejects(connect('alice', 'bob-secret'));
  });
});
