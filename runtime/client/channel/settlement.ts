/**
 * Settlement of one channel's deliveries: ack, nack and reject by Message or by tag, the ack
 * batching (acks.ts), the checks that catch a double or unknown settlement before the broker
 * would close the channel, and the requeue of deliveries a consumer never handed out.
 *
 * Theory of operation. Tags are per channel life: `reset(link)` (open, and every re-open by the
 * replay) starts a new batcher writing to the new link and forgets the last tag; a Message
 * remembers the epoch it was delivered in, and one from an older epoch is stale: settling it
 * sends nothing (the broker requeued it when the old connection died). Acks are held in the
 * batcher and go out with the connection's next flush (`host.ackPending()` registers the
 * channel for it); nacks and rejects go out at once. A multiple settlement also settles other
 * consumers' deliveries up to its tag: `multipleSettled` listeners hear it (stream consumers
 * track their offsets with it), and `streamDeliveryThrough` guards refuse a multiple nack that
 * would cover a stream delivery (RabbitMQ 3.10 closes the connection on it).
 */
import type { AnyMethod, Long } from '../../codec/index.js';
import { AckBatcher, MessageSettledError } from '../acks.js';
import type { Link } from '../session/link.js';

export type SettleHow = 'ack' | 'nack' | 'reject';

/** A delivery as settlement sees it (message.ts Message). */
export interface Settleable {
  readonly deliveryTag: Long;
  /** The channel's epoch when it was delivered. */
  readonly epoch: number;
  /** A stream consumer's delivery: every settlement goes out as an ack. */
  readonly streamDelivery: boolean;
  settled: boolean;
  /** Throws unless it can still be settled. */
  checkSettle(): void;
}

/** What settlement needs of its channel (the Channel is one). */
export interface SettlementHost {
  readonly id: number;
  /** Counts the channel's lives (recoveries); deliveries of an older epoch are stale. */
  readonly epoch: number;
  /** Throws unless the channel can send now. */
  assertOpen(): void;
}

/** What the channel gives settlement besides itself. */
export interface SettlementHooks {
  /** Asks the connection to flush this channel's held acks with its next write. */
  ackPending(): void;
  /**
   * With tracing subscribers (and not inside a traced settle already), settles `message` through
   * the tracer (its events around a call back into the channel's settle()) and returns true.
   */
  traced(message: Settleable, how: SettleHow, multiple: boolean, requeue: boolean): boolean;
}

/** One channel's settlement state; see the module comment. */
export class Settlement {
  readonly #host: SettlementHost;
  readonly #hooks: SettlementHooks;
  #link!: Link;
  #acks!: AckBatcher;
  /** Highest delivery tag received in this life of the channel (deliver or get-ok). */
  #lastTag = 0;
  /** Told the tag of each multiple settlement sent: it also settled other consumers' deliveries (rabbitmq/stream-consumer.ts). */
  readonly multipleSettled = new Set<(through: number) => void>();
  /** True when a stream consumer holds an unsettled delivery with a tag up to `through` (rabbitmq/stream-consumer.ts). */
  readonly streamDeliveryThrough = new Set<(through: number) => boolean>();

  constructor(host: SettlementHost, hooks: SettlementHooks) {
    this.#host = host;
    this.#hooks = hooks;
  }

  /** A new life of the channel on `link`: held acks of the old one are dropped, tags start again. */
  reset(link: Link): void {
    this.#link = link;
    this.#acks = new AckBatcher((m) => link.queue(m as AnyMethod));
    this.#lastTag = 0;
  }

  /** A delivery (or get-ok) with `tag` arrived; one in no-ack mode is settled already. */
  delivered(tag: number, noAck: boolean): void {
    if (tag > this.#lastTag) this.#lastTag = tag;
    if (noAck) this.#acks.skip(tag);
  }

  /** How many deliveries a settlement of `tag` (with `multiple`) covers (for tracing). */
  covered(tag: number, multiple: boolean): number {
    return multiple ? this.#acks.unsettledThrough(tag) : 1;
  }

  /** How many deliveries of this life of the channel are unsettled (consumer-timeout.ts). */
  unsettledThroughLast(): number {
    return this.#acks.unsettledThrough(this.#lastTag);
  }

  isSettled(tag: number): boolean {
    return this.#acks.isSettled(tag);
  }

  /** Settles by tag (channel.ack/nack/reject and every settlement in the end). */
  settleTag(tag: number, how: SettleHow, multiple: boolean, requeue: boolean): void {
    if (!Number.isSafeInteger(tag) || tag < 1 || tag > this.#lastTag) {
      throw new MessageSettledError(`delivery tag ${tag} was not delivered on channel ${this.#host.id} (last tag ${this.#lastTag})`);
    }
    if (this.#acks.isSettled(tag)) throw new MessageSettledError(`delivery ${tag} is already settled (acked, nacked, rejected, or received in no-ack mode)`);
    this.#host.assertOpen();
    if (how === 'ack') {
      this.#acks.ack(tag, multiple);
      this.#hooks.ackPending();
    } else if (how === 'nack') this.#acks.nack(tag, multiple, requeue);
    else this.#acks.reject(tag, requeue);
    this.#link.flushSoon();
  }

  /** Message → ack/nack/reject; false when the message is stale (nothing is sent). */
  settle(message: Settleable, how: SettleHow, multiple: boolean, requeue: boolean): boolean {
    // On a stream every settlement only releases the delivery; RabbitMQ 3.10 closes the whole
    // connection (540) on basic.nack or basic.reject of a stream delivery (rabbitmq/stream-consumer.ts).
    if (message.streamDelivery && how !== 'ack') {
      // As an ack, `multiple` would also ack other consumers' deliveries that the caller meant to requeue.
      if (multiple) throw new TypeError(`${how} with multiple on a stream delivery: use ack({ multiple: true }) (on a stream every settlement is an ack; RabbitMQ 3.10 closes the connection on ${how})`);
      how = 'ack';
    }
    // A delivery from before a recovery: its tag names nothing (or another message) on the new
    // channel, and the broker requeued it when the old connection died.
    if (message.epoch !== this.#host.epoch) {
      message.checkSettle();
      return false;
    }
    if (!this.#hooks.traced(message, how, multiple, requeue)) this.apply(message, how, multiple, requeue);
    return true;
  }

  /** The settlement itself, once converted and checked for staleness (the tracer calls it inside its events). */
  apply(message: Settleable, how: SettleHow, multiple: boolean, requeue: boolean): void {
    message.checkSettle();
    const tag = Number(message.deliveryTag);
    if (multiple && how !== 'ack') {
      for (const f of this.streamDeliveryThrough) if (f(tag)) throw new TypeError(`${how} with multiple would cover a stream delivery on this channel (RabbitMQ 3.10 closes the connection with 540): settle each message, or consume the stream on its own channel`);
    }
    if (this.#acks.isSettled(tag)) {
      message.settled = true;
      message.checkSettle();
    }
    this.#host.assertOpen();
    message.settled = true;
    this.settleTag(tag, how, multiple, requeue);
    if (multiple) for (const f of this.multipleSettled) f(tag);
  }

  /** Gives back (nack, requeue) deliveries a consumer never handed out. */
  requeue(messages: readonly Settleable[]): void {
    for (const m of messages) {
      // Settled by tag, or by a multiple settlement of a later tag (another consumer's): nothing to give back.
      if (m.settled || this.#acks.isSettled(Number(m.deliveryTag))) m.settled = true;
      else this.settle(m, 'nack', false, true);
    }
  }

  /**
   * Held acks go out now, if `deliverable` (the channel open on an open connection); otherwise
   * they are dropped: the broker discards acks on a closing channel and requeues what they
   * would have settled.
   */
  flush(deliverable: boolean): void {
    if (!this.#acks.pending) return;
    if (!deliverable) return this.#acks.discard();
    this.#acks.flush();
  }
}
