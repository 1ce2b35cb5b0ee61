/**
 * Short, known sessions against the test broker, through a given URL, for the inspector's tests:
 * what each does is returned so a test can check the decoded traffic against it.
 */
import amqplib from 'amqplib';
import { connect, orderedTable } from 'warren';
import { uniqueName } from '../../helpers/broker.js';

/** What a session did. */
export interface SessionFacts {
  readonly queue: string;
  readonly body: string;
  readonly secretRotated: boolean;
  /** Headers published with keys x-b, 9, 1 in that order. */
  readonly headersInOrder: boolean;
}

/**
 * warren: declare a queue, publish one message with headers whose keys JavaScript would reorder,
 * get it back, ack, rotate the secret (update-secret), delete the queue, close.
 */
export async function warrenSession(url: string): Promise<SessionFacts> {
  const queue = uniqueName('inspect');
  const body = `hello from warren ${queue}`;
  const connection = await connect(url);
  try {
    const ch = await connection.channel();
    await ch.queueDeclare(queue, { durable: false });
    await ch.confirmSelect();
    await ch.publish('', queue, body, { headers: orderedTable([['x-b', 1], ['9', 'nine'], ['1', true]]), messageId: 'm-1' });
    const m = await ch.get(queue);
    if (!m || m.text() !== body) throw new Error('session: the message did not come back');
    m.ack();
    await connection.updateSecret('guest', 'inspector test');
    await ch.queueDelete(queue);
  } finally {
    await connection.close();
  }
  return { queue, body, secretRotated: true, headersInOrder: true };
}

/** amqplib: the same without update-secret (amqplib has none). */
export async function amqplibSession(url: string): Promise<SessionFacts> {
  const queue = uniqueName('inspect-amqplib');
  const body = `hello from amqplib ${queue}`;
  const connection = await amqplib.connect(url);
  try {
    const ch = await connection.createChannel();
    await ch.assertQueue(queue, { durable: false });
    ch.sendToQueue(queue, Buffer.from(body), { headers: { 'x-b': 1 }, messageId: 'm-1' });
    let m: amqplib.GetMessage | false = false;
    for (let i = 0; i < 50 && !m; i++) {
      m = await ch.get(queue);
      if (!m) await new Promise((r) => setTimeout(r, 20));
    }
    if (!m || m.content.toString() !== body) throw new Error('session: the message did not come back');
    ch.ack(m);
    await ch.deleteQueue(queue);
    await ch.close();
  } finally {
    await connection.close();
  }
  return { queue, body, secretRotated: false, headersInOrder: false };
}
