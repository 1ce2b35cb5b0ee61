/**
 * kombu's "media" example, written with warren's entities: an Exchange and two Queues described
 * as values, a Producer with defaults, one consumer over both queues with a callback, a
 * drain_events-style polling loop with a timeout (no message lost to a timeout), and a custom
 * serializer chosen by content type.
 * https://docs.celeryq.dev/projects/kombu/en/stable/userguide/introduction.html
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/kombu-style.ts
 */
import { connect, consumeMany, declare, Exchange, Producer, Queue, verify, type Serializer } from '../runtime/index.js';
import { runMain } from './run-main.js';

/** What the producer sends. */
interface Media {
  name: string;
  size: number;
}

/** A toy "key=value;" serializer, to show register() and content-type dispatch. */
const keyValue: Serializer<Record<string, string | number>> = {
  contentType: 'application/x-key-value',
  encode: (v) => new TextEncoder().encode(Object.entries(v).map(([k, x]) => `${k}=${x};`).join('')),
  decode: (body) => Object.fromEntries(new TextDecoder().decode(body).split(';').filter(Boolean).map((kv) => kv.split('='))),
};

export async function main(url: string, prefix = 'media'): Promise<{ processed: string[]; polled: string[]; verified: boolean }> {
  await using connection = await connect(url);
  const channel = await connection.channel({ prefetch: 10, confirm: true });
  channel.serializers = channel.serializers.extend().register(keyValue);

  // The topology as values (kombu: Exchange('media', 'direct'), Queue('video', exchange=..., routing_key='video')).
  const media = new Exchange(prefix, { type: 'direct', durable: false });
  const video = new Queue(`${prefix}.video`, { exchange: media, routingKey: 'video', durable: false });
  const images = new Queue(`${prefix}.images`, { exchange: media, routingKey: 'images', durable: false });
  await declare(channel, [media, video, images]); // idempotent; recorded for recovery
  const verified = (await verify(connection, [media, video, images])).ok;

  // A producer with defaults: each publish names only what differs.
  const producer = new Producer(channel, { exchange: media, routingKey: 'video', properties: { persistent: false } });
  await producer.publish({ name: '/tmp/lolcat1.avi', size: 1301013 } satisfies Media);
  await producer.publish({ name: '/tmp/lolcat2.png', size: 5012 }, { routingKey: 'images' });
  await producer.publish({ name: '/tmp/lolcat3.avi', size: 77 }, { serializer: 'application/x-key-value' });
  console.log(' [x] Sent 3 media files');

  // One consumer over both queues, with a callback (kombu: Consumer([video, images], callbacks=[...])).
  const processed: string[] = [];
  let done!: () => void;
  const allProcessed = new Promise<void>((resolve) => (done = resolve));
  const consumer = await consumeMany<Media>(channel, [video.attach(channel), images.attach(channel)], async (message) => {
    const file = message.payload; // decoded by content type: JSON or key-value
    processed.push(`${message.routingKey}: ${file.name} (${file.size} bytes)`);
    console.log(` [x] Got ${message.routingKey} ${file.name}`);
    message.ack();
    if (processed.length === 3) done();
  });
  await allProcessed;
  await consumer.close(); // drains: waits for handlers, sends their acks, cancels both queues

  // drain_events(timeout=...): a polling loop that never loses a message to a timeout.
  await producer.publish({ name: '/tmp/late.avi', size: 1 });
  const polling = await video.attach(channel).consume<Media>();
  const polled: string[] = [];
  for (let idle = 0; idle < 3; ) {
    const message = await polling.receive({ timeout: 100 });
    if (!message) {
      idle++;
      continue;
    }
    polled.push(message.payload.name);
    message.ack();
  }
  await polling.close();

  for (const q of [video, images]) await q.attach(channel).delete();
  await media.attach(channel).delete();
  return { processed: processed.sort(), polled, verified };
}

runMain(import.meta.url, main);
