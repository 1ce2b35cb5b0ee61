#!/usr/bin/env node
// The README's demo: `npm run demo` builds warren, starts a throwaway RabbitMQ (unless
// AMQP_URL is set), then this script declares a queue, publishes 10,000 messages with
// publisher confirms, consumes them with manual acks, and prints the throughput.
import { connect } from '../dist/index.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672/';
const N = Number(process.env.DEMO_MESSAGES ?? 10_000);

const connection = await connect(url, { connectionName: 'warren demo' });
try {
  const channel = await connection.channel();
  const { queue } = await channel.queueDeclare('', { exclusive: true });
  console.log(`connected to ${connection.serverProperties.product} ${connection.serverProperties.version}; queue ${queue}`);

  await channel.confirmSelect({ maxUnconfirmed: 1000 });
  let t0 = performance.now();
  const confirms = [];
  for (let i = 0; i < N; i++) confirms.push(channel.publish('', queue, { n: i, at: Date.now() }));
  await Promise.all(confirms);
  const publishMs = performance.now() - t0;
  console.log(`published ${N} messages, all confirmed, in ${publishMs.toFixed(0)} ms (${Math.round(N / (publishMs / 1000))} msg/s)`);

  t0 = performance.now();
  let received = 0;
  let sum = 0;
  for await (const message of await channel.consume(queue, { prefetch: 1000 })) {
    sum += message.json().n;
    message.ack();
    if (++received === N) break;
  }
  const consumeMs = performance.now() - t0;
  console.log(`consumed ${received} messages with acks in ${consumeMs.toFixed(0)} ms (${Math.round(N / (consumeMs / 1000))} msg/s)`);
  if (sum !== (N * (N - 1)) / 2) throw new Error(`checksum mismatch: ${sum}`);
  const left = await channel.checkQueue(queue);
  console.log(`checksum ok; ${left.messageCount} messages left in the queue`);
} finally {
  await connection.close();
}
