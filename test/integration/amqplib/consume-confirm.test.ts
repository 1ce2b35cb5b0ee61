/**
 * warren/amqplib consumers, confirms and channel events against the broker: consume options and
 * cancel (by the application and by the broker: a null message), prefetch, recover, the boolean
 * of publish() with `drain`, `return`, ConfirmChannel callbacks (ack, nack) and waitForConfirms.
 */
import { describe, expect, it } from 'vitest';
import type { ConfirmChannel, ConsumeMessage, Message } from 'warren/amqplib';
import { channel, collect, model, next, queue } from './fixture.js';

describe('warren/amqplib consumers', () => {
  it('consume returns { consumerTag }; options consumerTag, exclusive, priority, arguments, noAck; cancel stops deliveries', async () => {
    const ch = await channel();
    const q = await queue(ch, { exclusive: false }); // another connection tries it
    const got: ConsumeMessage[] = [];
    const ok = await ch.consume(q, (m) => m && got.push(m), { consumerTag: 'amqplib-c1', exclusive: true, priority: 5, arguments: { 'x-cancel-on-ha-failover': false }, noAck: true });
    expect(ok).toEqual({ consumerTag: 'amqplib-c1' });
    const other = await (await model()).createChannel();
    other.on('error', () => undefined);
    await expect(other.consume(q, () => undefined)).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/^Operation failed: BasicConsume; 403 \(ACCESS-REFUSED\)/) });
    ch.sendToQueue(q, Buffer.from('1'));
    await expect.poll(() => got.length).toBe(1);
    expect(await ch.cancel('amqplib-c1')).toEqual({ consumerTag: 'amqplib-c1' });
    ch.sendToQueue(q, Buffer.from('2'));
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(1);
    expect(got).toHaveLength(1);
    const server = await ch.consume(q, () => undefined, { noAck: true });
    expect(server.consumerTag).toMatch(/^amq\.ctag-/);
    await ch.deleteQueue(q);
  });

  it('a consumer whose queue is deleted is called with null (basic.cancel from the broker), and the channel emits cancel', async () => {
    const m = await model();
    const ch = await m.createChannel();
    const q = await queue(ch);
    const calls: (ConsumeMessage | null)[] = [];
    const { consumerTag } = await ch.consume(q, (msg) => calls.push(msg));
    const cancelled = next<[{ consumerTag: string }]>(ch, 'cancel');
    await (await m.createChannel()).deleteQueue(q);
    expect((await cancelled)[0]).toEqual({ consumerTag });
    await expect.poll(() => calls).toEqual([null]);
  });

  it('prefetch limits unacked deliveries per consumer; recover redelivers the unacked ones', async () => {
    const m = await model();
    const ch = await m.createChannel();
    const q = await queue(ch);
    const counter = await m.createChannel();
    expect(await ch.prefetch(2)).toEqual({});
    for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(String(i)));
    const got: ConsumeMessage[] = [];
    await ch.consume(q, (m) => m && got.push(m));
    await expect.poll(() => got.length).toBe(2);
    await expect.poll(async () => (await counter.checkQueue(q)).messageCount).toBe(3);
    expect(got.length).toBe(2);
    expect(await ch.recover()).toEqual({});
    await expect.poll(() => got.filter((m) => m.fields.redelivered).length).toBe(2);
    for (const m of got.filter((x) => x.fields.redelivered)) ch.ack(m);
    await expect.poll(() => got.length).toBe(6);
    ch.ackAll();
    expect(await ch.qos(0, true)).toEqual({});
  });

  it('a consumer callback that throws goes to handler-error when someone listens (amqplib 1.0.7), the consumer goes on', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const seen: string[] = [];
    const handlerError = next<[Error, string]>(ch, 'handler-error');
    await ch.consume(q, (m) => {
      seen.push(m!.content.toString());
      if (seen.length === 1) throw new Error('boom');
    }, { noAck: true });
    ch.sendToQueue(q, Buffer.from('a'));
    ch.sendToQueue(q, Buffer.from('b'));
    const [e, event] = await handlerError;
    expect([e.message, event]).toEqual(['boom', 'delivery']);
    await expect.poll(() => seen).toEqual(['a', 'b']);
  });
});

describe('warren/amqplib publishing', () => {
  it('publish returns false at highWaterMark pending publishes and emits drain; everything arrives', async () => {
    const m = await model();
    const ch = await m.createChannel({ highWaterMark: 16 });
    const q = await queue(ch);
    const results: boolean[] = [];
    for (let i = 0; i < 20; i++) results.push(ch.sendToQueue(q, Buffer.from(String(i))));
    expect(results.slice(0, 16).every(Boolean)).toBe(true);
    expect(results[16]).toBe(false);
    await next(ch, 'drain');
    const got = await collect(ch, q, 20, { noAck: true });
    expect(got.map((x) => x.content.toString())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('an unroutable mandatory publish comes back as a return event (fields replyCode, replyText, exchange, routingKey)', async () => {
    const ch = await channel();
    const returned = next<[Message]>(ch, 'return');
    ch.publish('amq.direct', 'nowhere', Buffer.from('back'), { mandatory: true, messageId: 'r1' });
    const [r] = await returned;
    expect(r.fields).toEqual({ replyCode: 312, replyText: 'NO_ROUTE', exchange: 'amq.direct', routingKey: 'nowhere' });
    expect(r.properties.messageId).toBe('r1');
    expect(r.content.toString()).toBe('back');
  });

  it('ConfirmChannel: the callback gets null on ack (also for a returned mandatory message), an Error on nack; waitForConfirms', async () => {
    const m = await model();
    const ch = (await m.createConfirmChannel()) as ConfirmChannel;
    const q = await queue(ch as never, { maxLength: 1, overflow: 'reject-publish' });
    const results: (string | null)[] = [];
    const cb = (err: Error | null) => results.push(err ? err.message : null);
    expect(ch.sendToQueue(q, Buffer.from('1'), {}, cb)).toBe(true);
    ch.publish('amq.direct', 'nowhere', Buffer.from('r'), { mandatory: true }, cb);
    await ch.waitForConfirms();
    expect(results).toEqual([null, null]);
    ch.sendToQueue(q, Buffer.from('2'), {}, cb); // the queue is full: reject-publish nacks it
    await expect(ch.waitForConfirms()).rejects.toThrow('message nacked');
    expect(results).toEqual([null, null, 'message nacked']);
    ch.sendToQueue(q, Buffer.from('3')); // no callback: fine
    await expect(ch.waitForConfirms()).rejects.toThrow('message nacked');
  });

  it('ConfirmChannel: publishes unconfirmed when the channel closes fail with "channel closed", and so does waitForConfirms', async () => {
    const m = await model();
    const ch = await m.createConfirmChannel();
    ch.on('error', () => undefined);
    const results: (string | null)[] = [];
    // Publishing to a missing exchange closes the channel (404) before any confirm.
    ch.publish('amqplib-no-such-exchange', 'k', Buffer.from('x'), {}, (err) => results.push(err ? err.message : null));
    await next(ch, 'close');
    await expect.poll(() => results).toEqual(['channel closed']);
    await expect(ch.waitForConfirms()).rejects.toThrow('channel closed');
  });
});
