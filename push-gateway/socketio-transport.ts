/**
 * The socket.io side of the gateway: namespace `/odds`, `subscribe` / `unsubscribe` requests,
 * player tokens, connection and message limits, and slow consumers. Everything about channels is
 * the hub's; this file maps it onto sockets:
 *
 * - each frame is encoded to JSON once (per channel, or once for all subscribers it is sent to);
 * - what one socket is due in one turn of the event loop leaves as one socket.io packet: its
 *   delta frames, whatever their channels, become the arguments of a single `delta` event
 *   (string concatenation of the encoded frames, no re-encoding). Light load: one frame per
 *   packet, sent at the end of the turn. Heavy load: turns grow longer and packets carry more,
 *   so the cost per delivered frame falls as load rises;
 * - frames go to this process's sockets only: every gateway process consumes the whole stream
 *   itself (see README), so nothing is relayed through the socket.io adapter.
 *
 * Packets are written with engine.io's `write` in socket.io's own format (`2/odds,[...]`, the
 * default parser), which is what socket.io does for a broadcast after encoding it.
 *
 * Slow consumers: a socket whose engine.io write buffer reaches the cap is paused (the hub stops
 * sending to it, so nothing more piles up). When the buffer has drained it resumes from the
 * history or a fresh snapshot; if it does not drain within the grace period it is told why and
 * disconnected.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import type { ErrorCode } from '../core/errors.ts';
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { ChannelHub, Fanout } from './channel-hub.ts';
import { parseChannel, type Channel } from './channels.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { parseSubscribe, parseUnsubscribe, type ErrorFrame, type OutFrame } from './wire.ts';

/** Who a token names, as the gateway needs it (app/auth.ts verifies the token). */
export interface TokenSubject {
  readonly sub: string;
  readonly role: string;
}

export interface SocketIoTransportOptions {
  readonly namespace: string;
  readonly path: string;
  readonly maxConnectionsPerIp: number;
  readonly maxChannelsPerRequest: number;
  readonly maxMessageBytes: number;
  readonly bufferCapPackets: number;
  readonly slowConsumerGraceMs: number;
  readonly trustProxy: boolean;
}

export interface SocketIoTransportDeps {
  readonly httpServer: HttpServer;
  readonly adapter?: ServerOptions['adapter'];
  readonly verifyToken: (token: string) => TokenSubject | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

type Ack = (reply: { ok: true; channels?: readonly string[] } | { ok: false; error: ErrorFrame }) => void;

interface SocketData {
  ip: string;
  subject: TokenSubject | undefined;
}

/** engine.io keeps the write buffer private; its length is the one signal of a slow reader. */
interface EngineConnection {
  readonly writeBuffer: readonly unknown[];
  readonly transport: { readonly writable: boolean };
  on(event: 'packetCreate', listener: () => void): void;
  write(data: string): void;
  close(discard: boolean): void;
}

/** A connected socket and the encoded frames it is due at the end of this turn. */
interface Peer {
  readonly socket: Socket;
  readonly conn: EngineConnection;
  readonly outbox: Array<{ readonly event: OutFrame['event']; readonly json: string }>;
}

const LAG_CHECK_MS = 100;

export class SocketIoTransport implements Fanout {
  readonly protocol = 'socketio';
  private io: Server | undefined;
  private nsp: Namespace | undefined;
  private hub: ChannelHub | undefined;
  private accepting = false;
  private readonly perIp = new Map<string, number>();
  private readonly peers = new Map<string, Peer>();
  /** Channel → the peers attached to it. */
  private readonly rooms = new Map<string, Set<Peer>>();
  /** Peers with something in their outbox. */
  private readonly due = new Set<Peer>();
  private flushQueued = false;
  /** `2/odds,`: an EVENT packet of the namespace, as socket.io's encoder writes it. */
  private packetPrefix = '2';
  /** Paused sockets and since when (ms). */
  private readonly lagging = new Map<string, number>();
  private lagTimer: Timer | undefined;
  /** Gives the HTTP server back its own listeners (engine.io wraps them when it attaches). */
  private restoreServer: (() => void) | undefined;

  constructor(
    private readonly deps: SocketIoTransportDeps,
    private readonly options: SocketIoTransportOptions,
  ) {}

  get connectionCount(): number {
    return this.nsp?.sockets.size ?? 0;
  }

  start(hub: ChannelHub): void {
    if (this.io) return;
    this.hub = hub;
    this.accepting = true;
    const server = this.deps.httpServer;
    const before = listenersOf(server);
    const io = new Server(server, {
      path: this.options.path,
      serveClient: false,
      // A message this large closes the connection at the transport; up to it, the gateway
      // answers oversize requests with a MESSAGE_TOO_LARGE error event instead.
      maxHttpBufferSize: Math.max(4 * this.options.maxMessageBytes, 64 * 1024),
      connectTimeout: 10_000,
      allowRequest: (_req, callback) => callback(null, this.accepting),
      ...(this.deps.adapter ? { adapter: this.deps.adapter } : {}),
    });
    this.io = io;
    this.restoreServer = restorer(server, before);
    const nsp = io.of(this.options.namespace);
    this.nsp = nsp;
    this.packetPrefix = nsp.name === '/' ? '2' : `2${nsp.name},`;
    nsp.use((socket, next) => {
      const refused = this.admit(socket);
      if (!refused) return next();
      this.deps.metrics.rejected.inc({ protocol: this.protocol, code: refused.code });
      const error = new Error(refused.message) as Error & { data?: unknown };
      error.data = { code: refused.code };
      next(error);
    });
    nsp.on('connection', (socket) => this.onConnection(socket));
  }

  /** Closes every connection (clients reconnect, to another process if there is one). */
  async stop(): Promise<void> {
    const io = this.io;
    if (!io) return;
    this.accepting = false;
    this.lagTimer?.cancel();
    this.lagTimer = undefined;
    // Closing the engine connections, not disconnecting the sockets: clients treat it as a
    // transport failure and reconnect by themselves. The HTTP server belongs to the app.
    io.engine.close();
    await this.nsp?.adapter.close();
    this.restoreServer?.();
    this.restoreServer = undefined;
    this.io = undefined;
    this.nsp = undefined;
  }

  publish(channel: string, frame: OutFrame): void {
    const room = this.rooms.get(channel);
    if (!room || room.size === 0) return;
    const json = JSON.stringify(frame.body);
    for (const peer of room) this.enqueue(peer, frame.event, json);
  }

  send(subscriberIds: readonly string[], frame: OutFrame): void {
    let json: string | undefined;
    for (const id of subscriberIds) {
      const peer = this.peers.get(id);
      if (peer) this.enqueue(peer, frame.event, (json ??= JSON.stringify(frame.body)));
    }
  }

  attach(channel: string, subscriberId: string): void {
    const peer = this.peers.get(subscriberId);
    if (!peer) return;
    const room = this.rooms.get(channel);
    if (room) room.add(peer);
    else this.rooms.set(channel, new Set([peer]));
  }

  detach(channel: string, subscriberId: string): void {
    const room = this.rooms.get(channel);
    const peer = this.peers.get(subscriberId);
    if (!room || !peer) return;
    room.delete(peer);
    if (room.size === 0) this.rooms.delete(channel);
  }

  private enqueue(peer: Peer, event: OutFrame['event'], json: string): void {
    peer.outbox.push({ event, json });
    this.due.add(peer);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // After this turn's microtasks, where the hub flushes its channels: one packet per socket.
    setImmediate(() => this.flushOutboxes());
  }

  private flushOutboxes(): void {
    this.flushQueued = false;
    for (const peer of this.due) {
      const outbox = peer.outbox.splice(0);
      if (!peer.socket.connected) continue;
      // Consecutive deltas share a packet; anything else keeps its place between them.
      let deltas: string[] = [];
      for (const { event, json } of outbox) {
        if (event === 'delta') {
          deltas.push(json);
          continue;
        }
        if (deltas.length > 0) peer.conn.write(`${this.packetPrefix}["delta",${deltas.join(',')}]`);
        deltas = [];
        peer.conn.write(`${this.packetPrefix}["${event}",${json}]`);
      }
      if (deltas.length > 0) peer.conn.write(`${this.packetPrefix}["delta",${deltas.join(',')}]`);
    }
    this.due.clear();
  }

  private admit(socket: Socket): { code: ErrorCode; message: string } | undefined {
    if (!this.accepting) return { code: 'SHUTTING_DOWN', message: 'the gateway is shutting down' };
    const ip = this.clientIp(socket.request, socket.handshake.address);
    if ((this.perIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
      return { code: 'CONNECTION_LIMIT', message: `at most ${this.options.maxConnectionsPerIp} connections per address` };
    }
    const token: unknown = socket.handshake.auth?.token;
    let subject: TokenSubject | undefined;
    if (token !== undefined) {
      subject = typeof token === 'string' ? this.deps.verifyToken(token) : undefined;
      if (!subject) return { code: 'UNAUTHORIZED', message: 'the token is not valid (connect without one for public channels)' };
    }
    const data: SocketData = { ip, subject };
    socket.data = data;
    return undefined;
  }

  private onConnection(socket: Socket): void {
    const data = socket.data as SocketData;
    this.perIp.set(data.ip, (this.perIp.get(data.ip) ?? 0) + 1);
    this.deps.metrics.connections.inc({ protocol: this.protocol });

    socket.use(([event, ...args], next) => {
      if (event !== 'subscribe' && event !== 'unsubscribe') {
        this.reject(socket, 'INVALID_REQUEST', `unknown event ${JSON.stringify(String(event).slice(0, 40))}: use subscribe or unsubscribe`, ackOf(args));
        return;
      }
      // Bounded by maxHttpBufferSize, so measuring costs little; requests are rare.
      if (JSON.stringify(args.filter((a) => typeof a !== 'function')).length > this.options.maxMessageBytes) {
        this.reject(socket, 'MESSAGE_TOO_LARGE', `requests are limited to ${this.options.maxMessageBytes} bytes`, ackOf(args));
        return;
      }
      next();
    });
    socket.on('subscribe', (body: unknown, ack?: unknown) => this.onSubscribe(socket, body, asAck(ack)));
    socket.on('unsubscribe', (body: unknown, ack?: unknown) => this.onUnsubscribe(socket, body, asAck(ack)));

    const conn = socket.conn as unknown as EngineConnection;
    this.peers.set(socket.id, { socket, conn, outbox: [] });
    conn.on('packetCreate', () => {
      if (conn.writeBuffer.length >= this.options.bufferCapPackets && !this.lagging.has(socket.id)) this.onLagging(socket);
    });

    socket.on('disconnect', () => {
      const left = (this.perIp.get(data.ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(data.ip);
      else this.perIp.set(data.ip, left);
      this.lagging.delete(socket.id);
      this.deps.metrics.connections.dec({ protocol: this.protocol });
      this.hub?.drop(socket.id);
      this.peers.delete(socket.id);
    });
  }

  private onSubscribe(socket: Socket, body: unknown, ack: Ack | undefined): void {
    const request = parseSubscribe(body, this.options.maxChannelsPerRequest);
    if (!request.ok) return this.reject(socket, 'INVALID_REQUEST', request.message, ack);
    const channels: Channel[] = [];
    for (const name of request.value.channels) {
      const channel = parseChannel(name);
      if (!channel) return this.reject(socket, 'INVALID_REQUEST', `no such channel ${JSON.stringify(name.slice(0, 80))}: use event:<eventId>, sport:<sportId>:live or player:<playerId>`, ack, name.slice(0, 128));
      const denied = this.authorize(socket, channel);
      if (denied) return this.reject(socket, denied.code, denied.message, ack, channel.name);
      channels.push(channel);
    }
    const result = this.hub?.subscribe(socket.id, channels, request.value.since) ?? { ok: false, code: 'SHUTTING_DOWN', message: 'the gateway is not running' };
    if (!result.ok) return this.reject(socket, result.code, result.message, ack);
    ack?.({ ok: true, channels: channels.map((c) => c.name) });
  }

  private onUnsubscribe(socket: Socket, body: unknown, ack: Ack | undefined): void {
    const request = parseUnsubscribe(body, this.options.maxChannelsPerRequest);
    if (!request.ok) return this.reject(socket, 'INVALID_REQUEST', request.message, ack);
    this.hub?.unsubscribe(socket.id, request.value.channels);
    ack?.({ ok: true, channels: request.value.channels });
  }

  /** Private channels: a player's own, with a player token for that very player. */
  private authorize(socket: Socket, channel: Channel): { code: ErrorCode; message: string } | undefined {
    if (channel.kind !== 'player') return undefined;
    const subject = (socket.data as SocketData).subject;
    if (!subject) return { code: 'UNAUTHORIZED', message: `${channel.name} needs a player token (handshake auth.token)` };
    if (subject.role !== 'player' || subject.sub !== channel.playerId) return { code: 'FORBIDDEN', message: `the token does not belong to ${channel.playerId}` };
    return undefined;
  }

  private reject(socket: Socket, code: ErrorCode, message: string, ack: Ack | undefined, channel?: string): void {
    const frame: ErrorFrame = channel === undefined ? { code, message } : { code, message, channel };
    this.deps.metrics.rejected.inc({ protocol: this.protocol, code });
    socket.emit('error', frame);
    ack?.({ ok: false, error: frame });
  }

  private onLagging(socket: Socket): void {
    this.lagging.set(socket.id, this.deps.clock.now());
    this.deps.metrics.slowConsumers.inc({ protocol: this.protocol, action: 'paused' });
    // Not while a publish may be iterating the rooms this socket is about to leave.
    queueMicrotask(() => {
      if (this.lagging.has(socket.id)) this.hub?.pause(socket.id);
    });
    this.lagTimer ??= this.deps.clock.setInterval(() => this.checkLagging(), LAG_CHECK_MS);
  }

  private checkLagging(): void {
    const now = this.deps.clock.now();
    for (const [id, since] of this.lagging) {
      const socket = this.nsp?.sockets.get(id);
      if (!socket) {
        this.lagging.delete(id);
        continue;
      }
      const conn = socket.conn as unknown as EngineConnection;
      if (conn.writeBuffer.length === 0 && conn.transport.writable) {
        this.lagging.delete(id);
        this.deps.metrics.slowConsumers.inc({ protocol: this.protocol, action: 'caught_up' });
        this.hub?.resume(id);
      } else if (now - since >= this.options.slowConsumerGraceMs) {
        this.lagging.delete(id);
        this.deps.metrics.slowConsumers.inc({ protocol: this.protocol, action: 'disconnected' });
        this.deps.logger.info({ socket: id, ip: (socket.data as SocketData).ip, bufferedPackets: conn.writeBuffer.length }, 'slow consumer disconnected');
        socket.emit('error', { code: 'SLOW_CONSUMER', message: `did not read its messages within ${this.options.slowConsumerGraceMs} ms` } satisfies ErrorFrame);
        // Discard what is queued: waiting for a reader that does not read is what must not happen.
        conn.close(true);
      }
    }
    if (this.lagging.size === 0) {
      this.lagTimer?.cancel();
      this.lagTimer = undefined;
    }
  }

  private clientIp(request: IncomingMessage, address: string): string {
    if (this.options.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return address;
  }
}

function asAck(value: unknown): Ack | undefined {
  return typeof value === 'function' ? (value as Ack) : undefined;
}

function ackOf(args: readonly unknown[]): Ack | undefined {
  return asAck(args[args.length - 1]);
}

const SERVER_EVENTS = ['request', 'upgrade', 'close', 'listening'] as const;
type Listener = (...args: unknown[]) => void;

function listenersOf(server: HttpServer): Map<string, Listener[]> {
  return new Map(SERVER_EVENTS.map((event) => [event, server.listeners(event) as Listener[]]));
}

/**
 * engine.io attaches by replacing the server's request listeners with one that routes its path
 * and calls the others, and by adding upgrade/close/listening listeners. Undoing exactly that
 * (and nothing added by anyone else meanwhile) leaves the server as it was, so a stopped gateway
 * neither answers on it nor refuses upgrades meant for another.
 */
function restorer(server: HttpServer, before: Map<string, Listener[]>): () => void {
  const after = listenersOf(server);
  const added = SERVER_EVENTS.map((event) => [event, after.get(event)!.filter((l) => !before.get(event)!.includes(l))] as const);
  const removed = SERVER_EVENTS.map((event) => [event, before.get(event)!.filter((l) => !after.get(event)!.includes(l))] as const);
  return () => {
    for (const [event, listeners] of added) for (const l of listeners) server.removeListener(event, l);
    for (const [event, listeners] of removed) for (const l of listeners) server.on(event, l);
  };
}
