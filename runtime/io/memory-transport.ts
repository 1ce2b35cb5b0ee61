/**
 * An in-memory transport pair: two connected ends, each end's writes arriving as the other's
 * reads. For tests (a connection over a pipe to a scripted peer, no socket) and for an
 * in-process broker. No Node API: it runs anywhere.
 *
 * Theory of operation. Each end keeps an outbox of the chunks written to it (each a copy: the
 * writer may reuse or wipe its array once `written` is called). The outbox is delivered to the
 * other end's sink in one batch on a microtask, as a socket delivers what it read, never
 * inside the `write` call. Back-pressure as a socket has it: `needsDrain` is true while the
 * outbox holds more than `highWaterMark` bytes; delivering it empties it and calls the writer's
 * `drain()`. `pause()` on the reading end stops delivery (a peer that does not read): the
 * writer's outbox then grows and its `needsDrain` stays true until `resume()`. An end that
 * is not started yet keeps what arrives until `start()`.
 *
 * Ends (heard on a later microtask, never inside the call): `end()` delivers what is pending,
 * then both ends hear `closed()`; `destroy()` drops the pending writes and closes both; `fail(error)` is a reset: this end hears `error` then `closed`,
 * the other end `closed` (after its pending reads). Each sink hears `closed()` once.
 */
import type { Transport, TransportFactory, TransportSink } from './transport.js';

/** Options of {@link memoryTransportPair}. */
export interface MemoryTransportOptions {
  /** Bytes an end may hold unsent before `needsDrain` is true (default 64 KiB). */
  highWaterMark?: number;
}

/** One end of an in-memory pipe. */
export class MemoryTransport implements Transport {
  readonly reusesChunks = false;
  /** The other end; set by memoryTransportPair(). */
  peer!: MemoryTransport;
  readonly #highWaterMark: number;
  #sink: TransportSink | undefined;
  /** What arrived before start() (data, or the end of the pipe). */
  #early: (Uint8Array | Error | null)[] = [];
  #outbox: Uint8Array[] = [];
  #outboxBytes = 0;
  #written: (() => void)[] = [];
  #scheduled = false;
  #paused = false;
  #needsDrain = false;
  /** No more writes (end, destroy or a failure on either side). */
  #ending = false;
  #closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? 64 * 1024;
  }

  get needsDrain(): boolean {
    return this.#needsDrain;
  }

  /** True once this end has heard (or would have heard) `closed()`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Bytes written by this end and not yet delivered. */
  get pendingBytes(): number {
    return this.#outboxBytes;
  }

  start(sink: TransportSink): void {
    if (this.#sink) throw new Error('this memory transport was started already');
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const e of early) this.#receive(e);
  }

  write(chunk: Uint8Array, written?: () => void): void {
    if (this.#ending) return; // a socket drops writes after it ended; the sink hears closed()
    this.#outbox.push(chunk.slice());
    this.#outboxBytes += chunk.length;
    if (written) this.#written.push(written);
    if (this.#outboxBytes > this.#highWaterMark) this.#needsDrain = true;
    this.#schedule();
  }

  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#schedule(); // the outbox goes first, then both ends close
  }

  destroy(): void {
    this.#drop();
    this.#closeBoth(undefined);
  }

  /** A reset of this end: `error(e)` then `closed()` here, `closed()` on the other end. */
  fail(error: Error): void {
    this.#drop();
    this.#closeBoth(error);
  }

  /** This end stops reading: the other end's writes pile up in its outbox. */
  pause(): void {
    this.#paused = true;
  }

  /** This end reads again: what the other end wrote meanwhile arrives. */
  resume(): void {
    this.#paused = false;
    this.peer.#schedule();
  }

  #drop(): void {
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#written = [];
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#deliver());
  }

  /** Hands the outbox to the other end, then closes both if this end was ended. */
  #deliver(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    if (this.#outbox.length > 0 && !this.peer.#paused) {
      const chunks = this.#outbox;
      const written = this.#written;
      this.#drop();
      for (const c of chunks) this.peer.#receive(c);
      for (const w of written) w();
      if (this.#needsDrain) {
        this.#needsDrain = false;
        if (!this.#closed) this.#sink?.drain();
      }
    }
    if (this.#ending && this.#outbox.length === 0) this.#closeBoth(undefined);
  }

  #receive(e: Uint8Array | Error | null): void {
    if (this.#closed) return;
    const sink = this.#sink;
    if (!sink) {
      this.#early.push(e);
      return;
    }
    if (e instanceof Uint8Array) sink.data(e);
    else {
      this.#closed = true;
      this.#ending = true;
      if (e) sink.error(e);
      sink.closed();
    }
  }

  /** This end closes (with `error` when it failed); the other end closes after its pending reads. */
  #closeBoth(error: Error | undefined): void {
    const peer = this.peer;
    this.#ending = true;
    peer.#ending = true;
    peer.#drop();
    // Never inside the caller's destroy() (a socket's 'close' comes later too); the other end
    // gets what was delivered to it already, then the end.
    queueMicrotask(() => {
      this.#receive(error ?? null);
      peer.#receive(null);
    });
  }
}

/** Two connected in-memory transport ends: `[client, server]` (the names are only a habit; they are symmetric). */
export function memoryTransportPair(options: MemoryTransportOptions = {}): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(options);
  const b = new MemoryTransport(options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A TransportFactory (the `transport` option of connect()) that hands out the client end of a
 * new pipe for each connection attempt and gives the server end to `accept` (e.g. a scripted
 * peer, or an in-process broker). Each reconnect of a recovery gets a fresh pair.
 */
export function memoryTransport(accept: (server: MemoryTransport, target: { hostname: string; port: number }) => void, options: MemoryTransportOptions = {}): TransportFactory {
  return async (target) => {
    const [client, server] = memoryTransportPair(options);
    accept(server, { hostname: target.hostname, port: target.port });
    return client;
  };
}
