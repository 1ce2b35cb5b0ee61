/**
 * Outgoing limits against the real broker: a method frame or content header larger than the
 * negotiated frame_max (131072) would make RabbitMQ close the whole connection with 501 (every
 * channel and in-flight confirm lost). warren refuses it on the call with an EncodeError,
 * nothing is written, and the connection, the channel and its confirm numbering go on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, EncodeError, type Connection } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close();
  conn = undefined;
});

const huge = { 'x-huge': 'x'.repeat(200_000) };

async function setup() {
  conn = await connect(amqpUrl(), { recovery: false });
  expect(conn.tune.frameMax).toBe(131072);
  const errors: Error[] = [];
  conn.on('error', (e) => errors.push(e));
  const ch = await conn.channel();
  const queue = uniqueName('limits');
  await ch.queueDeclare(queue, { exclusive: true });
  return { conn, ch, queue, errors };
}

describe('frames over frame_max are refused before a byte is sent', () => {
  it('queue.declare with a 200 KB arguments table: EncodeError; the connection and channel go on', async () => {
    const { conn, ch, queue, errors } = await setup();
    const e = await ch.queueDeclare(uniqueName('limits-huge'), { exclusive: true, arguments: huge }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EncodeError);
    expect((e as Error).message).toMatch(/queue\.declare.*over frame_max 131072/);
    const e2 = await ch.call('exchange.declare', { exchange: uniqueName('limits-x'), type: 'fanout', arguments: huge }).catch((x: unknown) => x);
    expect(e2).toBeInstanceOf(EncodeError);
    // The broker saw nothing wrong: same connection, same channel, still working.
    const ok = await ch.queueDeclare(queue, { exclusive: true });
    expect(ok.queue).toBe(queue);
    expect(conn.isOpen && ch.isOpen).toBe(true);
    expect(errors).toEqual([]);
  });

  for (const size of [10, 64 * 1024, 1024 * 1024]) {
    it(`publish with a 200 KB headers table, body of ${size} bytes: EncodeError; confirms go on`, async () => {
      const { conn, ch, queue, errors } = await setup();
      await ch.confirmSelect();
      await ch.publish('', queue, 'before');
      const e = await ch.publish('', queue, new Uint8Array(size), { headers: huge }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EncodeError);
      expect((e as Error).message).toMatch(/content header frame is \d+ bytes, over frame_max 131072/);
      await ch.publish('', queue, new Uint8Array(size).fill(7), { headers: { small: 1 } }); // confirmed: numbering intact
      const first = await ch.get(queue, { noAck: true });
      const second = await ch.get(queue, { noAck: true });
      expect(first?.text()).toBe('before');
      expect(second?.body.length).toBe(size);
      expect(await ch.get(queue)).toBeNull();
      expect(conn.isOpen && ch.isOpen).toBe(true);
      expect(errors).toEqual([]);
    });
  }
});
