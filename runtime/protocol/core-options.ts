/** What a ConnectionCore is configured with, and the names of its states. */
import type { FieldTable, ProtocolRegistry } from '../codec/index.js';
import type { FrameTrace } from './events.js';
import type { SaslMechanism } from './sasl.js';
import type { TuneWanted } from './tune.js';

export interface CoreOptions {
  /** Protocol bindings; default: warren's generated spec + RabbitMQ overlay. */
  registry?: ProtocolRegistry;
  vhost: string;
  /** SASL mechanisms in order of preference; the first the server offers is used. */
  mechanisms: readonly SaslMechanism[];
  clientProperties: FieldTable;
  /** channelMax, frameMax (bytes) and heartbeat (seconds) to propose; 0 = no limit / off. */
  tune: TuneWanted;
  /** Milliseconds from start() to open-ok. */
  connectionTimeout: number;
  /** Milliseconds to wait for close-ok before giving up on a graceful close (default 10000). */
  closeTimeout?: number;
  locale?: string;
  /**
   * Largest incoming body accepted, bytes (default 128 MiB, `DEFAULT_MAX_BODY_SIZE` in
   * connection.ts, which says why); a larger one closes its channel with 311 content-too-large.
   */
  maxBodySize?: number;
  /**
   * The transport reuses the memory of each chunk after receive() returns (a Node socket with a
   * fixed `onread` buffer): the core then copies every received byte it keeps (bodies delivered
   * as views, longstr arguments). Default false: chunks are fresh and kept as zero-copy views.
   */
  reusedChunks?: boolean;
  /**
   * With `reusedChunks`: called with each buffer the core then shares between several
   * deliveries' bodies (body-pool.ts) as it makes it, so that transferring one body (postMessage,
   * structuredClone with `transfer`) copies instead of detaching its neighbours. On Node:
   * worker_threads.markAsUntransferable; the Node transport supplies it.
   */
  untransferable?: ((buffer: ArrayBuffer) => void) | undefined;
  /** Called for every frame received and sent (diagnostics); never given arguments or bodies. */
  trace?: ((frame: FrameTrace) => void) | undefined;
  /**
   * Whether `trace` wants frames now (say, whether a diagnostics channel has subscribers): asked
   * before each frame's record is built, so a hook nobody listens to costs no allocation. Absent:
   * always.
   */
  traceActive?: (() => boolean) | undefined;
}

/** The connection's states; see the diagram in connection.ts. */
export type ConnectionStateName = 'new' | 'awaiting-start' | 'awaiting-tune' | 'awaiting-open-ok' | 'open' | 'closing' | 'closed';
