import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { AppError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../core/ports/clock.ts';
import type { FeedSource, RawFeedMessage } from '../../core/ports/feed-source.ts';
import type { Logger } from '../../core/ports/logger.ts';

export interface AmqpFeedSourceOptions {
  /**
   * Broker address. For the provider: `amqps://<access token>:@<host>:5671/unifiedfeed%2F<bookmaker id>`
   * (the virtual host is `/unifiedfeed/<bookmaker id>`, URL-encoded).
   */
  readonly url: string;
  /** Topic exchange the provider publishes to. Default `unifiedfeed`. */
  readonly exchange?: string;
  /**
   * Routing-key patterns to bind, e.g. `*.*.live.#` (live messages), `-.-.-.alive.#` (alive and
   * other system messages). Default `['#']` (everything).
   */
  readonly routingKeys?: readonly string[];
  /**
   * Declare the exchange (topic, durable) when it does not exist. Default false: the provider
   * owns it and does not allow declaring it, so it is only checked.
   */
  readonly declareExchange?: boolean;
  /**
   * A durable named queue, kept by the broker across reconnects, so messages unacknowledged or
   * published while disconnected are delivered after the reconnect. Default: none, a
   * server-named exclusive queue as the provider hands out, which the broker deletes with the
   * connection; what it held then is recovered through the feed's own recovery (producer down
   * on missing alive messages, then a recovery request).
   */
  readonly queue?: string;
  /** Messages the broker may send ahead of the acknowledgements. Default 100. */
  readonly prefetch?: number;
  /** AMQP heartbeat, seconds: how soon a silently dead connection is noticed. Default 10. */
  readonly heartbeatSeconds?: number;
  /** First reconnect delay, doubled per failed attempt up to `maxReconnectDelayMs`. Default 500. */
  readonly reconnectDelayMs?: number;
  /** Default 30 000. */
  readonly maxReconnectDelayMs?: number;
  /**
   * After `onMessage` fails, consumption pauses this long before the message (and the ones
   * behind it) are delivered again; doubled per consecutive failure up to `maxRetryDelayMs`.
   * Default 1000.
   */
  readonly retryDelayMs?: number;
  /** Default 30 000. */
  readonly maxRetryDelayMs?: number;
}

export interface AmqpFeedSourceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One broker connection with its channel; deliveries of a session that ended are dropped. */
interface Session {
  readonly connection: ChannelModel;
  readonly channel: Channel;
  readonly queue: string;
  consumerTag: string | undefined;
}

interface Delivery {
  readonly session: Session;
  readonly message: ConsumeMessage;
  readonly receivedTs: number;
}

/**
 * The feed as the provider delivers it: a topic exchange, a queue bound with routing keys,
 * manual acknowledgements.
 *
 * Order: deliveries are handed to `onMessage` one at a time in arrival order and acknowledged
 * after it resolves. When it fails, consumption is cancelled and every unacknowledged message
 * is returned to the queue, where the broker keeps their order, so after `retryDelayMs` the
 * failed message comes again first, followed by the rest: nothing skips ahead of it.
 *
 * Connection loss: reconnects with exponential backoff, for as long as the source runs. Messages
 * handed out on the lost connection are not acknowledged; a named queue gets them again, an
 * exclusive one is gone with its connection (see {@link AmqpFeedSourceOptions.queue}).
 * Delivery is therefore at least once: a message whose `onMessage` finished just as the
 * connection dropped comes again.
 */
export class AmqpFeedSource implements FeedSource {
  readonly name = 'amqp';

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly url: string;
  private readonly exchange: string;
  private readonly routingKeys: readonly string[];
  private readonly declareExchange: boolean;
  private readonly queue: string | undefined;
  private readonly prefetch: number;
  private readonly reconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  private onMessage: ((message: RawFeedMessage) => Promise<void>) | undefined;
  private running = false;
  private session: Session | undefined;
  private buffer: Delivery[] = [];
  private pumping: Promise<void> | undefined;
  private opening: Promise<void> | undefined;
  private paused = false;
  private failures = 0;
  private reconnectAttempts = 0;
  private timer: Timer | undefined;

  constructor(deps: AmqpFeedSourceDeps, options: AmqpFeedSourceOptions) {
    this.clock = deps.clock;
    this.logger = deps.logger.child({ component: 'amqp-feed-source' });
    const url = new URL(options.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 10));
    this.url = url.toString();
    this.exchange = options.exchange ?? 'unifiedfeed';
    this.routingKeys = options.routingKeys?.length ? options.routingKeys : ['#'];
    this.declareExchange = options.declareExchange ?? false;
    this.queue = options.queue;
    this.prefetch = options.prefetch ?? 100;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 500;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 30_000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  }

  /** Connects, binds and starts consuming; rejects with DEPENDENCY_UNAVAILABLE if the first connection fails. */
  async start(onMessage: (message: RawFeedMessage) => Promise<void>): Promise<void> {
    if (this.running) throw new AppError('INTERNAL', 'AmqpFeedSource started twice');
    this.onMessage = onMessage;
    this.running = true;
    try {
      await this.open();
    } catch (err) {
      this.running = false;
      this.timer?.cancel();
      throw new AppError('DEPENDENCY_UNAVAILABLE', `cannot consume the feed from ${this.describeBroker()}`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    // Not handed out yet: they stay unacknowledged and the broker takes them back on close.
    this.buffer = [];
    await this.opening?.catch(() => undefined);
    await this.pumping;
    const session = this.session;
    this.session = undefined;
    if (session) {
      // Channel first: its acknowledgements are queued behind the channel's own frames, and a
      // connection close would overtake them.
      await session.channel.close().catch(() => undefined);
      await session.connection.close().catch(() => undefined);
    }
    this.logger.info({ exchange: this.exchange }, 'feed consumer stopped');
  }

  private describeBroker(): string {
    const url = new URL(this.url);
    return `${url.hostname}:${url.port || '5672'}`;
  }

  private open(): Promise<void> {
    this.opening = this.connectAndConsume().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connectAndConsume(): Promise<void> {
    const connection = await connect(this.url);
    // Errors come before 'close', which does the handling; without a listener they would throw.
    connection.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'feed connection error'));
    let session: Session | undefined;
    try {
      const channel = await connection.createChannel();
      channel.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'feed channel error'));
      await channel.prefetch(this.prefetch);
      if (this.declareExchange) await channel.assertExchange(this.exchange, 'topic', { durable: true });
      else await channel.checkExchange(this.exchange);
      const { queue } = this.queue
        ? await channel.assertQueue(this.queue, { durable: true })
        : await channel.assertQueue('', { exclusive: true, durable: false });
      for (const key of this.routingKeys) await channel.bindQueue(queue, this.exchange, key);

      const current: Session = { connection, channel, queue, consumerTag: undefined };
      session = current;
      connection.on('close', () => this.lost(current, 'connection closed'));
      channel.on('close', () => this.lost(current, 'channel closed'));
      if (!this.running) {
        await connection.close();
        return;
      }
      this.session = session;
      await this.consume(session);
      this.reconnectAttempts = 0;
      this.logger.info(
        { broker: this.describeBroker(), exchange: this.exchange, queue, routingKeys: this.routingKeys },
        'feed consumer connected',
      );
    } catch (err) {
      if (session && this.session === session) this.session = undefined;
      await connection.close().catch(() => undefined);
      throw err;
    }
  }

  private async consume(session: Session): Promise<void> {
    const { consumerTag } = await session.channel.consume(session.queue, (message) => {
      // null: the broker cancelled the consumer (queue deleted); treat it as a lost connection.
      if (message === null) this.lost(session, 'consumer cancelled by the broker');
      else this.deliver({ session, message, receivedTs: this.clock.now() });
    });
    session.consumerTag = consumerTag;
  }

  private deliver(delivery: Delivery): void {
    if (!this.running || this.paused || delivery.session !== this.session) return;
    this.buffer.push(delivery);
    this.kick();
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.running && this.buffer.length > 0) this.kick();
    });
  }

  /** The only caller of onMessage: one delivery at a time, in arrival order. */
  private async pump(): Promise<void> {
    for (let next = this.buffer.shift(); next; next = this.buffer.shift()) {
      if (!this.running) return;
      if (next.session !== this.session) continue;
      await this.handle(next);
    }
  }

  private async handle({ session, message, receivedTs }: Delivery): Promise<void> {
    const routingKey = message.fields.routingKey;
    try {
      await this.onMessage!({ payload: message.content, source: `amqp:${routingKey}`, routingKey, receivedTs });
    } catch (err) {
      await this.redeliverLater(session, err);
      return;
    }
    this.failures = 0;
    if (session !== this.session) return; // its channel is gone: the broker redelivers it
    try {
      session.channel.ack(message);
    } catch {
      // The channel closed under us; 'close' handles reconnecting.
    }
  }

  /**
   * Stops consumption and returns everything unacknowledged to the queue (the failed message
   * first), then consumes again after the retry delay.
   */
  private async redeliverLater(session: Session, err: unknown): Promise<void> {
    const delay = Math.min(this.retryDelayMs * 2 ** this.failures, this.maxRetryDelayMs);
    this.failures++;
    this.logger.warn(
      { err: err instanceof Error ? err.message : String(err), retryInMs: delay },
      'feed message handler failed; the message will be delivered again',
    );
    if (session !== this.session) return;
    this.paused = true;
    this.buffer = [];
    try {
      // After cancel-ok no more deliveries come, so nothing arrives behind the requeue.
      if (session.consumerTag) await session.channel.cancel(session.consumerTag);
      session.consumerTag = undefined;
      session.channel.nackAll(true);
    } catch {
      // The channel closed: the broker requeues on its own and 'close' reconnects.
      this.paused = false;
      return;
    }
    this.schedule(delay, async () => {
      this.paused = false;
      if (this.session !== session) return;
      try {
        await this.consume(session);
      } catch (consumeErr) {
        this.lost(session, `consume failed: ${consumeErr instanceof Error ? consumeErr.message : String(consumeErr)}`);
      }
    });
  }

  private lost(session: Session, reason: string): void {
    if (!this.running || this.session !== session) return;
    this.session = undefined;
    this.paused = false;
    this.buffer = [];
    session.connection.close().catch(() => undefined);
    this.logger.warn({ reason }, 'feed connection lost; reconnecting');
    this.reconnect();
  }

  private reconnect(): void {
    const delay = Math.min(this.reconnectDelayMs * 2 ** this.reconnectAttempts, this.maxReconnectDelayMs);
    this.reconnectAttempts++;
    this.schedule(delay, async () => {
      if (!this.running || this.session) return;
      try {
        await this.open();
      } catch (err) {
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err), attempt: this.reconnectAttempts },
          'feed reconnect failed',
        );
        if (this.running) this.reconnect();
      }
    });
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.running) void fn();
    }, ms);
  }
}
