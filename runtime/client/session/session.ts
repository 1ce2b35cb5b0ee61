/**
 * A session: one AMQP connection to one broker, as the client sees it. It owns the sans-io
 * ConnectionCore and the Driver that pumps it over a Transport, the map from call ids to the
 * promises waiting for their replies, and the routing of the core's events: channel events to
 * the ChannelSink registered for that channel number, connection events to one SessionHost.
 *
 * Theory of operation. A session is made by `openSession()` (open.ts) and lives as long as its
 * core: it is never reused. Until a host is attached, events are kept (e.g. connection.blocked
 * read in the same chunk as open-ok) and handed over, in order, by `attach()`. The connection
 * facade attaches itself; after a recovery it attaches to a new session and `retire()`s the old
 * one, whose late events then go nowhere (and whose abandoned calls are left alone). Calls:
 * `call()` sends a synchronous method and resolves with its reply, rejects with the core's
 * `call-failed` (channel or connection closed first), or with the signal's reason when aborted
 * (the core is told to drop the answer). A reply's `onReply` runs synchronously when it arrives,
 * before later frames of the same read (consume-ok before the first delivery). Everything sent
 * schedules a flush; `beforeFlush` lets held acks ride along.
 *
 * Knows nothing of channels beyond the ChannelSink interface, nor of recovery.
 */
import type { AnyMethod, FieldTable, ProtocolRegistry } from '../../codec/index.js';
import type { ConnectionCore } from '../../protocol/connection.js';
import type { Content, ProtocolEvent } from '../../protocol/events.js';
import type { TuneWanted } from '../../protocol/tune.js';
import type { Driver } from './driver.js';
import { SessionLink, type Link, type LinkWire, type Reply } from './link.js';

export type { Reply } from './link.js';

/** Where a channel's events go: implemented by the channel. */
export interface ChannelSink {
  /** An asynchronous method from the broker (basic.ack, basic.cancel, channel.flow...). */
  onMethod(m: AnyMethod): void;
  /** A method with content (basic.deliver, basic.return). */
  onContent(m: AnyMethod, content: Content): void;
  /** The connection may take publishes again (connection.unblocked). */
  onUnblocked(): void;
}

/** Where the connection-level events go: the connection facade. */
export interface SessionHost {
  /** The channel of `sink` is gone: closed by the broker or by us, or with the connection (`error`). */
  channelClosed(sink: ChannelSink, error: Error | undefined): void;
  blocked(reason: string): void;
  unblocked(): void;
  /** The connection failed (emitted at once; `closed` follows). */
  error(error: Error): void;
  /** The connection is closed; undefined after a clean close. */
  closed(error: Error | undefined): void;
}

/** Where a session goes: one broker address. */
export interface SessionEndpoint {
  hostname: string;
  port: number;
  servername?: string | undefined;
}

interface PendingReply {
  onReply?: ((r: Reply) => void) | undefined;
  resolve(value: Reply): void;
  reject(error: Error): void;
}

const NONE: Reply = { method: { kind: 'none' } as AnyMethod };

/** One open AMQP connection: core, driver, calls and event routing; see the module comment. */
export class Session implements LinkWire {
  readonly core: ConnectionCore;
  readonly driver: Driver;
  readonly endpoint: SessionEndpoint;
  /** Names this connection in diagnostics (`warren-N`). */
  readonly id: string;
  /** When the credentials used expire (epoch ms), if the credentials function said. */
  readonly expiresAt: number | undefined;
  readonly #replies = new Map<number, PendingReply>();
  readonly #sinks = new Map<number, ChannelSink>();
  #host: SessionHost | undefined;
  #early: ProtocolEvent[] = [];
  #retired = false;

  constructor(init: { core: ConnectionCore; driver: Driver; endpoint: SessionEndpoint; id: string; expiresAt: number | undefined; early: ProtocolEvent[] }) {
    this.core = init.core;
    this.driver = init.driver;
    this.endpoint = init.endpoint;
    this.id = init.id;
    this.expiresAt = init.expiresAt;
    this.#early = init.early;
  }

  /** Routes the events to `host` from now on, after the ones kept since the handshake. */
  attach(host: SessionHost): void {
    this.#host = host;
    for (const e of this.#early.splice(0)) this.onEvent(e);
  }

  /** The connection has moved past this session: its late events and aborts are ignored. */
  retire(): void {
    this.#retired = true;
  }

  get isRetired(): boolean {
    return this.#retired;
  }

  /** Runs first in every flush (the client's ack batches go out with everything else). */
  set beforeFlush(f: (() => void) | undefined) {
    this.driver.beforeFlush = f;
  }

  get isOpen(): boolean {
    return this.core.state === 'open';
  }

  get state(): string {
    return this.core.state;
  }

  get error(): Error | undefined {
    return this.core.error;
  }

  get registry(): ProtocolRegistry {
    return this.core.registry;
  }

  get blocked(): boolean {
    return this.core.blocked;
  }

  get serverProperties(): FieldTable {
    return this.core.serverProperties;
  }

  get tune(): Readonly<TuneWanted> {
    return this.core.tune;
  }

  /** True while `channel` is open on this connection (not closing, not closed). */
  channelOpen(channel: number): boolean {
    return this.core.state === 'open' && this.core.channelState(channel)?.state === 'open';
  }

  /**
   * Opens a channel (number `id`, or the next free one) whose events go to `sink`: its link at
   * once, and `opened`, which resolves once open-ok arrives (the sink is dropped if it fails).
   */
  openChannel(sink: ChannelSink, id?: number, signal?: AbortSignal): { link: Link; opened: Promise<void> } {
    const { channel, call } = this.core.openChannel(id);
    this.#sinks.set(channel, sink);
    const opened = this.reply(channel, call, signal).then(
      () => undefined,
      (e: unknown) => {
        if (this.#sinks.get(channel) === sink) this.#sinks.delete(channel);
        throw e;
      },
    );
    return { link: new SessionLink(this, channel), opened };
  }

  /** Sends a synchronous method on `channel` and resolves with its reply. */
  call(channel: number, m: AnyMethod, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply> {
    return this.reply(channel, this.core.call(channel, m), signal, onReply);
  }

  /** Sends an asynchronous method. */
  send(channel: number, m: AnyMethod): void {
    this.core.send(channel, m);
    this.driver.scheduleFlush();
  }

  /** Adds an asynchronous method to the output without scheduling a flush (for beforeFlush). */
  queue(channel: number, m: AnyMethod): void {
    this.core.send(channel, m);
  }

  /** Sends basic.publish with its content (encoded into one buffer by the core). */
  publish(channel: number, m: AnyMethod, properties: object, body: Uint8Array): void {
    this.core.publish(channel, m, properties, body);
    this.driver.scheduleFlush();
  }

  /** Writes what is pending soon (at the end of this turn of the event loop). */
  flushSoon(): void {
    this.driver.scheduleFlush();
  }

  /** Resolves when the transport can take more (at once unless it is full). */
  writable(): Promise<void> {
    return this.driver.writable();
  }

  /** Starts channel.close; the sink hears `channelClosed` when close-ok (or the end) comes. */
  closeChannel(channel: number): void {
    this.core.closeChannel(channel);
    this.driver.scheduleFlush();
  }

  /** Sends connection.update-secret and waits for its answer. */
  async updateSecret(secret: string, reason: string): Promise<void> {
    await this.reply(0, this.core.updateSecret(new TextEncoder().encode(secret), reason));
  }

  /** Starts connection.close (pending writes first); `closed` follows with close-ok or the close timeout. */
  close(): void {
    this.core.close(Date.now());
    this.driver.flush();
    this.driver.armTimer();
  }

  /** Drops the connection at once (no close handshake), unless it is closed already. */
  destroy(): void {
    if (this.core.state !== 'closed') this.driver.end(true);
  }

  /** Rejects every call still waiting (the connection closed for good). */
  failPending(reason: Error): void {
    for (const p of this.#replies.values()) p.reject(reason);
    this.#replies.clear();
  }

  /** The promise for a call id returned by the core. */
  reply(channel: number, call: number, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply> {
    this.driver.scheduleFlush();
    if (call < 0) return Promise.resolve(NONE);
    return new Promise((resolve, reject) => {
      if (!signal) {
        this.#replies.set(call, { resolve, reject, onReply });
        return;
      }
      const onAbort = () => {
        if (this.#retired) return;
        this.#replies.delete(call);
        this.core.abandon(channel, call);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#replies.set(call, {
        onReply,
        resolve: (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
        reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
      });
    });
  }

  /** One event of the core (kept until a host is attached; dropped once retired). */
  onEvent(e: ProtocolEvent): void {
    const host = this.#host;
    if (!host) {
      this.#early.push(e);
      return;
    }
    if (this.#retired) return;
    switch (e.type) {
      case 'reply': {
        const p = this.#replies.get(e.call);
        if (p) {
          this.#replies.delete(e.call);
          const r = { method: e.method, content: e.content };
          p.onReply?.(r);
          p.resolve(r);
        }
        return;
      }
      case 'call-failed': {
        const p = this.#replies.get(e.call);
        if (p) {
          this.#replies.delete(e.call);
          p.reject(e.error);
        }
        return;
      }
      case 'method':
        this.#sinks.get(e.channel)?.onMethod(e.method);
        return;
      case 'content':
        this.#sinks.get(e.channel)?.onContent(e.method, e.content);
        return;
      case 'channel-closed': {
        const sink = this.#sinks.get(e.channel);
        this.#sinks.delete(e.channel);
        if (sink) host.channelClosed(sink, e.error);
        return;
      }
      case 'blocked':
        host.blocked(e.reason);
        return;
      case 'unblocked':
        host.unblocked();
        for (const sink of this.#sinks.values()) sink.onUnblocked();
        return;
      case 'error':
        host.error(e.error);
        return;
      case 'closed':
        this.driver.end(e.destroy);
        host.closed(e.error);
        return;
      case 'open':
        return;
    }
  }
}
