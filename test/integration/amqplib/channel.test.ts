/**
 * warren/amqplib's Channel against the broker: every method, option translation, event and
 * message field of amqplib's channel API, with amqplib's semantics (nack and reject requeue by
 * default, an unknown delivery tag closes the channel with 406, a channel error is emitted on
 * that channel only).
 */
import { describe, expect, it } from 'vitest';
import { IllegalOperationError, type ConsumeMessage } from 'warren/amqplib';
import { channel, collect, model, next, queue, uniqueName } from './fixture.js';

describe('warren/amqplib channel: declarations', () => {
  it('assertQueue translates every amqplib option into the x-arguments amqplib sends (the broker finds them equivalent)', async () => {
    const ch = await channel();
    const name = uniqueName('amqplib-opts');
    const dlx = uniqueName('amqplib-dlx');
    const ok = await ch.assertQueue(name, {
      exclusive: true, durable: false, autoDelete: true, messageTtl: 60_000, expires: 600_000, deadLetterExchange: dlx,
      deadLetterRoutingKey: 'dead', maxLength: 100, maxPriority: 7, overflow: 'reject-publish', arguments: { 'x-single-active-consumer': false },
    });
    expect(ok).toEqual({ queue: name, messageCount: 0, consumerCount: 0 });
    // The same queue declared with the raw arguments amqplib would have sent: equivalent, so accepted.
    await ch.assertQueue(name, {
      exclusive: true, durable: false, autoDelete: true,
      arguments: { 'x-message-ttl': 60_000, 'x-expires': 600_000, 'x-dead-letter-exchange': dlx, 'x-dead-letter-routing-key': 'dead', 'x-max-length': 100, 'x-max-priority': 7, 'x-overflow': 'reject-publish', 'x-single-active-consumer': false },
    });
    // One argument different: the broker names it (so it was sent).
    ch.on('error', () => undefined);
    await expect(ch.assertQueue(name, { exclusive: true, durable: false, autoDelete: true, messageTtl: 5, expires: 600_000, deadLetterExchange: dlx, deadLetterRoutingKey: 'dead', maxLength: 100, maxPriority: 7, overflow: 'reject-publish', arguments: { 'x-single-active-consumer': false } })).rejects.toMatchObject({
      code: 406, classId: 50, methodId: 10, message: expect.stringMatching(/^Operation failed: QueueDeclare; 406 \(PRECONDITION-FAILED\) with message "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'/),
    });
  });

  it('assertQueue defaults (durable true; a server-named queue with ""), checkQueue, purgeQueue, deleteQueue with ifEmpty/ifUnused', async () => {
    const ch = await channel();
    const named = await ch.assertQueue('', { exclusive: true });
    expect(named.queue).toMatch(/^amq\.gen-/);
    const q = uniqueName('amqplib-durable');
    await ch.assertQueue(q); // durable by default: re-declaring it non-durable is refused
    for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(3);
    expect(await ch.checkQueue(q)).toEqual({ queue: q, messageCount: 3, consumerCount: 0 });
    expect(await ch.purgeQueue(q)).toEqual({ messageCount: 3 });
    ch.sendToQueue(q, Buffer.from('x'));
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(1);
    ch.on('error', () => undefined);
    await expect(ch.deleteQueue(q, { ifEmpty: true })).rejects.toMatchObject({ code: 406, classId: 50, methodId: 40 });
    const ch2 = await (await model()).createChannel();
    await expect(ch2.assertQueue(q, { durable: false })).rejects.toMatchObject({ code: 406, message: expect.stringContaining("inequivalent arg 'durable'") });
    const ch3 = await (await model()).createChannel();
    expect(await ch3.deleteQueue(q, { ifUnused: true })).toEqual({ messageCount: 1 });
  });

  it('assertExchange options, checkExchange, bindExchange/unbindExchange, bindQueue/unbindQueue with arguments, deleteExchange ifUnused', async () => {
    const ch = await channel();
    const [src, dst, ae] = [uniqueName('amqplib-src'), uniqueName('amqplib-dst'), uniqueName('amqplib-ae')];
    expect(await ch.assertExchange(ae, 'fanout', { durable: false, autoDelete: false })).toEqual({ exchange: ae });
    expect(await ch.assertExchange(src, 'topic', { durable: false, alternateExchange: ae })).toEqual({ exchange: src });
    expect(await ch.assertExchange(dst, 'headers', { durable: false, internal: false })).toEqual({ exchange: dst });
    expect(await ch.checkExchange(src)).toEqual({});
    const [q, aeq] = [await queue(ch), await queue(ch)];
    expect(await ch.bindQueue(aeq, ae, '')).toEqual({});
    expect(await ch.bindExchange(dst, src, 'a.*')).toEqual({});
    expect(await ch.bindQueue(q, dst, '', { 'x-match': 'all', kind: 'x' })).toEqual({});
    ch.publish(src, 'a.b', Buffer.from('routed'), { headers: { kind: 'x' } });
    ch.publish(src, 'a.b', Buffer.from('no match'), { headers: { kind: 'y' } }); // dst takes it, no queue binds it: dropped
    ch.publish(src, 'zzz', Buffer.from('to the alternate'));
    const [routed] = await collect(ch, q, 1, { noAck: true });
    expect(routed!.content.toString()).toBe('routed');
    expect(routed!.fields).toMatchObject({ exchange: src, routingKey: 'a.b' });
    const [alt] = await collect(ch, aeq, 1, { noAck: true });
    expect(alt!.content.toString()).toBe('to the alternate');
    expect(await ch.unbindQueue(q, dst, '', { 'x-match': 'all', kind: 'x' })).toEqual({});
    expect(await ch.unbindExchange(dst, src, 'a.*')).toEqual({});
    await ch.bindExchange(dst, src, 'b');
    ch.on('error', () => undefined);
    await expect(ch.deleteExchange(src, { ifUnused: true })).rejects.toMatchObject({ code: 406, classId: 40, methodId: 20 });
    const ch2 = await (await model()).createChannel();
    for (const x of [src, dst, ae]) expect(await ch2.deleteExchange(x)).toEqual({});
    await expect(ch2.checkExchange(src)).rejects.toMatchObject({ code: 404, message: expect.stringMatching(/^Operation failed: ExchangeDeclare; 404 \(NOT-FOUND\)/) });
  });
});

describe('warren/amqplib channel: messages', () => {
  it('publish options become properties; a delivery has amqplib’s fields, properties (14 keys) and a Buffer content', async () => {
    const ch = await channel();
    const q = await queue(ch, { maxPriority: 9 });
    const ok = ch.sendToQueue(q, Buffer.from('payload'), {
      contentType: 'text/plain', contentEncoding: 'utf-8', persistent: true, priority: 3, correlationId: 'c1', replyTo: 'r1',
      expiration: 60000, messageId: 'm1', timestamp: 1_700_000_000, type: 't1', userId: 'guest', appId: 'a1', CC: 'cc-key', BCC: ['b1', 'b2'],
      headers: {
        str: 's', int: 42, neg: -70000, big: 2 ** 40, dbl: 1.5, bool: true, nil: null, arr: [1, 'two'], nested: { x: 1 }, buf: Buffer.from([1, 2, 3]),
        ts: { '!': 'timestamp', value: 1_600_000_000 }, dec: { '!': 'decimal', value: { places: 2, digits: 12345 } }, i8: { '!': 'int8', value: -3 }, f: { '!': 'float', value: 0.5 },
      },
    });
    expect(ok).toBe(true);
    const [m] = await collect(ch, q, 1, { noAck: true, consumerTag: 'amqplib-tag' });
    expect(Buffer.isBuffer(m!.content)).toBe(true);
    expect(m!.content.toString()).toBe('payload');
    expect(m!.fields).toEqual({ consumerTag: 'amqplib-tag', deliveryTag: 1, redelivered: false, exchange: '', routingKey: q });
    const { headers, ...rest } = m!.properties;
    expect(rest).toEqual({
      contentType: 'text/plain', contentEncoding: 'utf-8', deliveryMode: 2, priority: 3, correlationId: 'c1', replyTo: 'r1', expiration: '60000',
      messageId: 'm1', timestamp: 1_700_000_000, type: 't1', userId: 'guest', appId: 'a1', clusterId: undefined,
    });
    expect(Object.keys(m!.properties)).toHaveLength(14);
    expect(headers).toEqual({
      str: 's', int: 42, neg: -70000, big: 2 ** 40, dbl: 1.5, bool: true, nil: null, arr: [1, 'two'], nested: { x: 1 }, buf: Buffer.from([1, 2, 3]),
      ts: { '!': 'timestamp', value: 1_600_000_000 }, dec: { '!': 'decimal', value: { places: 2, digits: 12345 } }, i8: -3, f: 0.5, CC: ['cc-key'],
    });
    expect(Buffer.isBuffer(headers!.buf)).toBe(true);
  });

  it('a message published without options still carries an empty headers table (as amqplib sends), deliveryMode true means 2', async () => {
    const ch = await channel();
    const q = await queue(ch);
    ch.sendToQueue(q, Buffer.alloc(0));
    ch.sendToQueue(q, Buffer.from('p'), { deliveryMode: true });
    ch.sendToQueue(q, Buffer.from('n'), { deliveryMode: 1, persistent: undefined });
    const got = await collect(ch, q, 3, { noAck: true });
    expect(got[0]!.content.length).toBe(0);
    expect(got[0]!.properties.headers).toEqual({});
    expect(got.map((m) => m.properties.deliveryMode)).toEqual([undefined, 2, 1]);
    expect(() => ch.sendToQueue(q, 'not a buffer' as unknown as Buffer)).toThrow(new TypeError('content is not a buffer'));
  });

  it('get: false when empty; a message with messageCount; noAck; ack settles it', async () => {
    const ch = await channel();
    const q = await queue(ch);
    expect(await ch.get(q)).toBe(false);
    ch.sendToQueue(q, Buffer.from('a'));
    ch.sendToQueue(q, Buffer.from('b'));
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(2);
    const a = await ch.get(q);
    expect(a && a.fields).toEqual({ deliveryTag: 1, redelivered: false, exchange: '', routingKey: q, messageCount: 1 });
    expect(a && a.properties.headers).toEqual({});
    ch.ack(a as ConsumeMessage);
    const b = await ch.get(q, { noAck: true });
    expect(b && b.content.toString()).toBe('b');
    expect(await ch.get(q)).toBe(false);
  });

  it('nack and reject requeue by default (redelivered), not with requeue false; ack allUpTo; ackAll; nackAll', async () => {
    const ch = await channel();
    const q = await queue(ch);
    for (const s of ['1', '2', '3', '4', '5']) ch.sendToQueue(q, Buffer.from(s));
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(5);
    const got = [];
    for (let i = 0; i < 5; i++) got.push((await ch.get(q)) as ConsumeMessage);
    ch.nack(got[0]!); // requeued
    ch.reject(got[1]!); // requeued
    ch.nack(got[2]!, false, false); // dropped
    ch.ack(got[4]!, true); // acks 4 and 5
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(2);
    const again = [(await ch.get(q)) as ConsumeMessage, (await ch.get(q)) as ConsumeMessage];
    expect(again.map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([['1', true], ['2', true]]);
    ch.nackAll(); // both requeued
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(2);
    await ch.get(q);
    await ch.get(q);
    ch.ackAll();
    ch.ackAll(); // nothing outstanding: nothing happens (RabbitMQ ignores ack 0 multiple too)
    await expect.poll(async () => (await ch.checkQueue(q)).messageCount).toBe(0);
    ch.reject(((await ch.get(q)) || { fields: { deliveryTag: 99 } }) as ConsumeMessage, false);
  });

  it('acking a tag the channel does not know closes that channel with the broker’s 406 (error, then close); other channels go on', async () => {
    const m = await model();
    const [ch, other] = [await m.createChannel(), await m.createChannel()];
    const q = await queue(other);
    other.sendToQueue(q, Buffer.from('x'));
    const msg = (await (async () => { await expect.poll(async () => (await other.checkQueue(q)).messageCount).toBe(1); return ch.get(q); })()) as ConsumeMessage;
    ch.ack(msg);
    const events: string[] = [];
    const error = next<[Error & { code: number; classId: number; methodId: number }]>(ch, 'error');
    ch.on('close', () => events.push('close'));
    ch.on('error', () => events.push('error'));
    ch.ack(msg); // twice: RabbitMQ answers "unknown delivery tag 1"
    const [e] = await error;
    expect(e.message).toBe('Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - unknown delivery tag 1"');
    expect([e.code, e.classId, e.methodId]).toEqual([406, 60, 80]);
    await expect.poll(() => events).toEqual(['error', 'close']);
    expect(() => ch.sendToQueue(q, Buffer.from('y'))).toThrow(IllegalOperationError);
    await expect(ch.checkQueue(q)).rejects.toBeInstanceOf(IllegalOperationError);
    expect(await other.checkQueue(q)).toMatchObject({ messageCount: 0 });
  });

  it('a broker channel error is emitted on that channel (amqplib’s message, code, classId, methodId) and rejects the operation', async () => {
    const ch = await channel();
    const error = next<[Error & { code: number }]>(ch, 'error');
    const closed = next(ch, 'close');
    const missing = uniqueName('amqplib-missing');
    await expect(ch.checkQueue(missing)).rejects.toMatchObject({ code: 404, classId: 50, methodId: 10, message: `Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue '${missing}' in vhost '/'"` });
    const [e] = await error;
    expect(e.message).toBe(`Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no queue '${missing}' in vhost '/'"`);
    await closed;
    await expect(ch.close()).rejects.toBeInstanceOf(IllegalOperationError);
  });
});
