/**
 * The one configuration schema. Every setting has a default that gives the embedded mode, an
 * `SB_*` environment variable, a type and a sentence of documentation (the README's table is
 * checked against this file). Unknown `SB_*` variables fail the boot, as do missing addresses for
 * a distributed engine: a typo never silently falls back to a default.
 */
import { AppError } from '../core/errors.ts';
import { CURRENCIES, type Currency } from '../core/money.ts';

type Kind =
  | { type: 'string'; allowEmpty?: boolean }
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list' };

interface Setting<T> {
  readonly env: string;
  readonly kind: Kind;
  readonly default: T;
  readonly doc: string;
}

const s = <T>(env: string, kind: Kind, def: T, doc: string): Setting<T> => ({ env, kind, default: def, doc });
const oneOf = <const V extends readonly string[]>(env: string, values: V, def: V[number], doc: string): Setting<V[number]> =>
  s(env, { type: 'enum', values }, def, doc);

export const SERVICE_NAMES = ['feed-ingest', 'fixtures', 'odds-engine', 'push-gateway', 'bet-acceptor', 'settlement', 'analytics'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const SCHEMA = {
  mode: oneOf('SB_MODE', ['embedded', 'distributed'], 'embedded', 'embedded: one process, every engine in memory; distributed: Kafka, Redis, PostgreSQL and ClickHouse, any number of processes.'),
  services: s('SB_SERVICES', { type: 'list' }, [...SERVICE_NAMES] as string[], 'Services this process runs (comma list); `--service=NAME` sets it from the command line.'),
  logLevel: oneOf('SB_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', 'pino log level.'),
  httpHost: s('SB_HTTP_HOST', { type: 'string' }, '127.0.0.1', 'Address the HTTP server (API, pages, /metrics, /health) listens on.'),
  httpPort: s('SB_HTTP_PORT', { type: 'int', min: 0, max: 65535 }, 3000, 'HTTP port (0 = any free port).'),

  jwtSecret: s('SB_JWT_SECRET', { type: 'string', allowEmpty: true }, '', 'HS256 secret for bearer tokens (at least 32 characters); empty makes a new one each run, so tokens do not outlive the process.'),
  demoTokens: s('SB_DEMO_TOKENS', { type: 'bool' }, true, 'Serve POST /v1/dev/tokens, which mints tokens for anyone: for the embedded demo only.'),

  kafkaBrokers: s('SB_KAFKA_BROKERS', { type: 'list' }, [] as string[], 'Kafka bootstrap brokers (host:port, comma list); distributed mode.'),
  redisUrl: s('SB_REDIS_URL', { type: 'string', allowEmpty: true }, '', 'Redis for prices, liability, idempotency, rate limits and the socket.io adapter; distributed mode.'),
  pgUrl: s('SB_PG_URL', { type: 'string', allowEmpty: true }, '', 'PostgreSQL for the wallet ledger, bets and market results; distributed mode.'),
  kafkaSessionTimeoutMs: s('SB_KAFKA_SESSION_TIMEOUT_MS', { type: 'int', min: 1000, max: 300_000 }, 30_000, 'How soon a Kafka consumer group notices a member gone silent (a killed process): its partitions move after this.'),
  kafkaHeartbeatMs: s('SB_KAFKA_HEARTBEAT_MS', { type: 'int', min: 100, max: 60_000 }, 3000, 'Kafka consumer heartbeat interval: how soon a member notices a rebalance (below a third of the session timeout).'),
  kafkaRebalanceTimeoutMs: s('SB_KAFKA_REBALANCE_TIMEOUT_MS', { type: 'int', min: 1000, max: 600_000 }, 60_000, 'How long a Kafka group waits for its members to rejoin during a rebalance.'),
  kafkaMaxWaitMs: s('SB_KAFKA_MAX_WAIT_MS', { type: 'int', min: 10, max: 10_000 }, 500, 'Longest a Kafka fetch waits on an idle partition (bounds stop and seek times).'),
  clickhouseUrl: s('SB_CLICKHOUSE_URL', { type: 'string', allowEmpty: true }, '', 'ClickHouse HTTP URL for analytics (its path names the database, default sportsbook); distributed mode.'),

  mqttPort: s('SB_MQTT_PORT', { type: 'int', min: 0, max: 65535 }, 1884, 'Embedded mode: the in-process MQTT broker (aedes) listens here over TCP (0 = any free port).'),
  mqttWsPort: s('SB_MQTT_WS_PORT', { type: 'int', min: 0, max: 65535 }, 8884, 'Embedded mode: the same broker over WebSocket (0 = any free port).'),
  mqttUrl: s('SB_MQTT_URL', { type: 'string', allowEmpty: true }, '', 'Distributed mode: the external MQTT broker the push gateway publishes to (mqtt://host:1883).'),
  mqttUsername: s('SB_MQTT_USERNAME', { type: 'string', allowEmpty: true }, '', 'Distributed mode: the gateway\'s user on the external broker (the only one the ACL lets write).'),
  mqttPassword: s('SB_MQTT_PASSWORD', { type: 'string', allowEmpty: true }, '', 'Distributed mode: that user\'s password.'),

  feedSource: oneOf('SB_FEED_SOURCE', ['simulator', 'amqp', 'replay'], 'simulator', 'Where provider messages come from.'),
  feedMaxBytes: s('SB_FEED_MAX_BYTES', { type: 'int', min: 1024, max: 64 * 1024 * 1024 }, 4 * 1024 * 1024, 'Largest feed payload accepted; larger ones are dead-lettered.'),
  feedProducers: s('SB_FEED_PRODUCERS', { type: 'list' }, ['1', '3'], 'Producer ids watched for liveness (1 live odds, 3 pre-match).'),
  aliveTimeoutMs: s('SB_FEED_ALIVE_TIMEOUT_MS', { type: 'int', min: 1000, max: 600_000 }, 20_000, 'A producer silent this long is down: its markets are suspended and recovery requested.'),
  maxLagMs: s('SB_FEED_MAX_LAG_MS', { type: 'int', min: 0, max: 3_600_000 }, 30_000, 'A producer whose alive messages arrive later than this behind their timestamp is down (0 = no lag check).'),
  recoveryTimeoutMs: s('SB_FEED_RECOVERY_TIMEOUT_MS', { type: 'int', min: 1000, max: 3_600_000 }, 300_000, 'A recovery not completed in this time is requested again.'),
  amqpUrl: s('SB_AMQP_URL', { type: 'string', allowEmpty: true }, '', 'AMQP URL of the provider feed (amqps://token@host:5671/vhost); required with SB_FEED_SOURCE=amqp.'),
  amqpExchange: s('SB_AMQP_EXCHANGE', { type: 'string' }, 'unifiedfeed', 'Topic exchange the provider publishes to.'),
  amqpRoutingKeys: s('SB_AMQP_ROUTING_KEYS', { type: 'list' }, ['#'], 'Routing keys bound to the feed queue.'),
  uofApiUrl: s('SB_UOF_API_URL', { type: 'string', allowEmpty: true }, '', 'Provider API base URL for recovery requests; required with SB_FEED_SOURCE=amqp.'),
  uofAccessToken: s('SB_UOF_ACCESS_TOKEN', { type: 'string', allowEmpty: true }, '', 'Provider API access token.'),
  replayPath: s('SB_REPLAY_PATH', { type: 'string', allowEmpty: true }, '', 'Folder of .xml files or a .jsonl recording; required with SB_FEED_SOURCE=replay.'),
  replaySpeed: s('SB_REPLAY_SPEED', { type: 'number', min: 0, max: 1000 }, 1, 'Replay speed factor (1 = real time, 0 = as fast as possible).'),
  replayLoop: s('SB_REPLAY_LOOP', { type: 'bool' }, false, 'Start the recording again when it ends.'),

  margin: s('SB_MARGIN', { type: 'number', min: 0, max: 0.5 }, 0.05, 'Default operator margin (0.05 = a book summing to 105 %); traders set sport, tournament, event and market-type margins live.'),
  marginMethod: oneOf('SB_MARGIN_METHOD', ['proportional', 'additive', 'power', 'shin', 'odds-ratio'], 'proportional', 'How the default margin is spread over a book\'s outcomes.'),
  engineLeaseTtlMs: s('SB_ENGINE_LEASE_TTL_MS', { type: 'int', min: 300, max: 60_000 }, 3000, 'The odds engine renews its lease every third of this; acceptors refuse bets once it lapses, so bets are taken at most this long at the prices of an engine that died.'),

  simSeed: s('SB_SIM_SEED', { type: 'int', min: 0, max: 2 ** 31 - 1 }, 42, 'Seed of the match simulator: the same seed plays the same matches.'),
  simLiveMatches: s('SB_SIM_LIVE_MATCHES', { type: 'int', min: 0, max: 500 }, 6, 'Matches the simulator keeps live at once.'),
  simUpcomingMatches: s('SB_SIM_UPCOMING_MATCHES', { type: 'int', min: 0, max: 500 }, 6, 'Upcoming matches the simulator keeps priced pre-match.'),
  simSpeed: s('SB_SIM_SPEED', { type: 'number', min: 0.1, max: 1000 }, 1, 'Simulator speed multiplier over its default pace (a football match in about six minutes).'),

  betCurrency: oneOf('SB_BET_CURRENCY', Object.keys(CURRENCIES) as Currency[], 'EUR', 'The currency bets are taken in; players\' accounts must be in it.'),
  betInPlayDelays: s('SB_BET_INPLAY_DELAYS', { type: 'list' }, ['sr:sport:1=6', 'sr:sport:2=5', 'sr:sport:5=4', '*=5'], 'In-play delay in seconds per sport (`<sport id>=<seconds>`, `*` for the others): a live bet waits this long and is re-checked.'),
  betMinStake: s('SB_BET_MIN_STAKE', { type: 'string' }, '0.10', 'Smallest stake, in the bet currency.'),
  betMaxStake: s('SB_BET_MAX_STAKE', { type: 'string' }, '1000.00', 'Largest stake, before the customer stake factor.'),
  betMaxPayout: s('SB_BET_MAX_PAYOUT', { type: 'string' }, '100000.00', 'Most one bet may pay out.'),
  betLiabilityLimit: s('SB_BET_LIABILITY_LIMIT', { type: 'string' }, '20000.00', 'Most the house may lose on one outcome over all open bets.'),
  betIdempotencyTtlMs: s('SB_BET_IDEMPOTENCY_TTL_MS', { type: 'int', min: 60_000, max: 30 * 86_400_000 }, 86_400_000, 'How long the answer to an Idempotency-Key is kept for retries.'),
  betRatePerPlayer: s('SB_BET_RATE_PER_PLAYER', { type: 'int', min: 1, max: 1_000_000 }, 120, 'Bet API requests a player may make per minute (burst included).'),
  betRatePerIp: s('SB_BET_RATE_PER_IP', { type: 'int', min: 1, max: 1_000_000 }, 600, 'Bet API requests one client address may make per minute.'),
  demoPlayers: s('SB_DEMO_PLAYERS', { type: 'int', min: 0, max: 1000 }, 20, 'Demo players demo-1..demo-N opened and funded at start-up (0 = none).'),
  demoBetsPerMinute: s('SB_DEMO_BETS_PER_MINUTE', { type: 'int', min: 0, max: 6000 }, 30, 'Embedded mode: simulated bettors place this many small singles a minute at live prices (0 = none), so the demo shows bets settling.'),
  demoBalance: s('SB_DEMO_BALANCE', { type: 'string' }, '1000.00', 'What each demo player is funded with.'),
} as const;

type ValueOf<S> = S extends Setting<infer T> ? T : never;
export type Config = { readonly [K in keyof typeof SCHEMA]: ValueOf<(typeof SCHEMA)[K]> };

/**
 * Builds the frozen configuration from environment variables (only `SB_*` ones are read) and
 * overrides (already typed, e.g. from tests or the command line). Throws CONFIG_INVALID listing
 * every problem at once.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = {}, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const known = new Set(Object.values(SCHEMA).map((setting) => setting.env));
  for (const key of Object.keys(env)) {
    if (key.startsWith('SB_') && !known.has(key)) problems.push(`unknown setting ${key}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SCHEMA) as Array<[keyof Config, Setting<unknown>]>) {
    if (name in overrides) {
      out[name] = overrides[name];
      continue;
    }
    const raw = env[setting.env];
    if (raw === undefined) {
      out[name] = setting.default;
      continue;
    }
    const parsed = parse(setting, raw);
    if ('error' in parsed) problems.push(`${setting.env}: ${parsed.error}`);
    else out[name] = parsed.value;
  }
  const config = out as Config;
  if (problems.length === 0) problems.push(...crossCheck(config));
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  return Object.freeze({ ...config, services: Object.freeze([...config.services]) }) as Config;
}

function parse(setting: Setting<unknown>, raw: string): { value: unknown } | { error: string } {
  const k = setting.kind;
  switch (k.type) {
    case 'string':
      return raw === '' && !k.allowEmpty ? { error: 'must not be empty' } : { value: raw };
    case 'bool':
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return { error: `expected true or false, got ${JSON.stringify(raw)}` };
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (k.type === 'int' && !Number.isInteger(n))) {
        return { error: `expected ${k.type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}` };
      }
      if (n < k.min || n > k.max) return { error: `must be between ${k.min} and ${k.max}, got ${n}` };
      return { value: n };
    }
    case 'enum':
      return k.values.includes(raw) ? { value: raw } : { error: `expected one of ${k.values.join(', ')}, got ${JSON.stringify(raw)}` };
    case 'list':
      return { value: raw.split(',').map((v) => v.trim()).filter((v) => v !== '') };
  }
}

function crossCheck(c: Config): string[] {
  const problems: string[] = [];
  for (const svc of c.services) {
    if (!(SERVICE_NAMES as readonly string[]).includes(svc)) problems.push(`SB_SERVICES: unknown service ${svc} (known: ${SERVICE_NAMES.join(', ')})`);
  }
  if (c.jwtSecret !== '' && c.jwtSecret.length < 32) problems.push('SB_JWT_SECRET must have at least 32 characters');
  if (c.mode === 'distributed') problems.push(...distributedNeeds(c));
  if (c.feedSource === 'amqp' && (c.amqpUrl === '' || c.uofApiUrl === '')) problems.push('SB_FEED_SOURCE=amqp needs SB_AMQP_URL and SB_UOF_API_URL');
  // The simulator is both the feed and the fixture provider: the catalog must ask the instance that plays the matches.
  if (c.feedSource === 'simulator' && c.services.includes('fixtures') && !c.services.includes('feed-ingest')) {
    problems.push('SB_FEED_SOURCE=simulator: fixtures must run in the same process as feed-ingest (the simulator provides the fixture details)');
  }
  if (c.kafkaHeartbeatMs * 3 > c.kafkaSessionTimeoutMs) problems.push('SB_KAFKA_HEARTBEAT_MS must be at most a third of SB_KAFKA_SESSION_TIMEOUT_MS');
  if (c.feedSource === 'replay' && c.replayPath === '') problems.push('SB_FEED_SOURCE=replay needs SB_REPLAY_PATH');
  for (const p of c.feedProducers) if (!/^\d+$/.test(p)) problems.push(`SB_FEED_PRODUCERS: ${p} is not a producer id`);
  for (const d of c.betInPlayDelays) if (!/^(\*|[a-z][a-z0-9]*:sport:\d+)=\d{1,3}(\.\d{1,3})?$/.test(d)) problems.push(`SB_BET_INPLAY_DELAYS: ${d} is not <sport id>=<seconds>`);
  for (const [env, amount] of [['SB_BET_MIN_STAKE', c.betMinStake], ['SB_BET_MAX_STAKE', c.betMaxStake], ['SB_BET_MAX_PAYOUT', c.betMaxPayout], ['SB_BET_LIABILITY_LIMIT', c.betLiabilityLimit], ['SB_DEMO_BALANCE', c.demoBalance]]) {
    if (!/^\d{1,12}(\.\d{1,8})?$/.test(amount!)) problems.push(`${env}: ${amount} is not a decimal amount`);
  }
  return problems;
}

/** In distributed mode each engine a service of this process uses must have its address. */
function distributedNeeds(c: Config): string[] {
  const runs = (...names: string[]) => names.some((n) => c.services.includes(n));
  const problems: string[] = [];
  if (c.kafkaBrokers.length === 0) problems.push('SB_MODE=distributed needs SB_KAFKA_BROKERS');
  if (c.jwtSecret === '') problems.push('SB_MODE=distributed needs SB_JWT_SECRET, shared by every process');
  if (c.redisUrl === '' && runs('odds-engine', 'push-gateway', 'bet-acceptor')) problems.push('SB_MODE=distributed needs SB_REDIS_URL for odds-engine, push-gateway and bet-acceptor');
  if (c.pgUrl === '' && runs('bet-acceptor', 'settlement')) problems.push('SB_MODE=distributed needs SB_PG_URL for bet-acceptor and settlement');
  if (c.mqttUrl === '' && runs('push-gateway')) problems.push('SB_MODE=distributed needs SB_MQTT_URL for push-gateway');
  if (c.clickhouseUrl === '' && runs('analytics')) problems.push('SB_MODE=distributed needs SB_CLICKHOUSE_URL for analytics');
  return problems;
}

/** The settings as README table rows (used by the docs check). */
export function describeSettings(): Array<{ env: string; default: string; doc: string }> {
  return Object.values(SCHEMA).map((setting) => ({
    env: setting.env,
    default: Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default),
    doc: setting.doc,
  }));
}
