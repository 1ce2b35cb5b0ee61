/**
 * What the sans-io core reports to its driver. Events are delivered synchronously, in wire
 * order, from inside `receive()`, `tick()` or the command that caused them.
 */
import type { AnyMethod, FieldTable } from '../codec/index.js';
import type { TuneWanted } from './tune.js';

/** A content-carrying method's header and body, assembled from their frames. */
export interface Content<P = Record<string, unknown>> {
  readonly properties: P;
  /** The body: a view of the received frame when it came in one piece, else an exact-size copy. */
  readonly body: Uint8Array;
}

/** Everything the sans-io core reports, as a discriminated union on `type`. */
export type ProtocolEvent =
  /** The handshake finished: connection.open-ok received. */
  | { readonly type: 'open'; readonly serverProperties: FieldTable; readonly tune: TuneWanted }
  /** The answer to synchronous call `call` on `channel` (with its content for basic.get-ok). */
  | { readonly type: 'reply'; readonly channel: number; readonly call: number; readonly method: AnyMethod; readonly content?: Content }
  /** Synchronous call `call` will never be answered (its channel or the connection closed). */
  | { readonly type: 'call-failed'; readonly channel: number; readonly call: number; readonly error: Error }
  /** An asynchronous method from the server that carries no content (basic.ack, basic.cancel, channel.flow...). */
  | { readonly type: 'method'; readonly channel: number; readonly method: AnyMethod }
  /** A content-carrying method from the server (basic.deliver, basic.return), fully assembled. */
  | { readonly type: 'content'; readonly channel: number; readonly method: AnyMethod; readonly content: Content }
  /** The channel is closed: by us (`error` undefined) or by the server or a protocol error. */
  | { readonly type: 'channel-closed'; readonly channel: number; readonly error?: Error }
  /** connection.blocked (RabbitMQ: a resource alarm; the broker stops reading publishes). */
  | { readonly type: 'blocked'; readonly reason: string }
  | { readonly type: 'unblocked' }
  /**
   * The connection failed and is closing: the peer broke the protocol (our connection.close with
   * the spec's reply code is on its way) and every pending call has failed with `error`. Reported
   * at once; `closed` (with the same error) follows when the close handshake ends: the server's
   * close-ok, the transport ending, or closeTimeout.
   */
  | { readonly type: 'error'; readonly error: Error }
  /**
   * The connection is finished. `error` is undefined after a clean close we asked for. The
   * driver must end the transport; `destroy` says to drop it at once without flushing (spec
   * 4.2.3: after a framing error nothing more may be sent).
   */
  | { readonly type: 'closed'; readonly error?: Error; readonly destroy: boolean };

/** Receives the core's events synchronously. */
export type ProtocolEventListener = (event: ProtocolEvent) => void;

/**
 * One frame as diagnostics see it: never the arguments or the body (they may hold credentials
 * or message data), only what identifies the frame.
 */
export interface FrameTrace {
  readonly direction: 'in' | 'out';
  /** Frame type: 1 method, 2 content header, 3 body, 8 heartbeat. */
  readonly type: number;
  readonly channel: number;
  /** Payload bytes, when known without extra work. */
  readonly size?: number;
  /** The method's dotted name, for method frames. */
  readonly method?: string | undefined;
}
