// The node:net transport's write backlog (runtime/io/node-transport.ts): past SOCKET_BACKLOG
// unsent bytes, writes wait in the transport's queue instead of the socket's buffer (Bun's
// net.Socket is quadratic in that buffer). Against a local TCP server that does not read at
// first: order and every byte kept, needsDrain while anything is queued, drain() once the queue
// is empty, end() after the queued writes, and each write's callback called once.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTransport } from '../../../runtime/io/node-transport.js';
import type { Transport, TransportSink } from '../../../runtime/io/transport.js';

const CHUNK = 64 * 1024;
const COUNT = 64; // 4 MiB: four times the backlog

let server: Server | undefined;
const peers: Socket[] = [];
afterEach(async () => {
  // A paused peer never reads the client's end: destroy it, or close() would wait for it forever.
  for (const p of peers.splice(0)) p.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A server whose first connection starts paused; resolves with the transport and that socket. */
async function connectPaused(): Promise<{ transport: Transport; peer: Socket; sink: { drains: number; ended: boolean } & TransportSink }> {
  let accept!: (s: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  server = createServer({ pauseOnConnect: true }, (s) => {
    peers.push(s);
    accept(s);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const transport = await nodeTransport({ hostname: '127.0.0.1', port, tls: undefined, timeout: 5_000 });
  const sink = {
    drains: 0,
    ended: false,
    data() {},
    drain() {
      this.drains++;
    },
    error() {},
    closed() {
      this.ended = true;
    },
  };
  transport.start(sink);
  return { transport, peer: await accepted, sink };
}

/** Chunk i is filled with i: the reader checks the order byte by byte. */
const chunk = (i: number) => new Uint8Array(CHUNK).fill(i);

function readAll(peer: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  peer.on('data', (d: Buffer) => parts.push(d));
  peer.resume();
  return new Promise((resolve) => peer.once('end', () => resolve(Buffer.concat(parts))));
}

function expectInOrder(all: Buffer): void {
  expect(all.length).toBe(CHUNK * COUNT);
  for (let i = 0; i < COUNT; i++) expect(all.subarray(i * CHUNK, (i + 1) * CHUNK).every((b) => b === i), `chunk ${i}`).toBe(true);
}

describe('nodeTransport write backlog', () => {
  it('queues past the backlog, keeps the order, and calls drain() once the queue is empty', async () => {
    const { transport, peer, sink } = await connectPaused();
    const written: number[] = [];
    transport.cork?.();
    for (let i = 0; i < COUNT; i++) transport.write(chunk(i), () => written.push(i));
    transport.uncork?.();
    expect(transport.needsDrain).toBe(true);
    const all = readAll(peer);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (!transport.needsDrain && sink.drains > 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(written).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    transport.end();
    expectInOrder(await all);
  });

  it('end() with writes still queued sends them all before the end', async () => {
    const { transport, peer } = await connectPaused();
    for (let i = 0; i < COUNT; i++) transport.write(chunk(i));
    expect(transport.needsDrain).toBe(true);
    transport.end();
    expectInOrder(await readAll(peer));
  });

  it('destroy() drops queued writes but still calls their callbacks (credentials are wiped in them)', async () => {
    const { transport, sink } = await connectPaused();
    const called: number[] = [];
    for (let i = 0; i < COUNT; i++) transport.write(chunk(i), () => called.push(i));
    transport.destroy();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (sink.ended && called.length === COUNT) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(new Set(called).size).toBe(COUNT);
    expect(transport.needsDrain).toBe(false);
  });
});
