// Quorum queues against the real broker: the delivery counters, the settle outcomes and what
// each does to the delivery limit on 4.3 and 3.10, a poison message reaching the dead-letter
// queue with a parsed x-death, and the dead-letter setup helper.
import { describe, expect, it } from 'vitest';
import { deadLetterSetup, DeadLetterSetupError, EncodeError, type Channel, type Message } from 'warren';
import { channel, is43, queue, until } from './fixture.js';

async function getOne(ch: Channel, q: string): Promise<Message> {
  let m: Message | null = null;
  await until(async () => (m = await ch.get(q)) !== null);
  return m!;
}

async function setup(ch: Channel, deliveryLimit: number): Promise<{ q: string; dlq: string }> {
  const dlq = await queue(ch, {}, 'rmq4-dlq');
  const q = await queue(ch, { ...deadLetterSetup({ exchange: '', routingKey: dlq, deliveryLimit }) }, 'rmq4-qq');
  await ch.confirmSelect();
  return { q, dlq };
}

describe('delivery counters and settle outcomes', () => {
  it('failed counts toward the delivery limit; returned does not on 4.3 (acquired count only), counts on 3.10', async () => {
    const ch = await channel();
    const { q } = await setup(ch, 10);
    await ch.sendToQueue(q, 'poison');
    const first = await getOne(ch, q);
    expect(first.deliveryCount).toBe(0);
    first.settle('failed');
    const second = await getOne(ch, q);
    expect(second.deliveryCount).toBe(1);
    second.settle('returned');
    const third = await getOne(ch, q);
    if (is43(ch.connection)) {
      expect(third.deliveryCount).toBe(1); // the return did not count
      expect(third.acquiredCount).toBe(2); // but both acquisitions did
      expect(first.acquiredCount).toBeUndefined(); // a first delivery carries no counters on 4.3
    } else {
      expect(third.deliveryCount).toBe(2); // 3.10 counts every requeue
      expect(third.acquiredCount).toBeUndefined(); // and has no acquired count
    }
    third.settle('accepted');
    expect(await ch.get(q)).toBeNull();
  });

  it('an unknown outcome is a TypeError, not a discard (an Object.prototype name included)', async () => {
    const ch = await channel();
    const { q, dlq } = await setup(ch, 10);
    await ch.sendToQueue(q, 'keep');
    const m = await getOne(ch, q);
    for (const bad of ['constructor', 'toString', '__proto__', 'nope']) expect(() => m.settle(bad as 'accepted')).toThrow(TypeError);
    expect(m.settled).toBe(false);
    m.settle('returned');
    expect((await getOne(ch, q)).text()).toBe('keep');
    expect(await ch.get(dlq)).toBeNull();
  });

  it('discarded dead-letters at once, with reason rejected', async () => {
    const ch = await channel();
    const { q, dlq } = await setup(ch, 10);
    await ch.sendToQueue(q, 'bad');
    (await getOne(ch, q)).settle('discarded');
    const dead = await getOne(ch, dlq);
    expect(dead.deaths).toMatchObject([{ queue: q, reason: 'rejected', count: 1, exchange: '', routingKeys: [q] }]);
    dead.ack();
  });
});

describe('x-death as the broker writes it', () => {
  it('expired with a per-message TTL: original-expiration kept, expiration removed; two hops, most recent first', async () => {
    const ch = await channel();
    const dlq = await queue(ch, {}, 'rmq4-dlq');
    const hop = await queue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dlq, messageTtl: 1 }, 'rmq4-hop');
    const q = await queue(ch, { queueType: 'quorum', deadLetterExchange: '', deadLetterRoutingKey: hop }, 'rmq4-qq');
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'late', { expiration: '1' });
    const dead = await getOne(ch, dlq);
    expect(dead.properties.expiration).toBeUndefined();
    const deaths = dead.deaths;
    expect(deaths.map((d) => [d.queue, d.reason, d.count])).toEqual([
      [hop, 'expired', 1],
      [q, 'expired', 1],
    ]);
    expect(deaths[1]!.originalExpiration).toBe('1');
    expect(deaths[1]!.routingKeys).toEqual([q]);
    expect(deaths[0]!.routingKeys).toEqual([hop]);
    for (const d of deaths) expect(d.time).toBeInstanceOf(Date);
    dead.ack();
  });
});

describe('poison messages', () => {
  it('reach the dead-letter queue after the delivery limit, with a parsed x-death', async () => {
    const ch = await channel();
    const limit = 2;
    const { q, dlq } = await setup(ch, limit);
    await ch.sendToQueue(q, 'poison', { messageId: 'p1' });
    // Delivered limit + 1 times; the last failure goes over the limit.
    for (let i = 0; i <= limit; i++) {
      const m = await getOne(ch, q);
      expect(m.deliveryCount).toBe(i);
      m.settle('failed');
    }
    const dead = await getOne(ch, dlq);
    expect(dead.properties.messageId).toBe('p1');
    const [death, ...rest] = dead.deaths;
    expect(rest).toEqual([]);
    expect(death).toMatchObject({ queue: q, reason: 'delivery_limit', count: 1, exchange: '', routingKeys: [q] });
    expect(death!.time).toBeInstanceOf(Date);
    expect(Math.abs(death!.time!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    dead.ack();
    expect(await ch.get(q)).toBeNull();
  });

  it('returned (nack + requeue) past the limit: 4.3 keeps the message, 3.10 dead-letters it', async () => {
    const ch = await channel();
    const limit = 1;
    const { q, dlq } = await setup(ch, limit);
    await ch.sendToQueue(q, 'shy');
    for (let i = 0; i <= limit; i++) (await getOne(ch, q)).settle('returned');
    if (is43(ch.connection)) {
      const m = await getOne(ch, q);
      expect(m.deliveryCount).toBe(0);
      expect(m.acquiredCount).toBe(limit + 1);
      m.ack();
    } else {
      const dead = await getOne(ch, dlq);
      expect(dead.deaths[0]).toMatchObject({ queue: q, reason: 'delivery_limit' });
      dead.ack();
    }
  });
});

describe('the default delivery limit', () => {
  it('4.3: 20 without x-delivery-limit (dead-lettered at the 21st failure); 3.10: none', async () => {
    const ch = await channel();
    const dlq = await queue(ch, {}, 'rmq4-dlq');
    const q = await queue(ch, { ...deadLetterSetup({ exchange: '', routingKey: dlq }) }, 'rmq4-qq');
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'poison');
    for (let i = 0; i <= 20; i++) (await getOne(ch, q)).settle('failed');
    if (is43(ch.connection)) {
      const dead = await getOne(ch, dlq);
      expect(dead.deaths[0]).toMatchObject({ queue: q, reason: 'delivery_limit' });
      dead.ack();
    } else {
      const m = await getOne(ch, q);
      expect(m.deliveryCount).toBe(21);
      m.ack();
    }
  });
});

describe('no delivery limit', () => {
  it('deliveryLimit: -1 lifts the default limit on 4.3; refused on 3.10 (where it would drop at the first requeue)', async () => {
    const ch = await channel();
    const dlq = await queue(ch, {}, 'rmq4-dlq');
    await expect(ch.queueDeclare('rmq4-never', { queueType: 'quorum', deliveryLimit: -2 })).rejects.toBeInstanceOf(EncodeError);
    const options = deadLetterSetup({ exchange: '', routingKey: dlq, deliveryLimit: -1 });
    if (!is43(ch.connection)) {
      await expect(ch.queueDeclare('rmq4-never', options)).rejects.toMatchObject({ name: 'BrokerRuleError', rule: 'delivery-limit-unlimited' });
      expect(ch.isOpen).toBe(true);
      return;
    }
    const q = await queue(ch, options, 'rmq4-qq');
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'poison');
    for (let i = 0; i <= 20; i++) (await getOne(ch, q)).settle('failed');
    const m = await getOne(ch, q); // still in its queue after 21 failures
    expect(m.deliveryCount).toBe(21);
    m.ack();
    expect(await ch.get(dlq)).toBeNull();
  });
});

describe('dead-letter setup', () => {
  it('produces a valid at-least-once configuration', () => {
    expect(deadLetterSetup({ exchange: 'dlx' })).toEqual({ queueType: 'quorum', deadLetterExchange: 'dlx', deadLetterStrategy: 'at-least-once', overflow: 'reject-publish' });
    expect(deadLetterSetup({ exchange: 'dlx', strategy: 'at-most-once', routingKey: 'k' })).toEqual({ queueType: 'quorum', deadLetterExchange: 'dlx', deadLetterStrategy: 'at-most-once', deadLetterRoutingKey: 'k' });
  });

  it('fails on the call, saying why, for what would not be at-least-once', async () => {
    expect(() => deadLetterSetup({ exchange: '' })).toThrow(DeadLetterSetupError);
    expect(() => deadLetterSetup({ exchange: '' })).toThrow(/routingKey/);
    // The default exchange routes by queue name: an empty or non-string key reaches no queue.
    expect(() => deadLetterSetup({ exchange: '', routingKey: '' })).toThrow(DeadLetterSetupError);
    expect(() => deadLetterSetup({ exchange: 'dlx', routingKey: 5 as unknown as string })).toThrow(DeadLetterSetupError);
    const ch = await channel();
    // RabbitMQ accepts these and quietly dead-letters at most once: refused here, nothing sent.
    await expect(ch.queueDeclare('rmq4-never', { queueType: 'quorum', deadLetterExchange: 'dlx', deadLetterStrategy: 'at-least-once' })).rejects.toThrow(/reject-publish/);
    await expect(ch.queueDeclare('rmq4-never', { queueType: 'quorum', overflow: 'drop-head', deadLetterExchange: 'dlx', deadLetterStrategy: 'at-least-once' })).rejects.toBeInstanceOf(DeadLetterSetupError);
    await expect(ch.queueDeclare('rmq4-never', { queueType: 'quorum', overflow: 'reject-publish', deadLetterStrategy: 'at-least-once' })).rejects.toThrow(/deadLetterExchange/);
    await expect(ch.queueDeclare('rmq4-never', { deadLetterStrategy: 'at-most-once' })).rejects.toBeInstanceOf(EncodeError);
    await expect(ch.queueDeclare('rmq4-never', { queueType: 'classic', initialGroupSize: 3 })).rejects.toThrow(/quorum/);
    expect(ch.isOpen).toBe(true);
  });

  it('a quorum queue with typed arguments: initial group size and leader locator', async () => {
    const ch = await channel();
    const q = await queue(ch, { queueType: 'quorum', initialGroupSize: 1, leaderLocator: 'balanced', deliveryLimit: 5 }, 'rmq4-qq');
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });
});
