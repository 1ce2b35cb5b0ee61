/**
 * The Promise API of a connection: `connect()` opens the socket and runs the handshake;
 * `Connection` routes the core's events to promises, channels and listeners.
 *
 * The protocol work happens in the sans-io ConnectionCore; the byte stream's in the session Driver over a Transport.
 * This file only connects them to the application: a map from call id to its promise, a map
 * from channel id to its Channel, and the connection-level events.
 *
 * Recovery (recovery/, on unless `recovery: false`): the Connection outlives its core and
 * socket. States: open ─recoverable loss─▶ recovering ─replay done─▶ open; any ─close()─▶
 * closing ─▶ closed; recovering ─given up─▶ closed. On a loss the channels are suspended instead
 * of closed, supervisor.ts reconnects, `attach()` swaps in the new core and driver, and
 * replay.ts re-opens the channels and declares the recorded topology again. Events of a core
 * the connection has moved past are dropped (each Link's sink compares cores).
 */
import type { FieldTable } from '../codec/index.js';
import { ConnectionClosedError } from '../errors.js';
import type { ConnectionCore } from '../protocol/connection.js';
import type { Content, ProtocolEvent } from '../protocol/events.js';
import type { TuneWanted } from '../protocol/tune.js';
import type { Driver } from './session/driver.js';
import { BrokerRules, type BrokerInfo } from './broker-rules.js';
import { drainThenClose, type DrainOptions, type ShutdownReport } from './shutdown.js';
import { Channel } from './channel.js';
import { Emitter } from './emitter.js';
import { parseUrl, resolveOptions, type ConnectOptions, type Logger, type ResolvedOptions } from './options.js';
import { describeConnection, traceClose, traceConnect, traceRecovery, tracing } from './tracing/index.js';
import type { AnyMethod } from '../codec/index.js';
import type { ChannelOptions } from './recovery/channel-settings.js';
import { scheduleRenewal } from './recovery/credentials.js';
import { EndpointWalk, type Endpoint } from './recovery/endpoints.js';
import { RecoveryFailedError, type TopologyRecoveryError } from './recovery/errors.js';
import { establish, type Link } from './recovery/establish.js';
import type { DisconnectedEvent, NodeInfo, QueueRenamedEvent, ReconnectingEvent, RecoveredEvent } from './recovery/events.js';
import { TopologyRecorder } from './recovery/recorder.js';
import { replay } from './recovery/replay.js';
import { isRecoverable, reconnect, sleep, type AttemptState } from './recovery/supervisor.js';
import type { SerializerRegistry } from './serializers.js';
import { setUpChannel, type ChannelSetup } from './channel-setup.js';

/** Events of a Connection, with their payloads. */
export interface ConnectionEvents {
  /** The connection is closed for good; `error` is undefined after a close() the application asked for. */
  close: [error: Error | undefined];
  /**
   * The connection failed for good. Emitted at once when warren closes because the broker broke
   * the protocol (the close handshake then finishes in the background and `close` follows), or
   * just before `close` for any other error; with recovery, a lost connection is `disconnected`
   * and `error` comes only if recovery gives up. Emitted once per connection.
   */
  error: [error: Error];
  /** RabbitMQ stopped reading publishes (a resource alarm); `reason` as the broker gave it. */
  blocked: [reason: string];
  unblocked: [];
  /** The connection was lost and recovery starts (the channels wait). */
  disconnected: [event: DisconnectedEvent];
  /** A connection attempt of the recovery is about to be made. */
  reconnecting: [event: ReconnectingEvent];
  /** Connection, channels, topology and consumers are back. */
  recovered: [event: RecoveredEvent];
  /** Recovery gave up; `error` and `close` follow with the same error. */
  recoveryFailed: [error: RecoveryFailedError];
  /** One recorded entity could not be recovered; the rest of the replay went on. */
  topologyError: [error: TopologyRecoveryError];
  /** A server-named queue came back under a new name. */
  queueRenamed: [event: QueueRenamedEvent];
}

/** `open`, `recovering` (lost, reconnecting or replaying), `closing`, `closed`. */
export type ConnectionState = 'open' | 'recovering' | 'closing' | 'closed';

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

/** An open AMQP connection. Create one with {@link connect}. */
export class Connection extends Emitter<ConnectionEvents> {
  /** @internal the current core (replaced by each recovery) */ core: ConnectionCore;
  /** @internal the current socket driver (replaced by each recovery) */ driver: Driver;
  /** The serializers new channels start with (ConnectOptions `serializers`; default JSON, text, bytes). */
  readonly serializers: SerializerRegistry;
  /** @internal what the broker's version does with requests (broker-rules.ts) */ readonly rules: BrokerRules;
  /** What the application declared through this connection, kept for recovery (see recovery/recorder.ts). */
  readonly topology = new TopologyRecorder();
  readonly #replies = new Map<number, PendingReply>();
  /** Channels by their number on the current core. */
  readonly #channels = new Map<number, Channel>();
  /** The application's channels, in the order opened: what a recovery re-opens. */
  readonly #recorded = new Set<Channel>();
  /** Channels holding a batch of acks for the next flush. */
  readonly #ackBatches = new Set<Channel>();
  readonly #options: ResolvedOptions;
  readonly #logger: Logger | undefined;
  #link: Link | undefined;
  #endpoint: Endpoint;
  #state: ConnectionState = 'open';
  #closed: Promise<void> | undefined;
  #closedResolve!: () => void;
  #error: Error | undefined;
  #errorEmitted = false;
  /** Set while recovering: resolves when recovered, rejects when given up or closed. */
  #ready: { promise: Promise<void>; resolve(): void; reject(e: Error): void } | undefined;
  #abort: AbortController | undefined;
  #cancelRenewal: (() => void) | undefined;

  /** @internal use {@link connect}; without `link`, recovery is off */
  constructor(core: ConnectionCore, driver: Driver, options: ResolvedOptions, link?: Link) {
    super();
    this.core = core;
    this.driver = driver;
    this.#options = options;
    this.#logger = options.logger;
    this.rules = new BrokerRules({ serverProperties: () => this.serverProperties, logger: options.logger, permitDeprecatedFeatures: options.permitDeprecatedFeatures });
    this.serializers = options.serializers;
    this.#endpoint = link?.endpoint ?? { hostname: options.hostname, port: options.port };
    this.#installFlush(driver);
    if (link) this.#attach(link);
  }

  #installFlush(driver: Driver): void {
    driver.beforeFlush = () => {
      if (this.#ackBatches.size === 0) return;
      const batches = [...this.#ackBatches];
      this.#ackBatches.clear();
      for (const ch of batches) ch.flushAcks();
    };
  }

  /** Makes `link` the current connection: its events come here, the old core's no longer do. */
  #attach(link: Link): void {
    this.#link = link;
    this.core = link.core;
    this.driver = link.driver;
    this.#endpoint = link.endpoint;
    this.#channels.clear();
    this.#installFlush(link.driver);
    describeConnection(this, { id: link.id, name: this.#options.connectionName, hostname: link.endpoint.hostname, port: link.endpoint.port });
    link.attach((e) => {
      if (this.core === link.core) this.onEvent(e);
    });
    this.#cancelRenewal?.();
    this.#cancelRenewal = undefined;
    const provider = this.#options.credentials;
    if (link.expiresAt !== undefined && provider) {
      this.#cancelRenewal = scheduleRenewal(link.expiresAt, provider, (secret) => this.updateSecret(secret, 'credentials renewed before expiry'), (e) => this.#logger?.warn?.('renewing the credentials failed', { error: (e as Error).message }));
    }
  }

  /** @internal a channel holds acks for the next flush */
  ackPending(ch: Channel): void {
    this.#ackBatches.add(ch);
  }

  /** The broker's server-properties (product, version, capabilities...) of the current connection. */
  get serverProperties(): FieldTable {
    return this.core.serverProperties;
  }

  /** Negotiated channel_max, frame_max (bytes) and heartbeat (seconds) of the current connection. */
  get tune(): Readonly<TuneWanted> {
    return this.core.tune;
  }

  /** The broker's product, version and capabilities, from connection.start. */
  get broker(): BrokerInfo {
    return this.rules.broker;
  }

  /** `open`, `recovering`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The broker node this connection is on (or was last on, while recovering). */
  get node(): NodeInfo {
    const p = this.core.serverProperties;
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined);
    return { endpoint: this.#endpoint, clusterName: text(p.cluster_name), serverVersion: text(p.version), product: text(p.product) };
  }

  /** True while the connection is open (not while recovering or closing). */
  get isOpen(): boolean {
    return this.#state === 'open' && this.core.state === 'open';
  }

  /** True while the broker has blocked publishing (connection.blocked). */
  get isBlocked(): boolean {
    return this.core.blocked;
  }

  /** Why the connection closed, if it closed because of an error. */
  get closeReason(): Error | undefined {
    return this.#error;
  }

  /**
   * Opens a channel. `options` say how its publishing crosses a recovery (wait or fail, the
   * buffer's bounds, republishing unconfirmed messages), and may set it up in the same call
   * (ChannelSetup: `id`, `prefetch`, `confirm`). While the connection recovers, waits for it.
   */
  async channel(options?: ChannelOptions & ChannelSetup): Promise<Channel> {
    if (this.#state === 'recovering') await this.whenRecovered(undefined);
    const ch = await this.#open({ ...options, recorded: true });
    this.#recorded.add(ch);
    return setUpChannel(ch, options);
  }

  /** @internal a channel for the connection's own work (passive checks, replay): not recovered, not waiting */
  spareChannel(): Promise<Channel> {
    return this.#open({ recorded: false });
  }

  async #open(options: ChannelOptions & { recorded: boolean; id?: number | undefined }): Promise<Channel> {
    const { channel, call } = this.core.openChannel(options.id);
    const ch = new Channel(this, channel, options);
    this.#channels.set(channel, ch);
    try {
      await this.reply(channel, call);
    } catch (e) {
      this.#channels.delete(channel);
      throw e;
    }
    return ch;
  }

  /** @internal a channel closed for good */
  forgetChannel(ch: Channel): void {
    this.#recorded.delete(ch);
  }

  /** @internal resolves when the connection is open again (at once when it is), rejects when it closes for good or `signal` aborts */
  whenRecovered(signal: AbortSignal | undefined): Promise<void> {
    const ready = this.#ready;
    if (!ready) {
      if (this.#state === 'open') return Promise.resolve();
      return Promise.reject(new ConnectionClosedError(`the connection is ${this.#state}`, { cause: this.#error }));
    }
    if (!signal) return ready.promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      ready.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Closes the connection gracefully: pending writes (acks included) go out first, then
   * connection.close, then we wait for close-ok (at most `closeTimeout`). Stops a recovery in
   * progress. Idempotent.
   */
  close(): Promise<void>;
  /**
   * With `drain: true`, a graceful shutdown first (shutdown.ts): consumers stop taking
   * deliveries, running handlers finish and their acks go out, unread deliveries go back to the
   * broker, publishes in flight are confirmed; at `deadline` (ms, default 30,000) it closes
   * anyway. Resolves with what was left (ShutdownReport). For SIGTERM:
   * `process.once('SIGTERM', () => void connection.close({ drain: true, deadline: 10_000 }))`.
   */
  close(options: DrainOptions & { drain: true }): Promise<ShutdownReport>;
  close(options?: DrainOptions): Promise<void | ShutdownReport>;
  close(options?: DrainOptions): Promise<void | ShutdownReport> {
    if (options?.drain) return drainThenClose([...this.#channels.values()], () => this.close(), options);
    if (tracing.close.start.hasSubscribers) return traceClose(this, () => this.#close());
    return this.#close();
  }

  #close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = new Promise((resolve) => (this.#closedResolve = resolve));
      if (this.#state === 'recovering') {
        this.#abort?.abort(new ConnectionClosedError('the connection was closed by the application during recovery'));
        if (this.core.state !== 'closed') this.driver.end(true);
        this.#finish(undefined);
        return this.#closed;
      }
      this.#state = 'closing';
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
      const core = this.core;
      const onAbort = () => {
        if (this.core !== core) return;
        this.#replies.delete(call);
        core.abandon(channel, call);
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
        // The whole connection is going: with recovery coming, the application's channels wait.
        if (ch && ch.recorded && this.core.state === 'closed' && this.#willRecover(this.core.error)) ch.suspend(this.core.error!);
        else ch?.onClosed(e.error);
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
        if (this.#state !== 'recovering') this.#failed(e.error);
        return;
      case 'closed':
        this.driver.end(e.destroy);
        this.#cancelRenewal?.();
        if (this.#state === 'recovering') return; // a new connection died during the replay: the supervisor tries again
        if (this.#willRecover(e.error)) return this.#lost(e.error!);
        this.#finish(e.error);
        return;
      case 'open':
        return;
    }
  }

  #willRecover(error: Error | undefined): boolean {
    return this.#link !== undefined && this.#options.recovery !== undefined && (this.#state === 'open' || this.#state === 'recovering') && isRecoverable(error);
  }

  /** Closed for good: channels, waiters and listeners learn why. */
  #finish(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#error = error;
    this.#cancelRenewal?.();
    const reason = error ?? new ConnectionClosedError('the connection was closed by the application');
    this.#ready?.reject(reason);
    this.#ready = undefined;
    for (const ch of [...this.#recorded]) ch.onClosed(error);
    for (const p of this.#replies.values()) p.reject(reason);
    this.#replies.clear();
    this.topology.clear();
    if (error) this.#failed(error);
    this.emit('close', error);
    this.#closed ??= Promise.resolve();
    this.#closedResolve?.();
  }

  #failed(error: Error): void {
    this.#error = error;
    if (this.#errorEmitted) return;
    this.#errorEmitted = true;
    this.#logger?.warn?.('connection failed', { error: error.message });
    this.emit('error', error);
  }

  /** A recoverable loss: suspend, reconnect, replay. */
  #lost(error: Error): void {
    this.#state = 'recovering';
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined); // nobody may be waiting
    this.#ready = { promise, resolve, reject };
    this.#abort = new AbortController();
    this.#logger?.warn?.('connection lost, recovering', { error: error.message });
    this.emit('disconnected', { error, endpoint: this.#endpoint });
    void this.#recover(error, this.#abort.signal);
  }

  async #recover(cause: Error, signal: AbortSignal): Promise<void> {
    const r = this.#options.recovery!;
    // Each recovery starts a new pass: the endpoints resolved and shuffled again, a backoff first.
    const walk = new EndpointWalk(this.#options.endpoints, r);
    const state: AttemptState = { attempts: 0, startedAt: Date.now(), lastError: cause };
    const hooks = { establish: (ep: Endpoint, sig: AbortSignal) => traceRecovery(this, state.attempts, () => establish(this.#options, ep, sig), ep), onAttempt: (e: ReconnectingEvent) => this.emit('reconnecting', e), sleep, now: Date.now };
    try {
      for (;;) {
        const link = await reconnect(walk, r, hooks, state, signal);
        this.#attach(link);
        try {
          await replay(this.#replayHost(link), r, signal);
        } catch (e) {
          if (signal.aborted) throw e;
          if (link.core.state === 'open') throw e; // not a lost connection: a bug, do not loop on it
          state.lastError = link.core.error ?? (e as Error);
          continue;
        }
        if (link.core.state !== 'open') continue; // lost right at the end of the replay
        this.#state = 'open';
        const ready = this.#ready;
        this.#ready = undefined;
        ready?.resolve();
        this.emit('recovered', { ...this.node, attempts: state.attempts, outage: Date.now() - state.startedAt });
        return;
      }
    } catch (e) {
      if (signal.aborted) return; // close() finished the connection already
      const failed = e instanceof RecoveryFailedError ? e : new RecoveryFailedError(`recovery failed: ${(e as Error).message}`, state.attempts, { cause: e });
      if (this.core.state !== 'closed') this.driver.end(true);
      this.emit('recoveryFailed', failed);
      this.#finish(failed);
    }
  }

  #replayHost(link: Link) {
    return {
      topology: this.topology,
      channels: () => [...this.#recorded],
      reopen: async (ch: Channel, signal: AbortSignal) => {
        const { channel, call } = this.core.openChannel();
        this.#channels.set(channel, ch);
        await ch.reopen(channel, this.reply(channel, call, signal), signal);
      },
      spareChannel: () => this.spareChannel(),
      isOpen: () => link.core.state === 'open' && this.core === link.core,
      report: (error: TopologyRecoveryError) => {
        this.#logger?.warn?.('topology recovery error', { error: error.message });
        this.emit('topologyError', error);
      },
      renamed: (from: string, to: string) => {
        this.topology.renameQueue(from, to);
        this.emit('queueRenamed', { from, to });
      },
    };
  }

  /** Hides internals (and anything near the credentials) from console.log / util.inspect. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Connection { state: '${this.#state}', channels: ${this.#recorded.size} }`;
  }
}

/**
 * Opens a connection: TCP (or TLS), the AMQP handshake, authentication and vhost, within
 * `connectionTimeout`. Accepts an amqp:// or amqps:// URL, several URLs (nodes of a cluster:
 * the first gives the credentials and settings, the others their hosts), an options object, or
 * a URL and an object (the object wins). With several endpoints they are tried in a shuffled
 * order; the first connect tries each once, or retries with backoff when
 * `recovery.retryInitialConnect` is set.
 */
export async function connect(url?: string | readonly string[] | ConnectOptions, options?: ConnectOptions): Promise<Connection> {
  let o: ResolvedOptions;
  if (typeof url === 'string') o = resolveOptions(url, options);
  else if (Array.isArray(url)) {
    const [first, ...rest] = url as readonly string[];
    const hosts = rest.map((u) => {
      const p = parseUrl(u);
      return { hostname: p.hostname ?? 'localhost', port: p.port ?? (p.tls ? 5671 : 5672) };
    });
    o = resolveOptions(first, { ...options, hosts: [...hosts, ...(options?.hosts ?? [])] });
  } else o = resolveOptions(undefined, (url as ConnectOptions | undefined) ?? options);
  if (tracing.connect.start.hasSubscribers) return traceConnect(o, () => open(o));
  return open(o);
}

/** connect() once its options are resolved. */
async function open(o: ResolvedOptions): Promise<Connection> {
  const r = o.recovery;
  const walk = new EndpointWalk(o.endpoints, { shuffle: r?.shuffle ?? true, random: r?.random ?? Math.random, resolve: r?.resolve });
  let link: Link;
  if (r?.retryInitialConnect) {
    link = await reconnect(walk, r, { establish: (ep) => establish(o, ep), sleep, now: Date.now }, { attempts: 0, startedAt: Date.now(), lastError: undefined }, new AbortController().signal);
  } else {
    // One pass over the endpoints; the last error is the one the application sees.
    for (;;) {
      const endpoint = await walk.next();
      try {
        link = await establish(o, endpoint);
        break;
      } catch (e) {
        if (walk.startsPass) throw e;
      }
    }
  }
  return new Connection(link.core, link.driver, o, link);
}
