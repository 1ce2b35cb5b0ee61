import { describe, expect, it } from 'vitest';
import {
  Binding,
  ConsumerCancelledError,
  Exchange,
  MultiConsumer,
  NotFoundError,
  Producer,
  Queue,
  UnboundEntityError,
  consumeMany,
  declare,
  verify,
  type Message,
  type Serializer,
} from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { channel, cleanupExchange, cleanupQueue, connection, take } from '../messaging/fixture.js';

/** Names for this test, deleted afterwards. */
function names(n: number, prefix: string, kind: 'queue' | 'exchange'): string[] {
  return Array.from({ length: n }, () => {
    const name = uniqueName(prefix);
    (kind === 'queue' ? cleanupQueue : cleanupExchange)(name);
    return name;
  });
}

describe('declarative entities', () => {
  it('declare a topology (idempotently) on a channel; it lands in the one topology record recovery replays', async () => {
    const ch = await channel();
    const [media, audit] = names(2, 'media', 'exchange');
    const [video, images] = names(2, 'video', 'queue');
    const mediaX = new Exchange(media!, { type: 'topic', durable: false });
    const auditX = new Exchange(audit!, { type: 'fanout', durable: false });
    const videoQ = new Queue(video!, { exchange: mediaX, routingKey: 'video.*', durable: false, messageTtl: 60_000 });
    const imagesQ = new Queue(images!, { durable: false });
    const topology = [mediaX, auditX, videoQ, imagesQ, new Binding({ source: mediaX, destination: imagesQ, routingKey: 'image.#' }), new Binding({ source: mediaX, destination: auditX, routingKey: '#' })];
    const bound = await declare(ch, topology);
    expect(bound.map((e) => e.describe())).toEqual([
      `exchange '${media}'`, `exchange '${audit}'`, `queue '${video}'`, `queue '${images}'`,
      `binding '${media}' → queue '${images}' (routing key 'image.#')`, `binding '${media}' → exchange '${audit}' (routing key '#')`,
    ]);
    await declare(ch, topology); // idempotent
    const record = ch.connection.topology;
    expect(record.exchanges().map((x) => x.name)).toEqual(expect.arrayContaining([media, audit]));
    expect(record.queues().find((q) => q.name === video)).toMatchObject({ durable: false, arguments: { 'x-message-ttl': 60_000 } });
    expect(record.bindings().map((b) => `${b.source}>${b.destination}:${b.routingKey}`)).toEqual(
      expect.arrayContaining([`${media}>${video}:video.*`, `${media}>${images}:image.#`, `${media}>${audit}:#`]),
    );
    expect(record.bindings().filter((b) => b.destination === video)).toHaveLength(1); // declared twice, recorded once

    await ch.confirmSelect();
    const x = mediaX.attach(ch);
    await x.publish('video.mp4', { n: 1 });
    await x.publish('image.png.large', { n: 2 });
    const [v] = await take(await videoQ.attach(ch).consume({ noAck: true }), 1);
    const [i] = await take(await imagesQ.attach(ch).consume({ noAck: true }), 1);
    expect([v!.payload, i!.payload]).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('declare on a connection, a server-named queue gets its name, bound copies act, delete removes', async () => {
    const conn = await connection();
    const [x] = names(1, 'ex', 'exchange');
    const ex = new Exchange(x!, { type: 'direct', durable: false });
    const [declaredX, declaredQ] = await declare(conn, [ex, new Queue('', { exchange: ex, routingKey: 'k' })]);
    expect(declaredX).toBeInstanceOf(Exchange);
    const q = declaredQ as Queue;
    expect(q.name).toMatch(/^amq\.gen-/);
    expect(q.serverNamed).toBe(true);
    const ch = await conn.channel({ confirm: true });
    const mine = q.attach(ch);
    await ex.attach(ch).publish('k', 'routed');
    expect((await mine.get())?.text()).toBe('routed');
    const binding = q.binding()!.attach(ch);
    await binding.delete();
    await ex.attach(ch).publish('k', 'not routed');
    expect(await mine.get()).toBeNull();
    expect(await mine.delete()).toBe(0);
    await ex.attach(ch).delete();
    await expect(ch.checkExchange(x!)).rejects.toBeInstanceOf(NotFoundError);
    expect(conn.topology.queues().some((r) => r.name === q.name)).toBe(false); // pruned from the record
  });

  it('an unbound entity says so when used', async () => {
    const q = new Queue('orders');
    await expect(q.consume()).rejects.toThrow(UnboundEntityError);
    await expect(q.purge()).rejects.toThrow(/not bound to a channel; use entity\.attach\(channel\)/);
    await expect(new Exchange('x').publish('k', 'body')).rejects.toThrow(UnboundEntityError);
    const ch = await channel();
    await expect(new Queue('').attach(ch).send('x')).rejects.toThrow(/server-named queue before it is declared/);
  });

  it('verify: what exists, what is missing, what differs (where RabbitMQ can tell), and it creates nothing', async () => {
    const ch = await channel();
    const [present, absent] = names(2, 'vq', 'queue');
    const [px, ax] = names(2, 'vx', 'exchange');
    await ch.queueDeclare(present!, { durable: false });
    await ch.sendToQueue(present!, 'one');
    await ch.exchangeDeclare(px!, 'fanout', { durable: false });
    const report = await verify(ch.connection, [
      new Exchange(px!, { type: 'fanout', durable: false }),
      new Exchange(ax!, { type: 'fanout' }),
      new Queue(present!, { durable: false }),
      new Queue(absent!),
      new Binding({ source: px!, destination: present! }),
      new Binding({ source: ax!, destination: present! }),
    ]);
    expect(report.entries.map((e) => e.status)).toEqual(['ok', 'missing', 'ok', 'missing', 'unknown', 'missing']);
    expect(report.entries[2]).toMatchObject({ messageCount: 1, consumerCount: 0 });
    expect(report.ok).toBe(false);
    expect(report.missing.map((e) => e.describe())).toEqual([`exchange '${ax}'`, `queue '${absent}'`, expect.stringContaining(ax!)]);

    const differs = await verify(ch, [new Queue(present!, { durable: true }), new Exchange(px!, { type: 'topic', durable: false })]);
    expect(differs.entries.map((e) => e.status)).toEqual(['differs', 'differs']); // exchanges first, then queues
    expect(differs.entries[0]!.detail).toMatch(/inequivalent arg 'type'/);
    expect(differs.entries[1]!.detail).toMatch(/inequivalent arg 'durable'/);
    // Nothing was created, and the checks did not disturb the caller's channel.
    await expect(ch.checkQueue(absent!)).rejects.toBeInstanceOf(NotFoundError);
    await expect(ch.checkExchange(ax!)).rejects.toBeInstanceOf(NotFoundError);
    expect(ch.isOpen).toBe(true);
    expect((await verify(ch, new Queue(present!, { durable: false }))).ok).toBe(true);
  });
});

describe('Producer', () => {
  it('defaults for exchange, routing key, serializer and properties; per-message overrides; its own serializer registry', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const [x] = names(1, 'px', 'exchange');
    const [q1, q2] = names(2, 'pq', 'queue');
    const ex = new Exchange(x!, { type: 'direct', durable: false });
    await declare(ch, [new Queue(q1!, { exchange: ex, routingKey: 'a', durable: false }), new Queue(q2!, { exchange: ex, routingKey: 'b', durable: false })]);
    const upper: Serializer<string> = { contentType: 'text/x-upper', encode: (s) => new TextEncoder().encode(s.toUpperCase()), decode: (b) => new TextDecoder().decode(b).toLowerCase() };
    const producer = new Producer(ch, { exchange: ex, routingKey: 'a', properties: { persistent: true, headers: { app: 'test' } } });
    await producer.publish({ id: 1 });
    await producer.publish({ id: 2 }, { routingKey: 'b', headers: { extra: 1 }, priority: 3 });
    const own = new Producer(ch, { exchange: ex, routingKey: 'a', serializer: 'text/x-upper', serializers: ch.serializers.extend().register(upper) });
    await own.publish('shout');
    await producer.publish(new Uint8Array([1, 2, 3]).buffer, { routingKey: 'b', contentType: 'application/x-raw' }); // bytes stay bytes
    const [a1, a2] = await take(await ch.consume(q1!, { noAck: true }), 2);
    const [b1, b2] = await take(await ch.consume(q2!, { noAck: true }), 2);
    expect(b2!.body).toEqual(new Uint8Array([1, 2, 3]));
    expect(b2!.properties.contentType).toBe('application/x-raw');
    expect(a1!.payload).toEqual({ id: 1 });
    expect(a1!.properties).toMatchObject({ deliveryMode: 2, contentType: 'application/json', headers: { app: 'test' } });
    expect(b1!.payload).toEqual({ id: 2 });
    expect(b1!.properties).toMatchObject({ priority: 3, headers: { app: 'test', extra: 1 } });
    expect(a2!.text()).toBe('SHOUT');
    expect(a2!.properties.contentType).toBe('text/x-upper');
    expect(a2!.decode(ch.serializers.extend().register(upper))).toBe('shout');
  });
});

describe('one consumer over several queues', () => {
  it('an async iterator over three queues receives from all; cancelling one cancels all', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const qs = names(3, 'mq', 'queue');
    for (const q of qs) await ch.queueDeclare(q, { durable: false });
    for (const [i, q] of qs.entries()) for (let n = 0; n < 4; n++) await ch.sendToQueue(q, `${i}:${n}`);
    const multi = await consumeMany(ch, qs.map((q) => new Queue(q).attach(ch)), { prefetch: 20 });
    expect(multi).toBeInstanceOf(MultiConsumer);
    expect(multi.queues).toEqual(qs);
    const got: Message[] = [];
    for await (const m of multi) {
      got.push(m);
      m.ack();
      if (got.length === 12) break;
    }
    expect(got.map((m) => m.text()).sort()).toEqual(['0:0', '0:1', '0:2', '0:3', '1:0', '1:1', '1:2', '1:3', '2:0', '2:1', '2:2', '2:3']);
    expect(new Set(got.map((m) => m.routingKey))).toEqual(new Set(qs));
    expect(multi.isEnded).toBe(true); // leaving the loop cancelled every queue's consumer
    expect(multi.consumers.every((c) => c.isEnded)).toBe(true);

    // A callback over all three; cancelling one queue's consumer by tag ends them all.
    const seen: string[] = [];
    const cb = await consumeMany(ch, qs, (m) => {
      seen.push(m.routingKey);
      m.ack();
    });
    for (const q of qs) await ch.sendToQueue(q, 'x');
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(new Set(seen)).toEqual(new Set(qs));
    await ch.cancel(cb.consumers[1]!.consumerTag);
    expect(cb.consumers.every((c) => c.isEnded)).toBe(true);
    expect(cb.isEnded).toBe(true);
    expect(ch.consumers.size).toBe(0);
  });

  it('a queue deleted under it ends the whole consumer with ConsumerCancelledError', async () => {
    const ch = await channel();
    const qs = names(2, 'mqd', 'queue');
    for (const q of qs) await ch.queueDeclare(q, { durable: false });
    const multi = await consumeMany(ch, qs);
    const it = multi[Symbol.asyncIterator]();
    // Handled from the start: the broker's basic.cancel may arrive before our delete-ok.
    const waiting = expect(it.next()).rejects.toBeInstanceOf(ConsumerCancelledError);
    const other = await (await connection()).channel();
    await other.queueDelete(qs[0]!);
    await waiting;
    await new Promise((r) => setTimeout(r, 50));
    expect(multi.consumers[1]!.isEnded).toBe(true);
  });
});
