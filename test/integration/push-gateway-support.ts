/**
 * A socket.io client of the push gateway for tests: it keeps each channel's position and state
 * exactly as the protocol says a client must, and records every violation (a delta that does not
 * continue the position held, a resume at another position) instead of hiding it.
 */
import { io, type Socket } from 'socket.io-client';
import type { OddsDelta } from '../../core/contracts/odds.ts';
import type { EventBook } from '../../core/contracts/odds.ts';
import type { EventSnapshot } from '../../push-gateway/bettor-view.ts';
import type { DeltaFrame, ErrorFrame, ResumedFrame, SnapshotFrame } from '../../push-gateway/wire.ts';
import { waitFor } from '../support/wait.ts';

export interface Position {
  epoch: string;
  seq: number;
}

interface MarketView {
  state: string;
  outcomes: Map<string, string | undefined>;
}

export type Frame =
  | { event: 'snapshot'; body: SnapshotFrame }
  | { event: 'delta'; body: DeltaFrame }
  | { event: 'resumed'; body: ResumedFrame }
  | { event: 'error'; body: ErrorFrame };

export class PushClient {
  readonly frames: Frame[] = [];
  readonly errors: ErrorFrame[] = [];
  readonly violations: string[] = [];
  readonly positions = new Map<string, Position>();
  /** Event channels: market key → state and prices. */
  readonly markets = new Map<string, Map<string, MarketView>>();
  /** Every change applied, per channel, in order (seq of each). */
  readonly applied = new Map<string, number[]>();
  reconnects = 0;

  private constructor(readonly socket: Socket) {
    socket.on('snapshot', (body: SnapshotFrame) => this.onSnapshot(body));
    // One packet may carry several frames (of one or several channels), in order.
    socket.on('delta', (...frames: DeltaFrame[]) => {
      for (const frame of frames) this.onDelta(frame);
    });
    socket.on('resumed', (body: ResumedFrame) => this.onResumed(body));
    socket.on('error', (body: ErrorFrame) => {
      this.frames.push({ event: 'error', body });
      this.errors.push(body);
    });
  }

  /**
   * Connects to `<url>/odds`; resolves once connected, rejects with the server's reason. With
   * `reconnect`, socket.io reconnects by itself and the client subscribes again to every channel
   * it holds, with `since`, as the protocol asks of a client.
   */
  static async connect(url: string, options: { token?: string; reconnect?: boolean } = {}): Promise<PushClient> {
    const socket = io(`${url}/odds`, {
      transports: ['websocket'],
      reconnection: options.reconnect ?? false,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      forceNew: true,
      ...(options.token === undefined ? {} : { auth: { token: options.token } }),
    });
    const client = new PushClient(socket);
    socket.io.on('reconnect', () => {
      client.reconnects += 1;
      const since = Object.fromEntries(client.positions);
      if (client.positions.size > 0) socket.emit('subscribe', { channels: Object.keys(since), since });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
        socket.close();
        reject(Object.assign(new Error(error.message), { code: error.data?.code }));
      });
    });
    return client;
  }

  /** Carries over what another client held (the same app after a reconnect). */
  adopt(other: PushClient, channel: string): void {
    const position = other.positions.get(channel);
    if (position) this.positions.set(channel, { ...position });
    const markets = other.markets.get(channel);
    if (markets) this.markets.set(channel, new Map([...markets].map(([k, m]) => [k, { state: m.state, outcomes: new Map(m.outcomes) }])));
  }

  subscribe(channels: readonly string[], since?: Record<string, Position>): Promise<{ ok: boolean; error?: ErrorFrame }> {
    return this.socket.timeout(5000).emitWithAck('subscribe', since ? { channels, since } : { channels });
  }

  unsubscribe(channels: readonly string[]): Promise<{ ok: boolean }> {
    return this.socket.timeout(5000).emitWithAck('unsubscribe', { channels });
  }

  async until(condition: () => boolean, message: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(condition, { timeoutMs, message });
  }

  close(): void {
    this.socket.close();
  }

  /** The event channel's markets as `key:state:outcome=price,...`, sorted. */
  view(channel: string): string[] {
    return projectView([...(this.markets.get(channel) ?? new Map<string, MarketView>())].map(([marketKey, m]) => ({ marketKey, state: m.state, outcomes: [...m.outcomes].map(([outcomeId, price]) => ({ outcomeId, price })) })));
  }

  private onSnapshot(body: SnapshotFrame): void {
    this.frames.push({ event: 'snapshot', body });
    this.positions.set(body.channel, { epoch: body.epoch, seq: body.seq });
    if (body.channel.startsWith('event:')) {
      const data = body.data as EventSnapshot;
      this.markets.set(body.channel, new Map(data.markets.map((m) => [m.marketKey, { state: m.state, outcomes: new Map(m.outcomes.map((o) => [o.outcomeId, o.price])) }])));
    }
  }

  private onResumed(body: ResumedFrame): void {
    this.frames.push({ event: 'resumed', body });
    const held = this.positions.get(body.channel);
    if (!held || held.epoch !== body.epoch || held.seq !== body.seq) this.violations.push(`${body.channel}: resumed at ${body.epoch}/${body.seq} while holding ${JSON.stringify(held)}`);
  }

  private onDelta(body: DeltaFrame): void {
    this.frames.push({ event: 'delta', body });
    const held = this.positions.get(body.channel);
    if (!held || held.epoch !== body.epoch || body.from !== held.seq + 1) {
      this.violations.push(`${body.channel}: delta ${body.epoch}/${body.from}..${body.seq} while holding ${JSON.stringify(held)}`);
    }
    this.positions.set(body.channel, { epoch: body.epoch, seq: body.seq });
    const applied = this.applied.get(body.channel) ?? [];
    this.applied.set(body.channel, applied);
    const markets = this.markets.get(body.channel);
    for (const change of body.changes as Array<OddsDelta & { seq?: number }>) {
      if (typeof change.seq === 'number') applied.push(change.seq);
      if (!markets || !body.channel.startsWith('event:') || change.type === 'EpochStarted') continue;
      const m = markets.get(change.marketKey) ?? { state: change.state, outcomes: new Map<string, string | undefined>() };
      m.state = change.state;
      if (change.type === 'PriceChanged') for (const o of change.outcomes) m.outcomes.set(o.outcomeId, o.price);
      markets.set(change.marketKey, m);
    }
  }
}

/** The PriceBook's state of an event projected like PushClient.view. */
export function bookView(book: EventBook | undefined): string[] {
  return projectView((book?.markets ?? []).map((m) => ({ marketKey: m.marketKey, state: m.state, outcomes: m.outcomes.map((o) => ({ outcomeId: o.outcomeId, price: o.price })) })));
}

function projectView(markets: ReadonlyArray<{ marketKey: string; state: string; outcomes: ReadonlyArray<{ outcomeId: string; price?: string | undefined }> }>): string[] {
  return markets
    .map((m) => `${m.marketKey}:${m.state}:${[...m.outcomes].sort((a, b) => a.outcomeId.localeCompare(b.outcomeId)).map((o) => `${o.outcomeId}=${o.price ?? '-'}`).join(',')}`)
    .sort();
}
