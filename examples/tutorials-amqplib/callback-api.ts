/**
 * RabbitMQ's six tutorials as written for amqplib's callback API
 * (`require('amqplib/callback_api')`), on warren/amqplib/callback_api: amqplib's calls, only the
 * import differs. As in channel-api.ts, each tutorial's programs are the halves of one function
 * (test/integration/amqplib/tutorials.test.ts runs them), with suffixed names.
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/tutorials-amqplib/callback-api.ts
 */
import amqp from 'warren/amqplib/callback_api'; // was: import amqp from 'amqplib/callback_api';
import type { CallbackChannel, CallbackModel } from 'warren/amqplib/callback_api';

type Done<T> = (err: Error | null, result?: T) => void;

/** Opens a connection and a channel, node style. */
function open(url: string, cb: (connection: CallbackModel, channel: CallbackChannel) => void, fail: (e: Error) => void): void {
  amqp.connect(url, (error0, connection) => {
    if (error0) return fail(error0);
    connection!.createChannel((error1, channel) => {
      if (error1) return fail(error1);
      cb(connection!, channel!);
    });
  });
}

function closeAll(connections: CallbackModel[], done: () => void): void {
  let left = connections.length;
  for (const c of connections) c.close(() => --left === 0 && done());
}

/** 1. "Hello World!" */
export function helloWorld(url: string, suffix: string, done: Done<string[]>): void {
  const queue = `hello-cb-${suffix}`;
  open(url, (receiver, rch) => {
    rch.assertQueue(queue, { durable: false }, (err) => {
      if (err) return done(err);
      rch.consume(queue, (msg) => {
        if (!msg) return;
        const text = msg.content.toString();
        rch.deleteQueue(queue, {}, () => closeAll([receiver, sender], () => done(null, [text])));
      }, { noAck: true });
      let sender: CallbackModel;
      open(url, (connection, channel) => {
        sender = connection;
        channel.assertQueue(queue, { durable: false });
        channel.sendToQueue(queue, Buffer.from('Hello World!'));
      }, done);
    });
  }, done);
}

/** 2. Work queues (one worker here, prefetch 1, manual acks, persistent tasks). */
export function workQueues(url: string, suffix: string, done: Done<string[]>): void {
  const queue = `task_queue-cb-${suffix}`;
  const tasks = ['First.', 'Second..', 'Third...'];
  const seen: string[] = [];
  open(url, (worker, wch) => {
    wch.assertQueue(queue, { durable: true });
    wch.prefetch(1);
    wch.consume(queue, (msg) => {
      if (!msg) return;
      setTimeout(() => {
        seen.push(msg.content.toString());
        wch.ack(msg);
        if (seen.length === tasks.length) wch.deleteQueue(queue, {}, () => closeAll([worker, sender], () => done(null, seen)));
      }, (msg.content.toString().split('.').length - 1) * 10);
    }, { noAck: false }, (err) => {
      if (err) return done(err);
      open(url, (connection, channel) => {
        sender = connection;
        channel.assertQueue(queue, { durable: true });
        for (const task of tasks) channel.sendToQueue(queue, Buffer.from(task), { persistent: true });
      }, done);
    });
    let sender: CallbackModel;
  }, done);
}

/** Subscribes an exclusive queue to `exchange` with `keys`, collecting `${tag}:${routingKey}:${body}`. */
function subscribe(url: string, exchange: string, type: string, keys: string[], tag: string, seen: string[], ready: (c: CallbackModel) => void, fail: (e: Error) => void): void {
  open(url, (connection, channel) => {
    channel.assertExchange(exchange, type, { durable: false });
    channel.assertQueue('', { exclusive: true }, (error2, q) => {
      if (error2) return fail(error2);
      const { queue } = q as { queue: string };
      for (const key of keys) channel.bindQueue(queue, exchange, key);
      channel.consume(queue, (msg) => msg && seen.push(`${tag}:${msg.fields.routingKey}:${msg.content.toString()}`), { noAck: true }, () => ready(connection));
    });
  }, fail);
}

/** Runs the subscribers, then publishes `messages`, and calls back with what arrived once `expect` did. */
function fanIn(url: string, exchange: string, type: string, subs: string[][], messages: [string, string][], expect: number, done: Done<string[]>): void {
  const seen: string[] = [];
  const connections: CallbackModel[] = [];
  const next = (i: number): void => {
    if (i < subs.length) return subscribe(url, exchange, type, subs[i]!, String(i), seen, (c) => (connections.push(c), next(i + 1)), done);
    open(url, (connection, channel) => {
      connections.push(connection);
      channel.assertExchange(exchange, type, { durable: false });
      for (const [key, body] of messages) channel.publish(exchange, key, Buffer.from(body));
      const wait = (): unknown => (seen.length < expect ? setTimeout(wait, 5) : channel.deleteExchange(exchange, {}, () => closeAll(connections, () => done(null, seen.sort()))));
      wait();
    }, done);
  };
  next(0);
}

/** 3. Publish/subscribe: fanout. */
export function publishSubscribe(url: string, suffix: string, done: Done<string[]>): void {
  fanIn(url, `logs-cb-${suffix}`, 'fanout', [[''], ['']], [['', 'info: Hello World!']], 2, done);
}

/** 4. Routing: direct. */
export function routing(url: string, suffix: string, done: Done<string[]>): void {
  fanIn(url, `direct_logs-cb-${suffix}`, 'direct', [['error'], ['info', 'warning', 'error']], [['error', 'boom'], ['info', 'hi']], 3, done);
}

/** 5. Topics. */
export function topics(url: string, suffix: string, done: Done<string[]>): void {
  fanIn(url, `topic_logs-cb-${suffix}`, 'topic', [['*.critical'], ['kern.*', '#.info']], [['kern.critical', 'a'], ['anonymous.info', 'b'], ['app.debug', 'c']], 3, done);
}

function fibonacci(n: number): number {
  return n === 0 || n === 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

/** 6. RPC. */
export function rpc(url: string, suffix: string, done: Done<number>): void {
  const queue = `rpc_queue-cb-${suffix}`;
  open(url, (server, sch) => {
    sch.assertQueue(queue, { durable: false });
    sch.prefetch(1);
    sch.consume(queue, (msg) => {
      if (!msg) return;
      const n = parseInt(msg.content.toString(), 10);
      sch.sendToQueue(msg.properties.replyTo, Buffer.from(fibonacci(n).toString()), { correlationId: msg.properties.correlationId });
      sch.ack(msg);
    }, {}, () => {
      open(url, (client, channel) => {
        channel.assertQueue('', { exclusive: true }, (error2, q) => {
          if (error2) return done(error2);
          const { queue: replyTo } = q as { queue: string };
          const correlationId = Math.random().toString();
          channel.consume(replyTo, (msg) => {
            if (msg && msg.properties.correlationId === correlationId) {
              const result = parseInt(msg.content.toString(), 10);
              sch.deleteQueue(queue, {}, () => closeAll([server, client], () => done(null, result)));
            }
          }, { noAck: true });
          channel.sendToQueue(queue, Buffer.from('30'), { correlationId, replyTo });
        });
      }, done);
    });
  }, done);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const url = process.env.AMQP_URL ?? 'amqp://localhost';
  const all = { helloWorld, workQueues, publishSubscribe, routing, topics, rpc } as Record<string, (u: string, s: string, d: Done<unknown>) => void>;
  const names = Object.keys(all);
  const run = (i: number): void => {
    if (i === names.length) return;
    all[names[i]!]!(url, String(process.pid), (err, r) => {
      if (err) throw err;
      console.log(names[i], r);
      run(i + 1);
    });
  };
  run(0);
}
