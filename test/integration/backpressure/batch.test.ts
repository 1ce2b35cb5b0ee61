/**
 * Batch publish (runtime/client/publish-batch.ts) on both brokers: all messages written in a few
 * socket writes, in order, each settled once; the batch reports which were nacked (a full queue
 * with reject-publish) or returned (mandatory, unroutable), and invalid input sends nothing.
 */
import { expect, it } from 'vitest';
import { diagnostics, isBatchPublishError, NackError, publishBatch, UnroutableError, type BatchPublishError } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { cleanup, connection } from '../retry/fixture.js';

it('1,000 messages go out in a few socket writes, arrive in order, and the batch resolves when all are confirmed', async () => {
  const conn = await connection();
  // A window as large as the batch: with the default (128) the batch goes out in rounds of 128 as
  // confirms come back, one write or more per round, however many the load makes it (window.test.ts
  // proves the cap); this test is about the coalescing of what the window lets out.
  const ch = await conn.channel();
  await ch.confirmSelect({ maxUnconfirmed: 1000 });
  const queue = uniqueName('batch');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { durable: true });
  let writes = 0;
  const count = (): void => void (writes += 1);
  diagnostics.bytesOut.subscribe(count);
  const messages = Array.from({ length: 1000 }, (_, i) => ({ routingKey: queue, body: `m${i}` }));
  let result;
  try {
    result = await publishBatch(ch, messages);
  } finally {
    diagnostics.bytesOut.unsubscribe(count);
  }
  expect(result).toEqual({ confirmed: 1000 });
  // 1,000 publishes of ~60 bytes each: a handful of coalesced writes, not one per message.
  expect(writes).toBeLessThan(20);
  console.log(`batch of 1000: ${writes} socket writes`);
  expect((await ch.checkQueue(queue)).messageCount).toBe(1000);
  const consumer = await ch.consume(queue, { prefetch: 500 });
  for (let i = 0; i < 1000; i++) {
    const m = (await consumer.receive({ timeout: 10_000 }))!;
    expect(m.text()).toBe(`m${i}`);
    m.ack();
  }
  await consumer.close();
});

it('reports which messages were nacked (queue full, reject-publish) and which were returned (mandatory, unroutable)', async () => {
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  const queue = uniqueName('batch-full');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { durable: true, maxLength: 5, overflow: 'reject-publish' });
  const messages = [
    ...Array.from({ length: 8 }, (_, i) => ({ routingKey: queue, body: `m${i}` })),
    { exchange: 'amq.direct', routingKey: uniqueName('nowhere'), body: 'lost', options: { mandatory: true } },
  ];
  const e = (await publishBatch(ch, messages).catch((err: unknown) => err)) as BatchPublishError;
  expect(isBatchPublishError(e)).toBe(true);
  expect(e.confirmed).toBe(5);
  expect(e.failures.map((f) => [f.index, (f.error as Error).name])).toEqual([
    [5, 'NackError'], [6, 'NackError'], [7, 'NackError'], [8, 'UnroutableError'],
  ]);
  expect(e.failures[0]!.error).toBeInstanceOf(NackError);
  expect(e.failures[3]!.error).toBeInstanceOf(UnroutableError);
  expect((await ch.checkQueue(queue)).messageCount).toBe(5);
  // The channel goes on: the next publish is numbered right and confirmed.
  await ch.queuePurge(queue);
  await expect(publishBatch(ch, [{ routingKey: queue, body: 'after' }])).resolves.toEqual({ confirmed: 1 });
});

it('invalid input anywhere in the batch rejects it before anything is sent', async () => {
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  const queue = uniqueName('batch-bad');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { durable: true });
  const messages = [
    { routingKey: queue, body: 'ok' },
    { routingKey: queue, body: 'ok' },
    { routingKey: queue, body: 'bad', options: { expiration: -5 } },
  ];
  await expect(publishBatch(ch, messages)).rejects.toMatchObject({ name: 'BatchInputError', index: 2 });
  expect((await ch.checkQueue(queue)).messageCount).toBe(0);
  expect(ch.isOpen).toBe(true);
});
