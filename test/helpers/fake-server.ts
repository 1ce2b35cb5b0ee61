/**
 * A scripted AMQP server on a real TCP socket, for what a broker will not do on demand (send an
 * oversized frame, never answer channel.close). It runs the handshake (start, tune, open-ok),
 * answers channel.open and basic.consume, and records every method the client sent; the test
 * decides the rest through `send()` and the `answerChannelClose` switch.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Reader, Writer, type AnyMethod } from '../../runtime/codec/index.js';
import { FrameParser, writeMethodFrame } from '../../runtime/frame/index.js';
import { registry } from '../../generated/index.js';

/** A running fake server; see the module comment. */
export interface FakeServer {
  readonly port: number;
  readonly url: string;
  /** Methods received from clients, in order (kind and channel). */
  readonly received: { channel: number; method: AnyMethod }[];
  /** Answer channel.close with close-ok (default true). */
  answerChannelClose: boolean;
  /** Writes raw bytes to every connected client. */
  send(bytes: Uint8Array): void;
  /** A method frame as bytes. */
  frame(channel: number, m: AnyMethod): Uint8Array;
  /** Resolves when a method of `kind` has been received. */
  waitFor(kind: string): Promise<void>;
  close(): Promise<void>;
}

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;

function frame(channel: number, method: AnyMethod): Uint8Array {
  const w = new Writer(512);
  writeMethodFrame(w, channel, registry.byKind(method.kind)!, method);
  return w.toBytes().slice();
}

/** Starts a fake server offering `frameMax` and `heartbeat` in its tune. */
export async function startFakeServer(tune: { frameMax?: number; heartbeat?: number } = {}): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const received: FakeServer['received'] = [];
  const waiters: { kind: string; resolve(): void }[] = [];
  const self = { answerChannelClose: true };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true); // what the test sends arrives at once (no Nagle delay in the measurement)
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new FrameParser({ frameMax: 0 });
    let header = 8;
    socket.on('data', (chunk: Buffer) => {
      let bytes: Uint8Array = chunk;
      if (header > 0) {
        const n = Math.min(header, bytes.length);
        header -= n;
        bytes = bytes.subarray(n);
        if (header === 0) socket.write(frame(0, m('connection.start', { versionMajor: 0, versionMinor: 9, serverProperties: { product: 'fake' }, mechanisms: new TextEncoder().encode('PLAIN'), locales: new TextEncoder().encode('en_US') })));
      }
      try {
        parser.push(bytes);
        for (let f = parser.next(); f; f = parser.next()) {
          if (f.type !== 1) continue;
          const r = new Reader(f.payload);
          const def = registry.byId(((r.short() << 16) | r.short()) >>> 0)!;
          const method = def.decode(r);
          received.push({ channel: f.channel, method });
          for (const w of waiters.filter((x) => x.kind === method.kind)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
          const answer: Record<string, AnyMethod | undefined> = {
            'connection.start-ok': m('connection.tune', { channelMax: 2047, frameMax: tune.frameMax ?? 131072, heartbeat: tune.heartbeat ?? 0 }),
            'connection.open': m('connection.open-ok'),
            'connection.close': m('connection.close-ok'),
            'channel.open': m('channel.open-ok'),
            'channel.close': self.answerChannelClose ? m('channel.close-ok') : undefined,
            'basic.consume': m('basic.consume-ok', { consumerTag: 'fake-ctag' }),
          };
          const a = answer[method.kind];
          if (a) socket.write(frame(f.channel, a));
          if (method.kind === 'connection.close') socket.end(); // as RabbitMQ does after close-ok
        }
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(self, {
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}/?heartbeat=0`,
    received,
    send: (bytes: Uint8Array) => {
      for (const s of sockets) s.write(bytes);
    },
    frame,
    waitFor: (kind: string) => (received.some((r) => r.method.kind === kind) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ kind, resolve }))),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
