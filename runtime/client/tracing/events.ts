/**
 * The events of warren's tracing channels (see channels.ts): what a subscriber receives for each
 * operation, from `start` to `asyncEnd`. One object per operation; warren fills in the outcome
 * fields as the operation completes.
 *
 * The events that carry a message (get, process, settle, rpc) are declared here over the
 * message's type (`GetEventOf<M>`...) and read it through `TracedMessage`, so that tracing
 * names no client class and sits below them (the public classes call into it). Their public
 * names, with the client's Message, are in public.ts, which only the package's entry points import.
 */
import type { FieldTable, Long } from '../../codec/index.js';

/**
 * @internal What tracing reads of a delivered message: the client's Message has all of it.
 */
export interface TracedMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly deliveryTag: Long;
  readonly redelivered: boolean;
  readonly consumerTag: string | undefined;
  readonly properties: { readonly messageId?: string | undefined; readonly correlationId?: string | undefined; readonly headers?: FieldTable | undefined };
  readonly body: Uint8Array;
}

/** Where an operation ran: the connection and the broker node it is connected to. */
export interface TraceEndpoint {
  /** warren's id of the connection (`warren-1`...), unique in the process. */
  connectionId: string | undefined;
  /** The connection name given in the options, if any. */
  connectionName: string | undefined;
  /** Host name or address of the node connected to. */
  serverAddress: string | undefined;
  /** Port of the node connected to. */
  serverPort: number | undefined;
  /** The channel number, when the operation runs on a channel. */
  channelId: number | undefined;
}

/** What every event has once its operation failed. */
export interface TraceOutcome {
  /** The error the operation failed with (set before `error` is published). */
  error?: unknown;
  /** Low-cardinality error type: the error's class name, e.g. `NotFoundError`, `NackError`. */
  errorType?: string;
  /** The AMQP reply code when the broker closed the channel or connection (e.g. 404). */
  errorCode?: number;
}

/** How a publish ended: confirmed (ack), written without confirms (sent), or why not. */
export type PublishOutcome = 'ack' | 'sent' | 'nack' | 'returned' | 'timeout' | 'connection-lost' | 'channel-closed' | 'error';

/** The event of `warren:publish`. */
export interface PublishEvent extends TraceEndpoint, TraceOutcome {
  exchange: string;
  routingKey: string;
  /** The message headers, before encoding: a start subscriber may add entries (trace context). */
  headers: FieldTable;
  messageId: string | undefined;
  correlationId: string | undefined;
  /** Body size in bytes (after text or JSON encoding). */
  bodySize: number;
  mandatory: boolean;
  /** True when the channel is in confirm mode: the outcome is the broker's ack or nack. */
  confirm: boolean;
  /** Set before `asyncStart`. */
  outcome?: PublishOutcome;
}

/** Delivery fields shared by the get and process events. */
export interface DeliveryFields {
  exchange: string;
  routingKey: string;
  deliveryTag: number;
  redelivered: boolean;
  messageId: string | undefined;
  correlationId: string | undefined;
  bodySize: number;
  /** The decoded message headers (for trace context extraction); empty when none. */
  headers: FieldTable;
}

/** @internal GetEvent (public.ts) over the message type. */
export interface GetEventOf<M> extends TraceEndpoint, TraceOutcome, Partial<DeliveryFields> {
  queue: string;
  noAck: boolean;
  /** The message, or null when the queue was empty (set before `asyncStart`). */
  result?: M | null;
}

/** @internal ProcessEvent (public.ts) over the message type. */
export interface ProcessEventOf<M> extends TraceEndpoint, TraceOutcome, DeliveryFields {
  queue: string;
  consumerTag: string;
  message: M;
  mode: 'callback' | 'iterator';
  /** True at `end` when `asyncStart`/`asyncEnd` follow (a promise from the callback; an iterator's hand-over). */
  async: boolean;
  /**
   * Set by a `start` subscriber to run the callback inside its own context (e.g. OpenTelemetry's
   * `context.with`); warren calls `wrap(run)` instead of `run()`. Compose with an earlier value.
   */
  wrap?: <T>(run: () => T) => T;
  /** How an iterator's hand-over completed: settled, next() asked again, or the loop left. */
  completion?: 'settled' | 'next' | 'return';
}

/** @internal SettleEvent (public.ts) over the message type. */
export interface SettleEventOf<M> extends TraceEndpoint, TraceOutcome {
  how: 'ack' | 'nack' | 'reject';
  deliveryTag: number;
  multiple: boolean;
  requeue: boolean;
  /** Deliveries this settlement covers (1 unless `multiple`). */
  count: number;
  consumerTag: string | undefined;
  message: M;
}

/** @internal RpcEvent (public.ts) over the message type. */
export interface RpcEventOf<M> extends TraceEndpoint, TraceOutcome {
  exchange: string;
  routingKey: string;
  /** Set when the reply arrives (the reply carries the call's correlation id). */
  correlationId?: string | undefined;
  bodySize?: number;
  /** See ProcessEvent.wrap: runs the call (and so its publish) inside a subscriber's context. */
  wrap?: <T>(run: () => T) => T;
  result?: M;
}

/** The event of `warren:connect`, `warren:close` and `warren:recovery`. */
export interface ConnectionEvent extends TraceEndpoint, TraceOutcome {
  vhost?: string | undefined;
  /** Recovery: the attempt number, from 1. */
  attempt?: number;
  result?: unknown;
}
