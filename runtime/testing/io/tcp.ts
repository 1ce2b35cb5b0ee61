/**
 * The test broker's TCP listener: each accepted socket becomes a broker connection, so any
 * AMQP 0-9-1 client (warren, amqplib, pika...) can connect to `amqp://guest:guest@127.0.0.1:PORT`.
 * The only file of warren/testing that touches node:net (STYLE.md: I/O stays in an `io` folder).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { TestBroker } from '../broker.js';

/** A listening socket. */
export interface TcpListener {
  readonly host: string;
  readonly port: number;
  /** `amqp://guest:guest@host:port` (the default user; use your own credentials if you changed them). */
  readonly url: string;
  /** Stops listening and ends every socket it accepted. */
  close(): Promise<void>;
}

/** Listens on `host:port` (default 127.0.0.1 and a free port) for clients of `broker`. */
export function listenTcp(broker: TestBroker, { host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {}): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const side = broker.accept({
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      close: () => {
        socket.end();
        socket.destroySoon?.();
      },
    }, { name: `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}` });
    socket.on('data', (chunk: Uint8Array) => side.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      side.closed();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        host,
        port: bound,
        url: `amqp://guest:guest@${host}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
