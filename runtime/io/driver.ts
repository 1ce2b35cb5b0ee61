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
 * Time: one timer is kept armed for the core's next deadline; it is re-armed whenever a received
 * chunk or a flush moves that deadline earlier (open-ok starts heartbeats long before the
 * handshake deadline the timer was armed for; a channel.close starts its close-ok deadline).
 * The timer's verdicts wait one turn of the loop (setImmediate): after the event loop was blocked
 * (a long synchronous task), timers run before the poll phase reads what the socket already
 * holds, and a peer whose heartbeats sit unread in the socket must not be declared dead.
 */
import type { Socket } from 'node:net';
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import type { ConnectionCore } from '../protocol/connection.js';
import type { FrameTrace } from '../protocol/events.js';
import { ConnectionLostError } from '../errors.js';

/** Flush at once when this much is pending, without waiting for the end of the turn. */
const FLUSH_AT = 128 * 1024;

/**
 * node:diagnostics_channel channels. `frameIn` / `frameOut` (`warren:frame-in`,
 * `warren:frame-out`) get `{ connection, direction, type, channel, size?, method? }` for every
 * frame: what identifies it, never its arguments or body. `bytesIn` / `bytesOut`
 * (`warren:bytes-in`, `warren:bytes-out`) get `{ connection, bytes }` for each socket read and
 * write. A write that carries credentials (start-ok, secure-ok, update-secret) is published as a
 * redacted copy with `redacted: true`: frame header and method ids kept, every argument byte
 * zero. `bytes` of a read is valid only during the call (plain TCP reads reuse one buffer): copy
 * it to keep it. `tlsInsecure` (`warren:tls-insecure`) gets `{ hostname, port }` once per
 * connection made with certificate verification off (`rejectUnauthorized: false`,
 * `?verify=verify_none`).
 */
export const diagnostics = {
  frameIn: diagnosticsChannel('warren:frame-in'),
  frameOut: diagnosticsChannel('warren:frame-out'),
  bytesOut: diagnosticsChannel('warren:bytes-out'),
  bytesIn: diagnosticsChannel('warren:bytes-in'),
  tlsInsecure: diagnosticsChannel('warren:tls-insecure'),
};

/** A method frame with its arguments zeroed: type, channel, size, class and method ids kept. */
function redacted(frame: Uint8Array): Uint8Array {
  const copy = new Uint8Array(frame.length);
  copy.set(frame.subarray(0, Math.min(11, frame.length)));
  if (frame.length > 0) copy[frame.length - 1] = frame[frame.length - 1]!;
  return copy;
}

/** The core's `trace` hook for connection `id`: publishes frames to the diagnostics channels. */
export function frameTracer(id: string): (frame: FrameTrace) => void {
  return (frame) => {
    const ch = frame.direction === 'in' ? diagnostics.frameIn : diagnostics.frameOut;
    if (ch.hasSubscribers) ch.publish({ connection: id, ...frame });
  };
}

const resolved = Promise.resolve();

export class SocketDriver {
  private readonly core: ConnectionCore;
  private readonly socket: Socket;
  private readonly id: string;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (Date.now() scale), Infinity when none is armed. */
  private due = Infinity;
  private drainWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private ended = false;
  /** Runs first in every flush: the client's ack batches go out with everything else. */
  beforeFlush: (() => void) | undefined;

  constructor(core: ConnectionCore, socket: Socket, id: string) {
    this.core = core;
    this.socket = socket;
    this.id = id;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.releaseDrainWaiters(undefined));
    socket.on('error', (e) => this.core.lost(e));
    socket.on('close', () => {
      this.ended = true;
      clearTimeout(this.timer);
      this.core.lost(new ConnectionLostError('the socket closed'));
      // A publish waiting for room did not reach the broker: it fails with the connection.
      this.releaseDrainWaiters(this.core.error ?? new ConnectionLostError('the socket closed before the data was written'));
    });
  }

  /**
   * Bytes from the socket: from 'data' events, or from the reused `onread` buffer (then valid
   * only during this call; the core was told so with `reusedChunks` and copies what it keeps).
   */
  onData(chunk: Buffer): void {
    if (diagnostics.bytesIn.hasSubscribers) diagnostics.bytesIn.publish({ connection: this.id, bytes: chunk });
    const now = Date.now();
    this.core.receive(chunk, now);
    this.flush();
    if (now + this.core.nextTick(now) < this.due) this.armTimer();
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
    if (this.ended) return Promise.reject(this.core.error ?? new ConnectionLostError('the socket is closed'));
    if (!this.socket.writableNeedDrain) return resolved;
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Writes everything pending now. */
  flush(): void {
    this.flushScheduled = false;
    this.beforeFlush?.();
    if (!this.core.wantsWrite || this.ended) return;
    const now = Date.now();
    const chunks = this.core.takeOutput(now);
    const s = this.socket;
    if (chunks.length === 1) this.write(chunks[0]!);
    else {
      s.cork();
      for (const c of chunks) this.write(c);
      s.uncork();
    }
    if (!this.core.isClosed && now + this.core.nextTick(now) < this.due) this.armTimer();
    if (diagnostics.bytesOut.hasSubscribers) {
      for (const c of chunks) {
        if (this.core.isSecret(c)) diagnostics.bytesOut.publish({ connection: this.id, bytes: redacted(c), redacted: true });
        else diagnostics.bytesOut.publish({ connection: this.id, bytes: c });
      }
    }
  }

  /** One chunk to the socket; one carrying credentials is zeroed once the socket has taken it. */
  private write(c: Uint8Array): void {
    if (this.core.isSecret(c)) this.socket.write(c, () => c.fill(0));
    else this.socket.write(c);
  }

  /** Ends the socket: gracefully (after pending writes, e.g. a close-ok) or at once, writing nothing more. */
  end(destroy: boolean): void {
    clearTimeout(this.timer);
    this.due = Infinity;
    if (destroy) {
      this.ended = true;
      this.socket.destroy();
      return;
    }
    this.flush();
    this.socket.end();
  }

  private releaseDrainWaiters(error: Error | undefined): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) {
      if (error) f.reject(error);
      else f.resolve();
    }
  }

  /** The armed timer fired, and a turn of the loop has read what the socket held (see the file comment). */
  private readonly onTimer = (): void => {
    if (this.ended) return;
    this.core.tick(Date.now());
    this.flush();
    this.armTimer();
  };

  /** Keeps one timer armed for the core's next deadline (heartbeat, handshake, close-ok). */
  armTimer(): void {
    clearTimeout(this.timer);
    this.due = Infinity;
    if (this.ended || this.core.isClosed) return;
    const now = Date.now();
    const wait = this.core.nextTick(now);
    if (!Number.isFinite(wait)) return;
    this.due = now + wait;
    this.timer = setTimeout(() => setImmediate(this.onTimer), Math.max(1, Math.min(wait, 2 ** 31 - 1)));
    this.timer.unref();
  }
}
