// The broker rules (runtime/client/broker-rules.ts) against the real broker: what 4.3 refuses is
// refused by warren on the call with the connection alive, and goes through on 3.10; what 4.3
// changes is warned about once; a 541 for a deprecated feature is explained.
import { describe, expect, it } from 'vitest';
import { BrokerRuleError, connect, DeprecatedFeatureError, isBrokerRuleError, isDeprecatedFeatureError } from 'warren';
import { startBroker } from '../../../scripts/lib/broker.mjs';
import { brokerAtLeast, brokerVersion, uniqueName } from '../../helpers/broker.js';
import { channel, cleanupQueue, connection, is43, queue, recordingLogger, until } from './fixture.js';

describe('the connection knows its broker', () => {
  it('product, version and capabilities from connection.start', async () => {
    const c = await connection();
    expect(c.broker.product).toBe('RabbitMQ');
    expect(c.broker.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(c.broker.major).toBeGreaterThanOrEqual(3);
    expect(c.broker.isRabbitMQ).toBe(true);
    expect(c.broker.capabilities.per_consumer_qos).toBe(true);
    expect(c.broker.capabilities.publisher_confirms).toBe(true);
  });
});

describe('rule queue-master-locator (deprecated feature queue_master_locator)', () => {
  it('4.3: refused on the call, the connection and channel live on; 3.10: declared', async () => {
    const c = await connection();
    const ch = await c.channel();
    const name = cleanupQueue(uniqueName('rmq4-ml'));
    const declare = ch.queueDeclare(name, { arguments: { 'x-queue-master-locator': 'client-local' } });
    if (is43(c)) {
      const e = await declare.then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(BrokerRuleError);
      expect(isBrokerRuleError(e)).toBe(true);
      const err = e as BrokerRuleError;
      expect(err.rule).toBe('queue-master-locator');
      expect(err.feature).toBe('queue_master_locator');
      expect(err.broker).toBe(`RabbitMQ ${c.broker.version}`);
      expect(err.message).toContain('x-queue-leader-locator');
      expect(err.message).toContain(c.broker.version);
      expect(c.isOpen).toBe(true);
      expect(ch.isOpen).toBe(true);
      await queue(ch, { leaderLocator: 'client-local' }); // the replacement works on the same channel
    } else {
      await expect(declare).resolves.toMatchObject({ queue: name });
    }
  });

  it('raw calls go through the same rules', async () => {
    const c = await connection();
    const ch = await c.channel();
    const name = cleanupQueue(uniqueName('rmq4-ml'));
    const call = ch.call('queue.declare', { queue: name, durable: true, arguments: { 'x-queue-master-locator': 'min-masters' } });
    if (is43(c)) await expect(call).rejects.toBeInstanceOf(BrokerRuleError);
    else await expect(call).resolves.toMatchObject({ queue: name });
    expect(c.isOpen).toBe(true);
  });

  it('permitted by the application: sent; 4.3 answers 541, explained as a DeprecatedFeatureError', async () => {
    const c = await connection({ permitDeprecatedFeatures: ['queue_master_locator'] });
    const ch = await c.channel();
    const name = cleanupQueue(uniqueName('rmq4-ml'));
    const declare = ch.queueDeclare(name, { arguments: { 'x-queue-master-locator': 'client-local' } });
    if (is43(c)) {
      const e = await declare.then(() => undefined, (err: unknown) => err);
      expect(isDeprecatedFeatureError(e)).toBe(true);
      const err = e as DeprecatedFeatureError;
      expect(err.feature).toBe('queue_master_locator');
      expect(err.replyCode).toBe(541);
      expect(err.permitSetting).toBe('deprecated_features.permit.queue_master_locator = true');
      expect(err.method).toBe('queue.declare');
      expect(err.rule).toBe('queue-master-locator');
      expect((err.cause as { name: string }).name).toBe('InternalError');
      await until(() => !c.isOpen); // this is what warren's refusal spares the application
    } else {
      await expect(declare).resolves.toMatchObject({ queue: name });
    }
  });
});

describe('rule classic-queue-v1', () => {
  it('4.3: x-queue-version 1 refused on the call; 3.10: declared', async () => {
    const c = await connection();
    const ch = await c.channel();
    const name = cleanupQueue(uniqueName('rmq4-v1'));
    const declare = ch.queueDeclare(name, { arguments: { 'x-queue-version': 1 } });
    if (is43(c)) {
      await expect(declare).rejects.toMatchObject({ name: 'BrokerRuleError', rule: 'classic-queue-v1' });
      expect(ch.isOpen).toBe(true);
      await queue(ch, { arguments: { 'x-queue-version': 2 } }); // version 2 is fine
    } else {
      await expect(declare).resolves.toMatchObject({ queue: name });
    }
  });
});

describe('warn rules', () => {
  it('x-queue-mode: accepted by both; a warning once where the broker ignores it (3.12+), none on 3.10', async () => {
    const { warnings, logger } = recordingLogger();
    const c = await connection({ logger });
    const ch = await c.channel();
    await queue(ch, { arguments: { 'x-queue-mode': 'lazy' } });
    await queue(ch, { arguments: { 'x-queue-mode': 'lazy' } });
    const modeWarnings = warnings.filter((w) => w.includes('queue-mode'));
    if (is43(c)) {
      expect(modeWarnings).toHaveLength(1);
      expect(modeWarnings[0]).toContain('ignored');
    } else {
      expect(modeWarnings).toHaveLength(0);
    }
  });

  it('global qos: 4.3 applies it per consumer (and warren warns once); 3.10 limits the channel', async () => {
    const { warnings, logger } = recordingLogger();
    const c = await connection({ logger });
    const ch = await c.channel();
    const q = await queue(ch);
    await ch.confirmSelect();
    for (let i = 0; i < 10; i++) await ch.sendToQueue(q, `m${i}`);
    const consumerCh = await c.channel();
    await consumerCh.prefetch(2, { global: true });
    await consumerCh.prefetch(2, { global: true });
    let received = 0;
    await consumerCh.consume(q, () => void received++);
    await consumerCh.consume(q, () => void received++);
    const expected = is43(c) ? 4 : 2;
    await until(() => received >= expected);
    // Nothing more is in flight: the deliveries the broker made are exactly the ones counted.
    expect((await ch.checkQueue(q)).messageCount).toBe(10 - expected);
    expect(received).toBe(expected);
    const qosWarnings = warnings.filter((w) => w.includes('global-qos'));
    expect(qosWarnings).toHaveLength(is43(c) ? 1 : 0);
    if (is43(c)) expect(qosWarnings[0]).toContain('per consumer');
  });
});

describe('rule transient-nonexclusive-queue (explain only)', () => {
  it('not judged beforehand: permitted by default on both brokers, so declared', async () => {
    const { warnings, logger } = recordingLogger();
    const ch = await channel({ logger });
    await queue(ch, { durable: false });
    expect(warnings).toEqual([]);
  });

  // Only a broker's configuration can deny it: a node of the suite's version with
  // `deprecated_features.permit.transient_nonexcl_queues = false` (4.3). 3.10 has no deprecated
  // features (3.13+) and no such setting: there the declare succeeds (the test above).
  it('4.3 configured to deny it: the 541 that closes the connection is explained', async () => {
    const version = brokerVersion();
    if (!brokerAtLeast('4.3')) {
      expect(version.series).toBe('3.10');
      return;
    }
    const node = await startBroker({ rabbitmq: version.series, config: ['deprecated_features.permit.transient_nonexcl_queues = false'], namePrefix: 'warren-rmq4-deny', log: () => undefined });
    try {
      const c = await connect(node.url);
      c.on('error', () => undefined);
      const ch = await c.channel();
      const e = await ch.queueDeclare(uniqueName('rmq4-tn'), { durable: false }).then(() => undefined, (err: unknown) => err);
      expect(isDeprecatedFeatureError(e)).toBe(true);
      const err = e as DeprecatedFeatureError;
      expect(err.feature).toBe('transient_nonexcl_queues');
      expect(err.rule).toBe('transient-nonexclusive-queue');
      expect(err.permitSetting).toBe('deprecated_features.permit.transient_nonexcl_queues = true');
      expect(err.message).toMatch(/durable.*exclusive/);
      await until(() => !c.isOpen);
      // Durable and exclusive queues are fine on that node.
      const c2 = await connect(node.url);
      const ch2 = await c2.channel();
      await ch2.queueDeclare('', { exclusive: true });
      await c2.close();
    } finally {
      await node.stop();
    }
  }, 120_000);
});
