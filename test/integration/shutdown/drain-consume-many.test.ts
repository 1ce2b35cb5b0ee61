/**
 * connection.close({ drain: true }) with a consumeMany() consumer: its handlers run in the
 * consumer the application holds, not in the per-queue consumers the channel lists, so the drain
 * must wait for that one (and report its handlers), or a handler's ack is lost to the close and
 * the broker delivers the message again.
 */
import { expect, it } from 'vitest';
import { consumeMany, type Message } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { cleanup, connection, until } from '../retry/fixture.js';

it('drain waits for a consumeMany() handler in flight and sends its ack; the report counts that consumer once', async () => {
  const [q1, q2] = [uniqueName('drain-many-1'), uniqueName('drain-many-2')];
  cleanup({ queues: [q1, q2] });
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  for (const q of [q1, q2]) await ch.queueDeclare(q, { durable: true });
  await ch.sendToQueue(q1, 'one');
  const consuming = await conn.channel();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let delivered: Message | undefined;
  await consumeMany(consuming, [q1, q2], async (m: Message) => {
    delivered = m;
    await gate;
    m.ack();
  });
  await until(() => delivered !== undefined);

  const closing = conn.close({ drain: true, deadline: 10_000 });
  let done = false;
  void closing.then(() => (done = true));
  // The drain is waiting for the handler: the broker saw the cancels, the connection is still open.
  const other = await (await connection()).channel();
  await until(async () => (await other.checkQueue(q1)).consumerCount === 0);
  expect(done).toBe(false);
  release();
  const report = await closing;
  expect(report).toMatchObject({ drained: true, consumers: 1, handlersRunning: 0 });
  expect(delivered!.settled).toBe(true);
  expect(await other.checkQueue(q1)).toMatchObject({ messageCount: 0, consumerCount: 0 }); // acked, not requeued
});
