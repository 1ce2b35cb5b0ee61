/**
 * RabbitMQ tutorial 1, "Hello World!": a producer sends one message to the queue `hello` through
 * the default exchange, and a consumer receives it.
 * https://www.rabbitmq.com/tutorials/tutorial-one-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/hello-world.ts
 */
import { connect } from '../runtime/index.js';
import { runMain } from './run-main.js';

export async function main(url: string, queue = 'hello'): Promise<string> {
  await using connection = await connect(url);
  const channel = await connection.channel();
  await channel.queueDeclare(queue, { durable: false });

  // Producer: the default exchange routes by queue name.
  await channel.sendToQueue(queue, 'Hello World!');
  console.log(" [x] Sent 'Hello World!'");

  // Consumer: an async iterator; leaving the loop cancels the consumer.
  let received = '';
  for await (const message of await channel.consume(queue, { noAck: true })) {
    received = message.text();
    console.log(` [x] Received '${received}'`);
    break;
  }
  await channel.queueDelete(queue); // the tutorial leaves it; we tidy up
  return received;
}

runMain(import.meta.url, main);
