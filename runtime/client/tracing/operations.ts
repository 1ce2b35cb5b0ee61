/**
 * The traced forms of the client's promise operations (publish, get, RpcClient.call, connect,
 * close, a recovery attempt) and of settlement.
 *
 * Each operation is traced at exactly one layer: its public entry point reads its channel's
 * `start.hasSubscribers` once and, only when it is true, calls the helper here with `run`, the
 * plain implementation (never the entry point again, so nothing is traced twice and no flag is
 * needed to tell the two passes apart). With no subscriber nothing here runs: no event object
 * is built. The helper builds the event, publishes `start` and `end` around `run` and, for a
 * promise, `error`, `asyncStart` and `asyncEnd` when it settles (context.ts).
 */
import type { FieldTable } from '../../codec/index.js';
import { mergeTables } from '../../codec/table-wire.js';
import { tracing } from './channels.js';
import { classify, connectionIdOf, deliveryFields, endpointOf, tracePromise, type TracedChannel } from './context.js';
import type { ConnectionEvent, GetEventOf, PublishEvent, PublishOutcome, RpcEventOf, SettleEventOf, TracedMessage } from './events.js';
import { completeHandOver } from './process.js';

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

/** Options of the publish once prepare() ran: the properties as given, and what is not a property. */
interface PreparedOptions {
  mandatory?: boolean;
  signal?: AbortSignal;
  timeout?: number;
}

/**
 * A traced publish: `prepare` encodes the body and properties once (so the event has the body
 * size and the ids), start subscribers may add headers, then `publish` (the plain publish) sends
 * the encoded bytes with the properties, headers included, as its options.
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
    o.timeout = options?.timeout;
    return publish(bytes, o as O);
  }, (c, _v, error) => void (c.outcome = error === undefined ? (c.confirm ? 'ack' : 'sent') : publishOutcome(error)));
}

/** A traced basic.get; `get` is the plain call. */
export function traceGet<M extends TracedMessage>(ch: TracedChannel, queue: string, noAck: boolean, get: () => Promise<M | null>): Promise<M | null> {
  const ctx = endpointOf(ch.connection, ch.id) as GetEventOf<TracedMessage>;
  ctx.queue = queue;
  ctx.noAck = noAck;
  return tracePromise(tracing.get, ctx, get, (c, m) => void (m && deliveryFields(c, m)));
}

/**
 * A settlement (ack, nack, reject) when the settle or the process channel has subscribers:
 * publishes the settle event around `settle` (the plain settlement) when settle has, and
 * completes the message's iterator hand-over (process.ts).
 */
export function traceSettle(ch: TracedChannel, m: TracedMessage, how: SettleEventOf<TracedMessage>['how'], multiple: boolean, requeue: boolean, count: number, settle: () => void): void {
  const tc = tracing.settle;
  if (!tc.start.hasSubscribers) {
    settle();
    return completeHandOver(m, 'settled');
  }
  const ctx = endpointOf(ch.connection, ch.id) as SettleEventOf<TracedMessage>;
  ctx.how = how;
  ctx.deliveryTag = Number(m.deliveryTag);
  ctx.multiple = multiple;
  ctx.requeue = requeue;
  ctx.count = count;
  ctx.consumerTag = m.consumerTag;
  ctx.message = m;
  tc.start.runStores(ctx, () => {
    try {
      settle();
    } catch (error) {
      classify(ctx, error);
      tc.error.publish(ctx);
      throw error;
    } finally {
      tc.end.publish(ctx);
    }
  });
  completeHandOver(m, 'settled');
}

/** A traced RpcClient.call(); `call` is the plain call, run inside a subscriber's `wrap`. */
export function traceRpc<M extends TracedMessage>(ch: TracedChannel, exchange: string, routingKey: string, call: () => Promise<M>): Promise<M> {
  const ctx = endpointOf(ch.connection, ch.id) as RpcEventOf<TracedMessage>;
  ctx.exchange = exchange;
  ctx.routingKey = routingKey;
  return tracePromise(tracing.rpc, ctx, () => (ctx.wrap ? ctx.wrap(call) : call()), (c, m) => {
    if (m) (c.correlationId = m.properties.correlationId), (c.bodySize = m.body.byteLength);
  });
}

/** A traced connect(); the endpoint is that of the options until the connection exists. */
export function traceConnect<T extends object>(o: { hostname: string; port: number; connectionName: string | undefined; vhost: string }, connect: () => Promise<T>): Promise<T> {
  const ctx: ConnectionEvent = { connectionId: undefined, connectionName: o.connectionName, serverAddress: o.hostname, serverPort: o.port, channelId: undefined, vhost: o.vhost };
  return tracePromise(tracing.connect, ctx, connect, (c, conn) => void (conn && (c.connectionId = connectionIdOf(conn))));
}

/** A traced Connection.close(); `close` is the plain close. */
export function traceClose(connection: object, close: () => Promise<void>): Promise<void> {
  return tracePromise(tracing.close, endpointOf(connection, undefined) as ConnectionEvent, close);
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
