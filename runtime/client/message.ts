/**
 * A message received from the broker (basic.deliver or basic.get-ok), with its settlement
 * methods. Settling goes through the channel's AckBatcher, which catches double settlement and
 * settling a no-ack delivery as a MessageSettledError before the broker would close the channel.
 *
 * Settlement defaults are the safe ones: `reject()` and `nack()` do NOT requeue unless asked
 * (`{ requeue: true }`, or `requeue()`), so that a message an error path gives up on goes to
 * the queue's dead-letter exchange (or is dropped) instead of looping back forever, as in kombu
 * and aioamqp.
 */
import type { BasicProperties } from '../../generated/index.js';
import type { Long } from '../codec/index.js';
import type { Body } from './body.js';
import type { Channel } from './channel.js';
import type { Consumer } from './consumer.js';
import type { PublishOptions } from './publisher.js';
import { MessageSettledError } from './acks.js';
import { acquiredCountOf, deathsOf, deliveryCountOf, SETTLE_OUTCOMES, type DeathRecord, type SettleOutcome } from './rabbitmq/quorum.js';
import { streamOffsetOf } from './rabbitmq/stream-headers.js';
import { RetryError, retryMessage, type RetryNext } from './retry/settle.js';
import { bodyText, defaultSerializers, type SerializerRegistry } from './serializers.js';

/** What a Message needs from its channel (the Channel implements it). */
export interface MessageOwner {
  /** Acks, nacks or rejects the message's delivery; false when the delivery is stale (see Message.isStale). */
  settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): boolean;
  /** True when the message came before the channel was recovered. */
  isStale(message: Message): boolean;
  /** Publishes a reply to the message's replyTo. */
  reply(message: Message, body: Body, options: PublishOptions | undefined): Promise<void>;
  /** The serializers that decode `payload` (default: the built-ins). */
  readonly serializers?: SerializerRegistry;
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

/**
 * A received message: body, properties, delivery fields, its decoded `payload`, and
 * ack/nack/reject/requeue/reply. `T` is the payload's type as the application expects it
 * (nothing checks it at run time: validate untrusted input).
 */
export class Message<T = unknown> {
  /**
   * The body's bytes. Often a view into a larger block shared with other deliveries (as Node's
   * pooled Buffers are): mind `byteOffset` when using `body.buffer`, and copy it (`body.slice()`)
   * to keep a few small bodies for long without keeping their blocks. On Node the blocks are
   * untransferable: posting `body.buffer` to a worker with `transfer` copies it.
   */
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
  /** @internal a stream consumer's delivery: every settlement is sent as basic.ack (rabbitmq/stream-consumer.ts) */ streamDelivery = false;
  /** @internal the channel's epoch at delivery (see Channel.epoch) */ readonly epoch: number;
  /** @internal set by the channel for a consumer's delivery */ consumerRef: Consumer | undefined;
  readonly #owner: MessageOwner;
  #payload: { value: unknown } | undefined; // unknown: keeps Message<T> covariant in T

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
    return bodyText(this.body, this.properties, encoding);
  }

  /**
   * The body decoded by the serializer its content type names (see SerializerRegistry): JSON
   * for `application/json`, text for `text/*`, the bytes when there is no content type, or a
   * serializer you registered. Decoded once, then cached. Throws UnknownContentTypeError or
   * PayloadError (typed, with the serializer's error as `cause`) when it cannot be read.
   */
  get payload(): T {
    this.#payload ??= { value: this.decode<T>() };
    return this.#payload.value as T;
  }

  /** Decodes the body as `payload` does, with another registry if given (not cached). */
  decode<U = T>(serializers?: SerializerRegistry): U {
    return (serializers ?? this.#owner.serializers ?? defaultSerializers()).decode<U>(this.body, this.properties);
  }

  /** The channel the message came on (settle on it, publish on it, close it). */
  get channel(): Channel {
    return this.#owner as Channel;
  }

  /** The consumer that received it; undefined for basic.get. */
  get consumer(): Consumer<T> | undefined {
    return this.consumerRef as Consumer<T> | undefined;
  }

  /** The body parsed as JSON (text decoded as with text()). */
  json<U = unknown>(): U {
    return JSON.parse(this.text()) as U;
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
    const sent = this.#owner.settle(this as Message, 'ack', options?.multiple ?? false, false);
    if (sent) this.onSettled?.(options?.multiple ?? false);
    return sent;
  }

  /**
   * Negatively acknowledges (RabbitMQ extension), with `multiple` every earlier unsettled
   * delivery too. Does not requeue unless `requeue: true`: the message is dead-lettered (or
   * dropped when its queue has no dead-letter exchange). False when stale (nothing sent).
   */
  nack(options?: { requeue?: boolean; multiple?: boolean }): boolean {
    const sent = this.#owner.settle(this as Message, 'nack', options?.multiple ?? false, options?.requeue ?? false);
    if (sent) this.onSettled?.(options?.multiple ?? false);
    return sent;
  }

  /**
   * Rejects this delivery (basic.reject). Does not requeue unless `requeue: true`: the message
   * goes to its queue's dead-letter exchange, or is dropped. (amqplib requeues by default;
   * kombu, aioamqp and warren do not, so that a poison message cannot loop forever.) False when
   * stale (nothing sent).
   */
  reject(options?: { requeue?: boolean }): boolean {
    const sent = this.#owner.settle(this as Message, 'reject', false, options?.requeue ?? false);
    if (sent) this.onSettled?.(false);
    return sent;
  }

  /** Gives the message back to its queue for another delivery (basic.reject with requeue). False when stale. */
  requeue(): boolean {
    const sent = this.#owner.settle(this as Message, 'reject', false, true);
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
    // Own keys only: 'constructor' or 'toString' must not fall through to a discarding reject.
    const o = Object.hasOwn(SETTLE_OUTCOMES, outcome) ? SETTLE_OUTCOMES[outcome] : undefined;
    if (!o) throw new TypeError(`unknown settle outcome ${String(outcome)}: accepted, failed, returned or discarded`);
    if (o.how === 'ack') return this.ack();
    if (o.how === 'nack') return this.nack({ requeue: o.requeue });
    return this.reject({ requeue: o.requeue });
  }

  /**
   * Retries this message after a delay with the retry plan of its consumer (consume option
   * `retry`): native delayed retry (RabbitMQ 4.3 quorum queues) or TTL retry tiers. Returns the
   * attempt and delay that follow, or `deadLetter` when its retries are used up (it is then
   * dead-lettered). Throws RetryError for a message whose consumer has no plan (or a get).
   */
  retry(): RetryNext & { sent: boolean } {
    const plan = this.consumerRef?.retryPlan;
    if (!plan) throw new RetryError('this message has no retry plan: consume with { retry: plan } (nativeRetry(), retryTiers() or retryPlan()), or call retryMessage(message, plan)');
    return retryMessage(this, plan);
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
