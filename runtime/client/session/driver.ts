/**
 * Drives a sans-io ConnectionCore over a Transport (runtime/io/transport.ts): feeds it bytes and
 * time, writes what it produces, and turns the transport's end into `lost()`. Knows no socket:
 * node:net, TLS, an in-memory pipe are all the same here.
 *
 * Writes: everything the application does in one turn of the event loop (a burst of publishes,
 * acks from a batch of deliveries) is coalesced and written once, with cork/uncork (when the
 * transport has them) so that the chunks of one flush go out as one writev. A flush happens at the end of each received chunk,
 * on the next setImmediate after a command, or at once when FLUSH_AT bytes are pending.
 * Backpressure: `writable()` resolves at once while the transport does not need a drain, else
 * on its `drain()`; publishers await it, so nothing buffers without bound.
 * Time: one timer is kept armed for the core's next deadline; it is re-armed whenever a received
 * chunk or a flush moves that deadline earlier (open-ok starts heartbeats long before the
 * handshake deadline the timer was armed for; a channel.close starts its close-ok deadline).
 * The timer's verdicts wait one turn of the loop (setImmediate): after the event loop was blocked
 * (a long synchronous task), timers run before the poll phase reads what the socket already
 * holds, and a peer whose heartbeats sit unread in the socket must not be declared dead.
 */
import { ConnectionLostError } from '../../errors.js';
import { diagnostics, redacted } from '../../io/diagnostics.js';
import type { Transport, TransportSink } from '../../io/transport.js';
import type { ConnectionCore } from '../../protocol/connection.js';

/** Flush at once when this much is pending, without waiting for the end of the turn. */
const FLUSH_AT = 128 * 1024;

const resolved = Promise.resolve();

/** One connection's pump between its core and its transport; see the module comment. */
export class Driver implements TransportSink {
  private readonly core: ConnectionCore;
  private readonly transport: Transport;
  private readonly id: string;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (Date.now() scale), Infinity when none is armed. */
  private due = Infinity;
  private drainWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private ended = false;
  /** Runs first in every flush: the client's ack batches go out with everything else. */
  beforeFlush: (() => void) | undefined;

  constructor(core: ConnectionCore, transport: Transport, id: string) {
    this.core = core;
    this.transport = transport;
    this.id = id;
    transport.start(this);
  }

  /** TransportSink: room again. */
  drain(): void {
    this.releaseDrainWaiters(undefined);
  }

  /** TransportSink: the transport failed; `closed()` follows. */
  error(e: Error): void {
    this.core.lost(e);
  }

  /** TransportSink: the transport is closed. */
  closed(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.core.lost(new ConnectionLostError('the socket closed'));
    // A publish waiting for room did not reach the broker: it fails with the connection.
    this.releaseDrainWaiters(this.core.error ?? new ConnectionLostError('the socket closed before the data was written'));
  }

  /**
   * TransportSink: bytes from the peer; with a transport that reuses its read buffer they are
   * valid only during this call (the core was told so with `reusedChunks` and copies what it keeps).
   */
  data(chunk: Uint8Array): void {
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
    if (!this.transport.needsDrain) return resolved;
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Writes everything pending now. */
  flush(): void {
    this.flushScheduled = false;
    this.beforeFlush?.();
    if (!this.core.wantsWrite || this.ended) return;
    const now = Date.now();
    const chunks = this.core.takeOutput(now);
    const t = this.transport;
    if (chunks.length === 1) this.write(chunks[0]!);
    else {
      t.cork?.();
      for (const c of chunks) this.write(c);
      t.uncork?.();
    }
    if (!this.core.isClosed && now + this.core.nextTick(now) < this.due) this.armTimer();
    if (diagnostics.bytesOut.hasSubscribers) {
      for (const c of chunks) {
        if (this.core.isSecret(c)) diagnostics.bytesOut.publish({ connection: this.id, bytes: redacted(c), redacted: true });
        else diagnostics.bytesOut.publish({ connection: this.id, bytes: c });
      }
    }
  }

  /** One chunk to the transport; one carrying credentials is zeroed once the transport has taken it. */
  private write(c: Uint8Array): void {
    if (this.core.isSecret(c)) this.transport.write(c, () => c.fill(0));
    else this.transport.write(c);
  }

  /** Ends the transport: gracefully (after pending writes, e.g. a close-ok) or at once, writing nothing more. */
  end(destroy: boolean): void {
    clearTimeout(this.timer);
    this.due = Infinity;
    if (destroy) {
      this.ended = true;
      this.transport.destroy();
      return;
    }
    this.flush();
    this.transport.end();
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
