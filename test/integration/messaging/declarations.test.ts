import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError, type Message } from 'warren';
import { brokerAtLeast, byBrokerVersion, uniqueName } from '../../helpers/broker.js';
import { channel, cleanupExchange, cleanupQueue, exchange, queue, take } from './fixture.js';

describe('exchanges', () => {
  it('declares every built-in type and a custom type, with durable/autoDelete/internal flags', async () => {
    const ch = await channel();
    for (const type of ['direct', 'fanout', 'topic', 'headers'] as const) {
      const x = await exchange(ch, type, { durable: true });
      await ch.checkExchange(x);
      // Redeclaring with the same settings is fine; with another type is 406.
      await ch.exchangeDeclare(x, type, { durable: true });
    }
    const x = uniqueName('msg-x');
    cleanupExchange(x);
    await ch.exchangeDeclare(x, 'direct', { durable: false, autoDelete: true, internal: true });
    await expect(ch.exchangeDeclare(x, 'fanout', { durable: false })).rejects.toBeInstanceOf(PreconditionFailedError);
    // A plugin's type name that the broker does not know: 3.10 answers 503 command-invalid (a
    // connection error), 4.3 406 precondition-failed (a channel error).
    const ch2 = await channel();
    const unknownType = ch2.exchangeDeclare(uniqueName('msg-x'), 'x-no-such-type');
    await expect(unknownType).rejects.toMatchObject({ replyCode: byBrokerVersion({ '3.10': 503, '4.3': 406 }) });
    if (brokerAtLeast('4.3')) await expect(unknownType).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('an internal exchange refuses direct publishes; an alternate exchange takes what routes nowhere', async () => {
    const ch = await channel();
    const alt = await exchange(ch, 'fanout');
    const altQ = await queue(ch);
    await ch.queueBind(altQ, alt);
    const main = await exchange(ch, 'direct', { alternateExchange: alt });
    await ch.publish(main, 'nowhere', 'to the alternate');
    const m = await waitGet(ch, altQ);
    expect(m.text()).toBe('to the alternate');
    m.ack();

    const internal = await exchange(ch, 'fanout', { internal: true });
    const ch2 = await channel();
    ch2.publish(internal, '', 'x').catch(() => undefined);
    await new Promise((resolve) => ch2.once('close', resolve));
    expect(ch2.closeReason).toMatchObject({ replyCode: 403 });
  });

  it('deletes with ifUnused; exchange-to-exchange bind and unbind route and stop routing', async () => {
    const ch = await channel();
    const src = await exchange(ch, 'topic');
    const dst = await exchange(ch, 'fanout');
    const q = await queue(ch);
    await ch.queueBind(q, dst);
    await ch.exchangeBind(dst, src, 'a.*');
    await ch.publish(src, 'a.b', 'via e2e');
    await ch.publish(src, 'b.b', 'not bound');
    expect((await waitGet(ch, q)).text()).toBe('via e2e');
    await ch.exchangeUnbind(dst, src, 'a.*');
    await ch.confirmSelect();
    await ch.publish(src, 'a.b', 'after unbind');
    expect(await ch.get(q)).toBeNull();

    // dst has a binding (to q): ifUnused refuses (406, closing that channel) and the other goes on.
    const ch2 = await channel();
    await expect(ch2.exchangeDelete(dst, { ifUnused: true })).rejects.toBeInstanceOf(PreconditionFailedError);
    await ch.queueUnbind(q, dst);
    await ch.exchangeDelete(dst, { ifUnused: true });
    await expect(ch.checkExchange(dst)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('queues', () => {
  it('server-named queues: empty name returns the generated one, exclusive by default', async () => {
    const ch = await channel();
    const info = await ch.queueDeclare();
    expect(info.queue).toMatch(/^amq\.gen-/);
    expect(info).toMatchObject({ messageCount: 0, consumerCount: 0 });
    await ch.sendToQueue(info.queue, 'hi');
    expect((await waitGet(ch, info.queue)).text()).toBe('hi');
    // exclusive: another connection may not use it
    const other = await channel();
    await expect(other.checkQueue(info.queue)).rejects.toMatchObject({ replyCode: 405, name: 'ResourceLockedError' });
  });

  it('durable/exclusive/autoDelete flags and typed x-arguments reach the broker (redeclare checks them)', async () => {
    const ch = await channel();
    const q = await queue(ch, {
      durable: true,
      messageTtl: 60_000,
      expires: 600_000,
      maxLength: 100,
      maxLengthBytes: 1_000_000,
      overflow: 'reject-publish',
      deadLetterExchange: 'amq.direct',
      deadLetterRoutingKey: 'dead',
      maxPriority: 5,
      singleActiveConsumer: true,
      arguments: { 'x-queue-mode': 'default' },
    });
    // Same arguments: fine. A differing argument: 406 PRECONDITION_FAILED naming it.
    await ch.queueDeclare(q, { durable: true, messageTtl: 60_000, expires: 600_000, maxLength: 100, maxLengthBytes: 1_000_000, overflow: 'reject-publish', deadLetterExchange: 'amq.direct', deadLetterRoutingKey: 'dead', maxPriority: 5, singleActiveConsumer: true, arguments: { 'x-queue-mode': 'default' } });
    const ch2 = await channel();
    await expect(ch2.queueDeclare(q, { durable: true, messageTtl: 1 })).rejects.toThrow(/inequivalent arg/);

    const ex = uniqueName('msg');
    cleanupQueue(ex);
    const info = await ch.queueDeclare(ex, { exclusive: true, autoDelete: true, durable: false });
    expect(info.queue).toBe(ex);
    await expect(ch.queueDeclare('bad', { maxLength: -1 })).rejects.toMatchObject({ name: 'EncodeError', field: 'maxLength' });
    await ch.checkQueue(ex); // the EncodeError sent nothing: the channel is fine
  });

  it('purge and delete return counts; delete honours ifEmpty and ifUnused', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await Promise.all([1, 2, 3].map((i) => ch.sendToQueue(q, `m${i}`)));
    expect((await ch.checkQueue(q)).messageCount).toBe(3);
    expect(await ch.queuePurge(q)).toBe(3);
    await Promise.all([1, 2].map((i) => ch.sendToQueue(q, `m${i}`)));
    const ch2 = await channel();
    await expect(ch2.queueDelete(q, { ifEmpty: true })).rejects.toBeInstanceOf(PreconditionFailedError);
    const consumer = await ch.consume(q, () => undefined, { noAck: false, prefetch: 1 });
    const ch3 = await channel();
    await expect(ch3.queueDelete(q, { ifUnused: true })).rejects.toBeInstanceOf(PreconditionFailedError);
    await consumer.cancel();
    expect(await ch.queueDelete(q)).toBeGreaterThanOrEqual(1);
  });

  it('passive checks: a missing queue/exchange is NotFoundError, and the channel and other calls go on', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const missing = uniqueName('missing');
    const results = await Promise.allSettled([ch.checkQueue(missing), ch.queueDeclare(q, { durable: false }), ch.checkExchange(missing), ch.checkQueue(q)]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(NotFoundError) });
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { queue: q } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: expect.any(NotFoundError) });
    expect(results[3]).toMatchObject({ status: 'fulfilled', value: { queue: q, messageCount: 0 } });
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ replyCode: 404, name: 'NotFoundError' });
    expect(ch.isOpen).toBe(true);
    await ch.sendToQueue(q, 'still here');
    expect((await waitGet(ch, q)).text()).toBe('still here');
  });
});

describe('bindings', () => {
  it('headers exchange: x-match all and any', async () => {
    const ch = await channel();
    const x = await exchange(ch, 'headers');
    const all = await queue(ch);
    const any = await queue(ch);
    await ch.queueBind(all, x, '', { headers: { format: 'pdf', type: 'report' }, match: 'all' });
    await ch.queueBind(any, x, '', { headers: { format: 'pdf', type: 'report' }, match: 'any' });
    await ch.confirmSelect();
    await ch.publish(x, '', 'both', { headers: { format: 'pdf', type: 'report' } });
    await ch.publish(x, '', 'one', { headers: { format: 'pdf', type: 'log' } });
    await ch.publish(x, '', 'none', { headers: { format: 'zip' } });
    expect(await drain(ch, all)).toEqual(['both']);
    expect(await drain(ch, any)).toEqual(['both', 'one']);
    await ch.queueUnbind(any, x, '', { headers: { format: 'pdf', type: 'report' }, match: 'any' });
    await ch.publish(x, '', 'after', { headers: { format: 'pdf' } });
    expect(await drain(ch, any)).toEqual([]);
  });

  it('topic and direct bindings route by key; unbind stops routing', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const x = await exchange(ch, 'topic');
    const q = await queue(ch);
    await ch.queueBind(q, x, 'kern.#');
    await ch.queueBind(q, x, '*.critical');
    for (const key of ['kern.info', 'app.critical', 'app.info', 'kern.disk.full']) await ch.publish(x, key, key);
    expect(await drain(ch, q)).toEqual(['kern.info', 'app.critical', 'kern.disk.full']);
    await ch.queueUnbind(q, x, 'kern.#');
    await ch.publish(x, 'kern.info', 'x');
    expect(await drain(ch, q)).toEqual([]);
  });
});

describe('queue types', () => {
  it('quorum queue: declare, publish with confirms, consume', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, { durable: true, queueType: 'quorum', deliveryLimit: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => ch.sendToQueue(q, { i })));
    const consumer = await ch.consume(q, { prefetch: 10 });
    const got: number[] = [];
    for await (const m of consumer) {
      got.push(m.json<{ i: number }>().i);
      m.ack(); // a prefetch of 10: the rest come as these are acked
      if (got.length === 20) break;
    }
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('stream: declare, publish, consume from the first offset with a prefetch', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, { durable: true, queueType: 'stream' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => ch.sendToQueue(q, `s${i}`)));
    const readAll = async (offset: unknown): Promise<Message[]> => {
      const c = await ch.consume(q, { prefetch: 100, arguments: { 'x-stream-offset': offset as string } });
      const got = await take(c, 10);
      for (const m of got) m.ack();
      return got;
    };
    const first = await readAll('first');
    expect(first.map((m) => m.text())).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    // A stream keeps its messages: read again from offset 0 (a number), each with its x-stream-offset header.
    const again = await readAll(0);
    expect(again.map((m) => m.text())).toEqual(first.map((m) => m.text()));
    expect(again[3]!.properties.headers?.['x-stream-offset']).toBeDefined();
  });
});

async function waitGet(ch: import('warren').Channel, q: string): Promise<Message> {
  for (let i = 0; i < 100; i++) {
    const m = await ch.get(q);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no message in ${q}`);
}

/** All messages in the queue right now, acked, as text. */
async function drain(ch: import('warren').Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (let m = await ch.get(q); m; m = await ch.get(q)) {
    out.push(m.text());
    m.ack();
  }
  return out;
}
