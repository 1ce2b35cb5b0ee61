import { afterEach, describe, expect, it } from 'vitest';
import { EncodeError, NackError, UnroutableError, type Channel, type ReturnedMessage } from 'warren';
import { evalErlang, uniqueName } from '../../helpers/broker.js';

// A disk alarm blocks publishers as a memory alarm does; using it keeps this test apart from
// other tests (other files, run in parallel) that raise and clear the memory alarm.
const setDiskAlarm = () => evalErlang('rabbit_alarm:set_alarm({{resource_limit, disk, node()}, []})');
const clearDiskAlarm = () => evalErlang('rabbit_alarm:clear_alarm({resource_limit, disk, node()})');
import { channel, connection, exchange, queue, sleep, take } from './fixture.js';

async function getOne(ch: Channel, q: string) {
  for (let i = 0; i < 200; i++) {
    const m = await ch.get(q, { noAck: true });
    if (m) return m;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no message in ${q}`);
}

describe('bodies', () => {
  it('bytes (Uint8Array, Buffer) go as they are; strings as utf-8; other values as JSON with contentType', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, new Uint8Array([0, 1, 2, 255]));
    await ch.sendToQueue(q, Buffer.from('buffer body'));
    await ch.sendToQueue(q, 'héllo ☃');
    await ch.sendToQueue(q, { a: [1, 'two', null], b: true });
    await ch.sendToQueue(q, 'a string as JSON', { json: true });
    await ch.sendToQueue(q, new Uint8Array(0));
    const bytes = await getOne(ch, q);
    expect([...bytes.body]).toEqual([0, 1, 2, 255]);
    expect(bytes.properties.contentType).toBeUndefined();
    expect((await getOne(ch, q)).text()).toBe('buffer body');
    const text = await getOne(ch, q);
    expect(text.text()).toBe('héllo ☃');
    expect(text.properties.contentEncoding).toBeUndefined();
    const json = await getOne(ch, q);
    expect(json.properties.contentType).toBe('application/json');
    expect(json.json()).toEqual({ a: [1, 'two', null], b: true });
    expect((await getOne(ch, q)).json()).toBe('a string as JSON');
    expect((await getOne(ch, q)).body.length).toBe(0);
  });

  it('string encodings set contentEncoding, and text() honours it', async () => {
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'café', { encoding: 'latin1' });
    await ch.sendToQueue(q, 'ωmega', { encoding: 'utf-16le' });
    await ch.sendToQueue(q, 'plain', { encoding: 'utf-8', setContentEncoding: true });
    const latin = await getOne(ch, q);
    expect(latin.body.length).toBe(4);
    expect(latin.properties.contentEncoding).toBe('latin1');
    expect(latin.text()).toBe('café');
    const utf16 = await getOne(ch, q);
    expect(utf16.properties.contentEncoding).toBe('utf-16le');
    expect(utf16.text()).toBe('ωmega');
    expect(utf16.text('latin1')).not.toBe('ωmega');
    const plain = await getOne(ch, q);
    expect(plain.properties.contentEncoding).toBe('utf-8');
    expect(plain.text()).toBe('plain');
  });
});

describe('properties', () => {
  it('every basic property arrives typed; zero values are kept', async () => {
    const ch = await channel();
    const q = await queue(ch, { maxPriority: 9 });
    const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000);
    await ch.sendToQueue(q, 'props', {
      contentType: 'text/plain',
      contentEncoding: 'identity',
      headers: { s: 'x', n: 42, big: 2n ** 40n, b: false, nested: { t: [1, 'a'] }, when: timestamp },
      persistent: true,
      priority: 0,
      correlationId: 'corr-1',
      replyTo: 'reply-q',
      expiration: 60_000,
      messageId: 'mid-1',
      timestamp,
      type: 'kind',
      userId: 'guest',
      appId: 'warren-test',
    });
    await ch.sendToQueue(q, 'string expiration', { expiration: '120000', deliveryMode: 1, priority: 7 });
    // A priority queue: the second (priority 7) comes first.
    const m2 = await getOne(ch, q);
    expect(m2.properties).toMatchObject({ expiration: '120000', deliveryMode: 1, priority: 7 });
    const m = await getOne(ch, q);
    expect(m.properties).toMatchObject({
      contentType: 'text/plain',
      contentEncoding: 'identity',
      deliveryMode: 2,
      correlationId: 'corr-1',
      replyTo: 'reply-q',
      expiration: '60000',
      messageId: 'mid-1',
      type: 'kind',
      userId: 'guest',
      appId: 'warren-test',
    });
    expect(m.text()).toBe('props'); // 'identity' means no transformation
    expect(m.properties.priority).toBe(0);
    expect(m.properties.timestamp).toEqual(timestamp);
    expect(m.properties.headers).toMatchObject({ s: 'x', n: 42, b: false, nested: { t: [1, 'a'] } });
    expect(BigInt(m.properties.headers!.big as bigint)).toBe(2n ** 40n);
  });

  it('a userId other than the connection user is refused by RabbitMQ (406), closing only that channel', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await queue(ch);
    const bad = await c.channel();
    bad.sendToQueue(q, 'x', { userId: 'someone-else' }).catch(() => undefined);
    await new Promise((r) => bad.once('close', r));
    expect(bad.closeReason).toMatchObject({ replyCode: 406 });
    await ch.sendToQueue(q, 'fine');
    expect((await getOne(ch, q)).text()).toBe('fine');
  });

  it('CC and BCC: extra routing keys; BCC is removed before delivery', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const [a, b, c] = [await queue(ch), await queue(ch), await queue(ch)];
    await ch.sendToQueue(a, 'fan', { CC: [b], BCC: [c], headers: { keep: 1 } });
    for (const q of [a, b, c]) {
      const m = await getOne(ch, q);
      expect(m.text()).toBe('fan');
      expect(m.properties.headers?.keep).toBe(1);
      expect(m.properties.headers?.CC).toEqual([b]);
      expect(m.properties.headers?.BCC).toBeUndefined();
    }
  });
});

describe('bad input', () => {
  it('is rejected with EncodeError before anything is sent; the channel stays usable and confirms stay in step', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: Array<[string, Promise<void>]> = [
      ['routing key of 300 bytes', ch.publish('', 'k'.repeat(300), 'x')],
      ['exchange name of 300 bytes', ch.publish('e'.repeat(300), q, 'x')],
      ['BigInt in a JSON body', ch.sendToQueue(q, { n: 1n })],
      ['circular JSON body', ch.sendToQueue(q, circular)],
      ['undefined body', ch.sendToQueue(q, undefined as never)],
      ['NaN in a JSON body', ch.sendToQueue(q, { n: Number.NaN })],
      ['function header', ch.sendToQueue(q, 'x', { headers: { f: (() => 1) as never } })],
      ['Symbol header', ch.sendToQueue(q, 'x', { headers: { s: Symbol('s') as never } })],
      ['priority out of octet range', ch.sendToQueue(q, 'x', { priority: 300 })],
      ['negative expiration', ch.sendToQueue(q, 'x', { expiration: -5 })],
      ['unknown text encoding', ch.sendToQueue(q, 'x', { encoding: 'ebcdic' as never })],
      ['non-latin1 character in latin1', ch.sendToQueue(q, '☃', { encoding: 'latin1' })],
    ];
    for (const [what, p] of cases) {
      const e = await p.then(() => undefined, (err: unknown) => err);
      expect(e, what).toBeInstanceOf(EncodeError);
      expect((e as Error).message.length, what).toBeGreaterThan(10);
    }
    expect(ch.isOpen).toBe(true);
    expect(ch.unconfirmed).toBe(0);
    // The next publishes take delivery tags 1 and 2: confirms still match.
    await ch.sendToQueue(q, 'after 1');
    await ch.sendToQueue(q, 'after 2');
    expect((await ch.checkQueue(q)).messageCount).toBe(2);
  });
});

describe('confirms', () => {
  it('10,000 confirmed publishes are all settled exactly once', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const n = 10_000;
    const settled = new Uint8Array(n);
    const body = new Uint8Array(64);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ch.sendToQueue(q, body).then(() => {
          settled[i]!++;
        }),
      ),
    );
    expect(settled.every((x) => x === 1)).toBe(true);
    expect(ch.unconfirmed).toBe(0);
    expect((await ch.checkQueue(q)).messageCount).toBe(n);
  });

  it('a nack rejects with NackError (maxLength + overflow reject-publish); other publishes resolve', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, { maxLength: 2, overflow: 'reject-publish' });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => ch.sendToQueue(q, `m${i}`)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(NackError);
    expect(ch.isOpen).toBe(true);
  });

  it('an unroutable mandatory publish rejects with UnroutableError and emits "return"; routable ones resolve', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const x = await exchange(ch, 'direct');
    const q = await queue(ch);
    await ch.queueBind(q, x, 'there');
    const returned: ReturnedMessage[] = [];
    ch.on('return', (r) => returned.push(r));
    const results = await Promise.allSettled([
      ch.publish(x, 'there', 'ok', { mandatory: true }),
      ch.publish(x, 'nowhere', 'lost', { mandatory: true, messageId: 'm-lost' }),
      ch.publish(x, 'nowhere', 'not mandatory'),
      ch.publish(x, 'there', 'ok again', { mandatory: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const e = (results[1] as PromiseRejectedResult).reason as UnroutableError;
    expect(e).toBeInstanceOf(UnroutableError);
    expect(e.replyCode).toBe(312);
    expect(e.returned.properties.messageId).toBe('m-lost');
    expect(returned).toHaveLength(1);
    expect(returned[0]).toMatchObject({ replyCode: 312, replyText: 'NO_ROUTE', exchange: x, routingKey: 'nowhere' });
    expect(new TextDecoder().decode(returned[0]!.body)).toBe('lost');
  });

  it('returns reach the "return" event without confirm mode too', async () => {
    const ch = await channel();
    const returned = new Promise<ReturnedMessage>((resolve) => ch.once('return', resolve));
    await ch.publish('amq.direct', uniqueName('nobody'), { x: 1 }, { mandatory: true });
    const r = await returned;
    expect(r.properties.contentType).toBe('application/json');
    expect(r.replyCode).toBe(312);
  });

  it('publishes waiting for their confirm reject when the channel or the connection closes first', async () => {
    const c = await connection();
    const ch = await c.channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const pending = Array.from({ length: 500 }, () => ch.sendToQueue(q, 'x'));
    const closing = ch.close();
    const results = await Promise.allSettled(pending);
    await closing;
    // Some may have been acked before close-ok; none hang, and the others fail with a reason.
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toMatch(/ChannelClosedError/);
    await expect(ch.sendToQueue(q, 'late')).rejects.toMatchObject({ name: 'ChannelClosedError' });

    const ch2 = await c.channel();
    await ch2.confirmSelect();
    const more = Array.from({ length: 500 }, () => ch2.sendToQueue(q, 'x'));
    const closed = c.close();
    const results2 = await Promise.allSettled(more);
    await closed;
    for (const r of results2) if (r.status === 'rejected') expect((r.reason as Error).name).toMatch(/Closed/);
  });

  it('maxUnconfirmed bounds publishes in flight; the others wait in call order', async () => {
    const ch = await channel();
    await ch.confirmSelect({ maxUnconfirmed: 16 });
    const q = await queue(ch);
    let maxInFlight = 0;
    const order: number[] = [];
    const all = Array.from({ length: 400 }, (_, i) => {
      const p = ch.sendToQueue(q, String(i)).then(() => order.push(i));
      maxInFlight = Math.max(maxInFlight, ch.unconfirmed);
      return p;
    });
    expect(ch.unconfirmed).toBe(16);
    expect(ch.waitingPublishes).toBe(384);
    const timer = setInterval(() => (maxInFlight = Math.max(maxInFlight, ch.unconfirmed)), 1);
    await Promise.all(all);
    clearInterval(timer);
    expect(maxInFlight).toBe(16);
    const consumer = await ch.consume(q, { noAck: true });
    const got = await take(consumer, 400);
    expect(got.map((m) => Number(m.text()))).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });
});

describe('flow control', () => {
  afterEach(async () => {
    await clearDiskAlarm();
  });

  it('while the broker blocks the connection, publish waits (abortable) and goes out after unblocked', async () => {
    const c = await connection();
    const ch = await c.channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'before');
    const blocked = new Promise((r) => c.once('blocked', r));
    await setDiskAlarm();
    // RabbitMQ sends connection.blocked when a connection publishes under an alarm (its reader
    // goes running → blocking → blocked): this publish is sent, and held by the broker.
    // The reader learns of the alarm asynchronously: publish until the broker says blocked.
    const during: Promise<void>[] = [];
    while (!c.isBlocked) {
      during.push(ch.sendToQueue(q, 'during'));
      await Promise.race([blocked, sleep(50)]);
    }
    await Promise.all(during);
    expect(c.isBlocked).toBe(true);
    let done = false;
    const waiting = ch.sendToQueue(q, 'held').then(() => (done = true));
    const ac = new AbortController();
    const aborted = ch.sendToQueue(q, 'aborted', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    expect(ch.waitingPublishes).toBe(2);
    ac.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    expect(ch.waitingPublishes).toBe(1);
    const unblocked = new Promise<void>((r) => c.once('unblocked', () => r()));
    await clearDiskAlarm();
    await unblocked;
    await waiting;
    const consumer = await ch.consume(q, { noAck: true });
    const texts = (await take(consumer, during.length + 2)).map((m) => m.text());
    expect(texts).toEqual(['before', ...during.map(() => 'during'), 'held']);
  });

  it('without confirms, many large publishes resolve as the socket drains', async () => {
    const ch = await channel();
    const q = await queue(ch);
    const body = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 32; i++) await ch.sendToQueue(q, body);
    const consumer = await ch.consume(q, { noAck: true });
    const got = await take(consumer, 32);
    expect(got.every((m) => m.body.length === body.length)).toBe(true);
  });
});
