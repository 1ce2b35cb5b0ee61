/**
 * `warren/otel`: OpenTelemetry spans and metrics for warren, from its diagnostics channels
 * (runtime/client/tracing/). Nothing is patched: `instrument()` subscribes, the function it
 * returns unsubscribes. `@opentelemetry/api` is an optional peer dependency; the SDK that the
 * application registers (tracer and meter providers, propagator, context manager) does the rest.
 *
 * Theory of operation. Each tracing channel event is one object from `start` to `asyncEnd`; the
 * span and its start time are kept in a WeakMap keyed by that object. A span starts at `start`
 * and ends at `end` (settle; process of a synchronous callback) or `asyncEnd` (everything that
 * returns a promise; process of an async callback or an iterator hand-over). `error` marks it
 * failed first. Publish injects the span's context into the event's headers, which warren then
 * encodes; process extracts it from the delivery's headers and makes the producer's span the
 * parent (default) or a link of the process span, and runs the callback with the process span
 * active (the event's `wrap`). Metrics are recorded when the operation completes.
 */
import {
  context, diag, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace,
  type Attributes, type Counter, type Histogram, type MeterProvider, type Span, type TracerProvider,
} from '@opentelemetry/api';
import {
  tracing, type ConnectionEvent, type GetEvent, type ProcessEvent, type PublishEvent, type RpcEvent, type SettleEvent, type TraceEndpoint, type TraceOutcome,
} from '../client/tracing/public.js';
import type { Message } from '../client/message.js';
import { ATTR, consumerDestination, headerGetter, headerSetter, producerDestination, SYSTEM } from './semconv.js';

/** Operations that can produce spans. */
export interface TracedOperations {
  /** basic.publish (PRODUCER `publish <exchange>`); default true. */
  publish?: boolean;
  /** basic.get (CLIENT `receive <queue>`); default true. */
  get?: boolean;
  /** A delivery's handling (CONSUMER `process <queue>`); default true. */
  process?: boolean;
  /** ack, nack, reject (CLIENT `ack <queue>`...); default true. */
  settle?: boolean;
  /** RpcClient.call (CLIENT `call <routing key>`); default true. */
  rpc?: boolean;
  /** connect, close and recovery (INTERNAL `connect`...); default true. */
  connection?: boolean;
}

/** Hooks that add attributes (or anything else) to a span, with the event it comes from. */
export interface InstrumentHooks {
  /** Called at the publish span's start, before the trace context is injected. */
  publish?: (span: Span, event: PublishEvent) => void;
  /** Called when basic.get has answered (the event then has the delivery fields, if any). */
  get?: (span: Span, event: GetEvent) => void;
  /** Called at the process span's start, before the callback runs. */
  process?: (span: Span, event: ProcessEvent) => void;
  /** Called at the settle span's start. */
  settle?: (span: Span, event: SettleEvent) => void;
  /** Called at the RPC span's start. */
  rpc?: (span: Span, event: RpcEvent) => void;
  /** Called at the start of a connect, close or recovery span. */
  connection?: (span: Span, event: ConnectionEvent) => void;
}

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Tracer provider (default: the global one). */
  tracerProvider?: TracerProvider;
  /** Meter provider (default: the global one). */
  meterProvider?: MeterProvider;
  /** Which operations produce spans (all by default). Metrics are recorded regardless. */
  trace?: TracedOperations;
  /** Record the messaging metrics (default true). */
  metrics?: boolean;
  /**
   * How a process span relates to the producer's context found in the message headers: as its
   * `parent` (one trace from producer to consumer; default) or as a `link` (the process span
   * stays in the consumer's current trace, as the conventions recommend for batch handling).
   */
  processContext?: 'parent' | 'link';
  /** Hooks to add attributes to spans. */
  hooks?: InstrumentHooks;
}

/** Ends what {@link instrument} started: unsubscribes from every channel. */
export type Uninstrument = () => void;

const NAME = 'warren';

/** `f`, with what it throws reported to OpenTelemetry's diag logger instead of thrown. */
function guarded<A extends unknown[]>(what: string, f: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      f(...args);
    } catch (error) {
      diag.error(`warren/otel: ${what} threw`, error);
    }
  };
}
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Open {
  span: Span | undefined;
  started: number;
  attrs: Attributes;
}

interface Meters {
  sent: Counter;
  consumed: Counter;
  operation: Histogram;
  process: Histogram;
}

function endpointAttributes(e: TraceEndpoint, a: Attributes): Attributes {
  if (e.serverAddress !== undefined) a[ATTR.serverAddress] = e.serverAddress;
  if (e.serverPort !== undefined) a[ATTR.serverPort] = e.serverPort;
  const client = e.connectionName ?? e.connectionId;
  if (client !== undefined) a[ATTR.clientId] = client;
  return a;
}

/** The attributes metrics keep: the low-cardinality subset of a span's. */
function metricAttributes(a: Attributes): Attributes {
  const m: Attributes = {};
  for (const k of [ATTR.system, ATTR.systemName, ATTR.operationName, ATTR.operationType, ATTR.destination, ATTR.serverAddress, ATTR.serverPort, ATTR.errorType]) {
    if (a[k] !== undefined) m[k] = a[k];
  }
  return m;
}

function fail(span: Span | undefined, attrs: Attributes, e: TraceOutcome): void {
  const type = e.errorType ?? '_OTHER';
  attrs[ATTR.errorType] = type;
  if (!span) return;
  span.setAttribute(ATTR.errorType, type);
  if (e.errorCode !== undefined) span.setAttribute(ATTR.replyCode, e.errorCode);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.error instanceof Error ? e.error.message : type });
}

/**
 * Turns warren's tracing channels into OpenTelemetry spans and metrics. Call it once, after the
 * SDK is registered; the result unsubscribes. Spans and metrics follow the OpenTelemetry
 * messaging conventions for RabbitMQ; trace context travels in the message headers (W3C
 * `traceparent`/`tracestate`, or whatever propagator the application registered).
 */
export function instrument(options: InstrumentOptions = {}): Uninstrument {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME);
  const traced: Required<TracedOperations> = { publish: true, get: true, process: true, settle: true, rpc: true, connection: true, ...options.trace };
  const hooks: InstrumentHooks = {};
  for (const [k, f] of Object.entries(options.hooks ?? {}) as [keyof InstrumentHooks, (span: Span, e: never) => void][]) {
    if (typeof f === 'function') (hooks as Record<string, unknown>)[k] = guarded(`hooks.${k}`, f);
  }
  const link = options.processContext === 'link';
  const m: Meters | undefined = options.metrics === false ? undefined : {
    sent: meter.createCounter('messaging.client.sent.messages', { unit: '{message}', description: 'Number of messages producer attempted to send to the broker.' }),
    consumed: meter.createCounter('messaging.client.consumed.messages', { unit: '{message}', description: 'Number of messages that were delivered to the application.' }),
    operation: meter.createHistogram('messaging.client.operation.duration', { unit: 's', description: 'Duration of messaging operation initiated by a producer or consumer client.', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
    process: meter.createHistogram('messaging.process.duration', { unit: 's', description: 'Duration of processing operation.', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
  };
  const open = new WeakMap<object, Open>();
  /** The process (or get) span of a message and its queue, for settle spans. */
  const received = new WeakMap<Message, { span: Span | undefined; queue: string }>();
  const unsubscribe: (() => void)[] = [];

  // A throw from a diagnostics_channel subscriber becomes an uncaught exception (Node rethrows it
  // on the next tick): every handler, and every user hook, reports to diag.error instead.
  function subscribe<C extends object>(channel: { subscribe(h: object): void; unsubscribe(h: object): unknown }, handlers: Partial<Record<'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error', (ctx: C) => void>>): void {
    const h: Record<string, (ctx: unknown) => void> = { start: () => {}, end: () => {}, asyncStart: () => {}, asyncEnd: () => {}, error: () => {} };
    for (const [k, f] of Object.entries(handlers) as [string, (ctx: unknown) => void][]) h[k] = guarded(`${k} handler`, f);
    channel.subscribe(h);
    unsubscribe.push(() => void channel.unsubscribe(h));
  }

  const begin = (ctx: object, span: Span | undefined, attrs: Attributes): Open => {
    const o = { span, started: performance.now(), attrs };
    open.set(ctx, o);
    return o;
  };
  const seconds = (o: Open): number => (performance.now() - o.started) / 1000;
  const onError = (ctx: TraceOutcome & object): void => {
    const o = open.get(ctx);
    if (o) fail(o.span, o.attrs, ctx);
  };
  const finish = (ctx: object, record?: (o: Open) => void): void => {
    const o = open.get(ctx);
    if (!o) return;
    open.delete(ctx);
    record?.(o);
    o.span?.end();
  };

  // ------------------------------------------------------------------ publish (send)
  subscribe<PublishEvent>(tracing.publish, {
    start: (e) => {
      const attrs = endpointAttributes(e, {
        [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM, [ATTR.operationType]: 'send', [ATTR.operationName]: 'publish',
        [ATTR.destination]: producerDestination(e.exchange, e.routingKey),
      });
      let span: Span | undefined;
      if (traced.publish) {
        const spanAttrs: Attributes = Object.assign({}, attrs);
        spanAttrs[ATTR.bodySize] = e.bodySize;
        if (e.routingKey) spanAttrs[ATTR.routingKey] = spanAttrs[ATTR.rabbitmqRoutingKey] = e.routingKey;
        if (e.messageId !== undefined) spanAttrs[ATTR.messageId] = e.messageId;
        if (e.correlationId !== undefined) spanAttrs[ATTR.conversationId] = e.correlationId;
        if (e.channelId !== undefined) spanAttrs[ATTR.channelId] = e.channelId;
        span = tracer.startSpan(`publish ${e.exchange || 'amq.default'}`, { kind: SpanKind.PRODUCER, attributes: spanAttrs });
        hooks.publish?.(span, e);
        propagation.inject(trace.setSpan(context.active(), span), e.headers, headerSetter);
      } else propagation.inject(context.active(), e.headers, headerSetter);
      begin(e, span, attrs);
    },
    error: onError,
    asyncEnd: (e) => finish(e, (o) => {
      if (e.outcome) o.span?.setAttribute(ATTR.publishOutcome, e.outcome);
      const a = metricAttributes(o.attrs);
      m?.sent.add(1, a);
      m?.operation.record(seconds(o), a);
    }),
  });

  // ------------------------------------------------------------------ get (receive)
  subscribe<GetEvent>(tracing.get, {
    start: (e) => {
      const attrs = endpointAttributes(e, { [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM, [ATTR.operationType]: 'receive', [ATTR.operationName]: 'receive', [ATTR.destination]: e.queue });
      const spanAttrs: Attributes = Object.assign({}, attrs);
      if (e.channelId !== undefined) spanAttrs[ATTR.channelId] = e.channelId;
      const span = traced.get ? tracer.startSpan(`receive ${e.queue}`, { kind: SpanKind.CLIENT, attributes: spanAttrs }) : undefined;
      begin(e, span, attrs);
    },
    error: onError,
    asyncEnd: (e) => finish(e, (o) => {
      const msg = e.result;
      if (msg) {
        o.attrs[ATTR.destination] = consumerDestination(e.exchange, e.routingKey, e.queue);
        received.set(msg, { span: o.span, queue: e.queue });
        if (o.span) {
          o.span.setAttributes(deliveryAttributes({}, e as Required<GetEvent>));
          o.span.setAttribute(ATTR.destination, o.attrs[ATTR.destination]!);
          const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, e.headers ?? {}, headerGetter));
          if (producer) o.span.addLink?.({ context: producer });
        }
      }
      if (o.span) hooks.get?.(o.span, e);
      const a = metricAttributes(o.attrs);
      if (msg) m?.consumed.add(1, a);
      m?.operation.record(seconds(o), a);
    }),
  });

  // ------------------------------------------------------------------ process
  subscribe<ProcessEvent>(tracing.process, {
    start: (e) => {
      const attrs = endpointAttributes(e, {
        [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM, [ATTR.operationType]: 'process', [ATTR.operationName]: 'process',
        [ATTR.destination]: consumerDestination(e.exchange, e.routingKey, e.queue),
      });
      m?.consumed.add(1, metricAttributes(attrs));
      let span: Span | undefined;
      if (traced.process) {
        const producerContext = propagation.extract(ROOT_CONTEXT, e.headers, headerGetter);
        const producer = trace.getSpanContext(producerContext);
        const parent = link || !producer ? context.active() : producerContext;
        span = tracer.startSpan(`process ${e.queue}`, {
          kind: SpanKind.CONSUMER,
          attributes: deliveryAttributes(Object.assign({}, attrs), e, e.consumerTag),
          links: link && producer ? [{ context: producer }] : [],
        }, parent);
        hooks.process?.(span, e);
        const active = trace.setSpan(parent, span);
        const outer = e.wrap;
        e.wrap = outer ? (run) => outer(() => context.with(active, run)) : (run) => context.with(active, run);
      }
      received.set(e.message, { span, queue: e.queue });
      begin(e, span, attrs);
    },
    error: onError,
    end: (e) => {
      if (!e.async) finish(e, (o) => m?.process.record(seconds(o), metricAttributes(o.attrs)));
    },
    asyncEnd: (e) => finish(e, (o) => m?.process.record(seconds(o), metricAttributes(o.attrs))),
  });

  // ------------------------------------------------------------------ settle
  subscribe<SettleEvent>(tracing.settle, {
    start: (e) => {
      const from = received.get(e.message);
      const attrs = endpointAttributes(e, {
        [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM, [ATTR.operationType]: 'settle', [ATTR.operationName]: e.how,
        [ATTR.destination]: consumerDestination(e.message.exchange, e.message.routingKey, from?.queue ?? ''),
      });
      let span: Span | undefined;
      if (traced.settle) {
        const parent = from?.span ? trace.setSpan(context.active(), from.span) : context.active();
        const spanAttrs: Attributes = Object.assign({}, attrs);
        spanAttrs[ATTR.deliveryTag] = spanAttrs[ATTR.rabbitmqDeliveryTag] = e.deliveryTag;
        spanAttrs[ATTR.requeue] = e.requeue;
        if (e.multiple) spanAttrs[ATTR.batchCount] = e.count;
        span = tracer.startSpan(from ? `${e.how} ${from.queue}` : e.how, { kind: SpanKind.CLIENT, attributes: spanAttrs }, parent);
        hooks.settle?.(span, e);
      }
      begin(e, span, attrs);
    },
    error: onError,
    end: (e) => finish(e, (o) => m?.operation.record(seconds(o), metricAttributes(o.attrs))),
  });

  // ------------------------------------------------------------------ rpc
  subscribe<RpcEvent>(tracing.rpc, {
    start: (e) => {
      if (!traced.rpc) return;
      const attrs = endpointAttributes(e, { [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM, [ATTR.operationName]: 'call', [ATTR.destination]: producerDestination(e.exchange, e.routingKey) });
      const span = tracer.startSpan(`call ${e.routingKey || e.exchange}`, { kind: SpanKind.CLIENT, attributes: attrs });
      hooks.rpc?.(span, e);
      const active = trace.setSpan(context.active(), span);
      const outer = e.wrap;
      e.wrap = outer ? (run) => outer(() => context.with(active, run)) : (run) => context.with(active, run);
      begin(e, span, attrs);
    },
    error: onError,
    asyncEnd: (e) => finish(e, (o) => {
      if (e.correlationId !== undefined) o.span?.setAttribute(ATTR.conversationId, e.correlationId);
    }),
  });

  // ------------------------------------------------------------------ connection lifecycle
  for (const [name, channel] of [['connect', tracing.connect], ['close', tracing.close], ['recovery', tracing.recovery]] as const) {
    subscribe<ConnectionEvent>(channel, {
      start: (e) => {
        if (!traced.connection) return;
        const attrs = endpointAttributes(e, { [ATTR.system]: SYSTEM, [ATTR.systemName]: SYSTEM });
        if (e.attempt !== undefined) attrs['warren.recovery.attempt'] = e.attempt;
        const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: attrs });
        hooks.connection?.(span, e);
        begin(e, span, attrs);
      },
      error: onError,
      asyncEnd: (e) => finish(e, (o) => {
        if (e.connectionId !== undefined) o.span?.setAttribute(ATTR.clientId, e.connectionName ?? e.connectionId);
      }),
    });
  }

  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const u of unsubscribe.splice(0)) u();
  };
}

/** Adds a delivery's attributes to `a` (built in place: spreading objects is slow per message). */
function deliveryAttributes(a: Attributes, e: { routingKey: string; deliveryTag: number; redelivered: boolean; messageId: string | undefined; correlationId: string | undefined; bodySize: number; channelId: number | undefined }, consumerTag?: string): Attributes {
  a[ATTR.deliveryTag] = a[ATTR.rabbitmqDeliveryTag] = e.deliveryTag;
  a[ATTR.bodySize] = e.bodySize;
  a[ATTR.redelivered] = e.redelivered;
  if (consumerTag !== undefined) a[ATTR.consumerTag] = consumerTag;
  if (e.routingKey) a[ATTR.routingKey] = a[ATTR.rabbitmqRoutingKey] = e.routingKey;
  if (e.messageId !== undefined) a[ATTR.messageId] = e.messageId;
  if (e.correlationId !== undefined) a[ATTR.conversationId] = e.correlationId;
  if (e.channelId !== undefined) a[ATTR.channelId] = e.channelId;
  return a;
}

export { headerGetter, headerSetter, producerDestination, consumerDestination } from './semconv.js';
