/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) on its own TCP port and, optionally, a WebSocket
 * port, and the gateway's publisher into it.
 *
 * Who may do what:
 * - connect: anonymously (public topics only) unless `allowAnonymous` is false; or as a player
 *   with username = player id and password = the player's bearer token, checked by
 *   `verifyPlayer`. A username with a missing or wrong token is refused (bad username or
 *   password).
 * - subscribe: each filter is put to `mayRead(playerId, filter)`; a refused filter gets the
 *   failure return code (0x80) in the SUBACK and the others are granted.
 * - publish: no client may, ever (will messages included): the gateway publishes through the
 *   broker's in-process path, which bypasses client authorization.
 *
 * Limits: state (retained messages, persistent sessions) is in memory and lost on exit; one
 * process, no clustering. Client ids are not tied to usernames: a client that reuses another's
 * client id takes over that session's connection (MQTT's rule), though never its subscriptions'
 * rights, which are checked against the new connection's own credentials.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { MqttPublisher, MqttPublishOptions } from '../../core/ports/mqtt-broker.ts';

export interface AedesBrokerOptions {
  /** Address both listeners bind to. */
  readonly host: string;
  /** MQTT over TCP; 0 picks a free port (see `ports`). */
  readonly port: number;
  /** MQTT over WebSocket; undefined: no WebSocket listener. */
  readonly wsPort?: number;
  /** Whether clients without a username may connect (and read public topics). Default true. */
  readonly allowAnonymous?: boolean;
}

export interface AedesBrokerDeps {
  readonly logger: Logger;
  /** Whether this token belongs to this player. */
  readonly verifyPlayer: (playerId: string, token: string) => boolean;
  /** Whether a client (player id, undefined when anonymous) may subscribe to a topic filter. */
  readonly mayRead: (playerId: string | undefined, filter: string) => boolean;
}

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

export class AedesBroker implements MqttPublisher {
  readonly kind = 'aedes';
  private closed = false;

  private constructor(
    private readonly broker: Aedes,
    private readonly tcp: Server,
    private readonly ws: WebSocketServer | undefined,
    private readonly logger: Logger,
  ) {}

  /** Starts the broker and its listeners; resolves once they accept connections. */
  static async start(deps: AedesBrokerDeps, options: AedesBrokerOptions): Promise<AedesBroker> {
    const players = new WeakMap<Client, string>();
    const allowAnonymous = options.allowAnonymous ?? true;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (username === undefined || username === '') {
          if (allowAnonymous && password === undefined) return done(null, true);
          return done(authError('a username (player id) and password (token) are required', NOT_AUTHORIZED), false);
        }
        if (password === undefined || !deps.verifyPlayer(username, password.toString('utf8'))) {
          return done(authError('bad username or password', BAD_CREDENTIALS), false);
        }
        players.set(client, username);
        done(null, true);
      },
      authorizeSubscribe: (client, subscription, done) => {
        // null grants nothing: the SUBACK carries 0x80 for this filter.
        done(null, deps.mayRead(players.get(client), subscription.topic) ? subscription : null);
      },
      authorizePublish: (_client, _packet, done) => done(new Error('clients may not publish')),
    });
    const tcp = createServer(broker.handle);
    tcp.listen(options.port, options.host);
    await once(tcp, 'listening');
    let ws: WebSocketServer | undefined;
    if (options.wsPort !== undefined) {
      ws = new WebSocketServer({ host: options.host, port: options.wsPort });
      ws.on('connection', (socket, request) => broker.handle(createWebSocketStream(socket), request));
      await once(ws, 'listening');
    }
    broker.on('clientError', (client, error) => deps.logger.debug({ clientId: client.id, err: error }, 'mqtt client error'));
    return new AedesBroker(broker, tcp, ws, deps.logger);
  }

  /** The ports actually bound (useful with port 0). */
  get ports(): { tcp: number; ws: number | undefined } {
    const tcp = this.tcp.address();
    const ws = this.ws?.address();
    return { tcp: typeof tcp === 'object' && tcp ? tcp.port : 0, ws: typeof ws === 'object' && ws ? ws.port : undefined };
  }

  get connectedClients(): number {
    return this.broker.connectedClients;
  }

  publish(topic: string, payload: string | Uint8Array, options: MqttPublishOptions): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('SHUTTING_DOWN', 'the embedded MQTT broker is closed'));
    return new Promise((resolve, reject) => {
      this.broker.publish(
        { cmd: 'publish', topic, payload: typeof payload === 'string' ? payload : Buffer.from(payload), qos: options.qos, retain: options.retain, dup: false },
        (error) => (error ? reject(new AppError('MQTT_PUBLISH_FAILED', `publish to ${topic} failed`, { cause: error })) : resolve()),
      );
    });
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: this.tcp.listening, detail: `aedes, ${this.broker.connectedClients} clients` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const tcpClosed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    const wsClosed = this.ws ? new Promise<void>((resolve) => this.ws!.close(() => resolve())) : Promise.resolve();
    for (const client of this.ws?.clients ?? []) client.terminate();
    // Closing the broker disconnects its clients, which lets the listeners finish closing.
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await Promise.all([tcpClosed, wsClosed]);
    this.logger.debug({}, 'embedded MQTT broker closed');
  }
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
