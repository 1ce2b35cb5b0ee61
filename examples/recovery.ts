/**
 * Automatic recovery: the connection, channels, consumers and declared topology survive the loss
 * of the connection. Run it, then close its connection (management UI, or
 * `rabbitmqctl close_connection "<pid>" bye`, or restart the broker): the publisher and the
 * consumer below carry on without any reconnection code of their own.
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/recovery.ts
 *
 * The application still has to be idempotent on the consuming side: republished messages and
 * redeliveries of unacknowledged ones mean a message can arrive twice (at-least-once).
 */
import { connect, type Message } from '../runtime/index.js';
import { runMain } from './run-main.js';

export interface RecoveryExampleOptions {
  queue?: string;
  /** Breaks the connection named `connectionName` (the suite passes rabbitmqctl close_connection); by default the example waits for you to do it. */
  disrupt?: (connectionName: string) => Promise<void>;
}

export async function main(url: string, { queue = 'recovery_demo', disrupt }: RecoveryExampleOptions = {}): Promise<{ received: number; duplicates: number; recoveries: number }> {
  const connectionName = `recovery-example-${process.pid}`;
  await using connection = await connect(url, {
    connectionName,
    // Recovery is on by default; these are its knobs (all optional).
    recovery: { backoff: { initialDelay: 100, maxDelay: 5_000 }, deadline: 5 * 60_000 },
  });
  let recoveries = 0;
  connection.on('disconnected', ({ error }) => console.log(` [!] connection lost (${error.name}), recovering`));
  connection.on('recovered', ({ endpoint, serverVersion, outage }) => {
    recoveries++;
    console.log(` [+] recovered on ${endpoint.hostname}:${endpoint.port} (RabbitMQ ${serverVersion}) after ${outage} ms`);
  });
  connection.on('topologyError', (e) => console.log(` [!] could not restore ${e.message}`));

  // Publishes made while the connection is down wait (bounded); unconfirmed ones are sent again.
  const publisher = await connection.channel({ republishUnconfirmed: true, publishWhileRecovering: 'wait' });
  await publisher.confirmSelect({ maxUnconfirmed: 100 });
  await publisher.queueDeclare(queue, { durable: true }); // recorded: declared again after a recovery
  await publisher.queuePurge(queue);

  const consumerChannel = await connection.channel();
  const consumer = await consumerChannel.consume(queue, { prefetch: 20 });
  const total = 200;
  const seen = new Set<string>();
  let duplicates = 0;
  const consuming = (async () => {
    for await (const message of consumer as AsyncIterable<Message>) {
      const id = message.properties.messageId!;
      if (seen.has(id)) duplicates++; // at-least-once: be idempotent
      seen.add(id);
      message.ack(); // false (and nothing sent) for a delivery from before a recovery: it comes again
      if (seen.size === total) break;
    }
  })();

  const disrupted = new Promise<void>((resolve) => connection.once('recovered', () => resolve()));
  const confirms: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    // Each promise settles with the broker's confirm: on the new connection if this one is lost first.
    confirms.push(publisher.sendToQueue(queue, `message ${i}`, { persistent: true, messageId: String(i) }));
    if (i === total / 2) {
      if (disrupt) await disrupt(connectionName);
      else console.log(` [*] now close connection '${connectionName}' to see the recovery (waiting up to 30 s)`);
      await Promise.race([disrupted, new Promise((r) => setTimeout(r, 30_000))]);
    }
  }
  await Promise.all(confirms);
  await consuming;
  await publisher.queueDelete(queue);
  console.log(` [x] received ${seen.size} messages (${duplicates} duplicates) across ${recoveries} recoveries`);
  return { received: seen.size, duplicates, recoveries };
}

runMain(import.meta.url, main);
