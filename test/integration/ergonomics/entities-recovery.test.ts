/**
 * Entities and recovery share one record of the topology: what declare() declared is what the
 * recovery replays, a server-named queue's entity follows its new name, and a consumer over
 * several queues keeps yielding from all of them after the connection is lost and recovered.
 */
import { afterEach, expect, it } from 'vitest';
import { Exchange, Queue, connect, consumeMany, declare, type Connection, type Message } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

it('declared entities are replayed by recovery; a server-named queue entity follows its new name; a multi-queue consumer goes on', async () => {
  const name = uniqueName('ent-rec');
  const conn = await connect(amqpUrl(), { connectionName: name });
  open.push(conn);
  const ch = await conn.channel({ confirm: true });
  const x = new Exchange(uniqueName('ent-rec-x'), { type: 'direct', durable: false, autoDelete: false });
  const named = new Queue(uniqueName('ent-rec-q'), { exchange: x, routingKey: 'named', durable: false, exclusive: true });
  const anon = new Queue('', { exchange: x, routingKey: 'anon' }); // server-named: exclusive, dies with the connection
  const [, namedQ, anonQ] = (await declare(ch, [x, named, anon])) as [Exchange, Queue, Queue];
  const before = anonQ.name;
  expect(before).toMatch(/^amq\.gen-/);
  expect(conn.topology.bindings().map((b) => b.routingKey).sort()).toEqual(['anon', 'named']);

  const multi = await consumeMany(ch, [namedQ, anonQ]);
  const received = async (): Promise<string> => ((await multi.receive({ timeout: 10_000 })) as Message).text();
  await x.attach(ch).publish('named', 'n1');
  await x.attach(ch).publish('anon', 'a1');
  const first = [await received(), await received()].sort();
  expect(first).toEqual(['a1', 'n1']);

  const recovered = nextEvent(conn, 'recovered', 20_000);
  await closeConnection(name, 'entities recovery test');
  await recovered;

  // The exclusive queues died with the old connection and were declared again from the record,
  // with their bindings; the server-named one under a new name that the entity follows.
  expect(anonQ.currentName).not.toBe(before);
  expect(anonQ.currentName).toMatch(/^amq\.gen-/);
  expect(multi.consumers.map((c) => c.queue)).toEqual([namedQ.name, anonQ.currentName]);
  await x.attach(ch).publish('named', 'n2');
  await x.attach(ch).publish('anon', 'a2');
  const second = [await received(), await received()].sort();
  expect(second).toEqual(['a2', 'n2']);
  expect(multi.isEnded).toBe(false);
  await multi.close();
  await x.attach(ch).delete();
});
