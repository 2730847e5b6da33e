/**
 * An mqtt.js client for tests: records every message by topic, reports the SUBACK codes of each
 * subscription (128 = refused), and for event channels keeps the state the way the MQTT contract
 * asks of a client (retained snapshot, then the deltas with a seq above the one held).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { OddsDelta } from '../../core/contracts/odds.ts';
import type { EventSnapshot } from '../../push-gateway/bettor-view.ts';
import { waitFor } from '../support/wait.ts';

export const REFUSED = 128;

interface MarketView {
  state: string;
  outcomes: Map<string, string | undefined>;
}

export class MqttTestClient {
  readonly messages: Array<{ topic: string; payload: string }> = [];
  /** Delta frames per topic, in arrival order. */
  readonly deltas = new Map<string, Array<{ epoch: string; from: number; seq: number }>>();
  /** Event snapshot topic → the state held: position and markets. */
  readonly held = new Map<string, { epoch: string; seq: number; markets: Map<string, MarketView> }>();
  readonly violations: string[] = [];
  /** Times the client had to wait for the next snapshot (its snapshot was older than the stream). */
  gaps = 0;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.onMessage(topic, payload.toString('utf8')));
  }

  static async connect(url: string, options: { username?: string; password?: string; clientId?: string } = {}): Promise<MqttTestClient> {
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (error) => {
        client.end(true);
        reject(error);
      });
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
    return new MqttTestClient(client);
  }

  /** The granted QoS (or 128) of each filter, in order. */
  async subscribe(filters: readonly string[], qos: 0 | 1 = 1): Promise<number[]> {
    try {
      const granted = await this.client.subscribeAsync([...filters], { qos });
      return granted.map((g) => g.qos);
    } catch (error) {
      // mqtt.js rejects when any filter is refused; the SUBACK still says which.
      const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
      if (granted === undefined) throw error;
      return granted;
    }
  }

  on(topic: string): string[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => m.payload);
  }

  async until(condition: () => boolean, message: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(condition, { timeoutMs, message });
  }

  /** The event's markets as `key:state:outcome=price,...`, sorted (like PushClient.view). */
  view(snapshotTopic: string): string[] {
    const held = this.held.get(snapshotTopic);
    return [...(held?.markets ?? new Map<string, MarketView>())]
      .map(([key, m]) => `${key}:${m.state}:${[...m.outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([id, price]) => `${id}=${price ?? '-'}`).join(',')}`)
      .sort();
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private onMessage(topic: string, payload: string): void {
    this.messages.push({ topic, payload });
    if (payload === '' || !topic.startsWith('sb/v1/events/')) return;
    const body = JSON.parse(payload) as { v: number; epoch: string; seq: number; from?: number; data?: EventSnapshot; changes?: unknown[] };
    if (topic.endsWith('/delta')) {
      const list = this.deltas.get(topic) ?? [];
      const last = list.at(-1);
      if (last && last.epoch === body.epoch && body.from !== last.seq + 1) this.violations.push(`${topic}: frame ${body.from}..${body.seq} after ..${last.seq}`);
      list.push({ epoch: body.epoch, from: body.from!, seq: body.seq });
      this.deltas.set(topic, list);
      this.applyDelta(topic.slice(0, -'/delta'.length), body.epoch, body.from!, body.seq, body.changes as Array<OddsDelta & { seq: number }>);
    } else if (body.data) {
      const held = this.held.get(topic);
      // A snapshot older than the state held (same epoch) is ignored; any other replaces it.
      if (held && held.epoch === body.epoch && body.seq <= held.seq) return;
      this.held.set(topic, { epoch: body.epoch, seq: body.seq, markets: new Map(body.data.markets.map((m) => [m.marketKey, { state: m.state, outcomes: new Map(m.outcomes.map((o) => [o.outcomeId, o.price])) }])) });
    }
  }

  private applyDelta(snapshotTopic: string, epoch: string, from: number, seq: number, changes: Array<OddsDelta & { seq: number }>): void {
    const held = this.held.get(snapshotTopic);
    // Before the first snapshot, or in another epoch, deltas wait for a snapshot to apply to.
    if (!held || held.epoch !== epoch || seq <= held.seq) return;
    if (from > held.seq + 1) {
      // The retained snapshot was older than the stream (it is refreshed at most every interval
      // for price-only changes): the contract's rule is to wait for the next snapshot.
      this.gaps += 1;
      this.held.delete(snapshotTopic);
      return;
    }
    for (const change of changes) {
      if (change.seq <= held.seq || change.type === 'EpochStarted') continue;
      const m = held.markets.get(change.marketKey) ?? { state: change.state, outcomes: new Map<string, string | undefined>() };
      m.state = change.state;
      if (change.type === 'PriceChanged') for (const o of change.outcomes) m.outcomes.set(o.outcomeId, o.price);
      held.markets.set(change.marketKey, m);
    }
    held.seq = seq;
  }
}
