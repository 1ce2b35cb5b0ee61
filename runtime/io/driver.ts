/**
 * Drives a sans-io ConnectionCore over a Node socket: feeds it bytes and time, writes what it
 * produces, and turns socket ends into `lost()`.
 *
 * Writes: everything the application does in one turn of the event loop (a burst of publishes,
 * acks from a batch of deliveries) is coalesced and written once, with cork/uncork so that the
 * chunks of one flush go out as one writev. A flush happens at the end of each received chunk,
 * on the next setImmediate after a command, or at once when FLUSH_AT bytes are pending.
 * Backpressure: `writable()` resolves at once while the socket buffer is below its high water
 * mark, else on 'drain'; publishers await it, so nothing buffers without bound.
 */
import type { Socket } from 'node:net';
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import type { ConnectionCore } from '../protocol/connection.js';
import { ConnectionLostError } from '../errors.js';

/** Flush at once when this much is pending, without waiting for the end of the turn. */
const FLUSH_AT = 128 * 1024;

/** node:diagnostics_channel names: subscribers get `{ connection, bytes }` for each write/read. */
export const diagnostics = {
  bytesOut: diagnosticsChannel('warren:bytes-out'),
  bytesIn: diagnosticsChannel('warren:bytes-in'),
};

const resolved = Promise.resolve();

export class SocketDriver {
  private readonly core: ConnectionCore;
  private readonly socket: Socket;
  private readonly id: string;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  /** Runs first in every flush: the client's ack batches go out with everything else. */
  beforeFlush: (() => void) | undefined;

  constructor(core: ConnectionCore, socket: Socket, id: string) {
    this.core = core;
    this.socket = socket;
    this.id = id;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (diagnostics.bytesIn.hasSubscribers) diagnostics.bytesIn.publish({ connection: this.id, bytes: chunk });
      this.core.receive(chunk, Date.now());
      this.flush();
    });
    socket.on('drain', () => this.releaseDrainWaiters());
    socket.on('error', (e) => this.core.lost(e));
    socket.on('close', () => {
      this.ended = true;
      this.releaseDrainWaiters();
      clearTimeout(this.timer);
      this.core.lost(new ConnectionLostError('the socket closed'));
    });
  }

  /** Starts the handshake. */
  start(): void {
    this.core.start(Date.now());
    this.flush();
    this.armTimer();
  }

  /** Called after every command that may have produced output. */
  scheduleFlush(): void {
    if (this.core.outputSize >= FLUSH_AT) return this.flush();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves when the socket can take more (immediately unless its buffer is full). */
  writable(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.ended) return resolved;
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Writes everything pending now. */
  flush(): void {
    this.flushScheduled = false;
    this.beforeFlush?.();
    if (!this.core.wantsWrite || this.ended) return;
    const chunks = this.core.takeOutput(Date.now());
    const s = this.socket;
    if (chunks.length === 1) s.write(chunks[0]!);
    else {
      s.cork();
      for (const c of chunks) s.write(c);
      s.uncork();
    }
    if (diagnostics.bytesOut.hasSubscribers) for (const c of chunks) diagnostics.bytesOut.publish({ connection: this.id, bytes: c });
  }

  /** Ends the socket: gracefully (after pending writes) or at once. */
  end(destroy: boolean): void {
    clearTimeout(this.timer);
    this.flush();
    if (destroy) this.socket.destroy();
    else this.socket.end();
  }

  private releaseDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Keeps one timer armed for the core's next deadline (heartbeat, handshake, close-ok). */
  armTimer(): void {
    clearTimeout(this.timer);
    if (this.ended) return;
    const wait = this.core.nextTick(Date.now());
    if (!Number.isFinite(wait)) return;
    this.timer = setTimeout(() => {
      this.core.tick(Date.now());
      this.flush();
      this.armTimer();
    }, Math.max(1, Math.min(wait, 2 ** 31 - 1)));
    this.timer.unref();
  }
}
