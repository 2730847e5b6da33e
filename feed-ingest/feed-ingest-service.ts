/**
 * feed-ingest: provider bytes in, normalized messages out.
 *
 * Each raw message is translated (decode + interpret); what cannot be goes to `feed.dead-letter`
 * with its reason and raw payload. Event-scoped messages go to `feed.events` keyed by event id,
 * producer-scoped ones to `feed.producers`. The producer watchdog sees every message and
 * publishes ProducerDown / ProducerUp, requesting recovery through the RecoveryRequester port.
 * The source waits for each message to be published before it acknowledges it, so a crash loses
 * nothing the provider delivered.
 */
import type { Bus } from '../core/ports/bus.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { FeedSource, RawFeedMessage, RecoveryRequester } from '../core/ports/feed-source.ts';
import type { Service, HealthReport } from '../core/service.ts';
import type { FeedDeadLetter, FeedMessage } from '../core/contracts/feed.ts';
import { isEventMessage } from '../core/contracts/feed.ts';
import { TOPICS, producerKey } from '../core/topics.ts';
import { producerName } from '../core/ids.ts';
import { translateFeedMessage } from './translate.ts';
import { ProducerWatchdog, type WatchdogOptions } from './producer-watchdog.ts';

export interface FeedIngestDeps {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly source: FeedSource;
  readonly recovery: RecoveryRequester;
}

export interface FeedIngestOptions extends WatchdogOptions {
  /** Largest payload accepted (default 4 MiB); larger ones are dead-lettered. */
  readonly maxBytes?: number;
  /** How often a summary of the traffic is logged (info). Default 10,000 ms; 0 = never. */
  readonly summaryIntervalMs?: number;
}

export interface FeedIngest extends Service {
  /** Liveness per producer, as the watchdog sees it. */
  producers(): ReturnType<ProducerWatchdog['snapshot']>;
}

export function createFeedIngest(deps: FeedIngestDeps, options: FeedIngestOptions): FeedIngest {
  const { bus, clock, metrics, source } = deps;
  const logger = deps.logger.child({ service: 'feed-ingest' });
  const received = metrics.counter('sb_feed_messages_total', 'Normalized feed messages published, by type.', ['type']);
  const deadLettered = metrics.counter('sb_feed_dead_letters_total', 'Feed payloads dead-lettered, by reason.', ['reason']);
  const lag = metrics.histogram('sb_feed_lag_seconds', 'Provider timestamp to publish, per message.', ['producer'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]);
  const producerUp = metrics.gauge('sb_feed_producer_up', 'Whether a producer is up (1) or down/recovering (0).', ['producer']);

  // Per-message logging would drown the log; a periodic summary shows the feed flowing.
  const sinceSummary = new Map<string, number>();
  const count = (type: string) => sinceSummary.set(type, (sinceSummary.get(type) ?? 0) + 1);
  let summaryTimer: Timer | undefined;

  const publish = async (message: FeedMessage): Promise<void> => {
    if (isEventMessage(message)) await bus.publish(TOPICS.feedEvents, [{ key: message.eventId, value: message }]);
    else await bus.publish(TOPICS.feedProducers, [{ key: producerKey(message.producer), value: message }]);
    received.inc({ type: message.type });
    count(message.type);
  };

  const watchdog = new ProducerWatchdog(
    {
      clock,
      logger,
      recovery: deps.recovery,
      emit: async (m) => {
        producerUp.set(m.type === 'ProducerUp' ? 1 : 0, { producer: producerName(m.producer) });
        await publish(m);
      },
    },
    options,
  );

  const deadLetter = async (dl: FeedDeadLetter): Promise<void> => {
    deadLettered.inc({ reason: dl.reason });
    count('deadLettered');
    logger.warn({ reason: dl.reason, detail: dl.detail, source: dl.source, messageId: dl.messageId }, 'feed message dead-lettered');
    await bus.publish(TOPICS.feedDeadLetter, [{ key: dl.source, value: dl }]);
  };

  const onMessage = async (raw: RawFeedMessage): Promise<void> => {
    const result = translateFeedMessage(raw, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
    if (result.kind === 'dead-letter') return deadLetter(result.deadLetter);
    const message = result.message;
    await publish(message);
    lag.observe(Math.max(0, clock.now() - message.sourceTs) / 1000, { producer: producerName(message.producer) });
    await watchdog.observe(message);
  };

  let started = false;
  return {
    name: 'feed-ingest',
    producers: () => watchdog.snapshot(),
    async start() {
      if (started) return;
      started = true;
      for (const p of options.producers) producerUp.set(1, { producer: producerName(p) });
      watchdog.start();
      const every = options.summaryIntervalMs ?? 10_000;
      if (every > 0) {
        summaryTimer = clock.setInterval(() => {
          if (sinceSummary.size === 0) return;
          logger.info({ messages: Object.fromEntries(sinceSummary), producers: watchdog.snapshot() }, `feed: ${[...sinceSummary.values()].reduce((a, b) => a + b, 0)} messages in ${every / 1000} s`);
          sinceSummary.clear();
        }, every);
      }
      await source.start(onMessage);
      logger.info({ source: source.name, producers: options.producers }, 'feed ingest started');
    },
    async stop() {
      if (!started) return;
      started = false;
      await source.stop();
      summaryTimer?.cancel();
      watchdog.stop();
      logger.info({}, 'feed ingest stopped');
    },
    async health(): Promise<HealthReport> {
      const busHealth = await bus.health();
      const producers = watchdog.snapshot();
      const checks: Record<string, { ok: boolean; detail?: string }> = { bus: busHealth };
      for (const [p, s] of Object.entries(producers)) {
        checks[`producer:${producerName(Number(p))}`] = { ok: s.status === 'up', detail: s.status };
      }
      // A producer down is a degraded feed, not an unhealthy process: markets are suspended as designed.
      return { ok: busHealth.ok, checks };
    },
  };
}
