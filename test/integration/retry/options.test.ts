/**
 * The typed queue options of native delayed retry and the consumer timeout, and the broker rules
 * that refuse them where the broker would ignore them: on 3.10 a BrokerRuleError on the call
 * (nothing sent, the channel lives); on 4.3 the queue is declared with exactly these arguments
 * (a raw re-declaration with the same arguments is accepted, one with others is a 406).
 */
import { expect, it } from 'vitest';
import { EncodeError, isBrokerRuleError, PreconditionFailedError } from 'warren';
import { brokerAtLeast, uniqueName } from '../../helpers/broker.js';
import { cleanup, connection } from './fixture.js';

it('delayedRetry and consumerTimeout: x-arguments on 4.3, refused on 3.10; bad values refused on both before sending', async () => {
  const conn = await connection();
  const ch = await conn.channel();
  const queue = uniqueName('opts');
  cleanup({ queues: [queue] });
  await expect(ch.queueDeclare(queue, { delayedRetry: { type: 'failed', min: 1000 } })).rejects.toThrow(/applies to quorum queues/);
  await expect(ch.queueDeclare(queue, { queueType: 'quorum', delayedRetry: { type: 'all' } })).rejects.toBeInstanceOf(EncodeError);
  await expect(ch.queueDeclare(queue, { queueType: 'quorum', consumerTimeout: 0 })).rejects.toBeInstanceOf(EncodeError);
  const options = { queueType: 'quorum', delayedRetry: { type: 'failed', min: 1000, max: 8000 }, consumerTimeout: 60_000 } as const;
  const declared = await ch.queueDeclare(queue, options).catch((e: unknown) => e);
  if (!brokerAtLeast('4.3')) {
    expect(isBrokerRuleError(declared) && declared.rule).toBe('delayed-retry');
    const second = await ch.queueDeclare(queue, { queueType: 'quorum', consumerTimeout: 60_000 }).catch((e: unknown) => e);
    expect(isBrokerRuleError(second) && second.rule).toBe('consumer-timeout-queue');
    await ch.queueDeclare(queue, { queueType: 'quorum' });
    const consume = await ch.consume(queue, { arguments: { 'x-consumer-timeout': 5000 } }).catch((e: unknown) => e);
    expect(isBrokerRuleError(consume) && consume.rule).toBe('consumer-timeout-consumer');
    expect(ch.isOpen).toBe(true);
    return;
  }
  expect(declared).toMatchObject({ queue, messageCount: 0 });
  await ch.queueDeclare(queue, { queueType: 'quorum', arguments: { 'x-delayed-retry-type': 'failed', 'x-delayed-retry-min': 1000, 'x-delayed-retry-max': 8000, 'x-consumer-timeout': 60_000 } });
  const other = await ch.queueDeclare(queue, { ...options, delayedRetry: { type: 'failed', min: 2000 } }).catch((e: unknown) => e);
  expect(other).toBeInstanceOf(PreconditionFailedError);
  expect((other as PreconditionFailedError).replyText).toMatch(/inequivalent arg 'x-delayed-retry-m(in|ax)'/);
  // A consumer with its own timeout is accepted on a 4.3 quorum queue.
  const ch2 = await conn.channel();
  const consumer = await ch2.consume(queue, { arguments: { 'x-consumer-timeout': 5000 } });
  await consumer.close();
  // Classic queues refuse the queue argument on 4.3 (the broker's 406; their consumers are not timed out).
  const classic = uniqueName('opts-classic');
  const refused = await (await conn.channel()).queueDeclare(classic, { consumerTimeout: 1000 }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(PreconditionFailedError);
  expect((refused as PreconditionFailedError).replyText).toMatch(/invalid arg 'x-consumer-timeout'/);
}, 60_000);
