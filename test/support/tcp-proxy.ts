import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for network-fault tests: it can cut every
 * connection (FIN, as a server closing), reset them (RST, as a crashed peer or a dropped
 * route), refuse new ones (a server that is down) and delay traffic both ways.
 */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Connections currently proxied. */
  connections(): number;
  /** Closes every connection on both sides (FIN: an orderly close, seen as the peer going away). */
  cut(): void;
  /** Destroys every connection with a TCP reset on both sides. */
  reset(): void;
  /** While false, new connections are closed as soon as they arrive. Default true. */
  setAccepting(accepting: boolean): void;
  /** Holds each chunk this long before forwarding it (order is kept). Default 0. */
  setDelay(ms: number): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let accepting = true;
  let delayMs = 0;

  const forward = (from: net.Socket, to: net.Socket): void => {
    // Each direction has its own release time, so a delayed chunk never overtakes an earlier one.
    let releaseAt = 0;
    from.on('data', (chunk) => {
      if (delayMs <= 0 && releaseAt <= Date.now()) {
        to.write(chunk);
        return;
      }
      releaseAt = Math.max(releaseAt, Date.now() + delayMs);
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, releaseAt - Date.now());
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  return {
    port: address.port,
    connections: () => pairs.size,
    cut() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    reset() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
    },
    setAccepting(value) {
      accepting = value;
    },
    setDelay(ms) {
      delayMs = Math.max(0, ms);
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
