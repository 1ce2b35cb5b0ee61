/**
 * RabbitMQ's six tutorials, as amqplib's own tutorial programs do them (hello world, work
 * queues, publish/subscribe, routing, topics, RPC), with amqplib as the client over TCP against
 * warren/testing: the same declarations, publishes and consumes, and assertions on what each
 * receiver got. amqplib is a devDependency; nothing of warren's client is involved.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type RunningTestBroker } from 'warren/testing';

let broker: RunningTestBroker;
const models: ChannelModel[] = [];

async function channel(): Promise<Channel> {
  const model = await amqp.connect(broker.url);
  models.push(model);
  return model.createChannel();
}

/** Collects `n` messages from a consumer callback. */
function collect(n: number): { onMessage: (m: ConsumeMessage | null) => void; done: Promise<ConsumeMessage[]> } {
  const got: ConsumeMessage[] = [];
  let resolve!: (v: ConsumeMessage[]) => void;
  const done = new Promise<ConsumeMessage[]>((r) => (resolve = r));
  return {
    onMessage: (m) => {
      if (!m) return;
      got.push(m);
      if (got.length === n) resolve(got);
    },
    done,
  };
}

const text = (m: ConsumeMessage): string => m.content.toString();

beforeAll(async () => {
  broker = await startTestBroker();
});
afterEach(async () => {
  await Promise.all(models.splice(0).map((m) => m.close().catch(() => undefined)));
});
afterAll(async () => {
  await broker.close();
});

describe("RabbitMQ's tutorials with amqplib over TCP", () => {
  it('1 hello world: send to a queue, receive with no-ack', async () => {
    const sender = await channel();
    await sender.assertQueue('hello', { durable: false });
    sender.sendToQueue('hello', Buffer.from('Hello World!'));
    const receiver = await channel();
    await receiver.assertQueue('hello', { durable: false });
    const c = collect(1);
    await receiver.consume('hello', c.onMessage, { noAck: true });
    expect((await c.done).map(text)).toEqual(['Hello World!']);
  });

  it('2 work queues: durable queue, persistent tasks, prefetch 1, fair dispatch with acks', async () => {
    const producer = await channel();
    await producer.assertQueue('task_queue', { durable: true });
    const tasks = ['First message.', 'Second message..', 'Third message...', 'Fourth message....', 'Fifth message.....', 'Sixth.'];
    const seen: Array<[string, string]> = [];
    const all = collect(tasks.length);
    for (const name of ['w1', 'w2']) {
      const ch = await channel();
      await ch.assertQueue('task_queue', { durable: true });
      await ch.prefetch(1);
      await ch.consume('task_queue', (m) => {
        if (!m) return;
        // "work" for as many ticks as the task has dots, then ack (the tutorial's setTimeout).
        setTimeout(() => {
          seen.push([name, text(m)]);
          ch.ack(m);
          all.onMessage(m);
        }, text(m).split('.').length - 1);
      }, { noAck: false });
    }
    for (const t of tasks) producer.sendToQueue('task_queue', Buffer.from(t), { persistent: true });
    const done = await all.done;
    expect(done.map(text).sort()).toEqual([...tasks].sort());
    expect(done.every((m) => m.properties.deliveryMode === 2)).toBe(true);
    expect(new Set(seen.map(([w]) => w))).toEqual(new Set(['w1', 'w2']));
    // The last ack is on its way: wait for the broker to have it, then check the queue is empty.
    for (let i = 0; broker.queues().find((q) => q.name === 'task_queue')!.messages > 0; i++) {
      if (i > 1000) throw new Error('the acks never reached the broker');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(broker.queues().find((q) => q.name === 'task_queue')).toMatchObject({ messages: 0, durable: true });
  });

  it('3 publish/subscribe: a fanout exchange reaches every bound server-named queue', async () => {
    const receivers = await Promise.all([channel(), channel()]);
    const collected = [];
    for (const ch of receivers) {
      await ch.assertExchange('logs', 'fanout', { durable: false });
      const q = await ch.assertQueue('', { exclusive: true });
      expect(q.queue).toMatch(/^amq\.gen-/);
      await ch.bindQueue(q.queue, 'logs', '');
      const c = collect(1);
      await ch.consume(q.queue, c.onMessage, { noAck: true });
      collected.push(c.done);
    }
    const emitter = await channel();
    await emitter.assertExchange('logs', 'fanout', { durable: false });
    emitter.publish('logs', '', Buffer.from('info: Hello World!'));
    for (const got of await Promise.all(collected)) expect(got.map(text)).toEqual(['info: Hello World!']);
  });

  it('4 routing: a direct exchange delivers by severity', async () => {
    const errors = await channel();
    const all = await channel();
    await errors.assertExchange('direct_logs', 'direct', { durable: false });
    const qe = await errors.assertQueue('', { exclusive: true });
    await errors.bindQueue(qe.queue, 'direct_logs', 'error');
    const qa = await all.assertQueue('', { exclusive: true });
    for (const s of ['info', 'warning', 'error']) await all.bindQueue(qa.queue, 'direct_logs', s);
    const ce = collect(1);
    const ca = collect(3);
    await errors.consume(qe.queue, ce.onMessage, { noAck: true });
    await all.consume(qa.queue, ca.onMessage, { noAck: true });
    const emitter = await channel();
    for (const s of ['info', 'warning', 'error', 'debug']) emitter.publish('direct_logs', s, Buffer.from(`${s} message`));
    expect((await ce.done).map((m) => [m.fields.routingKey, text(m)])).toEqual([['error', 'error message']]);
    expect((await ca.done).map((m) => m.fields.routingKey)).toEqual(['info', 'warning', 'error']);
  });

  it('5 topics: a topic exchange with # and * bindings', async () => {
    const ch = await channel();
    await ch.assertExchange('topic_logs', 'topic', { durable: false });
    const bindings: Record<string, string[]> = { all: ['#'], kern: ['kern.*'], critical: ['*.critical'], both: ['kern.*', '*.critical'] };
    const queues: Record<string, string> = {};
    for (const [name, keys] of Object.entries(bindings)) {
      const q = await ch.assertQueue('', { exclusive: true });
      for (const k of keys) await ch.bindQueue(q.queue, 'topic_logs', k);
      queues[name] = q.queue;
    }
    const emitter = await channel();
    const keys = ['kern.critical', 'anonymous.info', 'kern.info', 'cron.critical', 'kern.disk.critical'];
    for (const k of keys) emitter.publish('topic_logs', k, Buffer.from(`msg ${k}`));
    const drain = async (q: string): Promise<string[]> => {
      const out: string[] = [];
      for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) out.push(m.fields.routingKey);
      return out;
    };
    // Wait until the last publish has been routed: a round trip on the emitter's connection.
    await emitter.checkExchange('topic_logs');
    expect(await drain(queues.all!)).toEqual(keys);
    expect(await drain(queues.kern!)).toEqual(['kern.critical', 'kern.info']);
    expect(await drain(queues.critical!)).toEqual(['kern.critical', 'cron.critical']);
    expect(await drain(queues.both!)).toEqual(['kern.critical', 'kern.info', 'cron.critical']);
  });

  it('6 RPC: a callback queue and correlation ids, the server with prefetch 1', async () => {
    const server = await channel();
    await server.assertQueue('rpc_queue', { durable: false });
    await server.prefetch(1);
    const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    await server.consume('rpc_queue', (m) => {
      if (!m) return;
      const n = Number(text(m));
      server.sendToQueue(m.properties.replyTo, Buffer.from(String(fib(n))), { correlationId: m.properties.correlationId });
      server.ack(m);
    });
    const client = await channel();
    const callback = await client.assertQueue('', { exclusive: true });
    const pending = new Map<string, (v: string) => void>();
    await client.consume(callback.queue, (m) => {
      if (m) pending.get(m.properties.correlationId)?.(text(m));
    }, { noAck: true });
    const call = (n: number): Promise<string> =>
      new Promise((resolve) => {
        const id = `corr-${n}`;
        pending.set(id, resolve);
        client.sendToQueue('rpc_queue', Buffer.from(String(n)), { correlationId: id, replyTo: callback.queue });
      });
    expect(await Promise.all([call(10), call(20), call(1)])).toEqual(['55', '6765', '1']);
  });

  it('RPC over direct reply-to with amqplib', async () => {
    const server = await channel();
    const { queue } = await server.assertQueue('', { exclusive: true });
    await server.consume(queue, (m) => {
      if (m) server.sendToQueue(m.properties.replyTo, Buffer.from(`pong ${text(m)}`), { correlationId: m.properties.correlationId });
    }, { noAck: true });
    const client = await channel();
    const c = collect(1);
    await client.consume('amq.rabbitmq.reply-to', c.onMessage, { noAck: true });
    client.sendToQueue(queue, Buffer.from('1'), { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'x' });
    const [reply] = await c.done;
    expect([text(reply!), reply!.properties.correlationId]).toEqual(['pong 1', 'x']);
  });
});
