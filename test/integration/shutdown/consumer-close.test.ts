/**
 * consumer.close({ timeout }) against the broker (issue 20 item 10): a handler that never settles
 * its message no longer holds close() for ever. close() rejects with ConsumerCloseTimeoutError;
 * the consumer is cancelled at the broker; the message stays unacknowledged on the open channel
 * (a late ack still counts), and when the channel closes the broker requeues it, redelivered.
 */
import { expect, it } from 'vitest';
import { isConsumerCloseTimeoutError, type Message } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { cleanup, connection, until } from '../retry/fixture.js';

it('a handler that never settles: close() rejects at its timeout, and the broker requeues the message when the channel closes', async () => {
  const queue = uniqueName('close-hung');
  cleanup({ queues: [queue] });
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  await ch.queueDeclare(queue, { durable: true });
  await ch.sendToQueue(queue, 'hung');
  const consuming = await conn.channel();
  let started = 0;
  const consumer = await consuming.consume(queue, () => {
    started++;
    return new Promise(() => undefined);
  });
  await until(() => started === 1);

  const err = await consumer.close({ timeout: 300 }).catch((e: unknown) => e);
  expect(isConsumerCloseTimeoutError(err)).toBe(true);
  expect(err).toMatchObject({ handlersRunning: 1 });
  expect(consumer.isEnded).toBe(true);
  const held = await ch.checkQueue(queue);
  expect(held).toMatchObject({ messageCount: 0, consumerCount: 0 }); // cancelled; the message is unacknowledged, not lost

  await consuming.close();
  await until(async () => (await ch.checkQueue(queue)).messageCount === 1);
  const again = await ch.get(queue);
  expect(again?.text()).toBe('hung');
  expect(again?.redelivered).toBe(true);
  again?.ack();
});

it('a handler that settles after close() gave up: its ack is still sent and the message is gone', async () => {
  const queue = uniqueName('close-late');
  cleanup({ queues: [queue] });
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  await ch.queueDeclare(queue, { durable: true });
  await ch.sendToQueue(queue, 'late');
  const consuming = await conn.channel();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let delivered: Message | undefined;
  const consumer = await consuming.consume(queue, async (m: Message) => {
    delivered = m;
    await gate;
    m.ack();
  });
  await until(() => delivered !== undefined);

  await expect(consumer.close({ timeout: 200 })).rejects.toMatchObject({ name: 'ConsumerCloseTimeoutError', handlersRunning: 1 });
  release();
  await until(() => delivered!.settled && consumer.inFlight === 0);
  await consuming.close(); // channel.close follows the flushed ack on the wire
  expect(await ch.checkQueue(queue)).toMatchObject({ messageCount: 0 });
});
