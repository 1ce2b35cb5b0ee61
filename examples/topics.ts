/**
 * RabbitMQ tutorial 5, "Topics": routing keys are `<facility>.<severity>` on the topic exchange
 * `topic_logs`; bindings use `*` (one word) and `#` (zero or more words).
 * https://www.rabbitmq.com/tutorials/tutorial-five-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/topics.ts
 */
import { connect, type Connection } from '../runtime/index.js';
import { runMain } from './run-main.js';

async function subscribe(connection: Connection, exchange: string, patterns: string[], received: string[]): Promise<void> {
  const channel = await connection.channel();
  await channel.exchangeDeclare(exchange, 'topic', { durable: false });
  const { queue } = await channel.queueDeclare();
  for (const pattern of patterns) await channel.queueBind(queue, exchange, pattern);
  await channel.consume(queue, (message) => received.push(message.routingKey), { noAck: true });
}

export async function main(url: string, exchange = 'topic_logs'): Promise<Record<string, string[]>> {
  await using connection = await connect(url);
  const bindings: Record<string, string[]> = { '#': ['#'], 'kern.*': ['kern.*'], '*.critical': ['*.critical'], 'kern.* + *.critical': ['kern.*', '*.critical'] };
  const received: Record<string, string[]> = {};
  for (const [name, patterns] of Object.entries(bindings)) await subscribe(connection, exchange, patterns, (received[name] = []));

  const channel = await connection.channel();
  await channel.confirmSelect();
  const keys = ['kern.critical', 'kern.info', 'app.critical', 'app.info', 'kern.disk.critical'];
  for (const key of keys) {
    await channel.publish(exchange, key, `A ${key} message`);
    console.log(` [x] Sent ${key}`);
  }
  while ((received['#']?.length ?? 0) < keys.length) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 20)); // the other subscribers' last deliveries
  await channel.exchangeDelete(exchange);
  return received;
}

runMain(import.meta.url, main);
