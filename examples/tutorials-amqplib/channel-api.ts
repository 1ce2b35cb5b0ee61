/**
 * RabbitMQ's six tutorials as written for amqplib's channel (promise) API
 * (https://www.rabbitmq.com/tutorials, the JavaScript versions), on warren/amqplib: the calls are
 * amqplib's, only the import differs. Each tutorial's sending and receiving programs are the two
 * halves of one function here, so that the suite can run both in one process and check what
 * arrived (test/integration/amqplib/tutorials.test.ts); queue and exchange names get a suffix so
 * that runs do not meet.
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/tutorials-amqplib/channel-api.ts
 */
import amqp from 'warren/amqplib'; // was: import amqp from 'amqplib';

type Model = Awaited<ReturnType<typeof amqp.connect>>;

/** Resolves once `n` messages went through `collect`. */
function counter(n: number): { seen: string[]; done: Promise<void>; add(s: string): void } {
  const seen: string[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { seen, done, add: (s) => (seen.push(s), seen.length === n && resolve()) };
}

/** 1. "Hello World!": one producer, one consumer, a queue. */
export async function helloWorld(url: string, suffix: string): Promise<string[]> {
  const queue = `hello-${suffix}`;
  const got = counter(1);
  const receiver = await amqp.connect(url);
  const rch = await receiver.createChannel();
  await rch.assertQueue(queue, { durable: false });
  await rch.consume(queue, (msg) => msg && got.add(msg.content.toString()), { noAck: true });

  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: false });
  channel.sendToQueue(queue, Buffer.from('Hello World!'));
  await got.done;
  await rch.deleteQueue(queue);
  await Promise.all([connection.close(), receiver.close()]);
  return got.seen;
}

/** 2. Work queues: persistent tasks, two workers with prefetch 1 and manual acks. */
export async function workQueues(url: string, suffix: string): Promise<string[]> {
  const queue = `task_queue-${suffix}`;
  const tasks = ['First.', 'Second..', 'Third...', 'Fourth....'];
  const got = counter(tasks.length);
  const workers: Model[] = [];
  for (let w = 0; w < 2; w++) {
    const connection = await amqp.connect(url);
    workers.push(connection);
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.prefetch(1);
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      const secs = msg.content.toString().split('.').length - 1;
      setTimeout(() => {
        got.add(msg.content.toString());
        channel.ack(msg);
      }, secs * 10);
    }, { noAck: false });
  }
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true });
  for (const task of tasks) channel.sendToQueue(queue, Buffer.from(task), { persistent: true });
  await got.done;
  await channel.deleteQueue(queue);
  await Promise.all([connection.close(), ...workers.map((w) => w.close())]);
  return got.seen.sort();
}

/** 3. Publish/subscribe: a fanout exchange, each subscriber with its own exclusive queue. */
export async function publishSubscribe(url: string, suffix: string): Promise<string[]> {
  const exchange = `logs-${suffix}`;
  const got = counter(2);
  const subscribers: Model[] = [];
  for (let s = 0; s < 2; s++) {
    const connection = await amqp.connect(url);
    subscribers.push(connection);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'fanout', { durable: false });
    const q = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(q.queue, exchange, '');
    await channel.consume(q.queue, (msg) => msg && got.add(`${s}:${msg.content.toString()}`), { noAck: true });
  }
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'fanout', { durable: false });
  channel.publish(exchange, '', Buffer.from('info: Hello World!'));
  await got.done;
  await channel.deleteExchange(exchange);
  await Promise.all([connection.close(), ...subscribers.map((c) => c.close())]);
  return got.seen.sort();
}

/** 4. Routing: a direct exchange, a subscriber per severity set. */
export async function routing(url: string, suffix: string): Promise<string[]> {
  const exchange = `direct_logs-${suffix}`;
  const got = counter(3);
  const subscribers: Model[] = [];
  for (const severities of [['error'], ['info', 'warning', 'error']]) {
    const connection = await amqp.connect(url);
    subscribers.push(connection);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'direct', { durable: false });
    const q = await channel.assertQueue('', { exclusive: true });
    for (const severity of severities) await channel.bindQueue(q.queue, exchange, severity);
    await channel.consume(q.queue, (msg) => msg && got.add(`${severities.length}:${msg.fields.routingKey}:${msg.content.toString()}`), { noAck: true });
  }
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'direct', { durable: false });
  channel.publish(exchange, 'error', Buffer.from('Run. Run. Or it will explode.'));
  channel.publish(exchange, 'info', Buffer.from('Hello World!'));
  await got.done;
  await channel.deleteExchange(exchange);
  await Promise.all([connection.close(), ...subscribers.map((c) => c.close())]);
  return got.seen.sort();
}

/** 5. Topics: a topic exchange with `*` and `#` patterns. */
export async function topics(url: string, suffix: string): Promise<string[]> {
  const exchange = `topic_logs-${suffix}`;
  const got = counter(3);
  const subscribers: Model[] = [];
  for (const keys of [['*.critical'], ['kern.*', '#.info']]) {
    const connection = await amqp.connect(url);
    subscribers.push(connection);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const q = await channel.assertQueue('', { exclusive: true });
    for (const key of keys) await channel.bindQueue(q.queue, exchange, key);
    await channel.consume(q.queue, (msg) => msg && got.add(`${keys[0]}:${msg.fields.routingKey}`), { noAck: true });
  }
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: false });
  for (const key of ['kern.critical', 'anonymous.info', 'app.debug']) channel.publish(exchange, key, Buffer.from(`A ${key} message`));
  await got.done;
  await channel.deleteExchange(exchange);
  await Promise.all([connection.close(), ...subscribers.map((c) => c.close())]);
  return got.seen.sort();
}

function fibonacci(n: number): number {
  return n === 0 || n === 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

/** 6. RPC: a server on rpc_queue, a client with an exclusive callback queue and correlation ids. */
export async function rpc(url: string, suffix: string): Promise<number> {
  const queue = `rpc_queue-${suffix}`;
  const server = await amqp.connect(url);
  const sch = await server.createChannel();
  await sch.assertQueue(queue, { durable: false });
  await sch.prefetch(1);
  await sch.consume(queue, (msg) => {
    if (!msg) return;
    const n = parseInt(msg.content.toString(), 10);
    sch.sendToQueue(msg.properties.replyTo, Buffer.from(fibonacci(n).toString()), { correlationId: msg.properties.correlationId });
    sch.ack(msg);
  });

  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  const q = await channel.assertQueue('', { exclusive: true });
  const correlationId = Math.random().toString();
  const answer = new Promise<number>((resolve) => {
    void channel.consume(q.queue, (msg) => {
      if (msg && msg.properties.correlationId === correlationId) resolve(parseInt(msg.content.toString(), 10));
    }, { noAck: true });
  });
  channel.sendToQueue(queue, Buffer.from('30'), { correlationId, replyTo: q.queue });
  const result = await answer;
  await sch.deleteQueue(queue);
  await Promise.all([connection.close(), server.close()]);
  return result;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const url = process.env.AMQP_URL ?? 'amqp://localhost';
  const s = String(process.pid);
  for (const [name, f] of Object.entries({ helloWorld, workQueues, publishSubscribe, routing, topics, rpc })) console.log(name, await f(url, s));
}
