/**
 * The provider's side of bench/pipeline.bench.ts: UOF messages published to a topic exchange of
 * its own on RabbitMQ, which feed-ingest consumes with SB_FEED_SOURCE=amqp as it would the
 * provider's. The bench is the feed, so it knows when each odds_change left: `emittedAt` is taken
 * right before the publish, and the message's `timestamp` (its sourceTs downstream) names it.
 *
 * Each odds_change carries one 1X2 market whose probabilities alternate between two books far
 * enough apart that every message moves at least one published price: one message, one
 * PriceChanged, which is what lets the client tell which message each delta belongs to.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';

/** One odds_change as it left the bench. */
export interface SentOddsChange {
  /** Its `timestamp` attribute, ms: unique and increasing per event. */
  readonly ts: number;
  /** When it was handed to the broker, ms with sub-ms precision (same clock as the client's). */
  readonly emittedAt: number;
}

const BOOKS = [
  [0.5, 0.27, 0.23],
  [0.44, 0.29, 0.27],
] as const;
/** The provider's own margin on its odds (the engine prices from the probabilities). */
const PROVIDER_MARGIN = 1.06;
const PRODUCER = 1;

export const now = (): number => performance.timeOrigin + performance.now();

export class BenchFeed {
  private readonly lastTs = new Map<string, number>();
  private readonly sent = new Map<string, number>();

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
    readonly exchange: string,
  ) {}

  /** Declares the exchange feed-ingest will check for; delete it with close(). */
  static async open(url: string, exchange: string): Promise<BenchFeed> {
    const connection = await connect(url);
    try {
      const channel = await connection.createChannel();
      await channel.assertExchange(exchange, 'topic', { durable: false });
      return new BenchFeed(connection, channel, exchange);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** Publishes the event's next odds_change. `eventId` is `sr:match:<n>`. */
  oddsChange(eventId: string): SentOddsChange {
    const count = this.sent.get(eventId) ?? 0;
    this.sent.set(eventId, count + 1);
    const emittedAt = now();
    // Integer ms on the wire; an event's timestamps must rise, or the engine drops the message as stale.
    const ts = Math.max(Math.floor(emittedAt), (this.lastTs.get(eventId) ?? 0) + 1);
    this.lastTs.set(eventId, ts);
    const outcomes = BOOKS[count % BOOKS.length]!.map(
      (p, i) => `<outcome id="${i + 1}" odds="${(1 / (p * PROVIDER_MARGIN)).toFixed(2)}" probabilities="${p}" active="1"/>`,
    ).join('');
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><odds_change product="${PRODUCER}" event_id="${eventId}" timestamp="${ts}">` +
      `<odds betting_status="1"><market id="1" status="1">${outcomes}</market></odds></odds_change>`;
    const [type, number] = eventId.split(':').slice(1);
    this.channel.publish(this.exchange, `hi.-.live.odds_change.${PRODUCER}.sr:${type}.${number}.-`, Buffer.from(xml));
    return { ts, emittedAt };
  }

  /** The producer's alive: without one every 20 s feed-ingest declares it down and suspends its markets. */
  alive(): void {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><alive product="${PRODUCER}" timestamp="${Date.now()}" subscribed="1"/>`;
    this.channel.publish(this.exchange, '-.-.-.alive.-.-.-.-', Buffer.from(xml));
  }

  async close(): Promise<void> {
    await this.channel.deleteExchange(this.exchange).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
