// Hostile-user cases found in review of issue 9 (consumer ergonomics): each failed before its fix.
import { describe, expect, it } from 'vitest';
import { connect, consumeMany, createSerializers, PayloadError, type Message, type Serializer } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { channel, queue, sleep } from '../messaging/fixture.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('callback consumers under a backlog', () => {
  it('thousands of deliveries queued behind a slow handler, then handled synchronously: all run, no stack overflow, no unhandled rejection', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const n = 6000;
    await Promise.all(range(n).map((i) => ch.sendToQueue(q, String(i))));
    const handled: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const consumer = await ch.consume(q, (m: Message) => {
      const i = Number(m.text());
      handled.push(i);
      m.ack();
      if (handled.length === n) done();
      // The first handler is slow (async): every other delivery queues behind it. The rest
      // return synchronously, as most handlers do.
      if (i === 0) {
        return (async () => {
          while ((await ch.connection.channel().then(async (c) => (await c.checkQueue(q).finally(() => c.close())).messageCount)) > 0) await sleep(20);
          await ch.checkQueue(q); // a round trip on the consumer's channel: the deliveries before it have arrived
          await sleep(100);
        })();
      }
      return undefined;
    });
    await all;
    expect(handled).toEqual(range(n));
    await consumer.close();
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });
});

describe('requeue of unread deliveries on close', () => {
  it('a buffered delivery already settled by a multiple ack of another consumer on the channel: close() resolves and sends nothing for it', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q1 = await queue(ch);
    const q2 = await queue(ch);
    await Promise.all(range(3).map((i) => ch.sendToQueue(q1, `a${i}`)));
    const c1 = await ch.consume(q1); // iterator mode: its deliveries (tags 1-3) wait unread in its buffer
    while ((await ch.checkQueue(q1)).messageCount > 0) await sleep(10);
    await ch.sendToQueue(q2, 'b');
    const c2 = await ch.consume(q2);
    const b = (await c2.receive())!;
    expect(Number(b.deliveryTag)).toBe(4);
    b.ack({ multiple: true }); // aioamqp-style: acks tags 1-4, c1's unread ones included
    await c1.close(); // was: MessageSettledError from the requeue of tag 1, and tags 2-3 never requeued
    await c2.close();
    expect(ch.isOpen).toBe(true);
    await ch.close();
    const ch2 = await channel();
    expect((await ch2.checkQueue(q1)).messageCount).toBe(0); // acked by the multiple ack: not requeued
  });
});

describe('callback consumers across a recovery', () => {
  it('deliveries queued behind a running handler when the connection is lost are dropped (the broker redelivers them), not handled twice', async () => {
    const name = uniqueName('review-rec');
    const conn = await connect(amqpUrl(), { connectionName: name });
    try {
      const ch = await conn.channel({ confirm: true });
      const q = uniqueName('review-rec-q');
      await ch.queueDeclare(q, { durable: false, autoDelete: false });
      try {
        await Promise.all(range(10).map((i) => ch.sendToQueue(q, String(i))));
        const stale: string[] = [];
        const handled = new Map<string, number>();
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let firstStarted!: () => void;
        const started = new Promise<void>((r) => (firstStarted = r));
        let done!: () => void;
        const allFresh = new Promise<void>((r) => (done = r));
        const consumer = await ch.consume(q, async (m) => {
          if (m.isStale) stale.push(m.text());
          handled.set(m.text(), (handled.get(m.text()) ?? 0) + 1);
          if (handled.size === 1 && handled.get(m.text()) === 1) {
            firstStarted();
            await released; // the other nine wait in the consumer's queue meanwhile
          }
          m.ack();
          if (!m.isStale && [...handled.values()].reduce((a, b) => a + b, 0) >= 11) done();
        }, { prefetch: 10 });
        await started;
        while ((await ch.checkQueue(q)).messageCount > 0) await sleep(10);
        await ch.checkQueue(q); // the nine deliveries have arrived before this answer
        const recovered = nextEvent(conn, 'recovered', 20_000);
        await closeConnection(name, 'review: recovery with queued handler deliveries');
        await recovered;
        release();
        await allFresh;
        await consumer.close();
        // No handler started on a stale delivery: the one running during the outage ran twice
        // (its ack was a no-op, the broker redelivered it), the nine queued ones once, redelivered.
        expect(stale).toEqual([]);
        expect([...handled.entries()].sort(([a], [b]) => Number(a) - Number(b))).toEqual(range(10).map((i) => [String(i), i === 0 ? 2 : 1]));
      } finally {
        await ch.queueDelete(q).catch(() => undefined);
      }
    } finally {
      await conn.close();
    }
  });
});

describe('serializers', () => {
  it('registering another application/json serializer (the default content type) also encodes the values published with none named', async () => {
    const bigJson: Serializer<unknown> = {
      contentType: 'application/json',
      encode: (v) => new TextEncoder().encode(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))),
      decode: (b) => JSON.parse(new TextDecoder().decode(b)) as unknown,
    };
    const conn = await connect(amqpUrl(), { serializers: createSerializers().register(bigJson) });
    try {
      const ch = await conn.channel({ confirm: true });
      const q = await queue(ch);
      expect(ch.serializers.default).toBe(bigJson);
      await ch.sendToQueue(q, { n: 2n ** 64n }); // was: the built-in JSON's EncodeError (bigint), while payload decoded with bigJson
      const m = (await (await ch.consume(q, { noAck: true })).receive())!;
      expect(m.properties.contentType).toBe('application/json');
      expect(m.payload).toEqual({ n: '18446744073709551616' });
    } finally {
      await conn.close();
    }
  });
});

describe('cancel by tag', () => {
  it('a handler that awaits channel.cancel() of its own consumer (aioamqp: basic_cancel in the callback) finishes; the rest is requeued', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all(range(5).map((i) => ch.sendToQueue(q, String(i))));
    let finished!: (text: string) => void;
    const handlerDone = new Promise<string>((r) => (finished = r));
    const consumer = await ch.consume(q, async (m) => {
      m.ack();
      await ch.cancel(m.consumerTag!); // was: waited for this very handler (close()'s drain): never resolved
      finished(m.text());
    }, { prefetch: 5 });
    expect(await handlerDone).toBe('0');
    expect(consumer.isEnded).toBe(true);
    await consumer.close(); // the drain is over too
    await ch.close();
    const ch2 = await channel();
    expect((await ch2.checkQueue(q)).messageCount).toBe(4);
  });
});

describe('text() of a body whose contentEncoding is not a character set', () => {
  it('is a PayloadError naming the encoding (was a RangeError from TextDecoder)', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await ch.sendToQueue(q, new Uint8Array([0x1f, 0x8b, 8, 0]), { contentType: 'application/json', contentEncoding: 'gzip' });
    await ch.sendToQueue(q, 'hé', { contentType: 'text/plain', contentEncoding: 'latin1' });
    const consumer = await ch.consume(q, { noAck: true });
    const gz = (await consumer.receive())!;
    expect(() => gz.text()).toThrow(PayloadError);
    expect(() => gz.json()).toThrow(/gzip/);
    expect(() => gz.payload).toThrow(PayloadError); // no gzip serializer registered
    expect(gz.text('latin1')).toHaveLength(4); // an explicit character set still reads the bytes
    const latin = (await consumer.receive())!;
    expect(latin.text()).toBe(new TextDecoder('latin1').decode(latin.body)); // a character set in contentEncoding is honoured
  });
});

describe('consumeMany with invalid options', () => {
  it('concurrency 0 is a RangeError and leaves no consumer behind holding deliveries', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q1 = await queue(ch);
    const q2 = await queue(ch);
    await ch.sendToQueue(q1, 'waiting');
    await expect(consumeMany(ch, [q1, q2], () => undefined, { concurrency: 0 })).rejects.toThrow(RangeError);
    expect(ch.consumers.size).toBe(0); // was: two consumers left at the broker, q1's message stuck unacked in one
    const info = await ch.checkQueue(q1);
    expect(info.consumerCount).toBe(0);
    while ((await ch.checkQueue(q1)).messageCount !== 1) await sleep(10); // requeued, not held
    expect(ch.isOpen).toBe(true);
  });
});

describe('a handler returning a broken thenable', () => {
  it('whose then() throws is a handler error like any other: the message is rejected, handlerError is emitted, the next delivery is handled', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'broken');
    await ch.sendToQueue(q, 'fine');
    let fine!: (text: string) => void;
    const handledFine = new Promise<string>((r) => (fine = r));
    const errors: string[] = [];
    const consumer = await ch.consume(q, (m) => {
      if (m.text() === 'broken') return { then: () => { throw new Error('not a real promise'); } };
      m.ack();
      fine(m.text());
      return undefined;
    });
    consumer.on('handlerError', (e, m) => errors.push(`${(e as Error).message}: ${m.text()}`));
    expect(await handledFine).toBe('fine'); // was: the throw escaped into the delivery path and the slot stayed taken
    expect(errors).toEqual(['not a real promise: broken']);
    expect(ch.isOpen).toBe(true);
    await consumer.close();
  });
});
