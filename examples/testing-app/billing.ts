/**
 * A small application to test with warren/testing: a billing service. It consumes
 * `order.created` events from the `orders` topic exchange, publishes an `invoice.issued` event
 * for each valid order, and rejects invalid ones, which the queue dead-letters to
 * `billing.dead` (x-death says why). It only needs a warren Connection: production code passes
 * one connected to RabbitMQ; the tests pass one connected to the in-process test broker.
 */
import type { Channel, Connection, Consumer, Message } from 'warren';

/** An order as the `order.created` event carries it. */
export interface Order {
  id: string;
  amount: number;
}

/** The topology the service owns: declared at start, idempotent. */
export async function declareTopology(ch: Channel): Promise<void> {
  await ch.exchangeDeclare('orders', 'topic', { durable: true });
  await ch.exchangeDeclare('invoices', 'fanout', { durable: true });
  await ch.queueDeclare('billing.dead', { durable: true });
  await ch.queueDeclare('billing', { durable: true, deadLetterExchange: '', deadLetterRoutingKey: 'billing.dead' });
  await ch.queueBind('billing', 'orders', 'order.created');
}

function valid(o: Partial<Order>): o is Order {
  return typeof o.id === 'string' && typeof o.amount === 'number' && o.amount > 0;
}

/** Starts consuming; returns a function that stops the service. */
export async function startBilling(connection: Connection): Promise<() => Promise<void>> {
  const ch = await connection.channel();
  await declareTopology(ch);
  await ch.confirmSelect();
  const consumer: Consumer = await ch.consume('billing', async (m: Message) => {
    const order = m.json<Partial<Order>>();
    if (!valid(order)) {
      m.reject({ requeue: false });
      return;
    }
    await ch.publish('invoices', '', { orderId: order.id, total: Math.round(order.amount * 100) / 100 }, { persistent: true });
    m.ack();
  }, { prefetch: 10 });
  return async () => {
    await consumer.cancel();
    await ch.close();
  };
}
