/**
 * The Cloudflare Workers transport: TCP and TLS through workerd's `cloudflare:sockets`
 * (`connect()`), the default transport of warren's `workerd` build (package export condition
 * `workerd`) and usable anywhere as `connect(url, { transport: workersTransport })`. Plain TCP,
 * or TLS with `secureTransport: 'on'` for amqps: workerd verifies the broker's certificate
 * against the public trust store and takes no CA, client certificate or verification switch,
 * so those TLS options are refused (a TypeError naming them) rather than ignored. How
 * `cloudflare:sockets` is reached: ./cloudflare-sockets.ts.
 *
 * Theory of operation
 * - Reads: one loop pulls the socket's ReadableStream and hands each chunk to `sink.data` (a
 *   fresh array per read: `reusesChunks` is false). The stream's end is `closed()`; its error
 *   is `error()` then `closed()`. Exactly one `closed()`, whoever ends first (peer, end(),
 *   destroy()).
 * - Writes: `write()` only queues. Everything queued in one turn goes out as one coalesced
 *   `writer.write()` (a microtask after the first write of the turn; the driver already
 *   coalesces a flush, this joins a flush's chunks into one buffer), one batch at a time: the
 *   next batch waits for the previous write to resolve, which is the socket's back-pressure.
 * - Back-pressure to the driver: `needsDrain` while more than HIGH_WATER bytes are queued or in
 *   flight; `sink.drain()` once they are all written after it was seen true.
 * - `end()`: the queue is written, then the writer closed. `destroy()`: the socket is closed at
 *   once; queued writes are dropped, their `written` callbacks still called (credentials wiped).
 */
import { ConnectTimeoutError, ConnectionLostError } from '../errors.js';
import { workerdConnect, type WorkerdSocket } from './cloudflare-sockets.js';
import type { Transport, TransportFactory, TransportSink, TransportTarget } from './transport.js';

/** Bytes queued or in flight above which `needsDrain` is true. */
const HIGH_WATER = 1024 * 1024;
/** Most bytes joined into one write (larger chunks go alone, uncopied). */
const BATCH = 256 * 1024;

/** A write waiting to go out. */
interface Queued {
  chunk: Uint8Array;
  written: (() => void) | undefined;
}

/** What workerd cannot do with TLS: each given option is refused by name. */
function refuseTlsOptions(t: TransportTarget): void {
  const o = t.tls;
  if (!o) return;
  const refused: string[] = (['ca', 'cacertfile', 'cert', 'certfile', 'key', 'keyfile', 'passphrase'] as const).filter((k) => o[k] !== undefined);
  // SNI and the certificate check use the host connected to: another name cannot be asked for.
  if (o.servername !== undefined && o.servername !== t.hostname) refused.push('servername');
  if (o.rejectUnauthorized === false) refused.push('rejectUnauthorized: false');
  if (refused.length > 0) {
    throw new TypeError(
      `Cloudflare Workers sockets verify TLS against the public trust store only: ${refused.join(', ')} cannot be used there (the broker needs a publicly trusted certificate for its host name)`,
    );
  }
}

class WorkersTransport implements Transport {
  readonly reusesChunks = false;
  readonly #socket: WorkerdSocket;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #sink: TransportSink | undefined;
  #queue: Queued[] = [];
  /** Bytes queued or being written. */
  #pending = 0;
  #writing = false;
  #scheduled = false;
  #drainOwed = false;
  #ending = false;
  #done = false;

  constructor(socket: WorkerdSocket) {
    this.#socket = socket;
    this.#writer = socket.writable.getWriter();
  }

  get needsDrain(): boolean {
    if (this.#pending > HIGH_WATER) this.#drainOwed = true;
    return this.#pending > HIGH_WATER;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    void this.#readLoop(sink);
  }

  async #readLoop(sink: TransportSink): Promise<void> {
    const reader = this.#socket.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#done) break;
        if (value.length > 0) sink.data(value);
      }
    } catch (e) {
      if (!this.#done) sink.error(e instanceof Error ? e : new ConnectionLostError(String(e)));
    }
    this.#finish();
  }

  /** Reports `closed()` once and drops whatever is still queued. */
  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#dropQueue();
    this.#sink?.closed();
  }

  #dropQueue(): void {
    const dropped = this.#queue;
    this.#queue = [];
    this.#pending = 0;
    for (const d of dropped) d.written?.();
  }

  write(chunk: Uint8Array, written?: () => void): void {
    if (this.#done || this.#ending) {
      written?.();
      return;
    }
    this.#queue.push({ chunk, written });
    this.#pending += chunk.length;
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  /** Writes batches until the queue is empty; then ends the writer if end() asked for it. */
  async #pump(): Promise<void> {
    this.#scheduled = false;
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#done) {
        const batch = this.#takeBatch();
        await this.#writer.write(batch.bytes);
        this.#pending -= batch.bytes.length;
        for (const w of batch.callbacks) w();
      }
    } catch (e) {
      if (!this.#done) this.#sink?.error(e instanceof Error ? e : new ConnectionLostError(String(e)));
      this.#destroySocket();
      return;
    } finally {
      this.#writing = false;
    }
    if (this.#ending && !this.#done) {
      this.#writer.close().catch(() => this.#destroySocket());
      return;
    }
    if (this.#drainOwed && this.#pending <= HIGH_WATER && !this.#done) {
      this.#drainOwed = false;
      this.#sink?.drain();
    }
  }

  /** The next chunks to write, joined into one buffer up to BATCH bytes (a large chunk alone). */
  #takeBatch(): { bytes: Uint8Array; callbacks: (() => void)[] } {
    const q = this.#queue;
    let n = 0;
    let size = 0;
    while (n < q.length && (n === 0 || size + q[n]!.chunk.length <= BATCH)) size += q[n++]!.chunk.length;
    const taken = q.splice(0, n);
    const callbacks = taken.flatMap((t) => (t.written ? [t.written] : []));
    if (taken.length === 1) return { bytes: taken[0]!.chunk, callbacks };
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const t of taken) {
      bytes.set(t.chunk, at);
      at += t.chunk.length;
    }
    return { bytes, callbacks };
  }

  end(): void {
    if (this.#ending || this.#done) return;
    this.#ending = true;
    if (!this.#writing && this.#queue.length === 0) this.#writer.close().catch(() => this.#destroySocket());
    else if (!this.#writing && !this.#scheduled) void this.#pump();
  }

  destroy(): void {
    this.#destroySocket();
    this.#finish();
  }

  #destroySocket(): void {
    this.#socket.close().catch(() => {});
  }
}

/** Races `opened` against the attempt's timeout and abort signal. */
function whenOpened(socket: WorkerdSocket, t: TransportTarget): Promise<void> {
  const where = `${t.hostname}:${t.port}`;
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (error?: Error): void => {
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onAbort);
      if (error) {
        socket.close().catch(() => {});
        reject(error);
      } else resolve();
    };
    const onAbort = (): void => done(new ConnectTimeoutError(`connecting to ${where} was aborted`, { cause: t.signal?.reason }));
    timer = setTimeout(() => done(new ConnectTimeoutError(`no connection to ${where} within ${t.timeout} ms`)), t.timeout);
    t.signal?.addEventListener('abort', onAbort, { once: true });
    if (t.signal?.aborted) return onAbort();
    socket.opened.then(
      () => done(),
      (e: unknown) => done(new ConnectionLostError(`cannot connect to ${where}: ${(e as Error)?.message ?? String(e)}`, { cause: e })),
    );
  });
}

/**
 * TransportFactory for Cloudflare Workers (workerd), over `cloudflare:sockets`: see the module
 * comment. Outbound TCP from a Worker must be made while handling a request (or in a Durable
 * Object); the connection lives no longer than that (docs/runtimes.md).
 */
export const workersTransport: TransportFactory = async (target) => {
  refuseTlsOptions(target);
  const connect = await workerdConnect();
  let socket: WorkerdSocket;
  try {
    socket = connect({ hostname: target.hostname, port: target.port }, { secureTransport: target.tls ? 'on' : 'off', allowHalfOpen: false });
  } catch (e) {
    throw new ConnectionLostError(`cannot connect to ${target.hostname}:${target.port}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  await whenOpened(socket, target);
  return new WorkersTransport(socket);
};
