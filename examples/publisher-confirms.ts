/**
 * RabbitMQ tutorial 7, "Publisher Confirms": three ways to know the broker took every message.
 * With warren each publish() in confirm mode returns a promise of its own confirm, so:
 * 1. individually: await each publish (simple, one round trip per message: slow);
 * 2. in batches: publish a batch, await it together;
 * 3. asynchronously: publish everything, bounded by `maxUnconfirmed`, and handle each promise
 *    as it settles (a nacked message can be republished).
 * https://www.rabbitmq.com/tutorials/tutorial-seven-java
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/publisher-confirms.ts
 */
import { connect, type Channel, type Connection } from '../runtime/index.js';
import { runMain } from './run-main.js';

const MESSAGES = 2_000;
const BATCH = 100;

async function fresh(connection: Connection, queue: string, maxUnconfirmed?: number): Promise<Channel> {
  const channel = await connection.channel();
  await channel.queueDeclare(queue, { durable: false, autoDelete: false });
  await channel.queuePurge(queue);
  await channel.confirmSelect(maxUnconfirmed === undefined ? {} : { maxUnconfirmed });
  return channel;
}

export interface StrategyResult {
  confirmed: number;
  milliseconds: number;
}

export async function main(url: string, queue = 'publisher_confirms'): Promise<Record<'individually' | 'batches' | 'async', StrategyResult>> {
  await using connection = await connect(url);
  const timed = async (run: (channel: Channel) => Promise<number>, maxUnconfirmed?: number): Promise<StrategyResult> => {
    const channel = await fresh(connection, queue, maxUnconfirmed);
    const started = performance.now();
    const confirmed = await run(channel);
    const milliseconds = Math.round(performance.now() - started);
    await channel.close();
    return { confirmed, milliseconds };
  };

  const individually = await timed(async (channel) => {
    let confirmed = 0;
    for (let i = 0; i < MESSAGES; i++) {
      await channel.sendToQueue(queue, `message ${i}`);
      confirmed++;
    }
    return confirmed;
  });

  const batches = await timed(async (channel) => {
    let confirmed = 0;
    for (let i = 0; i < MESSAGES; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, MESSAGES - i) }, (_, j) => channel.sendToQueue(queue, `message ${i + j}`));
      confirmed += (await Promise.all(batch)).length;
    }
    return confirmed;
  });

  const async = await timed(async (channel) => {
    let confirmed = 0;
    const outstanding: Promise<void>[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const body = `message ${i}`;
      outstanding.push(
        channel.sendToQueue(queue, body).then(
          () => void confirmed++,
          // A nack: the broker could not take it; republish (once, in this example).
          () => channel.sendToQueue(queue, body).then(() => void confirmed++),
        ),
      );
    }
    await Promise.all(outstanding);
    return confirmed;
  }, 500);

  const channel = await connection.channel();
  await channel.queueDelete(queue);
  const result = { individually, batches, async };
  for (const [name, r] of Object.entries(result)) console.log(` ${name}: ${r.confirmed} messages confirmed in ${r.milliseconds} ms`);
  return result;
}

runMain(import.meta.url, main);
