/**
 * Tracing points: one node:diagnostics_channel TracingChannel per client operation (channels.ts),
 * the events they carry (events.ts), and the helpers that publish them (operations.ts, for
 * promise operations and settlement; process.ts, for deliveries handed to the application).
 * Nothing here depends on a tracer: warren/otel (or any other subscriber) turns the events into
 * spans and metrics. This is what the client imports: it names no client class (a message is a
 * `TracedMessage`). The package's public names, typed with Message, are in public.ts.
 *
 * Event order per operation, as node:diagnostics_channel defines it: `start` (before anything is
 * sent; the publish event's `headers` may still be changed), `end` (the synchronous part
 * returned), then for promise operations `asyncStart` and `asyncEnd` when the promise settles,
 * preceded by `error` when it rejects (the event then has `error`, `errorType` and, for a broker
 * reply, `errorCode`). publish, get, rpc, connect, close and recovery are promise operations.
 * settle is synchronous. process is synchronous unless `async` is true at `end`: a callback that
 * returned a promise, or an async iterator's hand-over, which completes when the message is
 * settled, or when the loop asks for the next message (or receive() is called again) or leaves.
 */
export { tracing } from './channels.js';
export type {
  TraceEndpoint, TraceOutcome, PublishOutcome, PublishEvent, DeliveryFields, ConnectionEvent, TracedMessage, GetEventOf, ProcessEventOf, SettleEventOf, RpcEventOf,
} from './events.js';
export { describeConnection, endpointOf, type TracedChannel } from './context.js';
export { tracePublish, traceGet, traceSettle, traceRpc, traceConnect, traceClose, traceRecovery } from './operations.js';
export { traceProcess, traceIterator, traceReceive, consumerEnded, completeHandOver } from './process.js';
