/**
 * The Node.js transport (the default): TCP through node:net, TLS through node:tls. The only
 * place that touches node:net / node:tls / node:fs. Errors come back typed: ConnectionLostError
 * for a refused or failed connection (with the system `code` in `cause`), ConnectTimeoutError
 * when nothing happened in time.
 *
 * Speed habits kept from the socket driver it replaces: plain TCP reads into one reused 64 KiB
 * buffer (node:net `onread`: no garbage per read; the core copies what it keeps), Nagle off,
 * the chunks of one flush corked into one writev.
 *
 * Write backlog: the socket is given at most SOCKET_BACKLOG unsent bytes; further writes wait in
 * this transport's own queue (in order, behind anything already queued) and go to the socket on
 * its 'drain'. `needsDrain` is true while that queue holds anything or the socket is over its
 * high water mark; `sink.drain()` comes once the queue is empty again. Why not hand everything
 * to the socket: confirmed publishes do not wait for room (their promise is the broker's ack),
 * so a burst of 2,000 × 64 KiB puts 131 MB in the write buffer at once. Node's net.Socket
 * handles that, but Bun's (1.4) concatenates the whole buffered backlog on each partial write:
 * quadratic, 2,000 confirmed 64 KiB publishes took 4-5 s on Bun against 1-1.3 s on Node on a
 * loaded 2-core machine; with the backlog bounded, 1.2-1.6 s (Node 0.7-0.9 s). `end()` waits for
 * the queue to empty.
 */
import { readFileSync } from 'node:fs';
import { isIP, Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import * as workerThreads from 'node:worker_threads';
import { ConnectTimeoutError, ConnectionLostError } from '../errors.js';
import { diagnostics } from './diagnostics.js';
import type { Transport, TransportFactory, TransportSink, TransportTarget } from './transport.js';

interface SocketTarget extends TransportTarget {
  /**
   * For plain TCP: receive data through this callback, read into one reused buffer (node:net
   * `onread`) instead of a fresh Buffer per read; the bytes are valid only during the call.
   * TLS sockets do not support it and emit 'data' as usual.
   */
  onRead?: ((chunk: Buffer) => void) | undefined;
}

/**
 * Certificate verification off is loud, once per connection: a warning to the logger and an
 * event on `warren:tls-insecure`. Without verification anyone on the path can pose as the
 * broker and read everything, the credentials first.
 */
function warnInsecure(t: SocketTarget): void {
  const where = { hostname: t.hostname, port: t.port };
  t.warn?.('TLS certificate verification is off (rejectUnauthorized: false or verify=verify_none): the broker is not authenticated, and a man in the middle can read everything, credentials included', where);
  if (diagnostics.tlsInsecure.hasSubscribers) diagnostics.tlsInsecure.publish(where);
}

/** Size of the reused read buffer: what one read() may return. */
const READ_BUFFER = 64 * 1024;

function pem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function tlsSettings(t: SocketTarget): ConnectionOptions {
  const o = t.tls!;
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const ca = o.ca !== undefined ? (Array.isArray(o.ca) ? o.ca.map(pem) : [pem(o.ca)]) : read(o.cacertfile);
  const settings: ConnectionOptions = {
    host: t.hostname,
    port: t.port,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  };
  if (ca !== undefined) settings.ca = ca;
  const cert = o.cert !== undefined ? pem(o.cert) : read(o.certfile);
  const key = o.key !== undefined ? pem(o.key) : read(o.keyfile);
  if (cert !== undefined) settings.cert = cert;
  if (key !== undefined) settings.key = key;
  if (o.passphrase !== undefined) settings.passphrase = o.passphrase;
  // SNI must not be an IP address (RFC 6066 3); node then checks the IP against the certificate.
  const servername = o.servername ?? (isIP(t.hostname) ? undefined : t.hostname);
  if (servername !== undefined) settings.servername = servername;
  return settings;
}

/** Resolves with a connected (and, for TLS, verified) socket. */
function openSocket(t: SocketTarget): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    if (t.tls && t.tls.rejectUnauthorized === false) warnInsecure(t);
    try {
      const onRead = t.onRead;
      socket = t.tls
        ? tlsConnect(tlsSettings(t))
        : netConnect(
            onRead
              ? { host: t.hostname, port: t.port, onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array): boolean => (onRead((buf as Buffer).subarray(0, n)), true) } }
              : { host: t.hostname, port: t.port },
          );
    } catch (e) {
      reject(new ConnectionLostError(`cannot connect to ${t.hostname}:${t.port}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const ready = t.tls ? 'secureConnect' : 'connect';
    const done = (err?: Error) => {
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onAbort);
      socket.off(ready, onReady);
      socket.off('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onReady = () => done();
    const onError = (e: Error) =>
      done(new ConnectionLostError(`cannot connect to ${t.hostname}:${t.port}: ${e.message}`, { cause: e }));
    const onAbort = () => done(new ConnectTimeoutError(`connecting to ${t.hostname}:${t.port} was aborted`, { cause: t.signal?.reason }));
    const timer = setTimeout(() => done(new ConnectTimeoutError(`no connection to ${t.hostname}:${t.port} within ${t.timeout} ms`)), t.timeout);
    socket.once(ready, onReady);
    socket.once('error', onError);
    t.signal?.addEventListener('abort', onAbort, { once: true });
    if (t.signal?.aborted) onAbort();
  });
}

/** Unsent bytes the socket may hold before writes wait in the transport's queue (see the module comment). */
const SOCKET_BACKLOG = 1024 * 1024;

/** A write waiting for room in the socket. */
interface Queued {
  chunk: Uint8Array;
  written: (() => void) | undefined;
}

/** Events that came before `start()`, kept in order. */
type Early = { data: Uint8Array } | { error: Error } | { closed: true };

/** Node's marker for buffers a transfer must copy (absent on a runtime without it: nothing is marked). */
const markAsUntransferable = (workerThreads as { markAsUntransferable?: (b: ArrayBuffer) => void }).markAsUntransferable;

/** A connected node:net / node:tls socket as a Transport. */
class NodeTransport implements Transport {
  readonly reusesChunks: boolean;
  readonly #socket: Socket;
  #sink: TransportSink | undefined;
  #early: Early[] | undefined = [];
  /** Writes waiting for room, from `#head` on (a head index: no O(n) shift per write). */
  #queue: Queued[] = [];
  #head = 0;
  /** end() was called while writes were queued: the socket ends once they are written. */
  #ending = false;

  constructor(socket: Socket, reusesChunks: boolean) {
    this.#socket = socket;
    this.reusesChunks = reusesChunks;
    socket.setNoDelay(true);
    // Listeners from the start: an 'error' with no listener would be thrown by the socket.
    socket.on('drain', () => {
      this.#pump();
      if (this.#head === this.#queue.length) this.#sink?.drain();
    });
    socket.on('error', (e) => (this.#sink ? this.#sink.error(e) : this.#early?.push({ error: e })));
    socket.on('close', () => (this.#sink ? this.#sink.closed() : this.#early?.push({ closed: true })));
  }

  /** Marks a body block so that transferring one body copies it (Transport.untransferable). */
  untransferable(buffer: ArrayBuffer): void {
    markAsUntransferable?.(buffer);
  }


  /** Bytes read into the reused buffer (plain TCP); before `start`, copied and kept. */
  onRead = (chunk: Buffer): void => {
    if (this.#sink) this.#sink.data(chunk);
    else this.#early?.push({ data: chunk.slice() });
  };

  get needsDrain(): boolean {
    return this.#head < this.#queue.length || this.#socket.writableNeedDrain;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const e of early) {
      if ('data' in e) sink.data(e.data);
      else if ('error' in e) sink.error(e.error);
      else sink.closed();
    }
    if (!this.reusesChunks) this.#socket.on('data', (chunk: Buffer) => sink.data(chunk));
  }

  write(chunk: Uint8Array, written?: () => void): void {
    if (this.#head < this.#queue.length || this.#socket.writableLength >= SOCKET_BACKLOG) this.#queue.push({ chunk, written });
    else this.#write(chunk, written);
  }

  #write(chunk: Uint8Array, written: (() => void) | undefined): void {
    if (written) this.#socket.write(chunk, () => written());
    else this.#socket.write(chunk);
  }

  /** Moves queued writes to the socket while it is under SOCKET_BACKLOG (on 'drain'). */
  #pump(): void {
    const q = this.#queue;
    if (this.#head === q.length) return;
    const s = this.#socket;
    s.cork();
    while (this.#head < q.length && s.writableLength < SOCKET_BACKLOG) {
      const { chunk, written } = q[this.#head]!;
      q[this.#head++] = undefined as unknown as Queued;
      this.#write(chunk, written);
    }
    s.uncork();
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      if (this.#ending) s.end();
    }
  }

  cork(): void {
    this.#socket.cork();
  }

  uncork(): void {
    this.#socket.uncork();
  }

  end(): void {
    if (this.#head < this.#queue.length) this.#ending = true;
    else this.#socket.end();
  }

  destroy(): void {
    // Dropped writes still get their callback: credentials in them are wiped all the same.
    const dropped = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#socket.destroy();
    for (const d of dropped) d.written?.();
  }
}

/**
 * The default TransportFactory: TCP, or TLS when `target.tls` is set. Plain TCP reads into one
 * reused buffer (what bounds the memory of large messages); TLS sockets cannot, and emit a
 * fresh chunk per read.
 */
export const nodeTransport: TransportFactory = async (target) => {
  const reuse = target.tls === undefined;
  let transport: NodeTransport | undefined;
  // Nothing is read before the driver sends the protocol header, but a chunk that came early
  // would still be kept (NodeTransport.onRead).
  const socket = await openSocket({ ...target, onRead: reuse ? (chunk) => transport?.onRead(chunk) : undefined });
  transport = new NodeTransport(socket, reuse);
  return transport;
};
