/**
 * The transport seam: everything warren needs from a byte stream to a broker, and nothing more.
 * A connection drives its sans-io core over one Transport; which transport it is (node:net,
 * node:tls, an in-memory pipe for tests, a Cloudflare Workers socket) is decided by a
 * TransportFactory when connecting (`connect({ transport })`, default `nodeTransport`).
 *
 * Life of a transport: the factory resolves once the stream is connected (TLS verified);
 * `start(sink)` begins the flow of bytes into `sink.data`; writes go out with `write` (between
 * `cork` and `uncork` when a flush has several chunks); `needsDrain` is the back-pressure
 * signal, cleared by `sink.drain()`; `end()` closes after pending writes, `destroy()` at once.
 * Whatever the cause, the sink hears `closed()` exactly once, after `error()` if it failed, and
 * nothing after it. Events that happen before `start` (a reset right after connecting) are
 * kept and delivered by `start`.
 */

/** TLS settings; PEM contents (string or bytes), or file paths through the URL form. */
export interface TlsOptions {
  /** CA certificate(s) to trust instead of the system store. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Client certificate, for EXTERNAL authentication or brokers that require one. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  passphrase?: string;
  /** SNI and certificate host name; default: the host when it is a name (never for an IP). */
  servername?: string;
  /** Verify the broker's certificate (default true). Turning this off allows man-in-the-middle attacks. */
  rejectUnauthorized?: boolean;
  /** File paths (from amqps:// URL parameters), read when connecting. */
  cacertfile?: string;
  certfile?: string;
  keyfile?: string;
}

/** Where and how to connect: what a TransportFactory gets for one connection attempt. */
export interface TransportTarget {
  hostname: string;
  port: number;
  /** TLS settings when the connection uses TLS (amqps:// or `tls`), undefined for plain TCP. */
  tls: TlsOptions | undefined;
  /** Milliseconds until the attempt must be abandoned (rejecting with ConnectTimeoutError). */
  timeout: number;
  /** Aborts the attempt (the application closed the connection during a recovery). */
  signal?: AbortSignal | undefined;
  /** The logger's `warn`, for what the application must hear about (TLS verification off). */
  warn?: ((message: string, data?: Record<string, unknown>) => void) | undefined;
}

/** What a transport calls back into: the connection's driver. */
export interface TransportSink {
  /**
   * Bytes from the peer, in order. When the transport's `reusesChunks` is true the bytes are
   * valid only during the call (one read buffer reused): copy what must be kept.
   */
  data(chunk: Uint8Array): void;
  /** The transport can take more writes again (after `needsDrain` was true). */
  drain(): void;
  /** The transport failed (reset, TLS alert...); `closed()` follows. */
  error(error: Error): void;
  /** The transport is closed; nothing is called after this. */
  closed(): void;
}

/** A connected byte stream to a broker. */
export interface Transport {
  /** True when `sink.data` is given views of one reused buffer (valid only during the call). */
  readonly reusesChunks: boolean;
  /**
   * Optional, with `reusesChunks`: marks a buffer that the connection shares between several
   * messages' bodies so that transferring one body copies it instead of detaching the others
   * (CoreOptions.untransferable).
   */
  untransferable?(buffer: ArrayBuffer): void;
  /** True while the transport holds more unsent bytes than it wants: wait for `sink.drain()`. */
  readonly needsDrain: boolean;
  /** Starts delivering bytes and events to `sink`; called once, right after connecting. */
  start(sink: TransportSink): void;
  /**
   * Queues `chunk` for the peer. The transport keeps the array until it has written it, then
   * calls `written` (the caller may then reuse or zero it: credentials are wiped this way).
   */
  write(chunk: Uint8Array, written?: () => void): void;
  /** Optional: the writes until `uncork()` belong to one flush and may go out as one (writev). */
  cork?(): void;
  /** Optional: ends the flush that `cork()` began; the corked writes go out now. */
  uncork?(): void;
  /** Closes after the pending writes have gone out. */
  end(): void;
  /** Closes at once; pending writes are dropped. */
  destroy(): void;
}

/**
 * Opens a transport to `target`: resolves once it is connected (and, for TLS, verified), rejects
 * with ConnectionLostError (refused, unreachable) or ConnectTimeoutError (nothing within
 * `target.timeout`, or `target.signal` aborted).
 */
export type TransportFactory = (target: TransportTarget) => Promise<Transport>;
