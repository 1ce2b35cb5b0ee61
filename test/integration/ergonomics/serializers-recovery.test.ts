/**
 * A publish made while the connection recovers waits in the channel's backlog; it is measured
 * (and its input checked) at once, with the channel's own serializer registry, not the built-in
 * one: a compression or a content type that only the channel's registry knows must not fail the
 * publish because the connection is down at that moment.
 */
import { afterEach, expect, it } from 'vitest';
import { connect, createSerializers, kombuSerializers, type Connection, type Serializer } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const shouting: Serializer<string> = {
  contentType: 'text/x-shout',
  encode: (s) => new TextEncoder().encode(s.toUpperCase()),
  decode: (b) => new TextDecoder().decode(b),
};

it("publishes while recovering are prepared with the channel's registry (its compressions and content types)", async () => {
  const name = uniqueName('rec-serializers');
  const conn = await connect(amqpUrl(), { connectionName: name, serializers: kombuSerializers() });
  open.push(conn);
  const ch = await conn.channel({ confirm: true });
  ch.serializers = ch.serializers.extend().register(shouting);
  const q = (await ch.queueDeclare(uniqueName('rec-serializers-q'), { durable: false })).queue;
  const disconnected = nextEvent(conn, 'disconnected');
  await closeConnection(name, 'recovery test');
  await disconnected;
  expect(ch.isRecovering).toBe(true);
  const sent = Promise.all([ch.sendToQueue(q, { id: 1 }, { compression: 'zlib' }), ch.sendToQueue(q, 'hi', { serializer: 'text/x-shout' })]);
  expect(ch.waitingPublishes).toBe(2);
  await sent;
  const zipped = await ch.get(q, { noAck: true });
  expect(zipped?.properties.headers).toEqual({ compression: 'application/x-gzip' });
  expect(zipped?.payload).toEqual({ id: 1 });
  expect((await ch.get(q, { noAck: true }))?.text()).toBe('HI');
  expect(createSerializers().compression('zlib')).toBeUndefined(); // the built-in registry has none
  await ch.queueDelete(q);
});
