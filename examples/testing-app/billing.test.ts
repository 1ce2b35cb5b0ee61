/**
 * The billing service's tests, against warren/testing's in-process broker over the in-memory
 * transport: no RabbitMQ, no socket, the whole file in well under a second. The broker is real
 * AMQP, so the service's own warren code runs unchanged; assertions read the broker's state
 * (like rabbitmqctl list_queues) or consume as a client would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from 'warren';
import { createTestBroker, type RunningTestBroker } from 'warren/testing';
import { startBilling } from './billing.js';

let broker: RunningTestBroker;
let service: Connection;
let client: Connection;
let stop: () => Promise<void>;

/** Waits for a condition on the broker's state (never a fixed sleep). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 1000) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

beforeEach(async () => {
  broker = createTestBroker(); // a fresh broker per test: no state leaks between tests
  service = await connect(broker.url, { transport: broker.transport });
  client = await connect(broker.url, { transport: broker.transport });
  stop = await startBilling(service);
});

afterEach(async () => {
  await stop().catch(() => undefined);
  await Promise.all([service.close(), client.close()]);
  await broker.close();
});

describe('billing', () => {
  it('issues an invoice for a valid order', async () => {
    const ch = await client.channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.queueBind(queue, 'invoices');
    const invoices = await ch.consume(queue);
    await ch.publish('orders', 'order.created', { id: 'o-1', amount: 12.5 });
    const invoice = (await invoices.receive())!;
    expect(invoice.json()).toEqual({ orderId: 'o-1', total: 12.5 });
    expect(invoice.properties.deliveryMode).toBe(2);
    invoice.ack();
  });

  it('dead-letters an invalid order, with x-death saying it was rejected', async () => {
    const ch = await client.channel();
    await ch.publish('orders', 'order.created', { id: 'o-2', amount: -1 });
    await until(() => broker.queues().find((q) => q.name === 'billing.dead')?.messages === 1);
    const [dead] = broker.messages('billing.dead');
    expect(JSON.parse(dead!.text)).toEqual({ id: 'o-2', amount: -1 });
    const [death] = dead!.properties.headers!['x-death'] as Array<Record<string, unknown>>;
    expect(death).toMatchObject({ reason: 'rejected', queue: 'billing', exchange: 'orders', 'routing-keys': ['order.created'] });
    expect(broker.queues().find((q) => q.name === 'billing')).toMatchObject({ messages: 0, consumers: 1 });
  });

  it('goes on after the broker closes its connection (320): warren recovers it', async () => {
    const recovered = new Promise((resolve) => service.once('recovered', resolve));
    broker.broker.closeConnections((c) => c.clientProperties.connection_name === undefined && broker.consumers().some((x) => x.connection === c.connection));
    await recovered;
    const ch = await client.channel();
    const { queue } = await ch.queueDeclare('', { exclusive: true });
    await ch.queueBind(queue, 'invoices');
    await ch.publish('orders', 'order.created', { id: 'o-3', amount: 3 });
    const invoice = (await (await ch.consume(queue)).receive())!;
    expect(invoice.json()).toEqual({ orderId: 'o-3', total: 3 });
  });
});
