import type { Message, TopicMessages } from 'kafkajs';

/** Records merged into one send at most; a single call larger than this goes alone. */
const MAX_MERGED_MESSAGES = 5000;

interface Entry {
  readonly topic: string;
  readonly messages: readonly Message[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Hands publishes to the producer one send at a time, in call order, merging the calls that
 * arrive while a send is in flight into the next one.
 *
 * One send at a time is what keeps the order per key through the producer's retries: with two
 * sends in flight, the first could fail, be retried, and land after the second. Merging the
 * waiting calls keeps the throughput when many callers publish at once. A send that fails rejects
 * every call merged into it; the calls behind it go on.
 */
export class SendQueue {
  private readonly send: (batch: TopicMessages[]) => Promise<void>;
  private readonly pending: Entry[] = [];
  private draining: Promise<void> | undefined;

  constructor(send: (batch: TopicMessages[]) => Promise<void>) {
    this.send = send;
  }

  enqueue(topic: string, messages: readonly Message[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, messages, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every call enqueued so far has been sent or has failed. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Calls made in the same turn of the event loop go out together.
    await Promise.resolve();
    try {
      while (this.pending.length > 0) {
        const entries = this.take();
        try {
          await this.send(merge(entries));
          for (const entry of entries) entry.resolve();
        } catch (error) {
          for (const entry of entries) entry.reject(error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private take(): Entry[] {
    let count = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || count + this.pending[n]!.messages.length <= MAX_MERGED_MESSAGES)) {
      count += this.pending[n]!.messages.length;
      n += 1;
    }
    return this.pending.splice(0, n);
  }
}

/** One entry per topic, each keeping the calls' order. */
function merge(entries: readonly Entry[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const entry of entries) {
    let messages = byTopic.get(entry.topic);
    if (!messages) byTopic.set(entry.topic, (messages = []));
    for (const message of entry.messages) messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
