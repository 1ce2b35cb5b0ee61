/**
 * amqp-connection-manager (a library over amqplib) with its `amqplib` dependency aliased to
 * warren/amqplib: its ChannelWrapper declares through a setup function, publishes with confirms
 * (JSON), consumes and acks, and reconnects after the broker closes the connection (amqplib's
 * model without the `recovery` option closes for good, so the manager's own reconnect runs).
 *
 * The alias: the module cache entry of `amqplib` (the path amqp-connection-manager's
 * `require('amqplib')` resolves to) holds warren/amqplib before amqp-connection-manager loads,
 * which is what a bundler alias (`alias: { amqplib: 'warren/amqplib' }`) does at build time.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as compat from 'warren/amqplib';
import { amqpUrl, closeConnection, uniqueName, waitForConnection } from '../../helpers/broker.js';

const require = createRequire(import.meta.url);

function managerOnWarren() {
  const amqplibPath = require.resolve('amqplib');
  require.cache[amqplibPath] = { id: amqplibPath, filename: amqplibPath, loaded: true, exports: compat } as unknown as NodeJS.Module;
  const manager = require('amqp-connection-manager') as typeof import('amqp-connection-manager');
  // The manager really holds warren/amqplib: its connect is the compat one.
  expect(require(amqplibPath)).toBe(compat);
  return manager;
}

/** A ChannelWrapper whose setup declares `q` and consumes it into `got` (JSON bodies, acked). */
function consumingWrapper(connection: ReturnType<ReturnType<typeof managerOnWarren>['connect']>, q: string, got: unknown[], setups: { count: number }) {
  return connection.createChannel({
    json: true,
    setup: async (ch: unknown) => {
      const channel = ch as compat.ConfirmChannel;
      setups.count++;
      expect(channel).toBeInstanceOf(compat.ConfirmChannel);
      await channel.assertQueue(q, { durable: false, autoDelete: false });
      await channel.prefetch(10);
      await channel.consume(q, (msg) => {
        if (!msg) return;
        got.push(JSON.parse(msg.content.toString()));
        channel.ack(msg);
      });
    },
  });
}

describe('amqp-connection-manager over warren/amqplib', () => {
  it('ChannelWrapper: setup, publish with confirms (json), consume and ack', async () => {
    const manager = managerOnWarren();
    const q = uniqueName('acm-queue');
    const connection = manager.connect([amqpUrl()]);
    const got: unknown[] = [];
    const setups = { count: 0 };
    const wrapper = consumingWrapper(connection, q, got, setups);
    try {
      await wrapper.waitForConnect();
      await wrapper.sendToQueue(q, { n: 1 });
      await wrapper.publish('', q, { n: 2 }, { messageId: 'm2' });
      await expect.poll(() => got).toEqual([{ n: 1 }, { n: 2 }]);
      expect(setups.count).toBe(1);
    } finally {
      await wrapper.addSetup((ch: unknown) => (ch as compat.ConfirmChannel).deleteQueue(q));
      await wrapper.close();
      await connection.close();
    }
  });

  it('reconnects after the broker closes the connection (the model closes, the manager connects again and reruns its setup)', async () => {
    const manager = managerOnWarren();
    const name = uniqueName('acm');
    const q = uniqueName('acm-queue');
    const connection = manager.connect([amqpUrl()], { reconnectTimeInSeconds: 0.05, connectionOptions: { clientProperties: { connection_name: name } } });
    const got: unknown[] = [];
    const setups = { count: 0 };
    const wrapper = consumingWrapper(connection, q, got, setups);
    try {
      await wrapper.waitForConnect();
      await wrapper.sendToQueue(q, { n: 1 });
      await expect.poll(() => got).toEqual([{ n: 1 }]);
      await waitForConnection((c) => c.connectionName === name);
      const reconnected = new Promise((resolve) => connection.once('connect', resolve));
      await closeConnection(name, 'acm test');
      await reconnected;
      await wrapper.sendToQueue(q, { n: 2 });
      await expect.poll(() => got).toEqual([{ n: 1 }, { n: 2 }]);
      expect(setups.count).toBe(2); // the manager runs its setup on every connection, as with amqplib
    } finally {
      await wrapper.addSetup((ch: unknown) => (ch as compat.ConfirmChannel).deleteQueue(q));
      await wrapper.close();
      await connection.close();
    }
  });
});
