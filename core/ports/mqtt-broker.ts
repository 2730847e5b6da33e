/**
 * Publishing to an MQTT broker: the push gateway's way out to mobile apps. The broker does the
 * fan-out to clients and enforces who may read what; the gateway only publishes.
 *
 * Promises:
 * - Order: messages given to one publisher for one topic reach the broker in the order given,
 *   at QoS 0 and 1 alike (MQTT keeps per-topic order of one session's publishes). Across topics
 *   nothing is promised: a client orders by the epoch/seq inside the payload.
 * - Retain: a retained publish replaces the topic's retained message; an empty retained payload
 *   removes it.
 * - Delivery: QoS 1 resolves once the broker has acknowledged it; QoS 0 once it is written (it
 *   may still be lost). While the broker is unreachable QoS 1 messages wait and are sent on
 *   reconnect, in order; QoS 0 messages are dropped (a client sees the gap in seq).
 * - publish() never throws: a failure rejects the returned promise with an AppError
 *   (MQTT_PUBLISH_FAILED, retriable) and the caller decides whether it matters.
 * - close() stops accepting publishes, gives QoS 1 messages in flight a moment to be
 *   acknowledged, then disconnects (the embedded broker also closes its listeners and clients).
 */
import type { HealthReport } from '../service.ts';

export type MqttQos = 0 | 1;

export interface MqttPublishOptions {
  readonly qos: MqttQos;
  readonly retain: boolean;
}

export interface MqttPublisher {
  /** Which implementation (for logs): 'aedes' (embedded broker) or 'mqtt-client' (external). */
  readonly kind: string;
  publish(topic: string, payload: string | Uint8Array, options: MqttPublishOptions): Promise<void>;
  health(): Promise<HealthReport['checks'][string]>;
  close(): Promise<void>;
}
