/**
 * A channel opened with an explicit number keeps it across an automatic recovery (issue 20
 * item 10): the replay re-opens it with the same number, before the channels that take the next
 * free one, so that none of those can take it first.
 */
import { afterEach, expect, it } from 'vitest';
import { connect, type Connection, type RecoveredEvent } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

it('connection.channel({ id }) keeps its number after recovery, even when another channel would take it first', async () => {
  const name = uniqueName('rec-id');
  const conn = await connect(amqpUrl(), { connectionName: name });
  open.push(conn);
  // The new connection numbers channels from 1 again, in the order they were opened: `later`
  // (opened first, number 3 now) would get 1 there, the number `pinned` asks for.
  const [a, b, later] = [await conn.channel(), await conn.channel(), await conn.channel()];
  expect([a.id, b.id, later.id]).toEqual([1, 2, 3]);
  await a.close();
  await b.close();
  const pinned = await conn.channel({ id: 1, confirm: true });
  const high = await conn.channel({ id: 42 });
  expect([pinned.id, high.id]).toEqual([1, 42]);

  const recovered = nextEvent<[RecoveredEvent]>(conn, 'recovered');
  await closeConnection(name, 'recovery test');
  await recovered;

  expect(pinned.isOpen && high.isOpen && later.isOpen).toBe(true);
  expect(pinned.id).toBe(1);
  expect(high.id).toBe(42);
  expect(later.id).not.toBe(1);
  // The channels work under those numbers on the new connection.
  const q = (await pinned.queueDeclare(uniqueName('rec-id-q'), { durable: false, exclusive: true })).queue;
  await pinned.sendToQueue(q, 'on 1'); // confirmed
  expect((await high.get(q, { noAck: true }))?.text()).toBe('on 1');
  expect((await later.checkQueue(q)).messageCount).toBe(0);
});
