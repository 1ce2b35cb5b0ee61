/**
 * Consumer timeouts become a ConsumerTimeoutError that says what happened and what to do:
 * - 4.3, quorum queue, the consumer's own or the queue's timeout: the broker cancels the
 *   consumer and takes its deliveries back; warren ends the consumer with the error and removes
 *   the consumer the broker keeps suspended (consumerCount back to 0); 3.10 ignores both
 *   settings, so warren refuses them there (rules consumer-timeout-consumer, -queue).
 * - 3.10 (a node of our own with consumer_timeout = 1000, as the setting is node-wide): the 406
 *   that closes the channel becomes the error (action `channel-closed`).
 */
import { expect, it } from 'vitest';
import { connect, isBrokerRuleError, isConsumerTimeoutError, type ConsumerTimeoutError } from 'warren';
import { startBroker } from '../../../scripts/lib/broker.mjs';
import { brokerAtLeast, brokerVersion, uniqueName } from '../../helpers/broker.js';
import { cleanup, connection, until } from '../retry/fixture.js';

for (const where of ['consumer', 'queue'] as const) {
  it(`4.3: a ${where} timeout cancels the consumer with a ConsumerTimeoutError; the delivery goes back`, async () => {
    const conn = await connection();
    const ch = await conn.channel();
    const queue = uniqueName(`ct-${where}`);
    cleanup({ queues: [queue] });
    const declared = await ch.queueDeclare(queue, { queueType: 'quorum', ...(where === 'queue' && { consumerTimeout: 1000 }) }).catch((e: unknown) => e);
    if (!brokerAtLeast('4.3') && where === 'queue') {
      expect(isBrokerRuleError(declared) && declared.rule).toBe('consumer-timeout-queue');
      return;
    }
    await ch.confirmSelect();
    await ch.sendToQueue(queue, 'slow');
    const consuming = ch.consume(queue, { prefetch: 1, ...(where === 'consumer' && { consumerTimeout: 1000 }) });
    if (!brokerAtLeast('4.3')) {
      const refused = await consuming.catch((e: unknown) => e);
      expect(isBrokerRuleError(refused) && refused.rule).toBe('consumer-timeout-consumer');
      return;
    }
    const consumer = await consuming;
    const first = await consumer.receive({ timeout: 10_000 });
    expect(first?.text()).toBe('slow');
    const ended = await consumer.receive({ timeout: 20_000 }).catch((e: unknown) => e);
    expect(isConsumerTimeoutError(ended)).toBe(true);
    expect(ended).toMatchObject({ action: 'cancelled', timeout: 1000, unsettled: 1 });
    expect((ended as ConsumerTimeoutError).message).toMatch(/delivered again/);
    await until(async () => {
      const info = await ch.checkQueue(queue);
      return info.messageCount === 1 && info.consumerCount === 0;
    });
    expect(ch.isOpen).toBe(true);
  }, 60_000);
}

it('3.10: the node-wide consumer timeout closes the channel with 406, seen as a ConsumerTimeoutError (a node of its own)', async () => {
  const version = brokerVersion();
  if (brokerAtLeast('4.3')) {
    // 4.3 times out quorum consumers only, by cancelling them (the tests above); no 406 to a
    // client that announces consumer_cancel_notify.
    expect(version.major).toBe(4);
    return;
  }
  const node = await startBroker({ rabbitmq: version.series, config: ['consumer_timeout = 1000'], namePrefix: 'warren-ct', log: () => undefined });
  try {
    await node.evalErlang('application:set_env(rabbit, channel_tick_interval, 500).'); // checked on each channel tick (60 s by default)
    const c = await connect(node.url);
    c.on('error', () => undefined);
    const ch = await c.channel();
    ch.on('error', () => undefined);
    const queue = uniqueName('ct-406');
    await ch.queueDeclare(queue, { durable: true });
    await ch.confirmSelect();
    await ch.sendToQueue(queue, 'slow');
    const consumer = await ch.consume(queue, { prefetch: 1 });
    expect((await consumer.receive({ timeout: 10_000 }))?.text()).toBe('slow');
    await until(() => !ch.isOpen, 20_000);
    const e = ch.closeReason as ConsumerTimeoutError;
    expect(isConsumerTimeoutError(e)).toBe(true);
    expect(e).toMatchObject({ action: 'channel-closed', timeout: 1000, unsettled: 1 });
    expect((e.cause as { replyCode: number }).replyCode).toBe(406);
    const ch2 = await c.channel();
    expect((await ch2.checkQueue(queue)).messageCount).toBe(1);
    await c.close();
  } finally {
    await node.stop();
  }
}, 120_000);
