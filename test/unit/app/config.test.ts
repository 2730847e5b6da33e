import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, SERVICE_NAMES } from '../../../app/config.ts';
import { isAppError } from '../../../core/errors.ts';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(isAppError(e) && e.code === 'CONFIG_INVALID', 'CONFIG_INVALID');
    return (e.details?.problems as string[]) ?? [];
  }
  assert.fail('expected CONFIG_INVALID');
};

test('defaults give the embedded system: every service, simulator feed, port 3000', () => {
  const c = loadConfig({});
  assert.deepEqual(c.services, [...SERVICE_NAMES]);
  assert.equal(c.feedSource, 'simulator');
  assert.equal(c.httpPort, 3000);
  assert.equal(c.aliveTimeoutMs, 20_000);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.services));
});

test('reads SB_* variables with their types and ignores other variables', () => {
  const c = loadConfig({ SB_HTTP_PORT: '0', SB_SIM_SPEED: '2.5', SB_REPLAY_LOOP: 'true', SB_FEED_PRODUCERS: '1, 6', PATH: '/usr/bin' });
  assert.equal(c.httpPort, 0);
  assert.equal(c.simSpeed, 2.5);
  assert.equal(c.replayLoop, true);
  assert.deepEqual(c.feedProducers, ['1', '6']);
});

test('unknown SB_ variables, bad values and missing addresses all fail, each named', () => {
  const problems = problemsOf(() =>
    loadConfig({ SB_HTTP_PROT: '3000', SB_HTTP_PORT: '70000', SB_LOG_LEVEL: 'loud', SB_REPLAY_LOOP: 'yes', SB_SIM_SEED: '1.5' }),
  );
  assert.equal(problems.length, 5);
  assert.match(problems.join('\n'), /unknown setting SB_HTTP_PROT/);
  assert.match(problems.join('\n'), /SB_HTTP_PORT: must be between 0 and 65535/);
  assert.match(problems.join('\n'), /SB_LOG_LEVEL: expected one of/);
  assert.match(problems.join('\n'), /SB_REPLAY_LOOP: expected true or false/);
  assert.match(problems.join('\n'), /SB_SIM_SEED: expected an integer/);
  assert.match(problemsOf(() => loadConfig({ SB_FEED_SOURCE: 'amqp' })).join(), /needs SB_AMQP_URL and SB_UOF_API_URL/);
  assert.match(problemsOf(() => loadConfig({ SB_FEED_SOURCE: 'replay' })).join(), /needs SB_REPLAY_PATH/);
  assert.match(problemsOf(() => loadConfig({}, { services: ['odds-engine', 'bookmaker'] })).join(), /unknown service bookmaker/);
  assert.match(problemsOf(() => loadConfig({ SB_JWT_SECRET: 'short' })).join(), /at least 32 characters/);
});

test('distributed mode names every engine address the services of this process need', () => {
  const all = problemsOf(() => loadConfig({ SB_MODE: 'distributed' })).join('\n');
  for (const need of ['SB_KAFKA_BROKERS', 'SB_JWT_SECRET', 'SB_REDIS_URL', 'SB_PG_URL', 'SB_CLICKHOUSE_URL']) assert.match(all, new RegExp(need));
  const feedOnly = problemsOf(() => loadConfig({ SB_MODE: 'distributed', SB_JWT_SECRET: 'x'.repeat(32) }, { services: ['feed-ingest'] }));
  assert.deepEqual(feedOnly, ['SB_MODE=distributed needs SB_KAFKA_BROKERS'], 'a feed-ingest process needs only Kafka');
  const ok = loadConfig({ SB_MODE: 'distributed', SB_JWT_SECRET: 'x'.repeat(32), SB_KAFKA_BROKERS: 'k1:9092,k2:9092' }, { services: ['feed-ingest', 'fixtures'] });
  assert.deepEqual(ok.kafkaBrokers, ['k1:9092', 'k2:9092']);
  // The simulator is the fixture provider: the catalog cannot run apart from it.
  assert.match(problemsOf(() => loadConfig({}, { services: ['fixtures'] })).join(), /fixtures must run in the same process as feed-ingest/);
  loadConfig({ SB_FEED_SOURCE: 'replay', SB_REPLAY_PATH: '/tmp/x' }, { services: ['fixtures'] });
});
