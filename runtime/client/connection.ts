/**
 * The Promise API of a connection: `connect()` opens a session (session/open.ts: transport,
 * core, handshake); `Connection` is the application's stable facade over the current session:
 * it opens channels on it, hears its connection-level events (SessionHost), and emits them.
 * Calls, replies and the routing of channel events live in the session (session/session.ts).
 *
 * Recovery (recovery/, on unless `recovery: false`): the Connection outlives its sessions.
 * States: open ─recoverable loss─▶ recovering ─replay done─▶ open; any ─close()─▶ closing ─▶
 * closed; recovering ─given up─▶ closed. On a loss the channels are suspended instead of
 * closed, supervisor.ts reconnects, `#attach()` makes the new session current (retiring the
 * old one, whose late events are dropped), and replay.ts re-opens the channels and declares
 * the recorded topology again.
 */
import type { FieldTable } from '../codec/index.js';
import { ConnectionClosedError } from '../errors.js';
import type { ConnectionCore } from '../protocol/connection.js';
import type { TuneWanted } from '../protocol/tune.js';
import { openSession } from './session/open.js';
import type { ChannelSink, Session, SessionHost } from './session/session.js';
import type { Link } from './session/link.js';
import { BrokerRules, type BrokerInfo } from './broker-rules.js';
import { drainThenClose, type DrainOptions, type ShutdownReport } from './shutdown.js';
import { Channel } from './channel.js';
import { Emitter } from './emitter.js';
import type { Logger, ResolvedOptions } from './options.js';
import { describeConnection, traceClose, traceRecovery, tracing } from './tracing/index.js';
import type { ChannelOptions } from './channel/settings.js';
import { scheduleRenewal } from './recovery/credentials.js';
import { EndpointWalk, type Endpoint } from './recovery/endpoints.js';
import { RecoveryFailedError, type TopologyRecoveryError } from './recovery/errors.js';
import type { DisconnectedEvent, NodeInfo, QueueRenamedEvent, ReconnectingEvent, RecoveredEvent } from './recovery/events.js';
import { TopologyRecorder } from './recovery/recorder.js';
import { RecordingLink } from './recovery/recording-link.js';
import { systemClock } from './recovery/clock.js';
import { replay, type ReplayChannel } from './recovery/replay.js';
import { isRecoverable, reconnect, sleep, type AttemptState } from './recovery/supervisor.js';
import type { SerializerRegistry } from './serializers.js';
import { setUpChannel, type ChannelSetup } from './channel-setup.js';
import { reopenOrder, type ChannelRestorer } from './channel/restorer.js';

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

/** An open AMQP connection. Create one with `connect()`. */
export class Connection extends Emitter<ConnectionEvents> {
  /** The current session (replaced by each recovery). */
  #session!: Session;
  /** The serializers new channels start with (ConnectOptions `serializers`; default JSON, text, bytes). */
  readonly serializers: SerializerRegistry;
  /** @internal what the broker's version does with requests (broker-rules.ts) */ readonly rules: BrokerRules;
  /** What the application declared through this connection, kept for recovery (see recovery/recorder.ts). */
  readonly topology = new TopologyRecorder();
  /** The application's channels, in the order opened: what a recovery re-opens. */
  readonly #recorded = new Set<Channel>();
  /** Channels holding a batch of acks for the next flush. */
  readonly #ackBatches = new Set<Channel>();
  readonly #options: ResolvedOptions;
  readonly #logger: Logger | undefined;
  readonly #recovers: boolean;
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

  /** @internal use connect() (connect.ts) */
  constructor(session: Session, options: ResolvedOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger;
    this.#recovers = options.recovery !== undefined;
    this.rules = new BrokerRules({ serverProperties: () => this.serverProperties, logger: options.logger, permitDeprecatedFeatures: options.permitDeprecatedFeatures });
    this.serializers = options.serializers;
    this.#endpoint = session.endpoint;
    this.#attach(session);
  }

  /** @internal the current core (replaced by each recovery; tests look at it) */
  get core(): ConnectionCore {
    return this.#session.core;
  }

  /** Makes `session` the current connection: its events come here, the old session's no longer do. */
  #attach(session: Session): void {
    const old = this.#session;
    if (old && old !== session) old.retire();
    this.#session = session;
    this.#endpoint = session.endpoint;
    session.beforeFlush = () => {
      if (this.#ackBatches.size === 0) return;
      const batches = [...this.#ackBatches];
      this.#ackBatches.clear();
      for (const ch of batches) ch.flushAcks();
    };
    describeConnection(this, { id: session.id, name: this.#options.connectionName, hostname: session.endpoint.hostname, port: session.endpoint.port });
    session.attach(this.#host);
    this.#cancelRenewal?.();
    this.#cancelRenewal = undefined;
    const provider = this.#options.credentials;
    if (session.expiresAt !== undefined && provider) {
      this.#cancelRenewal = scheduleRenewal(session.expiresAt, provider, (secret) => this.updateSecret(secret, 'credentials renewed before expiry'), (e) => this.#logger?.warn?.('renewing the credentials failed', { error: (e as Error).message }));
    }
  }

  /** @internal a channel holds acks for the next flush */
  ackPending(ch: Channel): void {
    this.#ackBatches.add(ch);
  }

  /** The broker's server-properties (product, version, capabilities...) of the current connection. */
  get serverProperties(): FieldTable {
    return this.#session.serverProperties;
  }

  /** Negotiated channel_max, frame_max (bytes) and heartbeat (seconds) of the current connection. */
  get tune(): Readonly<TuneWanted> {
    return this.#session.tune;
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
    const p = this.#session.serverProperties;
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined);
    return { endpoint: this.#endpoint, clusterName: text(p.cluster_name), serverVersion: text(p.version), product: text(p.product) };
  }

  /** True while the connection is open (not while recovering or closing). */
  get isOpen(): boolean {
    return this.#state === 'open' && this.#session.isOpen;
  }

  /** True while the broker has blocked publishing (connection.blocked). */
  get isBlocked(): boolean {
    return this.#session.blocked;
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
    const ch = new Channel(this, options);
    const { link, opened } = this.#session.openChannel(ch, options.id);
    ch.restorer.fixedId = options.id;
    ch.useLink(options.recorded ? this.#recording(link, ch.restorer) : link);
    await opened;
    return ch;
  }

  /** The link of one of the application's channels: what succeeds on it is recorded for recovery (its settings, the topology). */
  #recording(link: Link, restorer: ChannelRestorer): Link {
    return new RecordingLink(link, [restorer, this.topology]);
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
    if (options?.drain) return drainThenClose([...this.#recorded], () => this.close(), options);
    if (tracing.close.start.hasSubscribers) return traceClose(this, () => this.#close());
    return this.#close();
  }

  #close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = new Promise((resolve) => (this.#closedResolve = resolve));
      if (this.#state === 'recovering') {
        this.#abort?.abort(new ConnectionClosedError('the connection was closed by the application during recovery'));
        this.#session.destroy();
        this.#finish(undefined);
        return this.#closed;
      }
      this.#state = 'closing';
      for (const ch of this.#recorded) ch.flushAcks();
      this.#session.close();
    }
    return this.#closed;
  }

  /** Closes the connection (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Sends RabbitMQ's connection.update-secret (e.g. a refreshed OAuth 2 token). */
  async updateSecret(newSecret: string, reason: string): Promise<void> {
    await this.#session.updateSecret(newSecret, reason);
  }

  /** What the current session tells the connection (SessionHost), kept off the public class. */
  readonly #host: SessionHost = {
    channelClosed: (sink: ChannelSink, error: Error | undefined) => {
      const ch = sink as Channel;
      // The whole connection is going: with recovery coming, the application's channels wait.
      const session = this.#session;
      if (ch.recorded && session.state === 'closed' && this.#willRecover(session.error)) ch.restorer.hold(session.error!);
      else ch.onClosed(error);
    },
    blocked: (reason: string) => this.emit('blocked', reason),
    unblocked: () => this.emit('unblocked'),
    error: (error: Error) => {
      if (this.#state !== 'recovering') this.#failed(error);
    },
    closed: (error: Error | undefined) => {
      this.#cancelRenewal?.();
      if (this.#state === 'recovering') return; // a new connection died during the replay: the supervisor tries again
      if (this.#willRecover(error)) return this.#lost(error!);
      this.#finish(error);
    },
  };

  #willRecover(error: Error | undefined): boolean {
    return this.#recovers && (this.#state === 'open' || this.#state === 'recovering') && isRecoverable(error);
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
    this.#session.failPending(reason);
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
    const hooks = { establish: (ep: Endpoint, sig: AbortSignal) => traceRecovery(this, state.attempts, () => openSession(this.#options, ep, sig), ep), onAttempt: (e: ReconnectingEvent) => this.emit('reconnecting', e), sleep, now: Date.now };
    try {
      for (;;) {
        const session = await reconnect(walk, r, hooks, state, signal);
        this.#attach(session);
        try {
          await replay(this.#replayHost(session), r, signal);
        } catch (e) {
          if (signal.aborted) throw e;
          if (session.isOpen) throw e; // not a lost connection: a bug, do not loop on it
          state.lastError = session.error ?? (e as Error);
          continue;
        }
        if (!session.isOpen) continue; // lost right at the end of the replay
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
      this.#session.destroy();
      this.emit('recoveryFailed', failed);
      this.#finish(failed);
    }
  }

  #replayHost(session: Session) {
    return {
      topology: this.topology,
      clock: systemClock,
      channels: () => reopenOrder([...this.#recorded].map((ch) => ch.restorer)),
      reopen: async (r: ReplayChannel, signal: AbortSignal) => {
        const restorer = r as ChannelRestorer;
        const { link, opened } = this.#session.openChannel(restorer.channel, restorer.fixedId, signal);
        await restorer.reopen(this.#recording(link, restorer), opened, signal);
      },
      spareChannel: () => this.spareChannel(),
      isOpen: () => session.isOpen && this.#session === session,
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
