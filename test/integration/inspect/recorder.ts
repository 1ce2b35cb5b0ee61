/**
 * A recording TCP proxy on 127.0.0.1 for the inspector's tests: forwards bytes unchanged both
 * ways and keeps a copy of every chunk, per direction, so a test holds exactly the bytes that a
 * client and the broker exchanged (the "golden captures" decoded by the tests).
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** A running recorder. */
export interface Recorder {
  readonly port: number;
  /** `url` with its port replaced by the recorder's. */
  url(url: string): string;
  /** Everything sent by clients (client → server), and by the server, concatenated per direction. */
  bytes(): { c2s: Uint8Array; s2c: Uint8Array };
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a recorder in front of `host:port`. */
export async function startRecorder(host: string, port: number): Promise<Recorder> {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = connect({ host, port });
    sockets.add(client).add(upstream);
    const pipe = (from: Socket, to: Socket, into: Buffer[]): void => {
      from.on('data', (chunk: Buffer) => {
        into.push(Buffer.from(chunk));
        to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => sockets.delete(from));
    };
    pipe(client, upstream, c2s);
    pipe(upstream, client, s2c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const own = (server.address() as AddressInfo).port;
  return {
    port: own,
    url: (u) => {
      const x = new URL(u);
      x.hostname = '127.0.0.1';
      x.port = String(own);
      return x.toString();
    },
    bytes: () => ({ c2s: new Uint8Array(Buffer.concat(c2s)), s2c: new Uint8Array(Buffer.concat(s2c)) }),
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
