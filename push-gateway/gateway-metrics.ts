/**
 * The gateway's Prometheus instruments, declared in one place. Deliveries count frames written
 * to subscribers (a frame can carry several changes); latency is measured once per change and
 * channel, from the feed's timestamp to the moment the frame is handed to the transport.
 */
import type { Counter, Gauge, Histogram, Metrics } from '../core/ports/metrics.ts';

export interface GatewayMetrics {
  /** Open connections, by protocol. */
  readonly connections: Gauge;
  /** Channel subscriptions held, by channel kind. */
  readonly subscriptions: Gauge;
  /** Frames delivered to subscribers, by protocol and channel kind. */
  readonly deliveries: Counter;
  /** Changes merged into later ones by conflation, by channel kind. */
  readonly conflated: Counter;
  /** Messages not delivered, by reason (duplicate, invalid, slow_consumer). */
  readonly dropped: Counter;
  /** Feed timestamp → wire, seconds, by channel kind. */
  readonly latency: Histogram;
  /** Snapshots sent, by channel kind. */
  readonly snapshots: Counter;
  /** Subscriptions that asked to resume, by outcome (resumed, snapshot). */
  readonly resumes: Counter;
  /** Slow consumers, by protocol and action (paused, caught_up, disconnected). */
  readonly slowConsumers: Counter;
  /** Client requests refused, by protocol and error code. */
  readonly rejected: Counter;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function gatewayMetrics(metrics: Metrics): GatewayMetrics {
  return {
    connections: metrics.gauge('sb_push_connections', 'Open push connections.', ['protocol']),
    subscriptions: metrics.gauge('sb_push_subscriptions', 'Channel subscriptions held.', ['kind']),
    deliveries: metrics.counter('sb_push_deliveries_total', 'Frames delivered to subscribers.', ['protocol', 'kind']),
    conflated: metrics.counter('sb_push_conflated_total', 'Changes merged into later ones by conflation.', ['kind']),
    dropped: metrics.counter('sb_push_dropped_total', 'Messages not delivered (duplicate, invalid, slow_consumer).', ['reason']),
    latency: metrics.histogram('sb_push_latency_seconds', 'Feed timestamp to wire, per change and channel.', ['kind'], LATENCY_BUCKETS),
    snapshots: metrics.counter('sb_push_snapshots_total', 'Snapshots sent to subscribers.', ['kind']),
    resumes: metrics.counter('sb_push_resumes_total', 'Subscriptions that asked to resume, by outcome.', ['result']),
    slowConsumers: metrics.counter('sb_push_slow_consumers_total', 'Slow consumers paused, caught up or disconnected.', ['protocol', 'action']),
    rejected: metrics.counter('sb_push_rejected_total', 'Client requests refused, by error code.', ['protocol', 'code']),
  };
}
