// warren/otel with the real OpenTelemetry SDK against the real broker: spans per the messaging
// conventions for RabbitMQ, trace context through the message headers, and the metrics.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Message } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
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

describe('spans', () => {
  it('a publish and its processing are two spans of one trace, linked through the headers', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    const handled = new Promise<void>((resolve) => {
      void ch.consume(q, (m) => {
        // the callback runs with the process span active: its own spans are children
        s.tracerProvider.getTracer('app').startSpan('handler work').end();
        m.ack();
        resolve();
      });
    });
    await ch.sendToQueue(q, 'hello', { messageId: 'm-1' });
    await handled;
    const [publish] = named(s, 'publish');
    const [process] = await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span');
    expect(publish!.kind).toBe(SpanKind.PRODUCER);
    expect(publish!.name).toBe('publish amq.default');
    expect(publish!.attributes).toMatchObject({
      'messaging.system': 'rabbitmq', 'messaging.operation.type': 'send', 'messaging.operation.name': 'publish',
      'messaging.destination.name': q, 'messaging.rabbitmq.destination.routing_key': q, 'messaging.message.id': 'm-1',
      'messaging.message.body.size': 5, 'server.port': expect.any(Number), 'server.address': expect.any(String),
    });
    expect(process!.kind).toBe(SpanKind.CONSUMER);
    expect(process!.name).toBe(`process ${q}`);
    expect(process!.spanContext().traceId).toBe(publish!.spanContext().traceId);
    expect(process!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
    expect(process!.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.rabbitmq.message.delivery_tag': 1, 'messaging.destination.name': q });
    const work = s.spans().find((x) => x.name === 'handler work')!;
    expect(work.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);
    const ack = s.spans().find((x) => x.name === `ack ${q}`)!;
    expect(ack.kind).toBe(SpanKind.CLIENT);
    expect(ack.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);
    expect(ack.attributes).toMatchObject({ 'messaging.operation.type': 'settle', 'messaging.operation.name': 'ack' });
  });

  it('with processContext "link", the process span links to the producer instead', async () => {
    const s = setup({ processContext: 'link' });
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'x');
    const consumer = await ch.consume(q, { noAck: true });
    const it = consumer[Symbol.asyncIterator]();
    await it.next();
    await it.return!();
    const [publish] = named(s, 'publish');
    const [process] = named(s, 'process');
    expect(process!.spanContext().traceId).not.toBe(publish!.spanContext().traceId);
    expect(process!.links.map((l) => l.context.spanId)).toEqual([publish!.spanContext().spanId]);
  });

  it('a nack, a return and a channel error end the publish span as errors with their error.type', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'fits');
    await expect(ch.sendToQueue(q, 'overflows')).rejects.toMatchObject({ name: 'NackError' });
    await expect(ch.publish('', `${q}-nowhere`, 'x', { mandatory: true })).rejects.toMatchObject({ name: 'UnroutableError' });
    await expect(ch.publish(`${q}-no-exchange`, 'k', 'x')).rejects.toMatchObject({ name: 'NotFoundError' });
    const [ok, nack, returned, closed] = named(s, 'publish');
    expect(ok!.status.code).toBe(SpanStatusCode.UNSET);
    expect(ok!.attributes['warren.publish.outcome']).toBe('ack');
    expect(nack!.status.code).toBe(SpanStatusCode.ERROR);
    expect(nack!.attributes).toMatchObject({ 'error.type': 'NackError', 'warren.publish.outcome': 'nack' });
    expect(returned!.status.code).toBe(SpanStatusCode.ERROR);
    expect(returned!.attributes).toMatchObject({ 'error.type': 'UnroutableError', 'warren.publish.outcome': 'returned' });
    expect(closed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(closed!.name).toBe(`publish ${q}-no-exchange`);
    expect(closed!.attributes).toMatchObject({ 'error.type': 'NotFoundError', 'warren.reply_code': 404, 'messaging.destination.name': `${q}-no-exchange:k` });
  });

  it('basic.get is a receive span, linked to the producer', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    expect(await ch.get(q)).toBeNull();
    await ch.sendToQueue(q, 'abc');
    let m: Message | null = null;
    for (let i = 0; i < 100 && !m; i++) m = await ch.get(q);
    m!.ack();
    const receives = named(s, 'receive');
    const got = receives.at(-1)!;
    const [publish] = named(s, 'publish');
    expect(receives[0]!.attributes['messaging.rabbitmq.message.delivery_tag']).toBeUndefined();
    expect(got.kind).toBe(SpanKind.CLIENT);
    expect(got.name).toBe(`receive ${q}`);
    expect(got.attributes).toMatchObject({ 'messaging.operation.type': 'receive', 'messaging.rabbitmq.message.delivery_tag': Number(m!.deliveryTag), 'messaging.message.body.size': 3 });
    expect(got.links.map((l) => l.context.spanId)).toEqual([publish!.spanContext().spanId]);
    expect(s.spans().find((x) => x.name === `ack ${q}`)!.parentSpanContext?.spanId).toBe(got.spanContext().spanId);
  });

  it("an async iterator's process span ends when the message is settled", async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'one');
    const consumer = await ch.consume(q);
    const it = consumer[Symbol.asyncIterator]();
    const m = (await it.next()).value as Message;
    expect(named(s, 'process')).toHaveLength(0); // handed over, not settled: still open
    m.ack();
    const [process] = named(s, 'process');
    expect(process!.attributes['messaging.rabbitmq.message.delivery_tag']).toBe(1);
    expect(process!.parentSpanContext?.spanId).toBe(named(s, 'publish')[0]!.spanContext().spanId);
    await it.return!();
  });

  it('options choose the operations; hooks add attributes; uninstrument stops everything', async () => {
    const s = setup({ trace: { settle: false }, hooks: { publish: (span, e) => span.setAttribute('app.exchange', e.exchange || 'default') } });
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'x');
    (await until(() => ch.get(q), (m) => m !== null, 'a message'))!.ack();
    expect(named(s, 'publish')[0]!.attributes['app.exchange']).toBe('default');
    expect(named(s, 'ack')).toHaveLength(0);
    stop!();
    const before = s.spans().length;
    await ch.sendToQueue(q, 'y');
    expect(s.spans()).toHaveLength(before);
  });

  it('an RPC call is a client span, parent of its publish', async () => {
    const { createRpcClient, serveRpc } = await import('warren');
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await serveRpc(await channel(), q, (m) => m.text());
    const rpc = await createRpcClient(ch);
    await rpc.call(q, 'ping');
    const call = s.spans().find((x) => x.name === `call ${q}`)!;
    const publish = named(s, 'publish').find((x) => x.attributes['messaging.destination.name'] === q)!;
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(publish.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
  });
});

describe('connection lifecycle', () => {
  it('connect, each recovery attempt and close are spans with the node connected to', async () => {
    const s = setup();
    const name = uniqueName('otel-recovery');
    const conn = await connect(amqpUrl(), { connectionName: name });
    const port = Number(new URL(amqpUrl()).port);
    try {
      const recovered = new Promise((resolve) => conn.once('recovered', resolve));
      await closeConnection(name, 'otel recovery test');
      await recovered;
    } finally {
      await conn.close();
    }
    const [connected] = named(s, 'connect');
    const [recovery] = named(s, 'recovery');
    const [closed] = named(s, 'close');
    expect(connected!.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'server.port': port, 'messaging.client.id': name });
    expect(recovery!.attributes).toMatchObject({ 'warren.recovery.attempt': 1, 'server.port': port, 'messaging.client.id': name });
    expect(recovery!.status.code).toBe(SpanStatusCode.UNSET);
    expect(closed!.attributes).toMatchObject({ 'server.port': port, 'messaging.client.id': name });
  });
});

describe('metrics', () => {
  it('count what was sent and consumed, and time the operations', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    for (const b of ['a', 'b', 'c']) await ch.sendToQueue(q, b);
    const got = await until(() => ch.get(q), (m) => m !== null, 'a message');
    got!.ack();
    let seen = 0;
    await new Promise<void>((resolve) => {
      void ch.consume(q, (m) => {
        m.ack();
        if (++seen === 2) resolve();
      });
    });
    const data = await s.metrics();
    const sum = (name: string, filter: Record<string, unknown> = {}) =>
      (data.get(name)?.dataPoints ?? []).filter((d) => Object.entries(filter).every(([k, v]) => d.attributes[k] === v)).reduce((n, d) => n + (typeof d.value === 'number' ? d.value : (d.value as { count: number }).count), 0);
    expect(sum('messaging.client.sent.messages', { 'messaging.destination.name': q, 'messaging.system': 'rabbitmq' })).toBe(3);
    expect(sum('messaging.client.consumed.messages', { 'messaging.operation.name': 'process' })).toBe(2);
    expect(sum('messaging.client.consumed.messages', { 'messaging.operation.name': 'receive' })).toBe(1);
    expect(sum('messaging.process.duration')).toBe(2);
    expect(sum('messaging.client.operation.duration', { 'messaging.operation.name': 'publish' })).toBe(3);
    expect(data.get('messaging.client.operation.duration')!.descriptor.unit).toBe('s');
  });
});
