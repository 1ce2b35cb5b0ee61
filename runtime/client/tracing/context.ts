/**
 * What every traced operation shares: where it ran (the endpoint of its connection), how a
 * failure is classified, and the promise bracket (start, end, then error, asyncStart, asyncEnd).
 *
 * The endpoint of each connection is recorded when it opens ({@link describeConnection}), in a
 * WeakMap keyed by the connection, so the events of connections opened before a subscriber
 * attached still carry it, and a closed connection's entry goes with it.
 */
import type { TracingChannel } from '../../io/tracing-channel.js';
import type { DeliveryFields, TraceEndpoint, TracedMessage, TraceOutcome } from './events.js';

type Endpoint = Pick<TraceEndpoint, 'connectionId' | 'connectionName' | 'serverAddress' | 'serverPort'>;
const endpoints = new WeakMap<object, Endpoint>();

/** Records where `connection` is connected (call again when it reconnects elsewhere). */
export function describeConnection(connection: object, e: { id: string; name: string | undefined; hostname: string; port: number }): void {
  endpoints.set(connection, { connectionId: e.id, connectionName: e.name, serverAddress: e.hostname, serverPort: e.port });
}

/** warren's id of `connection` (`warren-1`...), once it is described. */
export function connectionIdOf(connection: object): string | undefined {
  return endpoints.get(connection)?.connectionId;
}

/** The structural view of a Channel the helpers need (tracing imports no client class). */
export interface TracedChannel {
  readonly id: number;
  readonly connection: object;
  readonly confirmMode?: boolean;
}

/** A fresh event object with the endpoint fields of `connection` and `channelId`. */
export function endpointOf(connection: object | undefined, channelId: number | undefined): TraceEndpoint {
  const e = connection ? endpoints.get(connection) : undefined;
  return { connectionId: e?.connectionId, connectionName: e?.connectionName, serverAddress: e?.serverAddress, serverPort: e?.serverPort, channelId };
}

/** Sets the outcome fields of a failed operation: the error, its class name, a broker reply code. */
export function classify(ctx: TraceOutcome, error: unknown): void {
  ctx.error = error;
  const e = error as { name?: unknown; replyCode?: unknown } | null;
  ctx.errorType = e && typeof e.name === 'string' ? e.name : typeof error;
  if (e && typeof e.replyCode === 'number' && e.name !== 'UnroutableError') ctx.errorCode = e.replyCode;
}

/** Copies a delivery's fields onto a get or process event. */
export function deliveryFields(e: Partial<DeliveryFields>, m: TracedMessage): void {
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

/**
 * Publishes start/end around `run` and asyncStart/asyncEnd (after error) when its promise
 * settles; `done` sets the outcome fields first. Also when `run` throws before a promise exists
 * (unlike Node's own tracePromise), since the promise returned here then rejects.
 */
export function tracePromise<C extends TraceOutcome, T>(tc: TracingChannel<unknown, C>, ctx: C, run: () => Promise<T>, done?: (ctx: C, value: T | undefined, error: unknown) => void): Promise<T> {
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
