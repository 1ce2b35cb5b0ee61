import { describe, expect, it } from 'vitest';
import { MessageSettledError, OperationAbortedError, type Message } from 'warren';
import { channel, connection, queue, sleep, take } from '../messaging/fixture.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Publishes `n` numbered messages from another connection in small paced bursts, so that deliveries interleave with the receiver's timeouts. */
async function pacedPublisher(q: string, n: number): Promise<void> {
  const ch = await (await connection()).channel();
  await ch.confirmSelect();
  for (let i = 0; i < n; i += 10) {
    await Promise.all(range(Math.min(10, n - i)).map((j) => ch.sendToQueue(q, String(i + j))));
    await sleep(i % 50 === 0 ? 8 : 1);
  }
}

describe('consuming without losing a message', () => {
  it('1,000 receives with a timeout interleaved with deliveries: 0 lost, none twice', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const consumer = await ch.consume(q, { prefetch: 20 });
    const publishing = pacedPublisher(q, 1000);
    const seen = new Set<string>();
    let timeouts = 0;
    let receives = 0;
    while (seen.size < 1000 && receives < 100_000) {
      receives++;
      const m = await consumer.receive({ timeout: receives % 3 }); // 0, 1 and 2 ms: timers and deliveries race
      if (!m) {
        timeouts++;
        continue;
      }
      expect(seen.has(m.text())).toBe(false);
      seen.add(m.text());
      m.ack();
    }
    await publishing;
    expect(seen.size).toBe(1000);
    expect(timeouts).toBeGreaterThan(0); // the timeouts really interleaved
    expect(await consumer.receive({ timeout: 50 })).toBeNull();
    await consumer.close();
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('the racing pattern (next() against a timer, then next() again) loses nothing: an abandoned next() cannot swallow a delivery', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const consumer = await ch.consume(q, { prefetch: 20 });
    const it = consumer[Symbol.asyncIterator]();
    const publishing = pacedPublisher(q, 500);
    const seen = new Set<string>();
    let timeouts = 0;
    for (let i = 0; seen.size < 500 && i < 100_000; i++) {
      const r = await Promise.race([it.next(), sleep(i % 3).then(() => 'timeout' as const)]);
      if (r === 'timeout') {
        timeouts++;
        continue;
      }
      const m = r.value as Message;
      if (seen.has(m.text())) continue; // the shared result of an abandoned next(), seen already
      seen.add(m.text());
      m.ack();
    }
    await publishing;
    expect(seen.size).toBe(500);
    expect(timeouts).toBeGreaterThan(0);
    await it.return!();
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('receive() with an AbortSignal rejects with OperationAbortedError and leaves the next delivery for the next call', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const consumer = await ch.consume(q);
    const ac = new AbortController();
    const waiting = consumer.receive({ signal: ac.signal });
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(OperationAbortedError);
    await ch.sendToQueue(q, 'kept');
    expect((await consumer.receive({ timeout: 5000 }))?.text()).toBe('kept');
  });
});

describe('settling by tag, safe reject, requeue, cancel by tag', () => {
  it('channel.ack(tag, { multiple }), nack and reject by tag share the checks and batching of message.ack()', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const dlq = await queue(ch, {}, 'dlq');
    const q = await queue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await Promise.all(range(8).map((i) => ch.sendToQueue(q, `m${i}`)));
    const consumer = await ch.consume(q, { prefetch: 8 });
    const msgs: Message[] = [];
    for (const _ of range(8)) msgs.push((await consumer.receive({ timeout: 5000 }))!);
    const tags = msgs.map((m) => m.deliveryTag);
    ch.ack(tags[3]!, { multiple: true }); // m0..m3
    expect(() => msgs[2]!.ack()).toThrow(MessageSettledError); // the message object knows
    expect(() => ch.ack(tags[0]!)).toThrow(MessageSettledError);
    ch.nack(tags[4]!); // default: no requeue → dead-lettered
    ch.reject(tags[5]!); // default: no requeue → dead-lettered
    ch.reject(tags[6]!, { requeue: true });
    msgs[7]!.ack();
    expect(() => ch.ack(999)).toThrow(/was not delivered/);
    await consumer.close(); // m6 may have come back to it: close() requeues what it did not hand out
    const again = await take(await ch.consume(q, { noAck: true }), 1);
    expect(again.map((m) => [m.text(), m.redelivered])).toEqual([['m6', true]]);
    const dead = await take(await ch.consume(dlq, { noAck: true }), 2);
    expect(dead.map((m) => m.text())).toEqual(['m4', 'm5']);
    expect(ch.isOpen).toBe(true);
  });

  it('message.reject() does not requeue (dead-letters); message.requeue() does; message.consumer and message.channel', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const dlq = await queue(ch, {}, 'dlq');
    const q = await queue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.sendToQueue(q, 'poison');
    await ch.sendToQueue(q, 'retry');
    const consumer = await ch.consume(q, { prefetch: 10 });
    const poison = (await consumer.receive({ timeout: 5000 }))!;
    const retry = (await consumer.receive({ timeout: 5000 }))!;
    expect(poison.consumer).toBe(consumer);
    expect(poison.channel).toBe(ch);
    poison.reject();
    retry.requeue();
    const back = (await consumer.receive({ timeout: 5000 }))!;
    expect([back.text(), back.redelivered]).toEqual(['retry', true]);
    back.ack();
    const [dead] = await take(await ch.consume(dlq, { noAck: true }), 1);
    expect(dead!.text()).toBe('poison');
  });

  it('channel.cancel(tag) stops a consumer; its iterator ends and its unread deliveries are requeued', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all(range(5).map((i) => ch.sendToQueue(q, `m${i}`)));
    const consumer = await ch.consume(q, { consumerTag: 'by-tag', prefetch: 5 });
    const first = (await consumer.receive({ timeout: 5000 }))!;
    first.ack();
    expect(ch.consumers.get('by-tag')).toBe(consumer);
    await ch.cancel('by-tag');
    expect(consumer.isEnded).toBe(true);
    expect(ch.consumers.has('by-tag')).toBe(false);
    expect(await consumer.receive()).toBeNull();
    await ch.cancel('never-existed'); // RabbitMQ answers cancel-ok
    await sleep(50);
    expect((await ch.checkQueue(q)).messageCount).toBe(4);
  });
});

describe('callback concurrency, handler errors, graceful drain', () => {
  it('default concurrency 1: handlers run one at a time, in order; concurrency N runs up to N', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q1 = await queue(ch);
    const q2 = await queue(ch);
    await Promise.all(range(12).map((i) => Promise.all([ch.sendToQueue(q1, String(i)), ch.sendToQueue(q2, String(i))])));
    const run = async (q: string, concurrency: number | undefined) => {
      const ch2 = await ch.connection.channel();
      let running = 0;
      let most = 0;
      const order: number[] = [];
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      await ch2.consume(q, async (m) => {
        most = Math.max(most, ++running);
        order.push(Number(m.text()));
        await sleep(10);
        running--;
        m.ack();
        if (order.length === 12) done();
      }, { prefetch: 12, ...(concurrency ? { concurrency } : {}) });
      await all;
      return { most, order };
    };
    const one = await run(q1, undefined);
    expect(one).toEqual({ most: 1, order: range(12) });
    const four = await run(q2, 4);
    expect(four.most).toBe(4);
    expect(four.order).toEqual(range(12)); // started in delivery order
  });

  it('an async handler that rejects: no unhandled rejection, the message is rejected to the dead-letter queue, handlerError is emitted', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const dlq = await queue(ch, {}, 'dlq');
    const q = await queue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dlq });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.prependListener('unhandledRejection', onUnhandled);
    try {
      const errors: [unknown, Message][] = [];
      const consumer = await ch.consume(q, async (m) => {
        if (m.text() === 'bad') throw new Error('cannot handle');
        m.ack();
      });
      consumer.on('handlerError', (e, m) => errors.push([e, m]));
      await ch.sendToQueue(q, 'good');
      await ch.sendToQueue(q, 'bad');
      const [dead] = await take(await ch.consume(dlq, { noAck: true }), 1);
      expect(dead!.text()).toBe('bad');
      expect(errors.map(([e, m]) => [(e as Error).message, m.text()])).toEqual([['cannot handle', 'bad']]);
      await sleep(20);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('close() drains: no new handler starts, handlers in flight finish, their acks all reach the broker (0 lost), the rest is requeued', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all(range(30).map((i) => ch.sendToQueue(q, String(i))));
    const handled = new Set<string>();
    let started = 0;
    let inFlight!: () => void;
    const fiveRunning = new Promise<void>((r) => (inFlight = r));
    {
      await using consumer = await ch.consume(q, async (m) => {
        if (++started === 5) inFlight();
        await sleep(50 + (started % 5) * 20);
        handled.add(m.text());
        m.ack();
      }, { prefetch: 30, concurrency: 5 });
      await fiveRunning;
      expect(consumer.inFlight).toBe(5);
    } // await using: consumer.close()
    expect(handled.size).toBe(started); // every handler that started finished before close() resolved
    await ch.connection.close(); // straight after: nothing may be left unsent
    const ch2 = await channel();
    expect((await ch2.checkQueue(q)).messageCount).toBe(30 - handled.size);
    const rest = await take(await ch2.consume(q, { noAck: true }), 30 - handled.size);
    const restTexts = rest.map((m) => m.text());
    expect(restTexts.filter((t) => handled.has(t))).toEqual([]); // no acked message came back
    expect(new Set([...restTexts, ...handled]).size).toBe(30);
  });
});
