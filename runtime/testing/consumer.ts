/**
 * A consumer as a channel holds it: the link between a queue and the channel's deliveries, with
 * its own prefetch (basic.qos global=false, taken when the consumer starts) and its share of the
 * channel-wide limit (basic.qos global=true, RabbitMQ 3.x semantics: shared by the channel's
 * consumers). The channel owns delivery tags and sends; the consumer only says whether it can
 * take one more message and counts what it holds.
 */
import type { Entry } from './message.js';
import type { Queue, QueueConsumer } from './queue.js';

/** What a consumer needs from its channel. */
export interface ConsumerChannel {
  /** False while the client paused the channel (channel.flow) or it is closing. */
  readonly active: boolean;
  /** basic.qos global=true limit (0: none) and what the channel's consumers hold against it. */
  readonly globalPrefetch: number;
  readonly globalUnacked: number;
  /** Sends basic.deliver and records the delivery tag. */
  deliverTo(consumer: ChannelConsumer, queue: Queue, entry: Entry): void;
  /** The queue was deleted: the channel forgets the consumer and may tell the client. */
  consumerGone(consumer: ChannelConsumer, notify: boolean): void;
}

/** A basic.consume subscription. */
export class ChannelConsumer implements QueueConsumer {
  readonly tag: string;
  readonly queue: Queue;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly priority: number;
  /** Per-consumer prefetch count (0: none). */
  readonly prefetch: number;
  /** Deliveries not yet settled. */
  unacked = 0;
  private readonly channel: ConsumerChannel;

  constructor(o: { tag: string; queue: Queue; noAck: boolean; exclusive: boolean; priority: number; prefetch: number; channel: ConsumerChannel }) {
    this.tag = o.tag;
    this.queue = o.queue;
    this.noAck = o.noAck;
    this.exclusive = o.exclusive;
    this.priority = o.priority;
    this.prefetch = o.prefetch;
    this.channel = o.channel;
  }

  canTake(): boolean {
    const ch = this.channel;
    if (!ch.active) return false;
    if (this.noAck) return true;
    if (this.prefetch > 0 && this.unacked >= this.prefetch) return false;
    return !(ch.globalPrefetch > 0 && ch.globalUnacked >= ch.globalPrefetch);
  }

  deliver(queue: Queue, entry: Entry): void {
    this.channel.deliverTo(this, queue, entry);
  }

  queueDeleted(): void {
    this.channel.consumerGone(this, true);
  }
}
