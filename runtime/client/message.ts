/**
 * A message received from the broker (basic.deliver or basic.get-ok), with its settlement
 * methods. Settling goes through the channel's AckBatcher, which catches double settlement and
 * settling a no-ack delivery as a MessageSettledError before the broker would close the channel.
 */
import type { BasicProperties } from '../../generated/index.js';
import type { Long } from '../codec/index.js';
import { decodeText, type Body } from './body.js';
import type { PublishOptions } from './publisher.js';
import { MessageSettledError } from './acks.js';
import { acquiredCountOf, deathsOf, deliveryCountOf, SETTLE_OUTCOMES, type DeathRecord, type SettleOutcome } from './quorum.js';
import { streamOffsetOf } from './streams.js';

/** What a Message needs from its channel (the Channel implements it). */
export interface MessageOwner {
  /** Acks, nacks or rejects the message's delivery; false when the delivery is stale (see Message.isStale). */
  settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): boolean;
  /** True when the message came before the channel was recovered. */
  isStale(message: Message): boolean;
  /** Publishes a reply to the message's replyTo. */
  reply(message: Message, body: Body, options: PublishOptions | undefined): Promise<void>;
}

/** The delivery fields of a Message (basic.deliver or basic.get-ok). */
export interface MessageFields {
  deliveryTag: Long;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  /** The consumer's tag; undefined for basic.get. */
  consumerTag: string | undefined;
  /** Messages left in the queue; only for basic.get. */
  messageCount: number | undefined;
  /** False when the delivery needs no acknowledgement (no-ack consumer or get). */
  needsAck: boolean;
}

/** A received message: body, properties, delivery fields, and ack/nack/reject/reply. */
export class Message {
  readonly body: Uint8Array;
  readonly properties: BasicProperties;
  readonly deliveryTag: Long;
  readonly redelivered: boolean;
  readonly exchange: string;
  readonly routingKey: string;
  readonly consumerTag: string | undefined;
  readonly messageCount: number | undefined;
  /** @internal */ settled: boolean;
  /** @internal told after ack/nack/reject (a stream consumer tracks processed offsets) */ onSettled: ((multiple: boolean) => void) | undefined;
  /** @internal the channel's epoch at delivery (see Channel.epoch) */ readonly epoch: number;
  readonly #owner: MessageOwner;

  /** @internal */
  constructor(owner: MessageOwner, fields: MessageFields, properties: BasicProperties, body: Uint8Array, epoch = 0) {
    this.#owner = owner;
    this.epoch = epoch;
    this.body = body;
    this.properties = properties;
    this.deliveryTag = fields.deliveryTag;
    this.redelivered = fields.redelivered;
    this.exchange = fields.exchange;
    this.routingKey = fields.routingKey;
    this.consumerTag = fields.consumerTag;
    this.messageCount = fields.messageCount;
    this.settled = !fields.needsAck;
  }

  /** The body as text, in `encoding` or else the message's contentEncoding (default utf-8). */
  text(encoding?: string): string {
    const e = encoding ?? this.properties.contentEncoding;
    return decodeText(this.body, e && e !== 'identity' ? e : 'utf-8');
  }

  /** The body parsed as JSON (text decoded as with text()). */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /**
   * True when the message was delivered before its channel was recovered on a new connection.
   * Its delivery tag means nothing on the new channel, and the broker requeued the message when
   * the old connection died (it will come again, with `redelivered` set): settling it is a
   * no-op, and ack(), nack() and reject() return false.
   */
  get isStale(): boolean {
    return this.#owner.isStale(this);
  }

  /**
   * Acknowledges this delivery (and with `multiple`, every earlier unsettled one on the channel).
   * Returns false, sending nothing, when the message is stale (see isStale).
   */
  ack(options?: { multiple?: boolean }): boolean {
    const sent = this.#owner.settle(this, 'ack', options?.multiple ?? false, false);
    if (sent) this.onSettled?.(options?.multiple ?? false);
    return sent;
  }

  /** Negatively acknowledges (RabbitMQ extension); requeues by default. False when stale (nothing sent). */
  nack(options?: { requeue?: boolean; multiple?: boolean }): boolean {
    const sent = this.#owner.settle(this, 'nack', options?.multiple ?? false, options?.requeue ?? true);
    if (sent) this.onSettled?.(options?.multiple ?? false);
    return sent;
  }

  /** Rejects this delivery; requeues by default. False when stale (nothing sent). */
  reject(options?: { requeue?: boolean }): boolean {
    const sent = this.#owner.settle(this, 'reject', false, options?.requeue ?? true);
    if (sent) this.onSettled?.(false);
    return sent;
  }

  /**
   * Settles with an outcome named for what it does on a quorum queue (see {@link SettleOutcome}):
   * `accepted` (ack), `failed` (reject + requeue: counts toward the delivery limit), `returned`
   * (nack + requeue: on RabbitMQ 4.x does not count), `discarded` (reject: dead-letter or drop).
   * False when the message is stale (see isStale).
   */
  settle(outcome: SettleOutcome): boolean {
    const o = SETTLE_OUTCOMES[outcome];
    if (!o) throw new TypeError(`unknown settle outcome ${String(outcome)}: accepted, failed, returned or discarded`);
    if (o.how === 'ack') return this.ack();
    if (o.how === 'nack') return this.nack({ requeue: o.requeue });
    return this.reject({ requeue: o.requeue });
  }

  /** Quorum queues: failed deliveries so far (`x-delivery-count`; 0 when absent). RabbitMQ 4.x counts `failed` returns only, 3.x every requeue. */
  get deliveryCount(): number {
    return deliveryCountOf(this.properties.headers);
  }

  /** Quorum queues on RabbitMQ 4.x: earlier acquisitions of this message, whatever ended them (`x-acquired-count`); undefined where the broker does not send it. */
  get acquiredCount(): number | undefined {
    return acquiredCountOf(this.properties.headers);
  }

  /** The parsed `x-death` history (most recent first); empty when never dead-lettered. */
  get deaths(): DeathRecord[] {
    return deathsOf(this.properties.headers);
  }

  /** Streams: this delivery's offset (`x-stream-offset`; a bigint beyond 2^53), undefined for other queues. */
  get streamOffset(): Long | undefined {
    return streamOffsetOf(this.properties.headers);
  }

  /**
   * Publishes a reply to this message's replyTo, with its correlationId (RPC). Rejects with an
   * error when the message has no replyTo.
   */
  reply(body: Body, options?: PublishOptions): Promise<void> {
    return this.#owner.reply(this, body, options);
  }

  /** @internal throws unless this message can still be settled */
  checkSettle(): void {
    if (this.settled) {
      throw new MessageSettledError(`delivery ${this.deliveryTag} is already settled (acked, nacked, rejected, or received in no-ack mode)`);
    }
  }
}
