// The whole client over the transport seam, no socket: connect() with the `transport` option
// over an in-memory pipe (runtime/io/memory-transport.ts) to a scripted broker
// (test/helpers/scripted-peer.ts). What it proves: nothing above runtime/io needs node:net.
import { describe, expect, it } from 'vitest';
import { connect, type Message } from '../../../runtime/index.js';
import { ScriptedBroker, utf8 } from '../../helpers/scripted-peer.js';

async function open(onBroker: (b: ScriptedBroker) => void = () => undefined) {
  let broker: ScriptedBroker | undefined;
  const conn = await connect({ transport: ScriptedBroker.factory((b) => onBroker((broker = b))), recovery: false });
  return { conn, broker: broker! };
}

describe('a connection over an in-memory transport', () => {
  it('runs the handshake, opens a channel, publishes with confirms, consumes and closes', async () => {
    const { conn, broker } = await open();
    expect(conn.isOpen).toBe(true);
    expect(broker.methods('connection.start-ok')).toHaveLength(1);
    expect(conn.broker.product).toBe('RabbitMQ');

    const ch = await conn.channel({ confirm: true });
    expect(ch.confirmMode).toBe(true);
    await ch.publish('', 'q', 'hello', { messageId: 'm1' });
    const [published] = broker.methods('basic.publish');
    expect(published!.channel).toBe(ch.id);
    expect(published!.method).toMatchObject({ exchange: '', routingKey: 'q' });
    expect(new TextDecoder().decode(published!.content!.body)).toBe('hello');
    expect(published!.content!.properties.messageId).toBe('m1');
    expect(ch.unconfirmed).toBe(0);

    const received: Message[] = [];
    const consumer = await ch.consume('q', (m) => {
      received.push(m);
      m.ack();
    });
    const [consume] = broker.methods('basic.consume');
    expect(consume!.method).toMatchObject({ queue: 'q', noAck: false });
    broker.deliver(ch.id, { kind: 'basic.deliver', consumerTag: consumer.tag, deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' }, utf8('one'), { contentType: 'text/plain' });
    broker.deliver(ch.id, { kind: 'basic.deliver', consumerTag: consumer.tag, deliveryTag: 2, redelivered: false, exchange: '', routingKey: 'q' }, utf8('two'), { contentType: 'text/plain' });
    // The two acks of one turn go out as one multiple ack (acks.ts), through the same pipe.
    await broker.until(() => broker.methods('basic.ack').some((a) => Number((a.method as unknown as { deliveryTag: number }).deliveryTag) === 2));
    expect(received.map((m) => m.text())).toEqual(['one', 'two']);

    await conn.close();
    expect(broker.methods('connection.close')).toHaveLength(1);
    expect(conn.state).toBe('closed');
    await broker.until(() => broker.ended);
  });

  it('a nack from the broker rejects the confirmed publish with NackError', async () => {
    const { conn } = await open((b) =>
      b.on('basic.publish', (m, broker) => {
        broker.method(m.channel, { kind: 'basic.nack', deliveryTag: 1, multiple: false, requeue: false });
        return true;
      }),
    );
    const ch = await conn.channel({ confirm: true });
    await expect(ch.publish('', 'q', 'x')).rejects.toMatchObject({ name: 'NackError' });
    await conn.close();
  });

  it('a reset of the pipe is a ConnectionLostError on the connection', async () => {
    const { conn, broker } = await open();
    const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
    conn.on('error', () => undefined);
    broker.end.fail(new Error('ECONNRESET'));
    expect((await closed)?.name).toBe('ConnectionLostError');
  });
});
