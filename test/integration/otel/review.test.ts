// Review of issue 11 (warren/otel): what a subscriber or an application can do that must neither
// break the client nor leave a span open.
import { afterEach, describe, expect, it } from 'vitest';
import { tracingChannel } from 'node:diagnostics_channel';
import type { Span } from '@opentelemetry/api';
import { connect, createRpcClient, type Message } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';
import { startProxy } from '../../helpers/tcp-proxy.js';
import { instrument, type InstrumentOptions } from '../../../runtime/otel/index.js';
import { channel, queue } from '../messaging/fixture.js';
import { sdk, until, type Sdk } from './sdk.js';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

function setup(options: InstrumentOptions = {}): Sdk {
  const s = sdk();
  stop = instrument({ tracerProvider: s.tracerProvider, meterProvider: s.meterProvider, ...options });
  return s;
}
const named = (s: Sdk, prefix: string) => s.spans().filter((x) => x.name.startsWith(prefix));

/** Errors that reached process 'uncaughtException' while `run` ran (and a tick after). */
async function uncaught(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const on = (e: unknown) => void seen.push(e);
  process.on('uncaughtException', on);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('uncaughtException', on);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  return seen;
}

describe('a hook that throws', () => {
  it('neither crashes the process nor leaves its span open, and the message is delivered', async () => {
    const hook = () => {
      throw new Error('hook bug');
    };
    const s = setup({ hooks: { publish: hook, process: hook, settle: hook } });
    const ch = await channel();
    const q = await queue(ch);
    let got: Message | undefined;
    const errors = await uncaught(async () => {
      const handled = new Promise<void>((resolve) => {
        void ch.consume(q, (m) => {
          got = m;
          m.ack();
          resolve();
        });
      });
      await ch.sendToQueue(q, 'hello');
      await handled;
    });
    expect(got?.text()).toBe('hello');
    expect(errors).toEqual([]);
    const [publish] = named(s, 'publish');
    expect(publish).toBeDefined();
    const [process] = await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span');
    // the producer's context still went out in the headers
    expect(process!.spanContext().traceId).toBe(publish!.spanContext().traceId);
    expect(named(s, 'ack')).toHaveLength(1);
  });
});

describe('process spans of receive()', () => {
  it('end when the consumer is closed with a hand-over still open', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'a');
    const consumer = await ch.consume(q, { noAck: true });
    expect((await consumer.receive({ timeout: 5000 }))?.text()).toBe('a');
    await consumer.close();
    await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span to end after close()');
  });

  it('end when the iterator is left with break', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'a');
    const consumer = await ch.consume(q, { noAck: true });
    for await (const m of consumer) {
      expect(m.text()).toBe('a');
      break;
    }
    await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span to end after break');
  });
});

describe('every span that starts ends', () => {
  it('on the failure paths: closed channel, empty get, RPC timeout, connection lost mid-publish, broker cancel, a throwing callback', async () => {
    const s = sdk();
    const started = new Set<Span>();
    let total = 0;
    const tracerProvider = { getTracer: (n: string) => {
      const t = s.tracerProvider.getTracer(n);
      return { ...t, startSpan: (...a: Parameters<typeof t.startSpan>) => {
        const span = t.startSpan(...a);
        started.add(span);
        total++;
        const end = span.end.bind(span);
        span.end = (time) => (started.delete(span), end(time));
        return span;
      }, startActiveSpan: t.startActiveSpan.bind(t) } as typeof t;
    } };
    stop = instrument({ tracerProvider, meterProvider: s.meterProvider });
    const ch = await channel();
    const q = await queue(ch);
    // publish without confirms on a closed channel
    const closed = await channel();
    await closed.close();
    await expect(closed.sendToQueue(q, 'x')).rejects.toThrow();
    // get() on an empty queue
    expect(await ch.get(q)).toBeNull();
    // an RPC call that times out
    const rpc = await createRpcClient(ch);
    await expect(rpc.call(uniqueName('nobody'), 'ping', { timeout: 50 })).rejects.toMatchObject({ name: 'RpcTimeoutError' });
    // a callback that throws, and a broker cancel (queue deleted) while an async callback runs
    const other = await channel();
    const q2 = await queue(other);
    let release!: () => void;
    const inHandler = new Promise<void>((entered) => {
      void other.consume(q2, async (m) => {
        if (m.text() === 'throw') throw new Error('handler bug');
        entered();
        await new Promise<void>((r) => (release = r));
      }, { noAck: true });
    });
    await other.sendToQueue(q2, 'throw');
    await other.sendToQueue(q2, 'wait');
    await inHandler;
    await ch.queueDelete(q2);
    release();
    // connection lost while confirms are outstanding
    const target = new URL(amqpUrl());
    const proxy = await startProxy(target.hostname, Number(target.port));
    try {
      const lost = await connect(proxy.url(amqpUrl()));
      lost.on('error', () => {});
      const lc = await lost.channel();
      await lc.confirmSelect();
      const pending = Array.from({ length: 20 }, () => lc.sendToQueue(q, 'y').catch((e: unknown) => e));
      proxy.cut();
      await Promise.all(pending);
      await lost.close().catch(() => {});
    } finally {
      await proxy.close();
    }
    await until(() => started.size, (n) => n === 0, 'every span to end').catch(() => undefined);
    expect(total).toBeGreaterThan(20); // the tracer was the one in use
    expect([...started].map((x) => (x as unknown as { name: string }).name)).toEqual([]);
  });
});

describe('semantic conventions 1.45', () => {
  it('the current names (messaging.system.name, rabbitmq.*) are set beside the deprecated ones', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'x');
    const m = (await ch.get(q))!;
    m.ack();
    const [publish] = named(s, 'publish');
    const [receive] = named(s, 'receive');
    const [ack] = named(s, 'ack');
    for (const span of [publish, receive, ack]) expect(span!.attributes).toMatchObject({ 'messaging.system.name': 'rabbitmq', 'messaging.system': 'rabbitmq' });
    expect(publish!.attributes).toMatchObject({ 'rabbitmq.destination.routing_key': q, 'messaging.rabbitmq.destination.routing_key': q });
    expect(receive!.attributes).toMatchObject({ 'rabbitmq.message.delivery_tag': 1, 'messaging.rabbitmq.message.delivery_tag': 1 });
    expect(ack!.attributes).toMatchObject({ 'rabbitmq.message.delivery_tag': 1 });
    const sent = (await s.metrics()).get('messaging.client.sent.messages')!;
    expect(sent.dataPoints[0]!.attributes).toMatchObject({ 'messaging.system.name': 'rabbitmq' });
  });
});

describe('trace context in headers the application gave', () => {
  it('a frozen header table is copied, not written: the publish succeeds and the consumer sees both', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    const headers = Object.freeze({ app: 'x' });
    await ch.sendToQueue(q, 'x', { headers });
    expect(headers).toEqual({ app: 'x' });
    const m = (await ch.get(q, { noAck: true }))!;
    expect(m.properties.headers).toMatchObject({ app: 'x', traceparent: expect.stringMatching(/^00-/) });
    const [publish] = named(s, 'publish');
    expect(m.properties.headers!.traceparent).toContain(publish!.spanContext().spanId);
  });

  it('a traceparent already present is replaced by the publish span (the consumer continues its trace)', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    const stale = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await ch.sendToQueue(q, 'x', { headers: { traceparent: stale } });
    const m = (await ch.get(q, { noAck: true }))!;
    const [publish] = named(s, 'publish');
    expect(m.properties.headers!.traceparent).toBe(`00-${publish!.spanContext().traceId}-${publish!.spanContext().spanId}-01`);
  });
});

describe('a promise operation that throws before its promise exists', () => {
  it('still ends its span: asyncEnd follows the synchronous error, as the promise warren returns settles', async () => {
    const s = setup();
    // another subscriber's wrap (composed after warren/otel's) throws synchronously
    const tc = tracingChannel('warren:rpc');
    const start = (e: unknown) => void ((e as { wrap?: unknown }).wrap = () => {
      throw new Error('wrap bug');
    });
    const handlers = { start, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    tc.subscribe(handlers);
    try {
      const ch = await channel();
      const rpc = await createRpcClient(ch);
      await expect(rpc.call('nobody', 'x', { timeout: 1000 })).rejects.toThrow('wrap bug');
    } finally {
      tc.unsubscribe(handlers);
    }
    const [call] = await until(() => named(s, 'call'), (x) => x.length === 1, 'the call span to end');
    expect(call!.attributes['error.type']).toBe('Error');
  });
});
