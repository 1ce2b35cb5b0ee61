/**
 * connection.close({ drain, deadline }) (runtime/client/shutdown.ts) on both brokers: running
 * handlers finish and their acks reach the broker, deliveries not started go back, publishes in
 * flight are confirmed, then the connection closes; at the deadline it closes anyway and the
 * report says what was left, and the broker has the unfinished delivery back.
 */
import { expect, it } from 'vitest';
import { connect, type Message } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';
import { cleanup, until } from '../retry/fixture.js';

async function counts(queue: string): Promise<number> {
  const c = await connect(amqpUrl());
  try {
    return (await (await c.channel()).checkQueue(queue)).messageCount;
  } finally {
    await c.close();
  }
}

it('drains: handlers finish and ack, unstarted deliveries go back, publishes are confirmed, then it closes', async () => {
  const queue = uniqueName('drain');
  const out = uniqueName('drain-out');
  cleanup({ queues: [queue, out] });
  const conn = await connect(amqpUrl());
  const ch = await conn.channel({ confirm: true });
  await ch.queueDeclare(queue, { durable: true });
  await ch.queueDeclare(out, { durable: true });
  for (let i = 0; i < 10; i++) await ch.sendToQueue(queue, `job ${i}`);

  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started: string[] = [];
  const consumer = await (await conn.channel()).consume(queue, async (m: Message) => {
    started.push(m.text());
    await gate;
    m.ack();
  }, { prefetch: 10, concurrency: 3 });
  await until(() => started.length === 3 && consumer.inFlight === 3);
  const publishes = Array.from({ length: 200 }, (_, i) => ch.sendToQueue(out, `out ${i}`));

  const closing = conn.close({ drain: true, deadline: 20_000 });
  setTimeout(release, 200); // the handlers finish while the connection drains
  const report = await closing;
  expect(report).toMatchObject({ drained: true, consumers: 1, handlersRunning: 0, unconfirmed: 0, unsent: 0 });
  await Promise.all(publishes); // every publish confirmed before the close
  expect(conn.isOpen).toBe(false);
  expect(await counts(queue)).toBe(7); // the 3 handled were acked; the 7 never started went back
  expect(await counts(out)).toBe(200);
});

it('at the deadline it closes anyway, reports the handler still running, and the broker has its delivery back', async () => {
  const queue = uniqueName('drain-late');
  cleanup({ queues: [queue] });
  const conn = await connect(amqpUrl());
  const ch = await conn.channel({ confirm: true });
  await ch.queueDeclare(queue, { durable: true });
  await ch.sendToQueue(queue, 'slow');
  let running = 0;
  await ch.consume(queue, async () => {
    running += 1;
    await new Promise(() => undefined); // never finishes
  });
  await until(() => running === 1);
  const report = await conn.close({ drain: true, deadline: 300 });
  expect(report).toMatchObject({ drained: false, consumers: 1, handlersRunning: 1, unconfirmed: 0, unsent: 0 });
  expect(conn.isOpen).toBe(false);
  expect(await counts(queue)).toBe(1);
});

it('a deadline that is not a number of milliseconds is a RangeError, and nothing closes', async () => {
  const conn = await connect(amqpUrl());
  await expect(conn.close({ drain: true, deadline: -1 })).rejects.toThrow(RangeError);
  expect(conn.isOpen).toBe(true);
  await conn.close();
});
