/**
 * The pages' side of the push protocol (push-gateway/README.md): one socket.io connection to the
 * `/odds` namespace, any number of channels, each with the (epoch, seq) it holds.
 *
 * The client's rule: a `delta` whose epoch differs or whose `from` is not seq + 1 is a gap, and
 * so is a reconnect; either way the channel is subscribed again with `since` and the gateway
 * answers `resumed` plus exactly the missed changes, or a fresh `snapshot`. Frames of a channel
 * that is re-syncing are dropped until that answer arrives, so nothing is applied twice or out
 * of order.
 *
 * Connection state, for the pages to show: `live` while connected with every channel it held
 * before a drop synced again; `reconnecting` while the connection is down or those channels
 * re-sync; `stale` when that has lasted longer than `staleAfterMs` (the prices on screen may be
 * old: the bettor page pauses betting).
 */
import { io, type Socket } from 'socket.io-client';

export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** What a channel's owner does with its frames. */
export interface ChannelSink {
  /** The channel's whole state at `position`: replace what is held. */
  snapshot(data: unknown, position: Position): void;
  /** Changes after the previous position, in order, now at `position`. */
  changes(changes: readonly unknown[], position: Position): void;
  /** The gateway ended or refused the subscription (e.g. FORBIDDEN). */
  failed?(error: { code: string; message: string }): void;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'stale';

export interface PushClientOptions {
  /** Base URL of the app; default the page's origin. */
  readonly url?: string;
  /** A player's bearer token, needed for `player:<id>` channels. */
  readonly token?: string;
  /** Down or re-syncing this long makes the state `stale`. Default 4000 ms. */
  readonly staleAfterMs?: number;
  readonly onState?: (state: ConnectionState) => void;
}

interface SnapshotFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly seq: number;
  readonly data: unknown;
}

interface DeltaFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly from: number;
  readonly seq: number;
  readonly changes: readonly unknown[];
}

interface ResumedFrame {
  readonly channel: string;
  readonly epoch: string;
  readonly seq: number;
}

interface ErrorFrame {
  readonly code: string;
  readonly message: string;
  readonly channel?: string;
}

type Ack = { ok: true } | { ok: false; error: ErrorFrame };

interface Entry {
  readonly sink: ChannelSink;
  position: Position | undefined;
  /** A subscribe is in flight: frames wait for its snapshot or resumed. */
  syncing: boolean;
  /** Held a position when the connection dropped and has not re-synced since. */
  recovering: boolean;
}

/** Subscribe requests name at most this many channels (the gateway's per-request limit is 50). */
const BATCH = 40;
const RETRY_MS = 2000;

export class PushClient {
  readonly #socket: Socket;
  readonly #entries = new Map<string, Entry>();
  readonly #staleAfterMs: number;
  readonly #onState: (state: ConnectionState) => void;
  #state: ConnectionState = 'connecting';
  #staleTimer: ReturnType<typeof setTimeout> | undefined;
  #everConnected = false;
  #connectFailed = false;
  #closed = false;

  constructor(options: PushClientOptions = {}) {
    this.#staleAfterMs = options.staleAfterMs ?? 4000;
    this.#onState = options.onState ?? (() => undefined);
    this.#socket = io(`${options.url ?? ''}/odds`, {
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 3000,
      ...(options.token === undefined ? {} : { auth: { token: options.token } }),
    });
    this.#socket.on('connect', () => {
      this.#everConnected = true;
      // A fresh connection holds no subscriptions: every channel is asked for again, with the
      // position it holds, so the gateway sends only what was missed.
      this.#resubscribe([...this.#entries.keys()]);
    });
    this.#socket.on('disconnect', () => {
      for (const entry of this.#entries.values()) {
        entry.syncing = true;
        entry.recovering = entry.position !== undefined;
      }
      this.#updateState();
    });
    this.#socket.on('connect_error', () => {
      this.#connectFailed = true;
      this.#updateState();
    });
    this.#socket.on('snapshot', (frame: SnapshotFrame) => this.#onSnapshot(frame));
    // One packet may carry several frames, of one or several channels, in order.
    this.#socket.on('delta', (...frames: DeltaFrame[]) => {
      for (const frame of frames) this.#onDelta(frame);
    });
    this.#socket.on('resumed', (frame: ResumedFrame) => this.#onResumed(frame));
    this.#socket.on('error', (frame: ErrorFrame) => this.#onError(frame));
    this.#updateState();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Starts receiving a channel; the returned function stops. One sink per channel. */
  watch(channel: string, sink: ChannelSink): () => void {
    if (this.#entries.has(channel)) throw new Error(`${channel} is already watched`);
    this.#entries.set(channel, { sink, position: undefined, syncing: true, recovering: false });
    if (this.#socket.connected) this.#resubscribe([channel]);
    this.#updateState();
    return () => {
      if (!this.#entries.delete(channel)) return;
      if (this.#socket.connected) this.#socket.emit('unsubscribe', { channels: [channel] });
      this.#updateState();
    };
  }

  /** The position held on a channel (what a bet names as the price version). */
  position(channel: string): Position | undefined {
    return this.#entries.get(channel)?.position;
  }

  /** Disconnects for good; a closed client reports nothing more. */
  close(): void {
    this.#closed = true;
    if (this.#staleTimer !== undefined) clearTimeout(this.#staleTimer);
    this.#staleTimer = undefined;
    this.#entries.clear();
    this.#socket.off();
    this.#socket.close();
  }

  #onSnapshot(frame: SnapshotFrame): void {
    const entry = this.#entries.get(frame.channel);
    if (!entry) return;
    entry.position = { epoch: frame.epoch, seq: frame.seq };
    entry.syncing = false;
    entry.recovering = false;
    entry.sink.snapshot(frame.data, entry.position);
    this.#updateState();
  }

  #onResumed(frame: ResumedFrame): void {
    const entry = this.#entries.get(frame.channel);
    if (!entry) return;
    entry.position = { epoch: frame.epoch, seq: frame.seq };
    entry.syncing = false;
    entry.recovering = false;
    this.#updateState();
  }

  #onDelta(frame: DeltaFrame): void {
    const entry = this.#entries.get(frame.channel);
    if (!entry || entry.syncing || !entry.position) return;
    const held = entry.position;
    if (frame.epoch === held.epoch && frame.seq <= held.seq) return; // already applied
    if (frame.epoch !== held.epoch || frame.from !== held.seq + 1) {
      this.#resubscribe([frame.channel]);
      return;
    }
    entry.position = { epoch: frame.epoch, seq: frame.seq };
    entry.sink.changes(frame.changes, entry.position);
  }

  #onError(frame: ErrorFrame): void {
    if (frame.channel === undefined) return;
    const entry = this.#entries.get(frame.channel);
    if (!entry) return;
    // The subscription ended on the gateway's side: report it, and ask again later unless
    // the refusal is final (a token that does not allow the channel).
    entry.sink.failed?.(frame);
    if (frame.code === 'UNAUTHORIZED' || frame.code === 'FORBIDDEN') return;
    entry.syncing = true;
    setTimeout(() => {
      if (this.#entries.get(frame.channel!) === entry) this.#resubscribe([frame.channel!]);
    }, RETRY_MS);
  }

  #resubscribe(channels: readonly string[]): void {
    for (let i = 0; i < channels.length; i += BATCH) {
      const batch = channels.slice(i, i + BATCH);
      const since: Record<string, Position> = {};
      for (const channel of batch) {
        const entry = this.#entries.get(channel);
        if (!entry) continue;
        entry.syncing = true;
        if (entry.position) since[channel] = entry.position;
      }
      const request = Object.keys(since).length > 0 ? { channels: batch, since } : { channels: batch };
      this.#socket.emit('subscribe', request, (ack: Ack) => {
        if (ack.ok) return;
        for (const channel of batch) {
          const entry = this.#entries.get(channel);
          if (entry) entry.sink.failed?.(ack.error);
        }
      });
    }
    this.#updateState();
  }

  #updateState(): void {
    if (this.#closed) return;
    const recovered = [...this.#entries.values()].every((e) => !e.recovering);
    if (this.#socket.connected && recovered) {
      if (this.#staleTimer !== undefined) clearTimeout(this.#staleTimer);
      this.#staleTimer = undefined;
      this.#setState('live');
      return;
    }
    if (!this.#everConnected && !this.#connectFailed) {
      this.#setState('connecting');
      return;
    }
    if (this.#state !== 'stale') this.#setState('reconnecting');
    this.#staleTimer ??= setTimeout(() => {
      this.#staleTimer = undefined;
      if (this.#state === 'reconnecting') this.#setState('stale');
    }, this.#staleAfterMs);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onState(state);
  }
}
