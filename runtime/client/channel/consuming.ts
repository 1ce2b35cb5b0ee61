/**
 * Consumers of one channel and the routing of deliveries to them.
 *
 * Theory of operation. A consumer is registered under the tag of its consume-ok, synchronously
 * when the answer arrives (deliveries may follow it in the same read), and kept by its key too
 * (`byKey`), which outlives recoveries: tags change, keys do not. A delivery goes to the consumer
 * of its tag; one for a tag no consumer has (a consume whose answer was abandoned) is given back
 * (nack, requeue) and that broker consumer is cancelled once. When the connection is lost the
 * tags die (`held()` clears them, each consumer waits); the replay consumes again
 * (`reconsume()`, under the same key) and ends the consumers it could not bring back.
 * `forget()` takes a consumer out of the topology record as soon as the application cancels it,
 * so a recovery never brings it back.
 */
import type { BasicDeliver, BasicGetOk, BasicProperties } from '../../../generated/index.js';
import type { AnyMethod, FieldTable, Long } from '../../codec/index.js';
import type { Content } from '../../protocol/events.js';
import type { Reply } from '../session/link.js';
import type { Settleable, Settlement } from './settlement.js';
import type { ChannelWire } from './state.js';

/** A consumer as the topology record keeps it (recovery/recorder.ts RecordedConsumer has this shape). */
export interface RecordedConsumer {
  /** The consumer's key (stable across recoveries). */
  key: number;
  /** The key of the channel it consumes on. */
  channel: number;
  queue: string;
  /** As asked for ('' for a server-generated tag). */
  consumerTag: string;
  noAck: boolean;
  exclusive: boolean;
  arguments: FieldTable;
}

/** The fields of a delivery (message.ts MessageFields). */
export interface DeliveryFields {
  deliveryTag: Long;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  consumerTag: string | undefined;
  messageCount: number | undefined;
  needsAck: boolean;
}

/** The options of channel.consume() that reach the wire (consumer.ts ConsumeOptions has them). */
export interface ConsumeSettings {
  prefetch?: number | undefined;
  globalPrefetch?: boolean | undefined;
  noAck?: boolean | undefined;
  exclusive?: boolean | undefined;
  consumerTag?: string | undefined;
  priority?: number | undefined;
  arguments?: FieldTable | undefined;
}


/** A consumer as consuming sees it (consumer.ts Consumer). */
export interface ConsumerLike {
  readonly key: number;
  tag: string;
  queue: string;
  /** The consumer that takes this one's deliveries instead (a MultiConsumer). */
  readonly forward: ConsumerLike | undefined;
  /** The arguments to consume again with after a recovery (a stream consumer's offset). */
  readonly resumeArguments: ((recorded: FieldTable) => FieldTable) | undefined;
  /** x-consumer-timeout of the consume, ms. */
  readonly consumerTimeout?: number | undefined;
  push(message: Settleable): void;
  end(error: Error | undefined): void;
  suspend(): void;
}

/** A delivery as consuming makes it: a Message, remembering its consumer. */
export interface Delivery extends Settleable {
  consumerRef: ConsumerLike | undefined;
}

/** What consuming needs of its channel (the Channel is one). */
export interface ConsumingHost {
  /** Stable across recoveries: names the channel in the topology record. */
  readonly key: number;
  readonly recorded: boolean;
  /** Builds a full method from partial arguments. */
  method(kind: string, args: object | undefined): AnyMethod;
  /** A call through the channel (waits while held; its link records declarations for recovery: recovery/recording-link.ts). */
  request(m: AnyMethod, options: undefined, onReply?: (r: Reply) => void): Promise<Reply>;
  /** A call now, recording nothing (the replay's). */
  requestNow(m: AnyMethod, signal: AbortSignal | undefined, onReply: (r: Reply) => void): Promise<Reply>;
  prefetch(count: number, options: { global?: boolean }): Promise<void>;
}

/** What the channel gives consuming besides itself. */
export interface ConsumingHooks {
  /** Makes the Message of a delivery (channel epoch and owner set by the channel). */
  delivery(fields: DeliveryFields, properties: BasicProperties, body: Uint8Array): Delivery;
  /** The error a consumer ends with when the broker cancels it. */
  cancelledError(tag: string): Error;
  /** A ConsumerTimeoutError when the broker's cancel is a consumer timeout (consumer-timeout.ts). */
  timedOut(consumer: ConsumerLike): Error | undefined;
  /** Settles through the channel (with its tracing). */
  settle(message: Settleable, how: 'nack', multiple: boolean, requeue: boolean): boolean;
  /** The topology record: consumers added and removed. */
  readonly topology: { addConsumer(rec: RecordedConsumer): void; deleteConsumer(key: number): void };
  /** Tells the application (the channel's `cancel` event). */
  cancelled(tag: string): void;
}

/** One channel's consumers; see the module comment. */
export class Consuming<C extends ConsumerLike = ConsumerLike> {
  readonly #host: ConsumingHost;
  readonly #wire: ChannelWire;
  readonly #hooks: ConsumingHooks;
  readonly #settlement: Settlement;
  /** Running consumers by their tag on the current connection. */
  readonly consumers = new Map<string, C>();
  /** Every consumer of the channel by its key, kept across recoveries (tags change). */
  readonly #byKey = new Map<number, C>();
  #noAckTags = new Set<string>();
  /** Tags the broker delivers for but no consumer has: cancelled once each. */
  #orphans = new Set<string>();

  constructor(host: ConsumingHost, wire: ChannelWire, hooks: ConsumingHooks, settlement: Settlement) {
    this.#host = host;
    this.#wire = wire;
    this.#hooks = hooks;
    this.#settlement = settlement;
  }

  /** channel.consume(): `consumer` (made, and its options checked, by the channel) starts on `queue`. */
  async consume(consumer: C, queue: string, options: ConsumeSettings): Promise<void> {
    const host = this.#host;
    if (options.prefetch !== undefined) await host.prefetch(options.prefetch, { global: options.globalPrefetch ?? false });
    const noAck = options.noAck ?? false;
    const args: FieldTable = { ...options.arguments };
    if (options.priority !== undefined) args['x-priority'] = options.priority;
    if (consumer.consumerTimeout !== undefined) args['x-consumer-timeout'] = consumer.consumerTimeout;
    const rec: RecordedConsumer = { key: consumer.key, channel: host.key, queue, consumerTag: options.consumerTag ?? '', noAck, exclusive: options.exclusive ?? false, arguments: args };
    const m = host.method('basic.consume', { queue, consumerTag: rec.consumerTag, noAck, exclusive: rec.exclusive, arguments: args });
    // Registered synchronously with consume-ok: deliveries may follow it in the same read.
    await host.request(m, undefined, (r) => this.#register((r.method as unknown as { consumerTag: string }).consumerTag, consumer, noAck));
    if (host.recorded) this.#hooks.topology.addConsumer(rec);
  }

  /** channel.get(): basic.get, the message or null when the queue is empty. */
  async get(queue: string, noAck: boolean): Promise<Delivery | null> {
    const r = await this.#host.request(this.#host.method('basic.get', { queue, noAck }), undefined);
    if (r.method.kind === 'basic.get-empty') return null;
    const g = r.method as unknown as BasicGetOk;
    this.#settlement.delivered(Number(g.deliveryTag), noAck);
    return this.#hooks.delivery({ deliveryTag: g.deliveryTag, redelivered: g.redelivered, exchange: g.exchange, routingKey: g.routingKey, consumerTag: undefined, messageCount: g.messageCount, needsAck: !noAck }, r.content!.properties as BasicProperties, r.content!.body);
  }

  /** The replay: `consumer` consumes again on the re-opened channel, as recorded. */
  async reconsume(consumer: C, rec: RecordedConsumer, signal: AbortSignal | undefined): Promise<void> {
    const host = this.#host;
    // A stream consumer resumes after the offset it processed, not where it first started (rabbitmq/stream-consumer.ts).
    const args = consumer.resumeArguments?.(rec.arguments) ?? rec.arguments;
    const m = host.method('basic.consume', { queue: rec.queue, consumerTag: rec.consumerTag, noAck: rec.noAck, exclusive: rec.exclusive, arguments: args });
    consumer.queue = rec.queue;
    await host.requestNow(m, signal, (r) => {
      const tag = (r.method as unknown as { consumerTag: string }).consumerTag;
      if (this.#byKey.get(consumer.key) === consumer) return this.#register(tag, consumer, rec.noAck);
      // Cancelled by the application while this consume was on its way: cancel it on the broker too
      // (its deliveries meanwhile find no consumer and are requeued).
      this.#wire.link.queue(host.method('basic.cancel', { consumerTag: tag, noWait: true }));
    });
  }

  #register(tag: string, consumer: C, noAck: boolean): void {
    consumer.tag = tag;
    this.consumers.set(tag, consumer);
    this.#byKey.set(consumer.key, consumer);
    if (noAck) this.#noAckTags.add(tag);
  }

  /** The consumer recorded under `key`, if it is this channel's. */
  byKey(key: number): C | undefined {
    return this.#byKey.get(key);
  }

  /** Not recovered from now on. */
  forget(consumer: C): void {
    this.#byKey.delete(consumer.key);
    this.#hooks.topology.deleteConsumer(consumer.key);
  }

  /** Consumer → basic.cancel. */
  async cancelConsumer(consumer: C, cancel: (tag: string) => Promise<unknown>): Promise<void> {
    this.forget(consumer); // not recovered from now on, even if the cancel is cut short
    const tag = consumer.tag;
    const state = this.#wire.state;
    // Died with the old connection, unless the replay has already consumed it again on this one.
    if (state.heldBy && state.isOpen && this.consumers.get(tag) !== consumer) return;
    if (!state.isOpen || !this.consumers.has(tag)) return;
    await cancel(tag);
    this.consumers.delete(tag);
    this.#noAckTags.delete(tag);
  }

  /** basic.cancel from the broker (the queue was deleted...). */
  onCancel(tag: string): void {
    const c = this.consumers.get(tag);
    this.consumers.delete(tag);
    this.#noAckTags.delete(tag);
    if (c) this.forget(c);
    const timedOut = c && this.#hooks.timedOut(c);
    if (timedOut) this.#cancelOrphan(tag); // 4.3 keeps the timed-out consumer, suspended: remove it
    c?.end(timedOut ?? this.#hooks.cancelledError(tag));
    this.#hooks.cancelled(tag);
  }

  /** A basic.deliver: to its consumer, or back to the queue. */
  onDeliver(m: AnyMethod, content: Content): void {
    const d = m as unknown as BasicDeliver;
    const consumer = this.consumers.get(d.consumerTag);
    const needsAck = !this.#noAckTags.has(d.consumerTag);
    this.#settlement.delivered(Number(d.deliveryTag), !needsAck);
    const msg = this.#hooks.delivery({ deliveryTag: d.deliveryTag, redelivered: d.redelivered, exchange: d.exchange, routingKey: d.routingKey, consumerTag: d.consumerTag, messageCount: undefined, needsAck }, content.properties as BasicProperties, content.body);
    msg.consumerRef = consumer;
    if (consumer) consumer.push(msg);
    else {
      if (needsAck) this.#hooks.settle(msg, 'nack', false, true); // its consumer is gone: give it back
      this.#cancelOrphan(d.consumerTag);
    }
  }

  #cancelOrphan(tag: string): void {
    const host = this.#host;
    if (this.#orphans.has(tag) || this.#wire.state.name === 'closing' || this.#wire.state.name === 'closed') return;
    this.#orphans.add(tag);
    try {
      this.#wire.link.send(host.method('basic.cancel', { consumerTag: tag, noWait: true }));
    } catch {
      // the channel is closing: its consumers go with it
    }
  }

  /** The channel closed for good: every consumer ends (with `error`, if any). */
  closed(error: Error | undefined): void {
    for (const c of this.#byKey.values()) {
      this.#hooks.topology.deleteConsumer(c.key);
      c.end(error);
    }
    this.consumers.clear();
    this.#byKey.clear();
  }

  /** The connection was lost: the tags are gone, each consumer waits for the replay. */
  held(): void {
    this.consumers.clear();
    this.#noAckTags.clear();
    for (const c of this.#byKey.values()) c.suspend();
  }

  /** The replay re-opened the channel: nothing is registered on it yet. */
  reopened(): void {
    this.consumers.clear();
    this.#noAckTags.clear();
    this.#orphans.clear();
  }

  /** The replay: the consumers not consumed again (left out by the filter, or failed) end. */
  endExcept(recovered: ReadonlySet<number>): void {
    for (const c of [...this.#byKey.values()]) {
      if (recovered.has(c.key)) continue;
      this.forget(c);
      c.end(undefined);
    }
  }
}
