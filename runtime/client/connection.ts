/**
 * The Promise API of a connection: `connect()` opens the socket and runs the handshake;
 * `Connection` routes the core's events to promises, channels and listeners.
 *
 * The protocol work happens in the sans-io ConnectionCore; the socket work in SocketDriver.
 * This file only connects them to the application: a map from call id to its promise, a map
 * from channel id to its Channel, and the connection-level events.
 */
import type { FieldTable } from '../codec/index.js';
import { ConnectionClosedError } from '../errors.js';
import { ConnectionCore } from '../protocol/connection.js';
import type { Content, ProtocolEvent } from '../protocol/events.js';
import type { TuneWanted } from '../protocol/tune.js';
import { SocketDriver, frameTracer } from '../io/driver.js';
import { openSocket } from '../io/open-socket.js';
import { BrokerRules, type BrokerInfo } from './broker-rules.js';
import { Channel } from './channel.js';
import { clientProperties } from './client-properties.js';
import { Emitter } from './emitter.js';
import { resolveOptions, type ConnectOptions, type Logger, type ResolvedOptions } from './options.js';
import { describeConnection, inside, traceClose, traceConnect, tracing } from './tracing.js';
import type { AnyMethod } from '../codec/index.js';

export interface ConnectionEvents {
  /** The connection is closed; `error` is undefined after a close() the application asked for. */
  close: [error: Error | undefined];
  /**
   * The connection failed. Emitted at once when warren closes because the broker broke the
   * protocol (the close handshake then finishes in the background and `close` follows), or just
   * before `close` for any other error. Emitted once per connection.
   */
  error: [error: Error];
  /** RabbitMQ stopped reading publishes (a resource alarm); `reason` as the broker gave it. */
  blocked: [reason: string];
  unblocked: [];
}

/** A reply as the core delivered it. */
export interface Reply {
  method: AnyMethod;
  content?: Content | undefined;
}

interface PendingReply {
  /** Runs synchronously when the reply arrives, before later frames of the same read are handled. */
  onReply?: ((r: Reply) => void) | undefined;
  resolve(value: Reply): void;
  reject(error: Error): void;
}

let connectionIds = 0;

/** An open AMQP connection. Create one with {@link connect}. */
export class Connection extends Emitter<ConnectionEvents> {
  /** The broker's server-properties (product, version, capabilities...). */
  readonly serverProperties: FieldTable;
  /** Negotiated channel_max, frame_max (bytes) and heartbeat (seconds). */
  readonly tune: Readonly<TuneWanted>;
  /** @internal */ readonly core: ConnectionCore;
  /** @internal */ readonly driver: SocketDriver;
  /** @internal what the broker's version does with requests (broker-rules.ts) */ readonly rules: BrokerRules;
  readonly #replies = new Map<number, PendingReply>();
  readonly #channels = new Map<number, Channel>();
  /** Channels holding a batch of acks for the next flush. */
  readonly #ackBatches = new Set<Channel>();
  readonly #logger: Logger | undefined;
  #closed: Promise<void> | undefined;
  #closedResolve!: () => void;
  #error: Error | undefined;
  #errorEmitted = false;

  /** @internal use {@link connect} */
  constructor(core: ConnectionCore, driver: SocketDriver, options: ResolvedOptions) {
    super();
    this.core = core;
    this.driver = driver;
    this.serverProperties = core.serverProperties;
    this.tune = core.tune;
    this.#logger = options.logger;
    this.rules = new BrokerRules({ serverProperties: () => this.serverProperties, logger: options.logger, permitDeprecatedFeatures: options.permitDeprecatedFeatures });
    driver.beforeFlush = () => {
      if (this.#ackBatches.size === 0) return;
      const batches = [...this.#ackBatches];
      this.#ackBatches.clear();
      for (const ch of batches) ch.flushAcks();
    };
  }

  /** @internal a channel holds acks for the next flush */
  ackPending(ch: Channel): void {
    this.#ackBatches.add(ch);
  }

  /** The broker's product, version and capabilities, from connection.start. */
  get broker(): BrokerInfo {
    return this.rules.broker;
  }

  /** True until the connection starts closing. */
  get isOpen(): boolean {
    return this.core.state === 'open';
  }

  /** True while the broker has blocked publishing (connection.blocked). */
  get isBlocked(): boolean {
    return this.core.blocked;
  }

  /** Why the connection closed, if it closed because of an error. */
  get closeReason(): Error | undefined {
    return this.#error;
  }

  /** Opens a channel. */
  async channel(): Promise<Channel> {
    const { channel, call } = this.core.openChannel();
    const ch = new Channel(this, channel);
    this.#channels.set(channel, ch);
    try {
      await this.reply(channel, call);
    } catch (e) {
      this.#channels.delete(channel);
      throw e;
    }
    return ch;
  }

  /**
   * Closes the connection gracefully: pending writes (acks included) go out first, then
   * connection.close, then we wait for close-ok (at most `closeTimeout`). Idempotent.
   */
  close(): Promise<void> {
    if (tracing.close.start.hasSubscribers && !inside.close) return traceClose(this, () => this.close());
    if (!this.#closed) {
      this.#closed = new Promise((resolve) => (this.#closedResolve = resolve));
      for (const ch of this.#channels.values()) ch.flushAcks();
      this.core.close(Date.now());
      this.driver.flush();
      this.driver.armTimer();
    }
    return this.#closed;
  }

/** Closes the connection (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Sends RabbitMQ's connection.update-secret (e.g. a refreshed OAuth 2 token). */
  async updateSecret(newSecret: string, reason: string): Promise<void> {
    const call = this.core.updateSecret(new TextEncoder().encode(newSecret), reason);
    await this.reply(0, call);
  }

  /** @internal the promise for a call id returned by the core */
  reply(channel: number, call: number, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply> {
    this.driver.scheduleFlush();
    if (call < 0) return Promise.resolve({ method: { kind: 'none' } });
    return new Promise((resolve, reject) => {
      if (!signal) {
        this.#replies.set(call, { resolve, reject, onReply });
        return;
      }
      const onAbort = () => {
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

  /** @internal routes one event of the core */
  onEvent(e: ProtocolEvent): void {
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
        this.#channels.get(e.channel)?.onMethod(e.method);
        return;
      case 'content':
        this.#channels.get(e.channel)?.onContent(e.method, e.content);
        return;
      case 'channel-closed': {
        const ch = this.#channels.get(e.channel);
        this.#channels.delete(e.channel);
        ch?.onClosed(e.error);
        return;
      }
      case 'blocked':
        this.emit('blocked', e.reason);
        return;
      case 'unblocked':
        this.emit('unblocked');
        for (const ch of this.#channels.values()) ch.drainBacklog();
        return;
      case 'error':
        this.#failed(e.error);
        return;
      case 'closed':
        this.#error = e.error;
        this.driver.end(e.destroy);
        if (e.error) this.#failed(e.error);
        this.emit('close', e.error);
        this.#closed ??= Promise.resolve();
        this.#closedResolve?.();
        return;
      case 'open':
        return;
    }
  }

  #failed(error: Error): void {
    this.#error = error;
    if (this.#errorEmitted) return;
    this.#errorEmitted = true;
    this.#logger?.warn?.('connection failed', { error: error.message });
    this.emit('error', error);
  }

  /** Hides internals (and anything near the credentials) from console.log / util.inspect. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Connection { state: '${this.core.state}', channels: ${this.#channels.size} }`;
  }
}

/**
 * Opens a connection: TCP (or TLS), the AMQP handshake, authentication and vhost, within
 * `connectionTimeout`. Accepts an amqp:// or amqps:// URL, an options object, or both (the
 * object wins).
 */
export async function connect(url?: string | ConnectOptions, options?: ConnectOptions): Promise<Connection> {
  const o = typeof url === 'string' ? resolveOptions(url, options) : resolveOptions(undefined, url ?? options);
  if (tracing.connect.start.hasSubscribers && !inside.connect) return traceConnect(o, () => connect(url, options));
  const started = Date.now();
  // Plain TCP reads into one reused buffer (no 64 KiB of garbage per read, which is what bounds
  // the memory of large messages); the core copies what it keeps. Nothing is read before
  // driver.start() sends the protocol header, so `driver` is set by the time data arrives.
  const reuse = o.tls === undefined;
  const socket = await openSocket({ hostname: o.hostname, port: o.port, tls: o.tls, timeout: o.connectionTimeout, onRead: reuse ? (chunk) => driver.onData(chunk) : undefined });
  let connection: Connection | undefined;
  const early: ProtocolEvent[] = [];
  let opened!: () => void;
  let failed!: (e: Error) => void;
  const handshake = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const id = `warren-${++connectionIds}`;
  const core = new ConnectionCore(
    {
      registry: o.registry,
      vhost: o.vhost,
      mechanisms: o.mechanisms,
      clientProperties: clientProperties(o.connectionName, o.clientProperties),
      tune: { channelMax: o.channelMax, frameMax: o.frameMax, heartbeat: o.heartbeat },
      connectionTimeout: Math.max(1, o.connectionTimeout - (Date.now() - started)),
      closeTimeout: o.closeTimeout,
      maxBodySize: o.maxBodySize,
      reusedChunks: reuse,
      trace: frameTracer(id),
    },
    (e) => {
      if (connection) return connection.onEvent(e);
      if (e.type === 'open') return opened();
      if (e.type === 'error') return failed(e.error); // at once: the close handshake goes on in the background
      if (e.type === 'closed') {
        driver.end(e.destroy);
        return failed(e.error ?? new ConnectionClosedError('the connection closed during the handshake'));
      }
      early.push(e);
    },
  );
  const driver = new SocketDriver(core, socket, id);
  driver.start();
  await handshake;
  connection = new Connection(core, driver, o);
  describeConnection(connection, { id, name: o.connectionName, hostname: o.hostname, port: o.port });
  for (const e of early) connection.onEvent(e); // e.g. connection.blocked in the chunk of open-ok
  return connection;
}
