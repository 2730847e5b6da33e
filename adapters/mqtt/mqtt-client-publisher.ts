/**
 * The gateway's publisher into an external MQTT broker (Mosquitto, EMQX) with mqtt.js, as the
 * gateway user (the broker's ACL lets only that user write under sb/).
 *
 * mqtt.js reconnects by itself (every `reconnectPeriodMs`). While disconnected, QoS 1 messages
 * (retained snapshots, bet updates) wait in its offline queue and leave in order on reconnect;
 * QoS 0 messages (deltas) are dropped rather than queued, since a client recovers from a gap by
 * the next snapshot, and stale deltas in a burst after an outage would only delay it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { MqttPublisher, MqttPublishOptions } from '../../core/ports/mqtt-broker.ts';

export interface MqttClientPublisherOptions {
  /** mqtt://host:port (or mqtts://, ws://). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Default: `sb-gateway-<random>`; two gateway processes must not share one. */
  readonly clientId?: string;
  /** Between reconnect attempts, ms. Default 1,000. */
  readonly reconnectPeriodMs?: number;
  /** How long close() waits for QoS 1 messages in flight, ms. Default 2,000. */
  readonly closeTimeoutMs?: number;
}

export class MqttClientPublisher implements MqttPublisher {
  readonly kind = 'mqtt-client';
  private closed = false;
  private lastError: string | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly logger: Logger,
    private readonly closeTimeoutMs: number,
  ) {}

  /** Connects; resolves on the first CONNACK, rejects (DEPENDENCY_UNAVAILABLE) when refused or unreachable. */
  static async connect(deps: { logger: Logger }, options: MqttClientPublisherOptions): Promise<MqttClientPublisher> {
    const client = mqtt.connect(options.url, {
      clientId: options.clientId ?? `sb-gateway-${Math.random().toString(16).slice(2, 10)}`,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      queueQoSZero: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
    } catch (cause) {
      client.end(true);
      throw new AppError('DEPENDENCY_UNAVAILABLE', `MQTT broker ${redact(options.url)} refused or unreachable`, { cause });
    }
    const publisher = new MqttClientPublisher(client, deps.logger, options.closeTimeoutMs ?? 2000);
    client.on('error', (error) => {
      publisher.lastError = error.message;
      deps.logger.warn({ err: error }, 'mqtt broker connection error');
    });
    client.on('offline', () => deps.logger.warn({}, 'mqtt broker unreachable, reconnecting'));
    client.on('connect', () => {
      publisher.lastError = undefined;
      deps.logger.info({}, 'mqtt broker connected');
    });
    return publisher;
  }

  publish(topic: string, payload: string | Uint8Array, options: MqttPublishOptions): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('SHUTTING_DOWN', 'the MQTT publisher is closed'));
    return new Promise((resolve, reject) => {
      this.client.publish(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos: options.qos, retain: options.retain }, (error) =>
        error ? reject(new AppError('MQTT_PUBLISH_FAILED', `publish to ${topic} failed`, { cause: error })) : resolve(),
      );
    });
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    return this.client.connected ? { ok: true } : { ok: false, detail: this.lastError ?? 'reconnecting' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A graceful end waits for QoS 1 acknowledgements; past the deadline it is forced.
    const graceful = new Promise<void>((resolve) => this.client.end(false, {}, () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.closeTimeoutMs);
    });
    if ((await Promise.race([graceful, deadline])) === 'late') {
      this.logger.warn({}, 'mqtt publisher closed with QoS 1 messages unacknowledged');
      await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
    }
    clearTimeout(timer);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
