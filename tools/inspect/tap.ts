/**
 * tap: a transparent TCP proxy that prints every frame both ways as it passes.
 *
 * Theory of operation. Each accepted client socket gets its own upstream socket. Every chunk read
 * on one side is written, as the very same bytes, to the other side, and then handed to the
 * Inspector with its arrival time: the proxy never parses before forwarding, so a decoding error
 * or a slow terminal cannot change or hold back what passes. Backpressure: when a side's write
 * buffer is full, the other side stops reading until it drains. A FIN from one side is passed on
 * (half-close, the other direction keeps flowing); an error on one side destroys the other; the
 * connection finishes in the Inspector when a side closes. Connections are numbered in
 * the order they are accepted. The upstream is plain TCP (an `amqps://` upstream is refused:
 * TLS bytes cannot be read).
 */
import { type AddressInfo, createServer, connect, type Server, type Socket } from 'node:net';
import type { Inspector } from './inspector.js';

/** A running tap. */
export interface Tap {
  /** The address it listens on. */
  readonly address: AddressInfo;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** Options of {@link startTap}. */
export interface TapOptions {
  readonly listenHost: string;
  /** 0 picks a free port. */
  readonly listenPort: number;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly inspector: Inspector;
  /** Time source in milliseconds (performance.timeOrigin + performance.now() by default). */
  readonly now?: () => number;
}

/** Parses `amqp://host:port` (credentials, vhost ignored) into host and port (default 5672). */
export function parseUpstream(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol === 'amqps:') throw new Error('tap: an amqps:// upstream cannot be inspected (TLS); point it at the plain port');
  if (u.protocol !== 'amqp:') throw new Error(`tap: --upstream must be amqp://HOST:PORT, got ${url}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 5672 };
}

/** Starts the proxy; resolves once it listens. */
export async function startTap(o: TapOptions): Promise<Tap> {
  const now = o.now ?? (() => performance.timeOrigin + performance.now());
  const sockets = new Set<Socket>();
  let ids = 0;
  // allowHalfOpen: a FIN from one side is passed on as a FIN, and bytes still coming the other
  // way (a close-ok after the client's FIN) still get through.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const id = ++ids;
    const upstream = connect({ host: o.upstreamHost, port: o.upstreamPort, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    o.inspector.open(id, `${client.remoteAddress}:${client.remotePort}`, `${o.upstreamHost}:${o.upstreamPort}`, now());
    let open = true;
    const end = (why: string): void => {
      if (!open) return;
      open = false;
      o.inspector.close(id, now(), why);
    };
    const pipe = (from: Socket, to: Socket, dir: 'c2s' | 's2c'): void => {
      from.on('data', (chunk: Buffer) => {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        o.inspector.data(id, dir, chunk, now());
      });
      from.on('end', () => to.end());
      from.on('error', (e) => {
        to.destroy();
        end(`${dir === 'c2s' ? 'client' : 'server'} error: ${e.message}`);
      });
      from.on('close', () => {
        sockets.delete(from);
        to.end();
        end(`${dir === 'c2s' ? 'client' : 'server'} closed`);
      });
    };
    pipe(client, upstream, 'c2s');
    pipe(upstream, client, 's2c');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort, o.listenHost, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
