/**
 * Where the real services for integration tests are. `npm test` (scripts/test.sh) starts them on
 * ports of their own and exports their addresses; a developer running one file by hand does
 * `eval "$(npm run -s services -- env)"` first.
 *
 *   const amqp = requireService('amqp');
 *   describe('AmqpFeedSource', { skip: amqp.skip }, () => { ... connect(amqp.url) ... });
 *
 * A missing service skips the suite, except in CI (CI=true), where it is a failure: CI must
 * never pass by skipping.
 */
export const SERVICE_ENV = {
  redis: 'TEST_REDIS_URL',
  postgres: 'TEST_PG_URL',
  mqtt: 'TEST_MQTT_URL',
  amqp: 'TEST_AMQP_URL',
  clickhouse: 'TEST_CLICKHOUSE_URL',
  /** Comma-separated host:port list of the brokers, not a URL. */
  kafka: 'TEST_KAFKA_BROKERS',
} as const;

export type ServiceName = keyof typeof SERVICE_ENV;

export interface ServiceRequirement {
  /** The address from the environment; '' when the service is missing (the suite is skipped). */
  readonly url: string;
  /** The `skip` option for node:test's describe/test: a reason when missing, else false. */
  readonly skip: string | false;
}

export function requireService(name: ServiceName): ServiceRequirement {
  const variable = SERVICE_ENV[name];
  const url = process.env[variable]?.trim() ?? '';
  if (url !== '') return { url, skip: false };
  const reason = `${name} not available: ${variable} is not set (npm test starts it)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; in CI a missing service is a failure`);
  return { url: '', skip: reason };
}
