/**
 * One consumer over several queues (kombu's Consumer(queues=[...])): one async iterator, one
 * receive(), or one callback for all of them; cancelling or closing it cancels every queue's
 * basic.consume.
 *
 * It is a Consumer (same iterator, receive(), concurrency, drain and events) whose deliveries
 * come from one plain consumer per queue on the same channel, each forwarding what it receives.
 * The per-queue consumers are ordinary recorded consumers, so recovery consumes again on each
 * queue and the forwarding goes on. When the broker cancels one of them (its queue was
 * deleted), the others are cancelled and the MultiConsumer ends with that reason.
 */
import type { Channel } from '../channel.js';
import { Consumer, type ConsumeHandler, type ConsumeOptions } from '../consumer.js';
import type { Message } from '../message.js';
import { Queue } from './entities.js';

/** A consumer over several queues; `consumers` are the per-queue basic.consume consumers. */
export class MultiConsumer<T = unknown> extends Consumer<T> {
  /** The queues consumed, in the order given. */
  readonly queues: readonly string[];
  /** One plain consumer per queue (their deliveries come out of this one). */
  readonly consumers: readonly Consumer[];

  /** @internal use consumeMany() */
  constructor(channel: Channel, queues: readonly string[], subs: Consumer[], handler: ConsumeHandler<T> | undefined, options: ConsumeOptions) {
    super(
      {
        cancelConsumer: async () => void (await Promise.all(subs.map((s) => s.cancel()))),
        requeue: (messages: readonly Message[]) => channel.requeue(messages),
        flushAcks: () => channel.flushAcks(),
      },
      queues.join(','),
      handler,
      options,
    );
    this.queues = queues;
    this.consumers = subs;
    this.tag = subs.map((s) => s.consumerTag).join(',');
    for (const s of subs) s.forwardTo(this as unknown as Consumer);
  }

  /** @internal a delivery forwarded by a per-queue consumer: the application holds this consumer, so `message.consumer` names it */
  override push(m: Parameters<Consumer['push']>[0]): void {
    (m as Message).consumerRef = this as unknown as Consumer;
    super.push(m);
  }

  /** @internal ends with the first queue's consumer that ends (cancelled by the broker, or by tag): the others are cancelled */
  override end(error: Error | undefined): void {
    if (this.isEnded) return;
    for (const s of this.consumers) void s.cancel().catch(() => undefined);
    super.end(error);
  }
}

/**
 * Consumes from several queues at once on one channel: `for await (const m of await
 * consumeMany(ch, [q1, q2, q3]))`, `receive()`, or with a handler. `options` apply to each
 * queue's basic.consume (a `consumerTag` gets the queue's index appended; `prefetch` is set
 * once, before the first) and to the one consumer (concurrency, onHandlerError, undecodable).
 */
export async function consumeMany<T = unknown>(channel: Channel, queues: readonly (Queue | string)[], handler?: ConsumeHandler<T> | ConsumeOptions, options: ConsumeOptions = {}): Promise<MultiConsumer<T>> {
  if (typeof handler === 'object') [handler, options] = [undefined, handler];
  if (queues.length === 0) throw new TypeError('consumeMany() needs at least one queue');
  const names = queues.map((q) => (q instanceof Queue ? q.currentName : q));
  const { concurrency, onHandlerError, undecodable, prefetch, globalPrefetch, consumerTag, ...perQueue } = options;
  if (prefetch !== undefined) await channel.prefetch(prefetch, { global: globalPrefetch ?? false });
  const subs: Consumer[] = [];
  try {
    for (const [i, name] of names.entries()) {
      subs.push(await channel.consume(name, { ...perQueue, ...(consumerTag ? { consumerTag: `${consumerTag}-${i}` } : {}) }));
    }
    return new MultiConsumer<T>(channel, names, subs, handler, { concurrency, onHandlerError, undecodable });
  } catch (e) {
    // A consume refused, or options the MultiConsumer refuses (concurrency 0): no consumer stays
    // behind, and what the others received already goes back to its queue.
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
    throw e;
  }
}
