/**
 * Entities, points left open before (issue 20 items 7 and 10): a consumeMany() delivery names
 * the consumer the application holds; a per-message serializer of a Producer labels the message
 * with its own content type, not the producer's default; re-declaring a server-named queue
 * (its bound copy, or the entity declared on the same connection) declares that queue again
 * rather than a second one.
 */
import { describe, expect, it } from 'vitest';
import { Producer, Queue, consumeMany, declare, type Serializer } from 'warren';
import { channel, connection, queue, take } from '../messaging/fixture.js';

describe('consumeMany', () => {
  it("a delivery's message.consumer is the MultiConsumer the application holds; its receive() gives the next one", async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const [q1, q2] = [await queue(ch, {}, 'many-a'), await queue(ch, {}, 'many-b')];
    const many = await consumeMany(ch, [q1, q2], { noAck: true });
    await ch.sendToQueue(q1, 'one');
    await ch.sendToQueue(q2, 'two');
    const first = (await many.receive())!;
    expect(first.consumer).toBe(many);
    const second = await first.consumer!.receive();
    expect(second?.consumer).toBe(many);
    expect([first.text(), second!.text()].sort()).toEqual(['one', 'two']);
    await many.close();
  });
});

describe('Producer', () => {
  it("a per-message serializer labels the message with its content type, over the producer's default", async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, {}, 'producer-ct');
    const upper: Serializer<string> = { contentType: 'text/x-upper', encode: (s) => new TextEncoder().encode(s.toUpperCase()), decode: (b) => new TextDecoder().decode(b).toLowerCase() };
    const producer = new Producer(ch, { routingKey: q, properties: { contentType: 'application/json' } });
    await producer.publish('shout', { serializer: upper });
    await producer.publish({ a: 1 });
    await producer.publish('plain', { serializer: upper, contentType: 'text/x-mine' }); // an explicit one still wins
    const [a, b, c] = await take(await ch.consume(q, { noAck: true }), 3);
    expect([a!.properties.contentType, a!.text()]).toEqual(['text/x-upper', 'SHOUT']);
    expect([b!.properties.contentType, b!.payload]).toEqual(['application/json', { a: 1 }]);
    expect(c!.properties.contentType).toBe('text/x-mine');
  });
});

describe('server-named queues', () => {
  it('re-declaring the bound copy declares the same queue again, not a second one', async () => {
    const conn = await connection();
    const ch = await conn.channel();
    const [declared] = (await declare(ch, [new Queue('', { exclusive: true })])) as [Queue];
    const again = await declared.declare();
    expect(again.name).toBe(declared.name);
    expect(again.serverNamed).toBe(true);
    expect(conn.topology.queues().filter((r) => r.name.startsWith('amq.gen-'))).toHaveLength(1);
  });

  it('re-declaring the entity itself on the same connection declares the queue it named before', async () => {
    const conn = await connection();
    const ch = await conn.channel();
    const entity = new Queue('', { exclusive: true });
    const [first] = (await declare(ch, [entity])) as [Queue];
    const [second] = (await declare(ch, [entity])) as [Queue];
    expect(second.name).toBe(first.name);
    expect(conn.topology.queues().filter((r) => r.name.startsWith('amq.gen-'))).toHaveLength(1);
    // On another connection it is a new queue: an exclusive server-named queue is that connection's.
    const [other] = (await declare(await (await connection()).channel(), [entity])) as [Queue];
    expect(other.name).not.toBe(first.name);
  });
});
