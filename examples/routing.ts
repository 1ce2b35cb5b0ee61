/**
 * RabbitMQ tutorial 4, "Routing": logs go to the direct exchange `direct_logs` with their severity
 * as routing key; one subscriber binds only `error` (to write errors to disk), another binds
 * `info`, `warning` and `error` (to print everything).
 * https://www.rabbitmq.com/tutorials/tutorial-four-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/routing.ts
 */
import { connect, type Connection } from '../runtime/index.js';
import { runMain } from './run-main.js';

async function subscribe(connection: Connection, exchange: string, severities: string[], received: string[]): Promise<void> {
  const channel = await connection.channel();
  await channel.exchangeDeclare(exchange, 'direct', { durable: false });
  const { queue } = await channel.queueDeclare();
  for (const severity of severities) await channel.queueBind(queue, exchange, severity);
  await channel.consume(queue, (message) => received.push(`${message.routingKey}: ${message.text()}`), { noAck: true });
}

export async function main(url: string, exchange = 'direct_logs'): Promise<{ errorsOnly: string[]; everything: string[] }> {
  await using connection = await connect(url);
  const result = { errorsOnly: [] as string[], everything: [] as string[] };
  await subscribe(connection, exchange, ['error'], result.errorsOnly);
  await subscribe(connection, exchange, ['info', 'warning', 'error'], result.everything);

  const channel = await connection.channel();
  await channel.confirmSelect();
  const logs: Array<[string, string]> = [['info', 'started'], ['warning', 'slow disk'], ['error', 'disk failed'], ['debug', 'nobody listens']];
  for (const [severity, text] of logs) {
    await channel.publish(exchange, severity, text);
    console.log(` [x] Sent ${severity}: '${text}'`);
  }
  while (result.errorsOnly.length < 1 || result.everything.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  await channel.exchangeDelete(exchange);
  return result;
}

runMain(import.meta.url, main);
