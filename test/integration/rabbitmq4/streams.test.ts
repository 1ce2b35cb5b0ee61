// Streams over AMQP 0-9-1 against the real broker: typed offsets proven with real messages,
// the prefetch and manual acks streams require, the client-side filter check, offset tracking
// and resuming from a store.
import { describe, expect, it } from 'vitest';
import { EncodeError, StreamConsumeError, type Channel, type Message, type StreamConsumer } from 'warren';
import { channel, connection, is43, queue, sleep, until } from './fixture.js';

async function stream(ch: Channel): Promise<string> {
  return queue(ch, { queueType: 'stream' }, 'rmq4-s');
}

/** Publishes each body with a confirm before the next, so each lands in a chunk of its own. */
async function publishEach(ch: Channel, q: string, bodies: string[], options: { streamFilterValue?: string } = {}): Promise<void> {
  await ch.confirmSelect();
  for (const b of bodies) await ch.sendToQueue(q, b, options);
}

/** Publishes all bodies before waiting for the confirms, so they share a chunk. */
async function publishBatch(ch: Channel, q: string, items: { body: string; filter?: string }[]): Promise<void> {
  await ch.confirmSelect();
  await Promise.all(items.map((i) => ch.sendToQueue(q, i.body, i.filter === undefined ? {} : { streamFilterValue: i.filter })));
}

async function takeN(s: StreamConsumer, n: number, ack = true): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of s) {
    out.push(m);
    if (ack) m.ack();
    if (out.length >= n) break;
  }
  return out;
}

const range = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('stream declarations', () => {
  it('typed stream arguments reach the broker; invalid ones fail on the call', async () => {
    const ch = await channel();
    await queue(ch, { queueType: 'stream', maxAge: '7D', maxLengthBytes: 10_000_000, maxSegmentSizeBytes: 1_000_000, filterSizeBytes: 32, initialClusterSize: 1 }, 'rmq4-s');
    await expect(ch.queueDeclare('x', { queueType: 'stream', maxAge: '7 days' as '7D' })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.queueDeclare('x', { queueType: 'stream', filterSizeBytes: 300 })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.queueDeclare('x', { maxAge: '1h' })).rejects.toThrow(/applies to streams/);
    // RabbitMQ wants a positive amount: '0D' would be a 406 that closes the channel.
    await expect(ch.queueDeclare('x', { queueType: 'stream', maxAge: '0D' })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.queueDeclare('x', { queueType: 'stream', maxAge: '00h' })).rejects.toBeInstanceOf(EncodeError);
    expect(ch.isOpen).toBe(true);
  });
});

describe('stream offsets', () => {
  it('first, a number, and the offset of each delivery', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishBatch(ch, q, range(10).map((body) => ({ body })));
    const c = await ch.connection.channel();
    const all = await takeN(await c.consumeStream(q, { offset: 'first' }), 10);
    expect(all.map((m) => m.text())).toEqual(range(10));
    expect(all.map((m) => m.streamOffset)).toEqual(range(10).map((_, i) => i));
    const from6 = await takeN(await c.consumeStream(q, { offset: 6 }), 4);
    expect(from6.map((m) => m.text())).toEqual(['m6', 'm7', 'm8', 'm9']);
    expect(from6[0]!.streamOffset).toBe(6);
    // All ten share a chunk, yet both 3.10 and 4.3 start exactly at the offset: nothing to drop here.
    const s = await c.consumeStream(q, { offset: 6n });
    expect((await takeN(s, 4)).map((m) => m.streamOffset)).toEqual([6, 7, 8, 9]);
    expect(s.dropped).toBe(0);
  });

  it('last: the last chunk written; next: only what is written after the consume', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishEach(ch, q, range(5));
    const c = await ch.connection.channel();
    const last = await takeN(await c.consumeStream(q, { offset: 'last' }), 1);
    expect(last[0]!.text()).toBe('m4');
    expect(last[0]!.streamOffset).toBe(4);
    const next = await c.consumeStream(q, { offset: 'next' });
    await ch.sendToQueue(q, 'new');
    const got = await takeN(next, 1);
    expect(got[0]!.text()).toBe('new');
    expect(got[0]!.streamOffset).toBe(5);
  });

  it('a Date (sent as a field-table timestamp): the chunks written at or after it', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishEach(ch, q, ['old0', 'old1']);
    await sleep(1200); // timestamps are whole seconds: make sure `at` falls after the old chunks
    const at = new Date();
    at.setMilliseconds(0);
    await sleep(1100);
    await publishEach(ch, q, ['new0', 'new1']);
    const c = await ch.connection.channel();
    const got = await takeN(await c.consumeStream(q, { offset: at }), 2);
    expect(got.map((m) => m.text())).toEqual(['new0', 'new1']);
    expect(got[0]!.streamOffset).toBe(2);
  });

  it('an interval back from now ("1h") reaches everything written in the last hour', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishEach(ch, q, range(3));
    const got = await takeN(await (await ch.connection.channel()).consumeStream(q, { offset: '1h' }), 3);
    expect(got.map((m) => m.text())).toEqual(range(3));
  });

  it('an invalid offset fails on the call (3.10 would close the connection with 541), the connection lives', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await stream(ch);
    await expect(ch.consumeStream(q, { offset: 'bogus' as 'first' })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.consumeStream(q, { offset: -1 })).rejects.toBeInstanceOf(EncodeError);
    // A zero interval is no interval to RabbitMQ (406 on both versions, closing the channel).
    await expect(ch.consumeStream(q, { offset: '0s' })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.consumeStream(q, { offset: '0h' })).rejects.toBeInstanceOf(EncodeError);
    expect(c.isOpen).toBe(true);
    expect(ch.isOpen).toBe(true);
  });
});

describe('rule stream-offset-string', () => {
  it('a raw consume with an invalid x-stream-offset string is refused on the call (3.10: 541 closes the connection; 4.3: 406)', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await stream(ch);
    await publishEach(ch, q, ['a']);
    const raw = ch.consume(q, { prefetch: 10, arguments: { 'x-stream-offset': 'bogus' } });
    await expect(raw).rejects.toMatchObject({ name: 'BrokerRuleError', rule: 'stream-offset-string' });
    await expect(ch.consume(q, { prefetch: 10, arguments: { 'x-stream-offset': '0m' } })).rejects.toMatchObject({ name: 'BrokerRuleError', rule: 'stream-offset-string' });
    expect(c.isOpen).toBe(true);
    expect(ch.isOpen).toBe(true);
    // Valid strings go through (a leading zero included: RabbitMQ reads the number).
    const ok = await ch.consume(q, { prefetch: 10, arguments: { 'x-stream-offset': '01h' } });
    for await (const m of ok) {
      expect(m.text()).toBe('a');
      m.ack();
      break;
    }
  });
});

describe('what streams require', () => {
  it('the per-consumer prefetch is set for the user (a bare consume is refused by the broker)', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishEach(ch, q, ['a']);
    const bare = await ch.connection.channel();
    await expect(bare.consume(q, { arguments: { 'x-stream-offset': 'first' } })).rejects.toMatchObject({ replyCode: 406 });
    const got = await takeN(await (await ch.connection.channel()).consumeStream(q, { offset: 'first' }), 1);
    expect(got[0]!.text()).toBe('a');
  });

  it('no-ack is refused on the call (the broker answers 540 and closes the connection)', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await stream(ch);
    await expect(ch.consumeStream(q, { noAck: true as false })).rejects.toBeInstanceOf(StreamConsumeError);
    await expect(ch.consumeStream(q, { prefetch: 0 })).rejects.toBeInstanceOf(StreamConsumeError);
    expect(c.isOpen).toBe(true);
    expect(ch.isOpen).toBe(true);
  });
});

describe('filtering', () => {
  it('messages the broker lets through but the filter rejects are dropped here; 3.13+ skips whole chunks', async () => {
    const ch = await channel();
    const q = await queue(ch, { queueType: 'stream' }, 'rmq4-sf');
    // One chunk holding both values: the broker's chunk filter matches 'a', so it sends the 'b's too.
    await publishBatch(ch, q, [
      { body: 'a0', filter: 'a' },
      { body: 'b0', filter: 'b' },
      { body: 'a1', filter: 'a' },
      { body: 'b1', filter: 'b' },
    ]);
    // A chunk of 'c's only: RabbitMQ 3.13+ does not send it at all.
    await publishBatch(ch, q, [{ body: 'c0', filter: 'c' }, { body: 'c1', filter: 'c' }]);
    await publishBatch(ch, q, [{ body: 'a2', filter: 'a' }]);
    const c = await ch.connection.channel();
    const s = await c.consumeStream(q, { offset: 'first', filter: 'a' });
    const got = await takeN(s, 3);
    expect(got.map((m) => m.text())).toEqual(['a0', 'a1', 'a2']);
    // 3.10 has no stream filtering (3.13+): every message arrives and the client check drops 4.
    expect(s.dropped).toBe(is43(ch.connection) ? 2 : 4);
    expect(s.processedOffset).toBe(6); // dropped deliveries count as processed
  });

  it('matchUnfiltered: messages without a filter value too', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishBatch(ch, q, [{ body: 'plain0' }, { body: 'a0', filter: 'a' }, { body: 'b0', filter: 'b' }, { body: 'plain1' }]);
    const c = await ch.connection.channel();
    const withUnfiltered = await takeN(await c.consumeStream(q, { offset: 'first', filter: ['a'], matchUnfiltered: true }), 3);
    expect(withUnfiltered.map((m) => m.text())).toEqual(['plain0', 'a0', 'plain1']);
    const only = await takeN(await c.consumeStream(q, { offset: 'first', filter: ['a', 'b'] }), 2);
    expect(only.map((m) => m.text())).toEqual(['a0', 'b0']);
  });
});

describe('processed offsets', () => {
  it('advance only over contiguous settled deliveries, saved through the store; a new consumer resumes after the stored one', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishBatch(ch, q, range(6).map((body) => ({ body })));
    const saved: (number | bigint)[] = [];
    const store = { load: () => (saved.length ? saved[saved.length - 1] : undefined), save: (o: number | bigint) => void saved.push(o) };
    const c = await ch.connection.channel();
    const s = await c.consumeStream(q, { offset: 'first', offsetStore: store });
    const got = await takeN(s, 4, false);
    got[1]!.ack();
    expect(s.processedOffset).toBeUndefined(); // m0 is not done yet
    got[0]!.ack();
    expect(s.processedOffset).toBe(1);
    got[3]!.ack();
    got[2]!.settle('accepted');
    expect(s.processedOffset).toBe(3);
    expect(saved).toEqual([1, 3]);
    await s.cancel();
    // A restart: the store says 3 was the last processed, so the new consumer starts at 4.
    const resumed = await takeN(await c.consumeStream(q, { offset: 'first', offsetStore: store }), 2);
    expect(resumed.map((m) => m.text())).toEqual(['m4', 'm5']);
    expect(saved).toEqual([1, 3, 4, 5]);
  });

  it('nack, reject and a failing handler on a stream delivery go out as ack (3.10 would close the connection with 540)', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await stream(ch);
    await publishBatch(ch, q, range(4).map((body) => ({ body })));
    const ch1 = await c.channel();
    const s = await ch1.consumeStream(q, { offset: 'first' });
    const [m0, m1, m2] = await takeN(s, 3, false); // leaving the loop "requeues" m3: also an ack
    expect(() => m0!.nack({ multiple: true })).toThrow(/ack\(\{ multiple: true \}\)/);
    m0!.nack();
    m1!.reject();
    m2!.settle('failed');
    expect(s.processedOffset).toBe(2);
    const ch2 = await c.channel();
    const failing = await ch2.consumeStream(q, { offset: 3, handler: () => { throw new Error('boom'); } });
    const [, failed] = await new Promise<[unknown, Message]>((resolve) => failing.consumer.on('handlerError', (e, m) => resolve([e, m])));
    expect(failed.streamOffset).toBe(3);
    expect(failing.processedOffset).toBe(3); // rejected by the handler policy, sent as ack
    // Round trips on both channels after the settlements: the broker took them without closing anything.
    await ch1.prefetch(10);
    await ch2.prefetch(10);
    expect(c.isOpen).toBe(true);
  });

  it("another consumer's ack with multiple on the same channel settles this one's deliveries too", async () => {
    const ch = await channel();
    const a = await stream(ch);
    const b = await stream(ch);
    await publishEach(ch, b, ['b0']);
    const c = await ch.connection.channel();
    const sb = await c.consumeStream(b, { offset: 'first' });
    const [b0] = await takeN(sb, 1, false);
    await publishEach(ch, a, ['a0']);
    const sa = await c.consumeStream(a, { offset: 'first' });
    const [a0] = await takeN(sa, 1, false);
    a0!.ack({ multiple: true }); // the broker takes it for b0 too
    expect(sa.processedOffset).toBe(0);
    expect(sb.processedOffset).toBe(0);
  });

  it('a nack with multiple by another consumer that would cover a stream delivery is refused (3.10 would close the connection)', async () => {
    const c = await connection();
    const ch = await c.channel();
    const s = await stream(ch);
    const q = await queue(ch, {}, 'rmq4-nq');
    await publishEach(ch, s, ['s0']);
    const shared = await c.channel();
    const ss = await shared.consumeStream(s, { offset: 'first' });
    const [s0] = await takeN(ss, 1, false);
    await ch.sendToQueue(q, 'q0');
    const cq = await shared.consume(q, { prefetch: 10 });
    let mq: Message | undefined;
    for await (const m of cq) {
      mq = m;
      break;
    }
    expect(() => mq!.nack({ multiple: true, requeue: true })).toThrow(/stream delivery/);
    s0!.ack();
    mq!.nack({ multiple: true, requeue: true }); // nothing of the stream's left to cover
    await shared.prefetch(10); // a round trip: the channel and connection live
    expect(c.isOpen).toBe(true);
  });

  it('handler mode: the same checks, then the handler', async () => {
    const ch = await channel();
    const q = await stream(ch);
    await publishBatch(ch, q, [{ body: 'x', filter: 'x' }, { body: 'y', filter: 'y' }, { body: 'x2', filter: 'x' }]);
    const seen: string[] = [];
    const s = await (await ch.connection.channel()).consumeStream(q, { offset: 'first', filter: 'x', handler: (m) => (seen.push(m.text()), m.ack()) });
    await until(() => seen.length === 2);
    expect(seen).toEqual(['x', 'x2']);
    expect(() => s[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});
