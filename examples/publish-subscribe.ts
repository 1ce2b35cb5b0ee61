/**
 * RabbitMQ tutorial 3, "Publish/Subscribe": a logger publishes to the fanout exchange `logs`;
 * every subscriber binds its own server-named, exclusive queue to it and gets every message.
 * https://www.rabbitmq.com/tutorials/tutorial-three-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/publish-subscribe.ts
 */
import { connect, type Connection, type Message } from '../runtime/index.js';
import { runMain } from './run-main.js';

async function subscribe(connection: Connection, exchange: string, received: string[]): Promise<void> {
  const channel = await connection.channel();
  await channel.exchangeDeclare(exchange, 'fanout', { durable: false });
  const { queue } = await channel.queueDeclare(); // '' → amq.gen-..., exclusive
  await channel.queueBind(queue, exchange);
  await channel.consume(queue, (message: Message) => received.push(message.text()), { noAck: true });
}

export async function main(url: string, exchange = 'logs'): Promise<string[][]> {
  await using connection = await connect(url);
  const subscribers: string[][] = [[], []];
  for (const received of subscribers) await subscribe(connection, exchange, received);

  const channel = await connection.channel();
  await channel.exchangeDeclare(exchange, 'fanout', { durable: false });
  await channel.confirmSelect();
  for (const line of ['info: Hello World!', 'warning: disk 80% full', 'error: disk full']) {
    await channel.publish(exchange, '', line); // a fanout exchange ignores the routing key
    console.log(` [x] Sent '${line}'`);
  }
  while (subscribers.some((s) => s.length < 3)) await new Promise((resolve) => setTimeout(resolve, 5));
  await channel.exchangeDelete(exchange);
  return subscribers;
}

runMain(import.meta.url, main);
