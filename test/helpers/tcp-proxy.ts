/**
 * A TCP proxy on 127.0.0.1 between a client under test and the broker, to simulate network
 * trouble that a real broker will not produce on demand.
 *
 * Theory of operation: each accepted client socket gets its own upstream socket; bytes are
 * forwarded by hand (not pipe()) so that the proxy decides when they flow.
 * - forwarding (initial): bytes flow both ways, with backpressure (a full side pauses the other).
 * - stall(): nothing is forwarded either way, sockets stay open, no FIN or RST is sent: what a
 *   dead peer or a silent network looks like, which only heartbeats can detect. Both sides are
 *   paused, and whatever had already been read is held and delivered in order on resume().
 *   New connections accepted while stalled are stalled too.
 * - cut(): every current connection is destroyed on both sides (the client sees its socket
 *   close); the proxy keeps listening, so a reconnect goes through.
 * - close(): cut() and stop listening.
 */
import { type AddressInfo, createServer, connect, type Socket } from 'node:net';

/** A running proxy; see the module comment for what each action does. */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `amqpUrl` with its host and port replaced by the proxy's (credentials, vhost, query kept). */
  url(amqpUrl: string): string;
  /** Stops forwarding both ways, keeping the sockets open. */
  stall(): void;
  /** Resumes forwarding, delivering what was held. */
  resume(): void;
  /** Destroys all current connections (both sides); `reset: true` sends an RST instead of a FIN. */
  cut(options?: { reset?: boolean }): void;
  /** Cuts all connections and stops listening. */
  close(): Promise<void>;
  /** Number of client connections currently open through the proxy. */
  connectionCount(): number;
  /** Bytes forwarded so far: client → broker and broker → client. */
  bytesForwarded(): { toTarget: number; toClient: number };
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Chunks read while stalled, per direction, delivered on resume. */
  heldToTarget: Buffer[];
  heldToClient: Buffer[];
}

/** Starts a proxy to `targetHost:targetPort`, listening on 127.0.0.1 on a free port. */
export async function startProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  const bytes = { toTarget: 0, toClient: 0 };

  const forward = (pair: Pair, from: Socket, to: Socket, direction: 'toTarget' | 'toClient'): void => {
    from.on('data', (chunk: Buffer) => {
      if (stalled) {
        (direction === 'toTarget' ? pair.heldToTarget : pair.heldToClient).push(chunk);
        from.pause();
        return;
      }
      bytes[direction] += chunk.length;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!stalled) from.resume();
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream, heldToTarget: [], heldToClient: [] };
    pairs.add(pair);
    const destroyBoth = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A close or error on either side ends the other, as a real connection would.
    client.on('error', destroyBoth).on('close', destroyBoth);
    upstream.on('error', destroyBoth).on('close', destroyBoth);
    forward(pair, client, upstream, 'toTarget');
    forward(pair, upstream, client, 'toClient');
    if (stalled) upstream.pause();
    else client.resume();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const flush = (pair: Pair): void => {
    for (const chunk of pair.heldToTarget.splice(0)) {
      bytes.toTarget += chunk.length;
      pair.upstream.write(chunk);
    }
    for (const chunk of pair.heldToClient.splice(0)) {
      bytes.toClient += chunk.length;
      pair.client.write(chunk);
    }
  };

  const cut = ({ reset = false }: { reset?: boolean } = {}): void => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      for (const socket of [pair.client, pair.upstream]) {
        // resetAndDestroy() needs a connected handle; an upstream still connecting just goes.
        if (reset && !socket.connecting && !socket.destroyed) socket.resetAndDestroy();
        else socket.destroy();
      }
    }
  };

  return {
    port,
    url(amqpUrl: string): string {
      const parsed = new URL(amqpUrl);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    stall(): void {
      stalled = true;
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream.pause();
      }
    },
    resume(): void {
      stalled = false;
      for (const pair of pairs) {
        flush(pair);
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    cut,
    close(): Promise<void> {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
    connectionCount: () => pairs.size,
    bytesForwarded: () => ({ ...bytes }),
  };
}
