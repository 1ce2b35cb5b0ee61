/** Shared setup of the warren/amqplib tests: models closed after each test, unique names, waiting for events. */
import { afterEach } from 'vitest';
import * as amqp from 'warren/amqplib';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

const open: amqp.ChannelModel[] = [];

afterEach(async () => {
  for (const m of open.splice(0)) if (m.warren.isOpen) await m.close().catch(() => undefined);
});

/** A model on the test broker, closed after the test. */
export async function model(options?: amqp.SocketOptions): Promise<amqp.ChannelModel> {
  const m = await amqp.connect(amqpUrl(), options);
  open.push(m);
  return m;
}

/** A channel of a fresh model. */
export async function channel(): Promise<amqp.Channel> {
  return (await model()).createChannel();
}

/** A unique, auto-deleted (exclusive) queue name declared on `ch`. */
export async function queue(ch: amqp.Channel, options: amqp.AssertQueueOptions = {}): Promise<string> {
  return (await ch.assertQueue(uniqueName('amqplib'), { exclusive: true, durable: false, ...options })).queue;
}

/** Resolves with the next `event` of `emitter` (its arguments). */
export function next<T extends unknown[] = unknown[]>(emitter: { once(e: string, l: (...a: any[]) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...a: unknown[]) => resolve(a as T)));
}

/** Collects `n` deliveries of a consumer started on `ch` (acked or not, per `settle`). */
export async function collect(ch: amqp.Channel, q: string, n: number, options?: amqp.ConsumeOptions): Promise<amqp.ConsumeMessage[]> {
  const got: amqp.ConsumeMessage[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await ch.consume(q, (m) => {
    if (m) got.push(m);
    if (got.length === n) done();
  }, options);
  await all;
  return got;
}

export { uniqueName };
