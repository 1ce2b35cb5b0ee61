import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, ChannelClosedError, ConsumerCancelledError, MessageSettledError, type Message } from 'warren';
import { amqpUrl, byBrokerVersion } from '../../helpers/broker.js';
import { channel, connection, exchange, queue, sleep, take } from './fixture.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('consumers', () => {
  it('async iterator: messages in order with every delivery field; leaving the loop cancels and requeues the unread', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all(range(10).map((i) => ch.sendToQueue(q, `m${i}`)));
    const consumer = await ch.consume(q, { consumerTag: 'my-tag', prefetch: 5 });
    expect(consumer.consumerTag).toBe('my-tag');
    const got: Message[] = [];
    for await (const m of consumer) {
      got.push(m);
      m.ack();
      if (got.length === 3) break;
    }
    expect(got.map((m) => m.text())).toEqual(['m0', 'm1', 'm2']);
    expect(got[0]).toMatchObject({ exchange: '', routingKey: q, consumerTag: 'my-tag', redelivered: false, messageCount: undefined });
    expect(Number(got[0]!.deliveryTag)).toBe(1);
    expect(consumer.isEnded).toBe(true);
    // Buffered-but-unread deliveries were requeued: the queue has the other 7 back (some redelivered).
    await sleep(50);
    expect((await ch.checkQueue(q)).messageCount).toBe(7);
    const rest = await take(await ch.consume(q, { noAck: true }), 7);
    expect(rest.map((m) => m.text()).sort()).toEqual(range(7).map((i) => `m${i + 3}`).sort());
  });

  it('callback consumer: each delivery to the handler; noAck deliveries refuse settlement', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const got: Message[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const consumer = await ch.consume(q, (m) => {
      got.push(m);
      if (got.length === 5) done();
    }, { noAck: true });
    for (const i of range(5)) await ch.sendToQueue(q, { i });
    await all;
    expect(got.map((m) => m.json<{ i: number }>().i)).toEqual(range(5));
    expect(() => got[0]!.ack()).toThrow(MessageSettledError);
    expect(() => [...(consumer as unknown as Iterable<Message>)]).toThrow();
    await consumer.cancel();
    await consumer.cancel(); // idempotent
    expect(ch.isOpen).toBe(true);
  });

  it('a handler that throws does not disturb the connection: emitted as handlerError, never uncaught', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const errors: unknown[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    process.prependListener('unhandledRejection', onUncaught);
    try {
      let n = 0;
      const consumer = await ch.consume(q, (m) => {
        n++;
        m.ack();
        throw new Error('handler bug');
      });
      consumer.on('handlerError', (e) => errors.push(e));
      await ch.sendToQueue(q, 'a');
      await ch.sendToQueue(q, 'b');
      while (n < 2) await sleep(10);
      await sleep(20);
      expect(ch.isOpen).toBe(true);
      expect((await ch.checkQueue(q)).messageCount).toBe(0);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    expect(errors).toHaveLength(2);
    expect(uncaught).toEqual([]);
  });

  it('exclusive consumers, consumer priority and arguments reach the broker', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.consume(q, () => undefined, { exclusive: true });
    const other = await channel();
    await expect(other.consume(q, () => undefined)).rejects.toMatchObject({ replyCode: 403 });

    const q2 = await queue(ch);
    const low: string[] = [];
    const high: string[] = [];
    // A higher-priority consumer gets the messages while it has room.
    await ch.consume(q2, (m) => (low.push(m.text()), m.ack()), { priority: 1, prefetch: 100 });
    await ch.consume(q2, (m) => (high.push(m.text()), m.ack()), { priority: 10, prefetch: 100 });
    for (const i of range(20)) await ch.sendToQueue(q2, String(i));
    while (low.length + high.length < 20) await sleep(10);
    expect(high).toHaveLength(20);
  });

  it('deleting the queue cancels the consumer: the iterator throws ConsumerCancelledError and "cancel" fires', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'one');
    const consumer = await ch.consume(q, { noAck: true });
    const cancelled = new Promise<string>((r) => ch.once('cancel', r));
    const seen: string[] = [];
    const loop = (async () => {
      for await (const m of consumer) {
        seen.push(m.text());
        const other = await channel();
        await other.queueDelete(q);
      }
    })();
    await expect(loop).rejects.toBeInstanceOf(ConsumerCancelledError);
    expect(seen).toEqual(['one']);
    expect(await cancelled).toBe(consumer.consumerTag);
    expect(consumer.endReason).toBeInstanceOf(ConsumerCancelledError);
    expect(ch.isOpen).toBe(true);
  });

  it('a channel closed under an iterator ends it; an error close makes it throw', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const consumer = await ch.consume(q);
    const loop = (async () => {
      for await (const _ of consumer) void _;
    })();
    await ch.close();
    await expect(loop).resolves.toBeUndefined();

    const c = await connection();
    const ch2 = await c.channel();
    const consumer2 = await ch2.consume(q);
    const loop2 = (async () => {
      for await (const _ of consumer2) void _;
    })();
    ch2.publish('no-such-exchange-' + q, '', 'x').catch(() => undefined); // 404 closes the channel
    await expect(loop2).rejects.toMatchObject({ replyCode: 404 });
  });
});

describe('settlement', () => {
  it('ack, nack(requeue), reject(requeue: false) and multiple; acking twice is MessageSettledError, the channel stays open', async () => {
    const ch = await channel();
    const q = await queue(ch);
    for (const i of range(6)) await ch.sendToQueue(q, String(i));
    const consumer = await ch.consume(q, { prefetch: 10 });
    const msgs = await take(consumer, 6);
    msgs[0]!.ack();
    expect(() => msgs[0]!.ack()).toThrow(MessageSettledError);
    msgs[1]!.nack({ requeue: false });
    msgs[2]!.reject({ requeue: false });
    expect(() => msgs[2]!.nack()).toThrow(MessageSettledError);
    msgs[4]!.ack({ multiple: true }); // covers 3 and 4
    expect(() => msgs[3]!.ack()).toThrow(MessageSettledError);
    msgs[5]!.nack({ requeue: true });
    await sleep(50);
    expect(ch.isOpen).toBe(true);
    const back = await ch.get(q);
    expect(back?.text()).toBe('5');
    expect(back?.redelivered).toBe(true);
    back!.ack();
    expect(await ch.get(q)).toBeNull();
  });

  it('acking on a closed channel is ChannelClosedError, never a broker error', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'x');
    const m = (await take(await ch.consume(q), 1))[0]!;
    await ch.close();
    expect(() => m.ack()).toThrow(ChannelClosedError);
  });

  it('no ack is lost when the connection closes straight after acking 1,000 deliveries', async () => {
    const c = await connection();
    const ch = await c.channel();
    await ch.confirmSelect();
    const q = await queue(ch, { durable: true });
    await Promise.all(range(1000).map((i) => ch.sendToQueue(q, String(i))));
    // Acked in the handler, and close() in the same turn: the last acks are still held by the
    // AckBatcher (they would go out at the end of the turn); close() must send them first.
    let n = 0;
    let closed!: Promise<void>;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await ch.consume(q, (m) => {
      m.ack();
      if (++n === 1000) {
        closed = c.close();
        done();
      }
    }, { prefetch: 1000 });
    await all;
    await closed;
    const c2 = await connect(amqpUrl());
    try {
      const ch2 = await c2.channel();
      expect((await ch2.checkQueue(q)).messageCount).toBe(0);
    } finally {
      await c2.close();
    }
  });

  it('no ack is lost when the channel closes straight after acking (callback consumer, ack in handler)', async () => {
    const c = await connection();
    const ch = await c.channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all(range(1000).map((i) => ch.sendToQueue(q, String(i))));
    let n = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await ch.consume(q, (m) => {
      m.ack();
      if (++n === 1000) done();
    }, { prefetch: 1000 });
    await all;
    await ch.close();
    const ch2 = await c.channel();
    expect((await ch2.checkQueue(q)).messageCount).toBe(0);
  });

  it('mixing a no-ack consumer and an acking consumer on one channel keeps acks correct', async () => {
    const ch = await channel();
    const a = await queue(ch);
    const b = await queue(ch);
    await ch.consume(a, () => undefined, { noAck: true });
    const acked = await ch.consume(b, { prefetch: 50 });
    for (const i of range(100)) {
      await ch.sendToQueue(a, String(i));
      await ch.sendToQueue(b, String(i));
    }
    // Concurrent receives: receive() queues its callers (the iterator's next() shares a waiting result instead).
    const next = async () => (await acked.receive())!;
    const got = await Promise.all(range(50).map(next));
    for (const m of got.reverse()) m.ack(); // out of order on purpose
    const more = await Promise.all(range(50).map(next));
    for (const m of more) m.ack();
    await ch.close();
    const ch2 = await channel();
    expect((await ch2.checkQueue(b)).messageCount).toBe(0);
  });
});

describe('get, qos, recover, tx', () => {
  it('get returns a Message with messageCount, or null', async () => {
    const ch = await channel();
    const q = await queue(ch);
    expect(await ch.get(q)).toBeNull();
    await ch.sendToQueue(q, 'a');
    await ch.sendToQueue(q, 'b');
    await sleep(20);
    const m = await ch.get(q);
    expect(m).toMatchObject({ messageCount: 1, routingKey: q, consumerTag: undefined, redelivered: false });
    expect(m!.text()).toBe('a');
    m!.reject({ requeue: true });
    const again = await ch.get(q, { noAck: true });
    expect(again).toMatchObject({ redelivered: true, messageCount: 1 });
    expect(again!.text()).toBe('a');
    const n = await ch.get(q, { noAck: true });
    expect(n!.text()).toBe('b');
    expect(() => n!.ack()).toThrow(MessageSettledError);
  });

  it('prefetch limits unacked deliveries per consumer, and per channel with global', async () => {
    const ch = await channel();
    const q = await queue(ch);
    for (const i of range(10)) await ch.sendToQueue(q, String(i));
    const got: Message[] = [];
    await ch.consume(q, (m) => got.push(m), { prefetch: 3 });
    await sleep(150);
    expect(got).toHaveLength(3);
    got[0]!.ack();
    await sleep(100);
    expect(got).toHaveLength(4);

    const ch2 = await channel();
    const q2 = await queue(ch2);
    for (const i of range(10)) await ch2.sendToQueue(q2, String(i));
    const seen: Message[] = [];
    await ch2.consume(q2, (m) => seen.push(m), { prefetch: 4, globalPrefetch: true });
    await ch2.consume(q2, (m) => seen.push(m));
    await sleep(150);
    // 3.10: 4 shared by both consumers of the channel. 4.3 turns basic.qos with global=true into a
    // per-consumer prefetch (release notes 4.3), which later consumers of the channel inherit: 4 each.
    expect(seen).toHaveLength(byBrokerVersion({ '3.10': 4, '4.3': 8 }));
  });

  it('recover redelivers unacked messages', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'again');
    const consumer = await ch.consume(q, { prefetch: 1 });
    const it = consumer[Symbol.asyncIterator]();
    const first = (await it.next()).value as Message;
    expect(first.redelivered).toBe(false);
    await ch.recover();
    const second = (await it.next()).value as Message;
    expect(second.text()).toBe('again');
    expect(second.redelivered).toBe(true);
    second.ack(); // held by the batcher: recover() sends it first, so it is not redelivered
    await ch.sendToQueue(q, 'later');
    const third = (await it.next()).value as Message;
    expect(third.text()).toBe('later');
    await ch.recover();
    const fourth = (await it.next()).value as Message;
    expect(fourth).toMatchObject({ redelivered: true });
    expect(fourth.text()).toBe('later');
    fourth.ack();
    await sleep(30);
    expect(ch.isOpen).toBe(true);
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('transactions: publishes and acks take effect on commit, vanish on rollback', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.txSelect();
    await ch.sendToQueue(q, 'rolled back');
    await ch.txRollback();
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
    await ch.sendToQueue(q, 'committed');
    await ch.txCommit();
    expect((await ch.checkQueue(q)).messageCount).toBe(1);
    const m = await ch.get(q);
    m!.ack();
    await ch.txRollback(); // the ack is undone: the message stays unacked on this channel
    const other = await channel();
    expect((await other.checkQueue(q)).messageCount).toBe(0);
    await ch.close(); // the unacked message returns to the queue
    await sleep(50);
    expect((await other.checkQueue(q)).messageCount).toBe(1);
  });
});

describe('reply, dead-lettering, priorities, large messages', () => {
  it('msg.reply() publishes to replyTo with the correlationId', async () => {
    const ch = await channel();
    const requests = await queue(ch);
    const replies = await queue(ch);
    await ch.sendToQueue(requests, 'ping', { replyTo: replies, correlationId: 'c-1' });
    const req = (await take(await ch.consume(requests), 1))[0]!;
    await req.reply({ pong: true }, { headers: { served: 1 } });
    req.ack();
    const rep = (await take(await ch.consume(replies, { noAck: true }), 1))[0]!;
    expect(rep.properties.correlationId).toBe('c-1');
    expect(rep.json()).toEqual({ pong: true });
    expect(rep.properties.headers?.served).toBe(1);
    await expect(rep.reply('no replyTo')).rejects.toThrow(/replyTo/);
  });

  it('messages expired by a queue TTL are dead-lettered with x-death', async () => {
    const ch = await channel();
    const dlx = await exchange(ch, 'direct');
    const dead = await queue(ch);
    await ch.queueBind(dead, dlx, 'dead');
    const q = await queue(ch, { messageTtl: 20, deadLetterExchange: dlx, deadLetterRoutingKey: 'dead' });
    await ch.sendToQueue(q, 'short-lived');
    await ch.sendToQueue(q, 'per-message', { expiration: 10 });
    const got = await take(await ch.consume(dead, { noAck: true }), 2);
    expect(got.map((m) => m.text()).sort()).toEqual(['per-message', 'short-lived']);
    const death = (got[0]!.properties.headers?.['x-death'] as Array<Record<string, unknown>>)[0]!;
    expect(death).toMatchObject({ queue: q, reason: 'expired' });
  });

  it('a priority queue delivers higher priorities first', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, { maxPriority: 10 });
    const priorities = [1, 5, 0, 10, 3, 7, 5, 2];
    await Promise.all(priorities.map((p, i) => ch.sendToQueue(q, `${p}:${i}`, { priority: p })));
    const got = await take(await ch.consume(q, { noAck: true }), priorities.length);
    expect(got.map((m) => m.properties.priority)).toEqual([...priorities].sort((a, b) => b - a));
    // Same priority keeps publish order.
    expect(got.filter((m) => m.properties.priority === 5).map((m) => m.text())).toEqual(['5:1', '5:6']);
  });

  it('a 64 MiB message is published and consumed intact (sha256)', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const body = randomBytes(64 * 1024 * 1024);
    const hash = createHash('sha256').update(body).digest('hex');
    await ch.sendToQueue(q, body);
    const m = (await take(await ch.consume(q, { noAck: true }), 1))[0]!;
    expect(m.body.length).toBe(body.length);
    expect(createHash('sha256').update(m.body).digest('hex')).toBe(hash);
  }, 60_000);
});

