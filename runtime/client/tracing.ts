/**
 * Tracing points: one node:diagnostics_channel TracingChannel per client operation, the events
 * they carry, and the helpers that publish them. Nothing here depends on a tracer: warren/otel
 * (or any other subscriber) turns the events into spans and metrics.
 *
 * Theory of operation. Each operation's entry point (publish(), get(), the consumer's dispatch,
 * settle, RpcClient.call(), connect(), close(), a consumer's receive()) starts with one line:
 * `if (tracing.X.start.hasSubscribers && !inside.X) return traceX(...)`. With no subscriber that
 * is one property read. With one, traceX builds the event, sets `inside.X` and calls the same
 * entry point again inside the tracing channel's start/end bracket; the flag makes the inner
 * call take the plain path. The flag is only set during the synchronous call, so operations
 * started later (or from other code in between) are traced on their own.
 *
 * Event order per operation, as node:diagnostics_channel defines it: `start` (before anything is
 * sent; the publish event's `headers` may still be changed), `end` (the synchronous part
 * returned), then for promise operations `asyncStart` and `asyncEnd` when the promise settles,
 * preceded by `error` when it rejects (the event then has `error`, `errorType` and, for a broker
 * reply, `errorCode`); also when the call threw before a promise existed (unlike Node's own
 * tracePromise), since the promise warren returns then rejects. publish, get, rpc, connect, close and recovery are promise operations.
 * settle is synchronous. process is synchronous unless `async` is true at `end`: a callback that
 * returned a promise, or an async iterator's hand-over, which completes when the message is
 * settled, or when the loop asks for the next message (or receive() is called again) or leaves.
 *
 * The endpoint (connection name, host, port) of every connection is recorded when it opens
 * ({@link describeConnection}), so events of connections opened before a subscriber attached
 * still carry it.
 */
import type { FieldTable } from '../codec/index.js';
import { mergeTables } from '../codec/table-wire.js';
import { tracingChannel, type TracingChannel } from '../io/tracing-channel.js';
import type { Message } from './message.js';

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

/** The event of `warren:get` (basic.get). The delivery fields are set when a message came back. */
export interface GetEvent extends TraceEndpoint, TraceOutcome, Partial<DeliveryFields> {
  queue: string;
  noAck: boolean;
  /** The message, or null when the queue was empty (set before `asyncStart`). */
  result?: Message | null;
}

/** The event of `warren:process`: one delivery handed to a callback or to a `for await` loop. */
export interface ProcessEvent extends TraceEndpoint, TraceOutcome, DeliveryFields {
  queue: string;
  consumerTag: string;
  message: Message;
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

/** The event of `warren:settle` (ack, nack or reject of a delivery). */
export interface SettleEvent extends TraceEndpoint, TraceOutcome {
  how: 'ack' | 'nack' | 'reject';
  deliveryTag: number;
  multiple: boolean;
  requeue: boolean;
  /** Deliveries this settlement covers (1 unless `multiple`). */
  count: number;
  consumerTag: string | undefined;
  message: Message;
}

/** The event of `warren:rpc` (RpcClient.call). */
export interface RpcEvent extends TraceEndpoint, TraceOutcome {
  exchange: string;
  routingKey: string;
  /** Set when the reply arrives (the reply carries the call's correlation id). */
  correlationId?: string | undefined;
  bodySize?: number;
  /** See {@link ProcessEvent.wrap}: runs the call (and so its publish) inside a subscriber's context. */
  wrap?: <T>(run: () => T) => T;
  result?: Message;
}

/** The event of `warren:connect`, `warren:close` and `warren:recovery`. */
export interface ConnectionEvent extends TraceEndpoint, TraceOutcome {
  vhost?: string | undefined;
  /** Recovery: the attempt number, from 1. */
  attempt?: number;
  result?: unknown;
}

/**
 * The TracingChannels (node:diagnostics_channel), named `warren:<operation>`: subscribe with
 * `diagnostics_channel.tracingChannel('warren:publish').subscribe({ start, end, asyncStart, asyncEnd, error })`.
 * warren publishes to one when its `start` channel has subscribers.
 */
export const tracing = {
  publish: tracingChannel<unknown, PublishEvent>('warren:publish'),
  get: tracingChannel<unknown, GetEvent>('warren:get'),
  process: tracingChannel<unknown, ProcessEvent>('warren:process'),
  settle: tracingChannel<unknown, SettleEvent>('warren:settle'),
  rpc: tracingChannel<unknown, RpcEvent>('warren:rpc'),
  connect: tracingChannel<unknown, ConnectionEvent>('warren:connect'),
  close: tracingChannel<unknown, ConnectionEvent>('warren:close'),
  recovery: tracingChannel<unknown, ConnectionEvent>('warren:recovery'),
};

/** @internal set while a traced entry point calls itself (see the theory of operation) */
export const inside = { publish: false, get: false, settle: false, rpc: false, connect: false, close: false, receive: false };

type Endpoint = Pick<TraceEndpoint, 'connectionId' | 'connectionName' | 'serverAddress' | 'serverPort'>;
const endpoints = new WeakMap<object, Endpoint>();

/** Records where `connection` is connected (call again when it reconnects elsewhere). */
export function describeConnection(connection: object, e: { id: string; name: string | undefined; hostname: string; port: number }): void {
  endpoints.set(connection, { connectionId: e.id, connectionName: e.name, serverAddress: e.hostname, serverPort: e.port });
}

/** The structural view of a Channel the helpers need (tracing.ts imports no client class). */
export interface TracedChannel {
  readonly id: number;
  readonly connection: object;
  readonly confirmMode?: boolean;
}

/** @internal */
export function endpointOf(connection: object | undefined, channelId: number | undefined): TraceEndpoint {
  const e = connection ? endpoints.get(connection) : undefined;
  return { connectionId: e?.connectionId, connectionName: e?.connectionName, serverAddress: e?.serverAddress, serverPort: e?.serverPort, channelId };
}

function classify(ctx: TraceOutcome, error: unknown): void {
  ctx.error = error;
  const e = error as { name?: unknown; replyCode?: unknown } | null;
  ctx.errorType = e && typeof e.name === 'string' ? e.name : typeof error;
  if (e && typeof e.replyCode === 'number' && e.name !== 'UnroutableError') ctx.errorCode = e.replyCode;
}

/** Publishes start/end around `run` and asyncStart/asyncEnd (after error) when its promise settles. */
function tracePromise<C extends TraceOutcome, T>(tc: TracingChannel<unknown, C>, ctx: C, run: () => Promise<T>, done?: (ctx: C, value: T | undefined, error: unknown) => void): Promise<T> {
  const ok = (value: T): T => {
    done?.(ctx, value, undefined);
    (ctx as { result?: unknown }).result = value;
    tc.asyncStart.publish(ctx);
    tc.asyncEnd.publish(ctx);
    return value;
  };
  const fail = (error: unknown): Promise<never> => {
    classify(ctx, error);
    done?.(ctx, undefined, error);
    tc.error.publish(ctx);
    tc.asyncStart.publish(ctx);
    tc.asyncEnd.publish(ctx);
    return Promise.reject(error);
  };
  return tc.start.runStores(ctx, () => {
    try {
      return run().then(ok, fail);
    } catch (error) {
      // thrown before a promise existed (e.g. a subscriber's wrap): the promise returned here
      // settles too, so asyncStart/asyncEnd follow `end` as for any other rejection
      queueMicrotask(() => (tc.asyncStart.publish(ctx), tc.asyncEnd.publish(ctx)));
      classify(ctx, error);
      done?.(ctx, undefined, error);
      tc.error.publish(ctx);
      return Promise.reject(error);
    } finally {
      tc.end.publish(ctx);
    }
  });
}

function publishOutcome(error: unknown): PublishOutcome {
  switch ((error as { name?: string } | null)?.name) {
    case 'NackError': return 'nack';
    case 'UnroutableError': return 'returned';
    case 'TimeoutError': case 'AbortError': case 'OperationAbortedError': return 'timeout';
    case 'ConnectionLostError': case 'HeartbeatTimeoutError': case 'ConnectionClosedError': case 'OutcomeUnknownError': case 'RecoveringError': case 'RecoveryFailedError':
      return 'connection-lost';
    case 'ChannelClosedError': return 'channel-closed';
    default: return (error as { replyCode?: unknown } | null)?.replyCode !== undefined ? 'channel-closed' : 'error';
  }
}

/** Options of the inner publish once prepare() ran: the properties as given, and what is not a property. */
interface PreparedOptions {
  mandatory?: boolean;
  signal?: AbortSignal;
}

/**
 * A traced publish: `prepare` encodes the body and properties once (so the event has the body
 * size and the ids), start subscribers may add headers, then `publish` sends the encoded bytes.
 */
export function tracePublish<P extends { headers?: FieldTable | undefined; messageId?: string | undefined; correlationId?: string | undefined }, O>(
  ch: TracedChannel,
  exchange: string,
  routingKey: string,
  options: (O & PreparedOptions) | undefined,
  prepare: () => { bytes: Uint8Array; properties: P },
  publish: (bytes: Uint8Array, options: O) => Promise<void>,
): Promise<void> {
  let prepared: { bytes: Uint8Array; properties: P };
  try {
    prepared = prepare();
  } catch (e) {
    return Promise.reject(e);
  }
  const { bytes, properties } = prepared;
  const given = properties.headers;
  // Built field by field: an object spread followed by more properties is slow in V8 (µs each).
  const ctx = endpointOf(ch.connection, ch.id) as PublishEvent;
  ctx.exchange = exchange;
  ctx.routingKey = routingKey;
  ctx.headers = given ? mergeTables(given) : {}; // a copy that keeps a received table's order and tags
  ctx.messageId = properties.messageId;
  ctx.correlationId = properties.correlationId;
  ctx.bodySize = bytes.byteLength;
  ctx.mandatory = options?.mandatory ?? false;
  ctx.confirm = ch.confirmMode ?? false;
  return tracePromise(tracing.publish, ctx, () => {
    const headers = given !== undefined || Object.keys(ctx.headers).length > 0 ? ctx.headers : undefined;
    const o = Object.assign({}, properties) as Record<string, unknown>;
    o.headers = headers;
    o.mandatory = options?.mandatory;
    o.signal = options?.signal;
    inside.publish = true;
    try {
      return publish(bytes, o as O);
    } finally {
      inside.publish = false;
    }
  }, (c, _v, error) => void (c.outcome = error === undefined ? (c.confirm ? 'ack' : 'sent') : publishOutcome(error)));
}

function deliveryFields(e: Partial<DeliveryFields>, m: Message): void {
  const p = m.properties;
  e.exchange = m.exchange;
  e.routingKey = m.routingKey;
  e.deliveryTag = Number(m.deliveryTag);
  e.redelivered = m.redelivered;
  e.messageId = p.messageId;
  e.correlationId = p.correlationId;
  e.bodySize = m.body.byteLength;
  e.headers = p.headers ?? {};
}

/** A traced basic.get; `get` is the plain call. */
export function traceGet(ch: TracedChannel, queue: string, noAck: boolean, get: () => Promise<Message | null>): Promise<Message | null> {
  const ctx = endpointOf(ch.connection, ch.id) as GetEvent;
  ctx.queue = queue;
  ctx.noAck = noAck;
  return tracePromise(tracing.get, ctx, () => {
    inside.get = true;
    try {
      return get();
    } finally {
      inside.get = false;
    }
  }, (c, m) => void (m && deliveryFields(c, m)));
}

function processEvent(owner: unknown, queue: string, consumerTag: string, m: Message, mode: ProcessEvent['mode']): ProcessEvent {
  const ch = owner as Partial<TracedChannel>;
  const e = endpointOf(ch.connection, ch.id) as ProcessEvent;
  deliveryFields(e, m);
  e.queue = queue;
  e.consumerTag = consumerTag;
  e.message = m;
  e.mode = mode;
  e.async = false;
  return e;
}

/** Runs a consumer callback for one delivery inside the process tracing channel. */
export function traceProcess(owner: unknown, queue: string, consumerTag: string, m: Message, handler: (m: Message) => unknown): unknown {
  const tc = tracing.process;
  const ctx = processEvent(owner, queue, consumerTag, m, 'callback');
  return tc.start.runStores(ctx, () => {
    try {
      const result = ctx.wrap ? ctx.wrap(() => handler(m)) : handler(m);
      if (result !== null && typeof (result as Promise<unknown>)?.then === 'function') {
        ctx.async = true;
        const finish = (): void => (tc.asyncStart.publish(ctx), tc.asyncEnd.publish(ctx));
        (result as Promise<unknown>).then(finish, (e: unknown) => (classify(ctx, e), tc.error.publish(ctx), finish()));
      }
      return result;
    } catch (error) {
      classify(ctx, error);
      tc.error.publish(ctx);
      throw error;
    } finally {
      tc.end.publish(ctx);
    }
  });
}

/** Iterator hand-overs not completed yet, to end on settle (weak: a message dropped unsettled by an abandoned loop is not kept). */
const handedOver = new WeakMap<Message, { ctx: ProcessEvent; iterator: object }>();
const current = new WeakMap<object, Message>();

function complete(m: Message, how: NonNullable<ProcessEvent['completion']>): void {
  const open = handedOver.get(m);
  if (!open) return;
  handedOver.delete(m);
  if (current.get(open.iterator) === m) current.delete(open.iterator);
  open.ctx.completion = how;
  tracing.process.asyncStart.publish(open.ctx);
  tracing.process.asyncEnd.publish(open.ctx);
}

/** Starts the process event of a message handed to the application by `key` (an iterator, a consumer's receive()). */
function handOver(key: object, owner: unknown, consumer: { queue: string; consumerTag: string }, m: Message): void {
  const last = current.get(key);
  if (last) complete(last, 'next');
  // a next() that shares an earlier pending result hands over the same message: one event
  if (!tracing.process.start.hasSubscribers || handedOver.has(m)) return;
  const ctx = processEvent(owner, consumer.queue, consumer.consumerTag, m, 'iterator');
  ctx.async = true;
  tracing.process.start.publish(ctx);
  tracing.process.end.publish(ctx);
  // a no-ack delivery, or one already settled, completes with the next hand-over
  handedOver.set(m, { ctx, iterator: key });
  current.set(key, m);
}

function finishCurrent(key: object, how: 'next' | 'return'): void {
  const m = current.get(key);
  if (m) complete(m, how);
}

/**
 * A consumer ended (cancelled, closed, or lost with its channel): the message its last
 * receive() handed over completes now, as no later receive() will complete it.
 */
export function consumerEnded(consumer: object): void {
  finishCurrent(consumer, 'return');
}

/**
 * An async iterator whose hand-overs are traced: each message handed out starts a process event
 * that completes when it is settled, or when the loop calls next() again or leaves.
 */
export function traceIterator(owner: unknown, consumer: { queue: string; consumerTag: string }, it: AsyncIterator<Message>): AsyncIterator<Message> {
  const key = {};
  return {
    next: () => {
      finishCurrent(key, 'next');
      return it.next().then((r) => {
        if (!r.done) handOver(key, owner, consumer, r.value);
        return r;
      });
    },
    return: () => {
      finishCurrent(key, 'return');
      return it.return ? it.return() : Promise.resolve({ value: undefined, done: true });
    },
  };
}

/**
 * A consumer's receive(), traced like an iterator's next(): the message it resolves with starts
 * a process event that completes when it is settled or at the next receive() on the consumer.
 */
export function traceReceive<M extends Message | null>(owner: unknown, consumer: { queue: string; consumerTag: string }, receive: () => Promise<M>): Promise<M> {
  finishCurrent(consumer, 'next');
  inside.receive = true;
  try {
    return receive().then((m) => {
      if (m) handOver(consumer, owner, consumer, m);
      return m;
    });
  } finally {
    inside.receive = false;
  }
}

/**
 * A traced settlement: completes the message's iterator hand-over, and publishes the settle
 * event around `settle` when it has subscribers.
 */
export function traceSettle(ch: TracedChannel, m: Message, how: SettleEvent['how'], multiple: boolean, requeue: boolean, count: number, settle: () => void): void {
  if (!tracing.settle.start.hasSubscribers) {
    inside.settle = true;
    try {
      settle();
    } finally {
      inside.settle = false;
    }
    return complete(m, 'settled');
  }
  const tc = tracing.settle;
  const ctx = endpointOf(ch.connection, ch.id) as SettleEvent;
  ctx.how = how;
  ctx.deliveryTag = Number(m.deliveryTag);
  ctx.multiple = multiple;
  ctx.requeue = requeue;
  ctx.count = count;
  ctx.consumerTag = m.consumerTag;
  ctx.message = m;
  tc.start.runStores(ctx, () => {
    inside.settle = true;
    try {
      settle();
    } catch (error) {
      classify(ctx, error);
      tc.error.publish(ctx);
      throw error;
    } finally {
      inside.settle = false;
      tc.end.publish(ctx);
    }
  });
  complete(m, 'settled');
}

/** A traced RpcClient.call(); `call` is the plain call. */
export function traceRpc(ch: TracedChannel, exchange: string, routingKey: string, call: () => Promise<Message>): Promise<Message> {
  const ctx = endpointOf(ch.connection, ch.id) as RpcEvent;
  ctx.exchange = exchange;
  ctx.routingKey = routingKey;
  return tracePromise(tracing.rpc, ctx, () => {
    inside.rpc = true;
    try {
      return ctx.wrap ? ctx.wrap(call) : call();
    } finally {
      inside.rpc = false;
    }
  }, (c, m) => {
    if (m) (c.correlationId = m.properties.correlationId), (c.bodySize = m.body.byteLength);
  });
}

/** A traced connect(); the endpoint is that of the options until the connection exists. */
export function traceConnect<T extends object>(o: { hostname: string; port: number; connectionName: string | undefined; vhost: string }, connect: () => Promise<T>): Promise<T> {
  const ctx: ConnectionEvent = { connectionId: undefined, connectionName: o.connectionName, serverAddress: o.hostname, serverPort: o.port, channelId: undefined, vhost: o.vhost };
  return tracePromise(tracing.connect, ctx, () => {
    inside.connect = true;
    try {
      return connect();
    } finally {
      inside.connect = false;
    }
  }, (c, conn) => void (conn && (c.connectionId = endpoints.get(conn)?.connectionId)));
}

/** A traced Connection.close(). */
export function traceClose(connection: object, close: () => Promise<void>): Promise<void> {
  return tracePromise(tracing.close, endpointOf(connection, undefined) as ConnectionEvent, () => {
    inside.close = true;
    try {
      return close();
    } finally {
      inside.close = false;
    }
  });
}

/**
 * For automatic recovery: publishes one recovery attempt of `connection` (attempt numbered from
 * 1) to `endpoint` around `recover`, whose promise settles when the attempt succeeded or failed.
 */
export function traceRecovery<T>(connection: object, attempt: number, recover: () => Promise<T>, endpoint?: { hostname: string; port: number }): Promise<T> {
  if (!tracing.recovery.start.hasSubscribers) return recover();
  const ctx = endpointOf(connection, undefined) as ConnectionEvent;
  ctx.attempt = attempt;
  if (endpoint) (ctx.serverAddress = endpoint.hostname), (ctx.serverPort = endpoint.port);
  return tracePromise(tracing.recovery, ctx, recover);
}
