/**
 * The tracing layer without a broker: the channels are node:diagnostics_channel's own (a plain
 * subscriber sees warren's events), each helper runs the plain operation once and publishes its
 * events in node:diagnostics_channel's order, and where the runtime has no diagnostics_channel
 * the channels are inert (nothing published, subscribing does nothing, operations still run).
 * The broker tests of test/integration/otel cover the client's entry points.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tracePromise } from '../../../../runtime/client/tracing/context.js';
import { traceConnect, tracePublish, traceSettle } from '../../../../runtime/client/tracing/operations.js';
import { tracing } from '../../../../runtime/client/tracing/index.js';
import type { Message } from '../../../../runtime/client/message.js';
import type { PublishEvent } from '../../../../runtime/client/tracing/events.js';
import type { GetEvent } from '../../../../runtime/client/tracing/public.js';

type Phase = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
const subscriptions: (() => void)[] = [];

/** Subscribes to `warren:<op>` through node:diagnostics_channel itself; returns the phases seen. */
function listen(op: string, onStart?: (ctx: Record<string, unknown>) => void): Phase[] {
  const seen: Phase[] = [];
  const h = (phase: Phase) => (ctx: unknown) => {
    if (phase === 'start') onStart?.(ctx as Record<string, unknown>);
    seen.push(phase);
  };
  const handlers = { start: h('start'), end: h('end'), asyncStart: h('asyncStart'), asyncEnd: h('asyncEnd'), error: h('error') };
  const tc = tracingChannel(`warren:${op}`);
  tc.subscribe(handlers);
  subscriptions.push(() => tc.unsubscribe(handlers));
  return seen;
}

afterEach(() => {
  for (const u of subscriptions.splice(0)) u();
  vi.unstubAllGlobals();
  vi.resetModules();
});

const channel = { id: 3, connection: {}, confirmMode: true };

describe('tracing channels', () => {
  it('are node:diagnostics_channel channels: a subscriber made there is seen by warren', () => {
    expect(tracing.publish.start.hasSubscribers).toBe(false);
    listen('publish');
    expect(tracing.publish.start.hasSubscribers).toBe(true);
    expect(tracing.get.start.hasSubscribers).toBe(false);
  });

  it('publish: prepare and the plain publish run once; a start subscriber adds headers; ack outcome', async () => {
    const seen = listen('publish', (ctx) => ((ctx.headers as Record<string, unknown>).traceparent = 'tp'));
    const prepare = vi.fn(() => ({ bytes: new Uint8Array(5), properties: { messageId: 'm', headers: undefined } }));
    const sent: unknown[] = [];
    const publish = vi.fn(async (_bytes: Uint8Array, o: { headers?: unknown }) => void sent.push(o.headers));
    let event: Record<string, unknown> | undefined;
    listen('publish', (ctx) => (event = ctx));
    await tracePublish(channel, 'x', 'rk', { mandatory: true }, prepare, publish);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([{ traceparent: 'tp' }]);
    expect(seen).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(event).toMatchObject({ exchange: 'x', routingKey: 'rk', bodySize: 5, mandatory: true, confirm: true, messageId: 'm', channelId: 3, outcome: 'ack' });
  });

  it('a rejected operation publishes error before asyncStart and classifies it', async () => {
    const seen = listen('connect');
    let event: Record<string, unknown> | undefined;
    listen('connect', (ctx) => (event = ctx));
    const refused = Object.assign(new Error('no'), { name: 'AccessRefusedError', replyCode: 403 });
    await expect(traceConnect({ hostname: 'h', port: 1, connectionName: 'n', vhost: '/' }, () => Promise.reject(refused))).rejects.toBe(refused);
    expect(seen).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(event).toMatchObject({ serverAddress: 'h', serverPort: 1, connectionName: 'n', vhost: '/', errorType: 'AccessRefusedError', errorCode: 403, error: refused });
  });

  it('an operation that throws before its promise exists still ends its event', async () => {
    const seen = listen('get');
    const boom = new Error('boom');
    await expect(tracePromise(tracing.get, {} as GetEvent, () => { throw boom; })).rejects.toBe(boom);
    await Promise.resolve();
    expect(seen).toEqual(['start', 'error', 'end', 'asyncStart', 'asyncEnd']);
  });

  it('settle: the plain settlement runs once, inside start/end; with only process subscribed, no settle event', () => {
    const seen = listen('settle');
    const settle = vi.fn();
    const m = { deliveryTag: 7, consumerTag: 'c' } as unknown as Message;
    traceSettle(channel, m, 'ack', false, false, 1, settle);
    expect(settle).toHaveBeenCalledTimes(1);
    expect(seen).toEqual(['start', 'end']);
    subscriptions.splice(0).forEach((u) => u());
    traceSettle(channel, m, 'ack', false, false, 1, settle);
    expect(settle).toHaveBeenCalledTimes(2);
    expect(seen).toEqual(['start', 'end']);
  });
});

describe('without node:diagnostics_channel', () => {
  it('the channels are inert: subscribing does nothing, nothing is published, the operation runs', async () => {
    vi.stubGlobal('process', { ...process, getBuiltinModule: () => undefined });
    vi.resetModules();
    const inert = (await import('../../../../runtime/client/tracing/channels.js')).tracing;
    expect(inert.publish).not.toBe(tracing.publish);
    const handlers = { start: vi.fn(), end: vi.fn(), asyncStart: vi.fn(), asyncEnd: vi.fn(), error: vi.fn() };
    inert.publish.subscribe(handlers);
    listen('publish'); // node's channel of that name has a subscriber: the inert one does not see it
    for (const tc of Object.values(inert)) expect(tc.start.hasSubscribers).toBe(false);
    expect(inert.publish.start.runStores({} as PublishEvent, () => 42)).toBe(42);
    inert.publish.start.publish({});
    expect(handlers.start).not.toHaveBeenCalled();
    expect(inert.publish.unsubscribe(handlers)).toBe(false);
  });

  it('the same when the runtime has no process object at all', async () => {
    vi.stubGlobal('process', undefined);
    vi.resetModules();
    const inert = (await import('../../../../runtime/client/tracing/channels.js')).tracing;
    vi.unstubAllGlobals();
    expect(inert.connect.start.hasSubscribers).toBe(false);
  });
});
