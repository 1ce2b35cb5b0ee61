/**
 * warren/testing's RabbitMQ semantics, checked through warren's client over the in-memory
 * transport (no socket): routing by exchange type, alternate exchanges and exchange-to-exchange
 * bindings, dead-lettering with x-death, TTL, max-length, priorities, requeue order, prefetch,
 * confirms and returns, direct reply-to, the refusals RabbitMQ sends, and inspection. Each
 * expectation is what RabbitMQ 3.10 does (the differential project runs warren's own
 * integration tests against both).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Channel, type Connection } from 'warren';
import { createTestBroker, type RunningTestBroker } from 'warren/testing';

let broker: RunningTestBroker;
const open: Connection[] = [];

async function connection(options: { recovery?: boolean } = {}): Promise<Connection> {
  const c = await connect(broker.url, { transport: broker.transport, ...options });
  open.push(c);
  return c;
}

async function channel(): Promise<Channel> {
  return (await connection()).channel();
}

/** Waits until `check` holds (polling the broker's state, never a fixed sleep). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 2000) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const texts = async (ch: Channel, queue: string): Promise<string[]> => {
  const out: string[] = [];
  for (let m = await ch.get(queue); m; m = await ch.get(queue)) {
    out.push(m.text());
    m.ack();
  }
  return out;
};

beforeAll(() => {
  broker = createTestBroker();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(async () => {
  await broker.close();
});

describe('routing', () => {
  it('topic with * and #, direct, fanout and headers (all/any)', async () => {
    const ch = await channel();
    await ch.exchangeDeclare('t.topic', 'topic');
    await ch.exchangeDeclare('t.headers', 'headers');
    const { queue: star } = await ch.queueDeclare('', { exclusive: true });
    const { queue: hash } = await ch.queueDeclare('', { exclusive: true });
    const { queue: all } = await ch.queueDeclare('', { exclusive: true });
    const { queue: any } = await ch.queueDeclare('', { exclusive: true });
    await ch.queueBind(star, 't.topic', 'a.*.c');
    await ch.queueBind(hash, 't.topic', 'a.#');
    await ch.queueBind(all, 't.headers', '', { arguments: { 'x-match': 'all', k: 'v', n: 1 } });
    await ch.queueBind(any, 't.headers', '', { arguments: { 'x-match': 'any', k: 'v', n: 1 } });
    await ch.confirmSelect();
    for (const key of ['a.b.c', 'a', 'a.b.b.c', 'b.a']) await ch.publish('t.topic', key, key);
    await ch.publish('t.headers', '', 'both', { headers: { k: 'v', n: 1 } });
    await ch.publish('t.headers', '', 'one', { headers: { k: 'v' } });
    expect(await texts(ch, star)).toEqual(['a.b.c']);
    expect(await texts(ch, hash)).toEqual(['a.b.c', 'a', 'a.b.b.c']);
    expect(await texts(ch, all)).toEqual(['both']);
    expect(await texts(ch, any)).toEqual(['both', 'one']);
  });

  it('exchange-to-exchange bindings and an alternate exchange for what matches nothing', async () => {
    const ch = await channel();
    await ch.exchangeDeclare('t.ae', 'fanout');
    await ch.exchangeDeclare('t.main', 'direct', { alternateExchange: 't.ae' });
    await ch.exchangeDeclare('t.down', 'fanout');
    await ch.exchangeBind('t.down', 't.main', 'k');
    const { queue: down } = await ch.queueDeclare('', { exclusive: true });
    const { queue: other } = await ch.queueDeclare('', { exclusive: true });
    await ch.queueBind(down, 't.down');
    await ch.queueBind(other, 't.ae');
    await ch.confirmSelect();
    await ch.publish('t.main', 'k', 'via e2e');
    await ch.publish('t.main', 'nope', 'via ae');
    expect(await texts(ch, down)).toEqual(['via e2e']);
    expect(await texts(ch, other)).toEqual(['via ae']);
  });

  it('mandatory and unroutable: basic.return, then the confirm (UnroutableError)', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const e = await ch.publish('amq.direct', 'nobody', 'x', { mandatory: true }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'UnroutableError', replyCode: 312 });
  });
});

describe('queues', () => {
  it('reject without requeue dead-letters with x-death as RabbitMQ writes it', async () => {
    const ch = await channel();
    const { queue: dlq } = await ch.queueDeclare('', { exclusive: true });
    const { queue: q } = await ch.queueDeclare('', { exclusive: true, deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'bad', { expiration: '60000' });
    const m = (await ch.get(q))!;
    m.reject({ requeue: false });
    await until(() => broker.queues().find((x) => x.name === dlq)!.messages === 1);
    const dead = (await ch.get(dlq))!;
    expect(dead.properties.expiration).toBeUndefined();
    const headers = dead.properties.headers!;
    expect(headers['x-first-death-reason']).toBe('rejected');
    expect(headers['x-first-death-queue']).toBe(q);
    const [death] = headers['x-death'] as Array<Record<string, unknown>>;
    expect(death).toMatchObject({ count: 1, reason: 'rejected', queue: q, exchange: '', 'routing-keys': [q], 'original-expiration': '60000' });
    expect(death!.time).toBeInstanceOf(Date);
    expect(dead.routingKey).toBe(dlq);
  });

  it('a queue TTL expires messages into the dead-letter queue with nobody consuming', async () => {
    const ch = await channel();
    const { queue: dlq } = await ch.queueDeclare('', { exclusive: true });
    const { queue: q } = await ch.queueDeclare('', { exclusive: true, messageTtl: 20, deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'late');
    await until(() => broker.queues().find((x) => x.name === dlq)!.messages === 1);
    expect(broker.queues().find((x) => x.name === q)!.messages).toBe(0);
    expect(((await ch.get(dlq))!.properties.headers!['x-death'] as Array<{ reason: string }>)[0]!.reason).toBe('expired');
  });

  it('max-length drop-head dead-letters the oldest; reject-publish nacks the publish', async () => {
    const ch = await channel();
    const { queue: dlq } = await ch.queueDeclare('', { exclusive: true });
    const { queue: head } = await ch.queueDeclare('', { exclusive: true, maxLength: 2, deadLetterExchange: '', deadLetterRoutingKey: dlq });
    const { queue: strict } = await ch.queueDeclare('', { exclusive: true, maxLength: 1, overflow: 'reject-publish' });
    await ch.confirmSelect();
    for (const t of ['1', '2', '3']) await ch.sendToQueue(head, t);
    expect(broker.messages(head).map((m) => m.text)).toEqual(['2', '3']);
    expect(broker.messages(dlq).map((m) => m.text)).toEqual(['1']);
    await ch.sendToQueue(strict, 'in');
    await expect(ch.sendToQueue(strict, 'out')).rejects.toMatchObject({ name: 'NackError' });
  });

  it('priorities: higher first, then publish order', async () => {
    const ch = await channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true, maxPriority: 5 });
    await ch.confirmSelect();
    for (const [t, p] of [['a', 1], ['b', 5], ['c', 1], ['d', 9]] as const) await ch.sendToQueue(queue, t, { priority: p });
    expect(await texts(ch, queue)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('requeued messages go back to their place, marked redelivered', async () => {
    const ch = await channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.confirmSelect();
    for (const t of ['1', '2', '3', '4']) await ch.sendToQueue(queue, t);
    const got = [(await ch.get(queue))!, (await ch.get(queue))!, (await ch.get(queue))!];
    got[2]!.nack({ requeue: true });
    got[0]!.nack({ requeue: true });
    await until(() => broker.queues().find((x) => x.name === queue)!.messagesReady === 3);
    expect(broker.messages(queue).map((m) => [m.text, m.redelivered])).toEqual([['1', true], ['3', true], ['4', false]]);
    got[1]!.ack();
  });

  it('refusals: 404 passive declare, 406 inequivalent redeclare, 405 another connection’s exclusive queue', async () => {
    const ch = await channel();
    await expect(ch.checkQueue('t.missing')).rejects.toMatchObject({ replyCode: 404, replyText: "NOT_FOUND - no queue 't.missing' in vhost '/'" });
    const ch2 = await channel();
    await ch2.queueDeclare('t.durable', { durable: true });
    await expect(ch2.queueDeclare('t.durable', { durable: false })).rejects.toMatchObject({ replyCode: 406 });
    const ch3 = await channel();
    const { queue } = await ch3.queueDeclare('', { exclusive: true });
    const other = await channel();
    await expect(other.checkQueue(queue)).rejects.toMatchObject({ replyCode: 405 });
    await ch3.queueDelete('t.durable');
  });
});

describe('consumers', () => {
  it('prefetch holds deliveries until acks free room', async () => {
    const ch = await channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.confirmSelect();
    for (let i = 0; i < 5; i++) await ch.sendToQueue(queue, String(i));
    const consumer = await ch.consume(queue, { prefetch: 2 });
    const first = [(await consumer.receive())!, (await consumer.receive())!];
    await until(() => broker.queues().find((x) => x.name === queue)!.messagesUnacknowledged === 2);
    expect(broker.queues().find((x) => x.name === queue)!.messagesReady).toBe(3);
    first[0]!.ack();
    expect((await consumer.receive())!.text()).toBe('2');
    await consumer.cancel();
  });

  it('a deleted queue cancels its consumers (consumer cancel notification)', async () => {
    const ch = await channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    const consumer = await ch.consume(queue);
    const deleter = await ch.connection.channel();
    await deleter.queueDelete(queue);
    await expect(consumer.receive()).rejects.toMatchObject({ name: 'ConsumerCancelledError' });
  });

  it('direct reply-to: an RPC round trip without a reply queue', async () => {
    const server = await channel();
    const { queue } = await server.queueDeclare('', { exclusive: true });
    const client = await channel();
    const replies = await client.consume('amq.rabbitmq.reply-to', { noAck: true });
    await client.sendToQueue(queue, 'ping', { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c1' });
    await until(() => broker.messages(queue).length === 1);
    const request = (await server.get(queue, { noAck: true }))!;
    // The broker rewrites the pseudo-queue into a routable address of the client's channel.
    expect(request.properties.replyTo).toMatch(/^amq\.rabbitmq\.reply-to\.[A-Za-z0-9_-]{22}$/);
    await server.sendToQueue(request.properties.replyTo!, `re: ${request.text()}`, { correlationId: request.properties.correlationId });
    const answer = (await replies.receive())!;
    expect(answer.text()).toBe('re: ping');
    expect(answer.properties.correlationId).toBe('c1');
  });
});

describe('faults and inspection', () => {
  it('closeConnections: the client hears 320 CONNECTION_FORCED', async () => {
    const c = await connection({ recovery: false });
    const closed = new Promise<unknown>((resolve) => c.once('close', resolve));
    expect(broker.broker.closeConnections(undefined, 'test says so')).toBeGreaterThan(0);
    expect(await closed).toMatchObject({ replyCode: 320, replyText: 'CONNECTION_FORCED - test says so' });
  });

  it('setConfirms({ nack: true }) nacks publishes', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    broker.broker.setConfirms({ nack: true });
    try {
      await expect(ch.sendToQueue('amq.nothing', 'x')).rejects.toMatchObject({ name: 'NackError' });
    } finally {
      broker.broker.setConfirms({});
    }
  });

  it('block(): connection.blocked reaches the client, publishes wait for unblock()', async () => {
    const c = await connection();
    const ch = await c.channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    const blocked = new Promise<string>((resolve) => c.once('blocked', resolve));
    broker.broker.block('low on memory');
    expect(await blocked).toBe('low on memory');
    await ch.confirmSelect();
    let done = false;
    const sent = ch.sendToQueue(queue, 'held').then(() => {
      done = true;
    });
    // A round trip on another connection: the broker has had time to route the publish, had it come.
    await (await channel()).checkQueue(queue).catch(() => undefined);
    expect(done).toBe(false);
    expect(broker.queues().find((x) => x.name === queue)!.messages).toBe(0);
    broker.broker.unblock();
    await sent;
    expect(broker.messages(queue).map((m) => m.text)).toEqual(['held']);
  });

  it('inspection lists queues, bindings, consumers and connections', async () => {
    const ch = await channel();
    await ch.exchangeDeclare('t.inspect', 'direct');
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.queueBind(queue, 't.inspect', 'rk');
    await ch.consume(queue, { consumerTag: 'inspector', prefetch: 3 });
    expect(broker.bindings().filter((b) => b.destination === queue).map((b) => [b.source, b.routingKey])).toEqual([['', queue], ['t.inspect', 'rk']]);
    expect(broker.consumers().find((x) => x.consumerTag === 'inspector')).toMatchObject({ queue, ackRequired: true, prefetchCount: 3 });
    expect(broker.queues().find((x) => x.name === queue)).toMatchObject({ exclusive: true, consumers: 1 });
    expect(broker.connections().length).toBeGreaterThan(0);
  });
});

describe('the differences docs/testing.md lists', () => {
  it('announces RabbitMQ and the emulated version, with platform warren/testing', async () => {
    const c = await connection();
    expect(c.serverProperties).toMatchObject({ product: 'RabbitMQ', version: '3.10.0', platform: 'warren/testing' });
  });

  it('refuses streams with 406; accepts and ignores unknown queue arguments', async () => {
    const ch = await channel();
    await expect(ch.queueDeclare('t.stream', { durable: true, arguments: { 'x-queue-type': 'stream' } })).rejects.toMatchObject({ replyCode: 406 });
    const ch2 = await channel();
    const q = await ch2.queueDeclare('', { exclusive: true, arguments: { 'x-single-active-consumer': true, 'x-queue-mode': 'lazy' } });
    expect(q.queue).toMatch(/^amq\.gen-/);
  });

  it('quorum queues: x-delivery-count on redelivery, x-delivery-limit dead-letters with delivery_limit', async () => {
    const ch = await channel();
    const dlq = 't.qq.dead';
    await ch.queueDeclare(dlq, { durable: true });
    await ch.queueDeclare('t.qq', { durable: true, queueType: 'quorum', deliveryLimit: 1, deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.confirmSelect();
    await ch.sendToQueue('t.qq', 'job');
    (await ch.get('t.qq'))!.nack({ requeue: true });
    const again = (await ch.get('t.qq'))!;
    expect(again.properties.headers?.['x-delivery-count']).toBe(1);
    again.nack({ requeue: true });
    await until(() => broker.messages(dlq).length === 1);
    expect((broker.messages(dlq)[0]!.properties.headers!['x-death'] as Array<{ reason: string }>)[0]!.reason).toBe('delivery_limit');
    await ch.queueDelete('t.qq');
    await ch.queueDelete(dlq);
  });

  it('permissions are per vhost: a user without any is refused the vhost (530)', async () => {
    broker.broker.addUser('t-nobody', 'pw');
    const url = broker.url.replace('guest:guest', 't-nobody:pw');
    await expect(connect(url, { transport: broker.transport, recovery: false })).rejects.toMatchObject({ replyCode: 530 });
    broker.broker.setPermissions('t-nobody', '/');
    const c = await connect(url, { transport: broker.transport });
    open.push(c);
    expect(broker.connections().find((x) => x.user === 't-nobody')).toMatchObject({ vhost: '/' });
  });

  it('publisher confirms go out one per publish, never multiple', async () => {
    const ch = await channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.confirmSelect();
    await Promise.all(Array.from({ length: 50 }, (_, i) => ch.sendToQueue(queue, String(i))));
    expect(broker.queues().find((q) => q.name === queue)!.messages).toBe(50);
  });
});
