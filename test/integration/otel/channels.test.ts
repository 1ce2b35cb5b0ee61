// The tracing channels (runtime/client/tracing/) against the real broker, with plain
// node:diagnostics_channel subscribers: what each operation publishes, in which order, with
// which fields and outcome.
import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createRpcClient, serveRpc, type Message } from 'warren';
import { amqpUrl } from '../../helpers/broker.js';
import { startProxy } from '../../helpers/tcp-proxy.js';
import { channel, queue } from '../messaging/fixture.js';

type Ev = Record<string, unknown>;
const names = ['publish', 'get', 'process', 'settle', 'rpc', 'connect', 'close'] as const;
const log: { op: string; phase: string; ev: Ev }[] = [];
const subs: (() => void)[] = [];

function record(op: (typeof names)[number], onStart?: (ev: Ev) => void): void {
  const tc = tracingChannel(`warren:${op}`);
  const h = (phase: string) => (ev: unknown) => {
    if (phase === 'start') onStart?.(ev as Ev);
    log.push({ op, phase, ev: ev as Ev });
  };
  const handlers = { start: h('start'), end: h('end'), asyncStart: h('asyncStart'), asyncEnd: h('asyncEnd'), error: h('error') };
  tc.subscribe(handlers);
  subs.push(() => tc.unsubscribe(handlers));
}
const events = (op: string, phase = 'asyncEnd'): Ev[] => log.filter((e) => e.op === op && e.phase === phase).map((e) => e.ev);
const phases = (op: string): string[] => log.filter((e) => e.op === op).map((e) => e.phase);

afterEach(() => {
  for (const u of subs.splice(0)) u();
  log.length = 0;
});

describe('publish', () => {
  it('start exposes the headers before encoding; the outcome is ack with confirms, sent without', async () => {
    record('publish', (ev) => ((ev.headers as Ev).traceparent = 'injected'));
    const ch = await channel();
    const q = await queue(ch);
    await ch.publish('', q, 'hello', { messageId: 'm1', correlationId: 'c1', headers: { a: 1 } });
    await ch.confirmSelect();
    await ch.sendToQueue(q, { json: true });
    const [sent, acked] = events('publish');
    expect(phases('publish')).toEqual(['start', 'end', 'asyncStart', 'asyncEnd', 'start', 'end', 'asyncStart', 'asyncEnd']);
    expect(sent).toMatchObject({ exchange: '', routingKey: q, messageId: 'm1', correlationId: 'c1', bodySize: 5, confirm: false, outcome: 'sent', channelId: ch.id, serverPort: Number(new URL(amqpUrl()).port) });
    expect(sent!.serverAddress).toBe(new URL(amqpUrl()).hostname);
    expect(sent!.connectionId).toMatch(/^warren-\d+$/);
    expect(acked).toMatchObject({ outcome: 'ack', confirm: true, bodySize: 13 });
    const first = await ch.get(q, { noAck: true });
    expect(first!.properties.headers).toEqual({ a: 1, traceparent: 'injected' });
    const second = await ch.get(q, { noAck: true });
    expect(second!.properties.headers).toEqual({ traceparent: 'injected' });
    expect(second!.properties.contentType).toBe('application/json');
  });

  it('no headers table is added when nobody writes one', async () => {
    record('publish');
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'x');
    expect((await ch.get(q, { noAck: true }))!.properties.headers).toBeUndefined();
  });

  it('nack, returned and a channel error end with their outcome and error type', async () => {
    record('publish');
    const ch = await channel();
    const q = await queue(ch, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'fits');
    await expect(ch.sendToQueue(q, 'overflows')).rejects.toMatchObject({ name: 'NackError' });
    await expect(ch.publish('', 'no-such-queue-anywhere', 'lost', { mandatory: true })).rejects.toMatchObject({ name: 'UnroutableError' });
    await expect(ch.publish('no-such-exchange-anywhere', 'k', 'x')).rejects.toMatchObject({ name: 'NotFoundError' });
    const [ok, nack, returned, closed] = events('publish');
    expect(ok).toMatchObject({ outcome: 'ack' });
    expect(nack).toMatchObject({ outcome: 'nack', errorType: 'NackError' });
    expect(returned).toMatchObject({ outcome: 'returned', errorType: 'UnroutableError', mandatory: true });
    expect(returned!.errorCode).toBeUndefined();
    expect(closed).toMatchObject({ outcome: 'channel-closed', errorType: 'NotFoundError', errorCode: 404, exchange: 'no-such-exchange-anywhere' });
    expect(events('publish', 'error')).toHaveLength(3);
  });

  it('a publish abandoned while it waits for room in the confirm window ends as a timeout', async () => {
    record('publish');
    const ch = await channel();
    const q = await queue(ch);
    await ch.confirmSelect({ maxUnconfirmed: 1 });
    const first = ch.sendToQueue(q, 'in flight');
    const abort = new AbortController();
    const second = ch.sendToQueue(q, 'waits', { signal: abort.signal });
    abort.abort(new DOMException('gave up', 'TimeoutError'));
    await expect(second).rejects.toMatchObject({ name: 'TimeoutError' });
    await first;
    const ended = events('publish');
    expect(ended.map((e) => e.outcome).sort()).toEqual(['ack', 'timeout']);
    expect(ended.find((e) => e.outcome === 'timeout')).toMatchObject({ errorType: 'TimeoutError' });
  });

  it('a publish whose connection is lost before the confirm ends as connection-lost', async () => {
    record('publish');
    const url = new URL(amqpUrl());
    const proxy = await startProxy(url.hostname, Number(url.port));
    const conn = await connect(proxy.url(amqpUrl()));
    try {
      const ch = await conn.channel();
      await ch.confirmSelect();
      proxy.stall(); // the publish is written, its confirm never comes back
      const lost = ch.sendToQueue('', 'never confirmed');
      proxy.cut();
      await expect(lost).rejects.toThrow();
      expect(events('publish')).toEqual([expect.objectContaining({ outcome: 'connection-lost', confirm: true })]);
      expect(['OutcomeUnknownError', 'ConnectionLostError']).toContain(events('publish')[0]!.errorType);
    } finally {
      proxy.resume();
      await conn.close().catch(() => undefined);
      await proxy.close();
    }
  });

  it('an encoding error is published as an error of the publish, nothing sent', async () => {
    record('publish');
    const ch = await channel();
    await expect(ch.publish('', 'q', 'x', { expiration: -1 })).rejects.toMatchObject({ name: 'EncodeError' });
    expect(phases('publish')).toEqual([]); // rejected while preparing: nothing started
  });
});

describe('consume', () => {
  it('get: the event has the queue, then the delivery fields and decoded headers', async () => {
    record('get');
    const ch = await channel();
    const q = await queue(ch);
    expect(await ch.get(q)).toBeNull();
    await ch.sendToQueue(q, 'abc', { messageId: 'id-1', headers: { h: 'v' } });
    let m: Message | null = null;
    for (let i = 0; i < 100 && !m; i++) m = await ch.get(q);
    m!.ack();
    const [empty, ...rest] = events('get');
    const got = rest.find((e) => e.result);
    expect(empty).toMatchObject({ queue: q, result: null, noAck: false });
    expect(empty!.deliveryTag).toBeUndefined();
    expect(got).toMatchObject({ queue: q, routingKey: q, exchange: '', messageId: 'id-1', bodySize: 3, headers: { h: 'v' }, redelivered: false, deliveryTag: Number(m!.deliveryTag) });
  });

  it('process wraps a callback run; settle counts what a multiple ack covers', async () => {
    record('process', (ev) => {
      ev.wrap = <T>(run: () => T): T => ((ev.wrapped = true), run());
    });
    record('settle');
    const ch = await channel();
    const q = await queue(ch);
    const seen: Message[] = [];
    const done = new Promise<void>((resolve) => {
      void ch.consume(q, (m) => {
        seen.push(m);
        if (seen.length === 3) {
          m.ack({ multiple: true });
          resolve();
        }
      });
    });
    for (const b of ['a', 'b', 'c']) await ch.sendToQueue(q, b);
    await done;
    const starts = events('process', 'start');
    expect(starts).toHaveLength(3);
    expect(starts[0]).toMatchObject({ queue: q, mode: 'callback', wrapped: true, bodySize: 1, deliveryTag: 1, consumerTag: seen[0]!.consumerTag });
    expect(phases('process').slice(0, 2)).toEqual(['start', 'end']);
    expect(events('settle', 'end')).toEqual([expect.objectContaining({ how: 'ack', multiple: true, count: 3, deliveryTag: 3 })]);
  });

  it('an async iterator hand-over completes on settle, or on the next next()', async () => {
    record('process');
    record('settle');
    const ch = await channel();
    const q = await queue(ch);
    for (const b of ['a', 'b', 'c']) await ch.sendToQueue(q, b);
    const consumer = await ch.consume(q);
    const order: string[] = [];
    const it = consumer[Symbol.asyncIterator]();
    const first = (await it.next()).value as Message;
    expect(events('process', 'start')).toHaveLength(1);
    expect(events('process', 'asyncEnd')).toHaveLength(0);
    first.ack();
    expect(events('process', 'asyncEnd')).toEqual([expect.objectContaining({ completion: 'settled', mode: 'iterator', deliveryTag: 1 })]);
    const second = (await it.next()).value as Message;
    order.push(second.text());
    await it.next(); // the second was never settled: handing out the third completes it
    expect(events('process', 'asyncEnd').map((e) => e.completion)).toEqual(['settled', 'next']);
    await it.return!();
    expect(events('process', 'asyncEnd').map((e) => e.completion)).toEqual(['settled', 'next', 'return']);
  });
});

describe('receive()', () => {
  it("a consumer's receive() hands over like next(): complete on settle, or at the next receive()", async () => {
    record('process');
    const ch = await channel();
    const q = await queue(ch);
    for (const b of ['a', 'b', 'c']) await ch.sendToQueue(q, b);
    const consumer = await ch.consume(q);
    const first = (await consumer.receive({ timeout: 5000 }))!;
    expect(events('process', 'start')).toEqual([expect.objectContaining({ mode: 'iterator', deliveryTag: 1 })]);
    first.ack();
    await consumer.receive({ timeout: 5000 });
    await consumer.receive({ timeout: 5000 });
    expect(events('process', 'start')).toHaveLength(3);
    expect(events('process', 'asyncEnd').map((e) => e.completion)).toEqual(['settled', 'next']);
  });
});

describe('rpc and the connection', () => {
  it('an RPC call is one promise operation that ends with the reply', async () => {
    record('rpc');
    const ch = await channel();
    const q = await queue(ch);
    // 'late' is answered long after its caller gave up (a reply within 1 ms is possible otherwise)
    await serveRpc(await channel(), q, (m) => (m.text() === 'late' ? new Promise((r) => setTimeout(() => r('LATE'), 2000)) : m.text().toUpperCase()));
    const rpc = await createRpcClient(ch);
    expect((await rpc.call(q, 'ping')).text()).toBe('PING');
    await expect(rpc.call(q, 'late', { timeout: 50 })).rejects.toMatchObject({ name: 'RpcTimeoutError' });
    const [ok, late] = events('rpc');
    expect(ok).toMatchObject({ routingKey: q, exchange: '', bodySize: 4 });
    expect(typeof ok!.correlationId).toBe('string');
    expect(late).toMatchObject({ errorType: 'RpcTimeoutError' });
  });

  it('connect and close carry the endpoint and the connection name', async () => {
    record('connect');
    record('close');
    const c = await connect(amqpUrl(), { connectionName: 'traced' });
    await c.close();
    const url = new URL(amqpUrl());
    expect(events('connect')).toEqual([expect.objectContaining({ connectionName: 'traced', serverAddress: url.hostname, serverPort: Number(url.port), vhost: '/' })]);
    expect(events('connect')[0]!.connectionId).toMatch(/^warren-/);
    expect(events('close')).toEqual([expect.objectContaining({ connectionName: 'traced', connectionId: events('connect')[0]!.connectionId })]);
    await expect(connect({ hostname: '127.0.0.1', port: 1, connectionTimeout: 2000 })).rejects.toThrow();
    expect(events('connect')[1]).toMatchObject({ serverPort: 1, errorType: expect.any(String) });
  });
});
