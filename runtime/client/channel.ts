/**
 * A channel's Promise API: typed synchronous calls with AbortSignal/timeout, close, flow, and
 * the routing of the server's methods to the messaging features (publisher confirms,
 * consumers, returns) that live in their own files. The declaration methods (exchangeDeclare,
 * queueDeclare, bindings, passive checks...) are inherited from Declarations in topology.ts.
 *
 * Recovery (recovery/): a Channel outlives its connection's socket. When the connection is lost
 * and will be recovered, `suspend()` puts it in a waiting state (calls wait for the recovery,
 * publishes wait or fail per ChannelOptions, deliveries from before become stale: `epoch`
 * counts the channel's lives); the replay then gives it a new number on the new connection
 * (`reopen()`), its consumers back (`reconsume()`), and `resume()` republishes and lets the
 * waiting publishes go. The same object throughout: nothing the application holds is replaced.
 */
import type { AnyMethod, FieldDef, FieldTable, FieldType, Long } from '../codec/index.js';
import type { BasicDeliver, BasicGetOk, BasicProperties, BasicReturn, MethodMap, ResponseMap } from '../../generated/index.js';
import { ChannelClosedError, ConnectionClosedError, OperationAbortedError } from '../errors.js';
import { ChannelSettings, type ChannelOptions } from './recovery/channel-settings.js';
import { OutcomeUnknownError, RecoveringError } from './recovery/errors.js';
import type { RecordedConsumer } from './recovery/recorder.js';
import type { Content } from '../protocol/events.js';
import { AckBatcher, MessageSettledError } from './acks.js';
import type { Body } from './body.js';
import type { Connection } from './connection.js';
import type { Link, Reply } from './session/link.js';
import type { ChannelSink } from './session/session.js';
import { Consumer, ConsumerCancelledError, type ConsumeHandler, type ConsumeOptions } from './consumer.js';
import { Message, type MessageOwner } from './message.js';
import { ConfirmTracker, DEFAULT_MAX_UNCONFIRMED, prepare, PublishBacklog, ReturnedMessage, type PublishOptions } from './publisher.js';
import { withPublishTimeout } from './publish-timeout.js';
import { checkConsumerTimeout, consumerTimeoutFromCancel, consumerTimeoutFromClose } from './consumer-timeout.js';
import { retrying } from './retry/settle.js';
import type { SerializerRegistry } from './serializers.js';
import { consumeStream, type StreamConsumeOptions, type StreamConsumer } from './streams.js';
import { Declarations } from './topology.js';
import { traceGet, tracePublish, traceSettle, tracing } from './tracing/index.js';
export type { QueueInfo } from './topology.js';

/** The arguments of a method as a caller gives them: `kind` implied, every field optional (spec defaults: false, 0, '', empty). */
export type CallArgs<K extends keyof MethodMap> = Partial<Omit<MethodMap[K], 'kind'>>;

/** Options of any call that waits for the broker. */
export interface CallOptions {
  /** Give up waiting when this signal aborts (the request may still take effect on the broker). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds. */
  timeout?: number;
}

/** Events of a Channel, with their payloads. */
export interface ChannelEvents {
  /** The channel closed; `error` is the broker's channel.close (e.g. NotFoundError) or the connection's end, undefined after close(). */
  close: [error: Error | undefined];
  /** The channel closed because of an error (emitted just before `close`). */
  error: [error: Error];
  /** The broker asked to pause (false) or resume (true) publishing on this channel (channel.flow). */
  flow: [active: boolean];
  /** A mandatory publish could not be routed (basic.return). */
  return: [message: ReturnedMessage];
  /** The broker cancelled a consumer (its queue was deleted). */
  cancel: [consumerTag: string];
  /** The connection was lost and is being recovered: the channel waits (see ChannelOptions); `error` is why. */
  disconnected: [error: Error];
  /** The channel is back on a new connection (new `id`), with its settings and consumers. */
  recovered: [];
}

const DEFAULTS: Record<FieldType, () => unknown> = {
  bit: () => false,
  octet: () => 0,
  short: () => 0,
  long: () => 0,
  longlong: () => 0,
  shortstr: () => '',
  longstr: () => new Uint8Array(0),
  table: () => ({}),
  timestamp: () => new Date(0),
};

/** Builds a full method from partial arguments, filling the spec's zero values. */
export function withDefaults(kind: string, fields: readonly FieldDef[], args: object | undefined): AnyMethod {
  const m: Record<string, unknown> = { kind };
  const a = (args ?? {}) as Record<string, unknown>;
  for (const f of fields) m[f.name] = a[f.name] ?? DEFAULTS[f.type]();
  return m as unknown as AnyMethod;
}

/** An AMQP channel: declarations, publishing (with confirms), consumers, get, qos, transactions and typed calls. Open one with `connection.channel()`. */
export class Channel extends Declarations implements MessageOwner, ChannelSink {
  readonly connection: Connection;
  /** @internal identifies this channel in the topology record (stable across recoveries) */
  readonly key: number;
  /** @internal false for the connection's own short-lived channels (passive checks, replay): not recorded */
  readonly recorded: boolean;
  /** @internal counts recoveries: deliveries of an older epoch are stale */
  epoch = 0;
  /** @internal told the tag of each multiple settlement sent: it also settled other consumers' deliveries (a stream consumer tracks them, streams.ts) */
  readonly multipleSettled = new Set<(through: number) => void>();
  /** @internal true when a stream consumer of this channel holds an unsettled delivery with a tag up to `through` (streams.ts) */
  readonly streamDeliveryThrough = new Set<(through: number) => boolean>();
  /** What the channel talks to: its number on the current connection (replaced by a recovery). */
  #link!: Link;
  #acks!: AckBatcher;
  /** Encodes publish bodies and decodes `message.payload` (default: the connection's; replace or `extend()` it per channel). */
  serializers: SerializerRegistry;
  readonly #consumers = new Map<string, Consumer>();
  readonly #settings: ChannelSettings;
  #confirms: ConfirmTracker | undefined;
  #closing: Promise<void> | undefined;
  #closedResolve: (() => void) | undefined;
  #error: Error | undefined;
  #open = true;
  /** Why the channel waits for recovery; undefined while it is live. */
  #suspended: Error | undefined;
  /** True once the replay gave the suspended channel a number on the new connection (it exists on the wire again). */
  #reopened = false;

  /** @internal use connection.channel() */
  constructor(connection: Connection, options?: ChannelOptions & { recorded?: boolean }) {
    super();
    this.connection = connection;
    this.key = ++channelKeys;
    this.recorded = options?.recorded ?? true;
    this.#settings = new ChannelSettings(options);
    this.serializers = connection.serializers;
  }

  /** @internal the channel's number on a connection: set once open is sent, replaced by the replay (`reopen`) */
  useLink(link: Link): void {
    this.#link = link;
    this.#acks = this.#newAcks();
  }

  #newAcks(): AckBatcher {
    const link = this.#link;
    return new AckBatcher((m) => link.queue(m as AnyMethod));
  }

  /** The channel number on the current connection (it may change when the connection recovers). */
  get id(): number {
    return this.#link.id;
  }

  /** True while the channel waits for its connection to recover. */
  get isRecovering(): boolean {
    return this.#suspended !== undefined && this.#open;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Why the channel closed, when it closed because of an error. */
  get closeReason(): Error | undefined {
    return this.#error;
  }

  /**
   * Sends any client-sent synchronous method of the registry and resolves with its answer,
   * e.g. `await ch.call('queue.declare', { queue: 'q', durable: true })`. Omitted arguments take
   * the spec's zero values. Rejects with the broker's error class (NotFoundError...) when the
   * broker closes the channel instead.
   */
  override async call<K extends keyof ResponseMap & keyof MethodMap>(kind: K, args?: CallArgs<K>, options?: CallOptions): Promise<ResponseMap[K]> {
    const r = await this.request(this.method(kind, args), options);
    return r.method as ResponseMap[K];
  }

  /** @internal builds a full method of `kind` from partial arguments */
  method(kind: string, args: object | undefined): AnyMethod {
    const def = this.#link.registry.byKind(kind);
    if (!def) throw new TypeError(`no method ${kind} in this connection's protocol registry`);
    return withDefaults(kind, def.fields, args);
  }

  /** @internal sends a synchronous method and waits for the reply (with content for get-ok). */
  async request(m: AnyMethod, options?: CallOptions, onReply?: (r: Reply) => void): Promise<Reply> {
    this.connection.rules.check(m);
    const signal = callSignal(options);
    if (this.#suspended && this.#open && !this.#closing) await this.connection.whenRecovered(signal);
    const r = await this.requestNow(m, signal, onReply);
    if (this.recorded) {
      this.#settings.onMethod(m);
      this.connection.topology.onMethod(m, r.method);
    }
    return r;
  }

  /** @internal sends a synchronous method now (the replay's calls do not wait for the recovery) and records nothing */
  async requestNow(m: AnyMethod, signal: AbortSignal | undefined, onReply?: (r: Reply) => void): Promise<Reply> {
    this.assertOpen();
    signal?.throwIfAborted();
    const link = this.#link;
    const id = link.id;
    try {
      return await link.call(m, signal, onReply);
    } catch (e) {
      if (signal?.aborted && e === signal.reason) {
        throw new OperationAbortedError(`${m.kind} on channel ${id} was abandoned: ${(e as Error).message}`, { cause: e });
      }
      throw this.connection.rules.explain(m, e);
    }
  }

  /** @internal sends an asynchronous method */
  send(m: AnyMethod): void {
    if (this.#suspended) throw new RecoveringError(`channel ${this.id} waits for its connection to recover`, { cause: this.#suspended });
    this.assertOpen();
    this.#link.send(m);
  }

  /**
   * Asks the broker to pause or resume deliveries on this channel (channel.flow). RabbitMQ
   * implements only `true`; `false` is answered with 540 not-implemented, which closes the
   * connection (NotImplementedError). Use prefetch (basic.qos) or cancel consumers instead.
   */
  async flow(active: boolean, options?: CallOptions): Promise<boolean> {
    return (await this.call('channel.flow', { active }, options)).active;
  }

  /** Closes the channel (waits for close-ok); idempotent. Pending acks are sent first. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise((resolve) => (this.#closedResolve = resolve));
    if (!this.#open) this.#closedResolve!();
    else if (this.#suspended && !this.#reopened) this.onClosed(undefined); // nothing on the wire to close
    else {
      this.flushAcks();
      this.#link.close();
    }
    return this.#closing;
  }

/** Closes the channel (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ------------------------------------------------------------------ qos, recover, tx

  /**
   * Limits unacknowledged deliveries (basic.qos): per consumer, or per channel with `global`
   * (RabbitMQ semantics up to 4.2). RabbitMQ 4.3 applies `global` per consumer too; warren sends it
   * and warns once through the logger (broker rule `global-qos`).
   */
  async prefetch(count: number, options: { global?: boolean } = {}): Promise<void> {
    await this.call('basic.qos', { prefetchCount: count, global: options.global ?? false });
  }

  /**
   * Redelivers this channel's unacknowledged messages (basic.recover; requeue by default) and
   * waits for basic.recover-ok. The spec XML omits that answer; the rabbitmq.xml overlay makes
   * basic.recover synchronous, as RabbitMQ behaves. Flushes held acks first, so that messages
   * the application already acked are not redelivered.
   */
  async recover(options: { requeue?: boolean; signal?: AbortSignal; timeout?: number } = {}): Promise<void> {
    this.flushAcks();
    await this.call('basic.recover', { requeue: options.requeue ?? true }, options);
  }

  /** Puts the channel in transaction mode (tx.select): publishes and acks take effect on txCommit(). */
  async txSelect(): Promise<void> {
    await this.call('tx.select', {});
  }

  /** Commits the current transaction (tx.commit); held acks are sent first. */
  async txCommit(): Promise<void> {
    this.flushAcks();
    await this.call('tx.commit', {});
  }

  /** Abandons the current transaction (tx.rollback); held acks are sent first. */
  async txRollback(): Promise<void> {
    this.flushAcks();
    await this.call('tx.rollback', {});
  }

  // ------------------------------------------------------------------ publishing

  /**
   * Puts the channel in confirm mode: from now on each publish resolves when the broker acks
   * it and rejects on nack, on an unroutable mandatory return, or when the channel closes.
   * `maxUnconfirmed` bounds publishes in flight: publish() waits for room (default 128,
   * DEFAULT_MAX_UNCONFIRMED; `Infinity` for no bound).
   */
  async confirmSelect(options: { maxUnconfirmed?: number } = {}): Promise<void> {
    if (this.#confirms) return;
    if (this.#suspended) await this.connection.whenRecovered(undefined);
    // Counting starts with confirm.select on the wire, not with its answer: a publish issued
    // before select-ok already carries delivery tag 1 on the broker.
    const selected = this.call('confirm.select', {});
    this.#confirms = new ConfirmTracker(options.maxUnconfirmed ?? DEFAULT_MAX_UNCONFIRMED, () => this.drainBacklog());
    this.#settings.confirmWindow = this.#confirms.maxUnconfirmed;
    await selected;
  }

  /** True after confirmSelect(). */
  get confirmMode(): boolean {
    return this.#confirms !== undefined;
  }

  /** Publishes sent and awaiting the broker's ack or nack (0 outside confirm mode). */
  get unconfirmed(): number {
    return this.#confirms?.size ?? 0;
  }

  /** publish() calls waiting to be sent (blocked connection, full confirm window). */
  get waitingPublishes(): number {
    return this.#backlog.length;
  }

  /** Default time limit of each publish on this channel, ms (a publish's own `timeout` wins); see PublishTimeoutError. */
  publishTimeout: number | undefined;

  /**
   * Publishes a message. The body is bytes as given, a string encoded as text, or any other
   * value as JSON. Without confirms, resolves once the frames are handed to the socket (waiting
   * while the socket is full or the broker has blocked the connection); with confirms, when the
   * broker acks. Invalid input rejects before anything is sent, and the channel stays usable.
   */
  publish(exchange: string, routingKey: string, body: Body, options?: PublishOptions): Promise<void> {
    if (tracing.publish.start.hasSubscribers) return tracePublish(this, exchange, routingKey, options, () => prepare(body, options, this.serializers), (bytes, o: PublishOptions) => this.#publish(exchange, routingKey, bytes, o));
    return this.#publish(exchange, routingKey, body, options);
  }

  #publish(exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined, timed = false): Promise<void> {
    try {
      const timeout = timed ? undefined : (options?.timeout ?? this.publishTimeout);
      if (timeout !== undefined) return withPublishTimeout(timeout, { exchange, routingKey }, options?.signal, (signal) => this.#publish(exchange, routingKey, body, { ...options, signal }, true));
      if (this.#suspended) return this.#publishWhileRecovering(exchange, routingKey, body, options);
      if (this.#backlog.length > 0 || this.#mustWait()) {
        this.assertOpen(); // a closed channel's backlog would never drain
        return this.#backlog.enqueue(exchange, routingKey, body, options);
      }
      return this.#publishNow(exchange, routingKey, body, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #publishNow = (exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined): Promise<void> => {
    const { bytes, properties } = prepare(body, options, this.serializers);
    const mandatory = options?.mandatory ?? false;
    this.assertOpen();
    const link = this.#link;
    link.publish({ kind: 'basic.publish', exchange, routingKey, mandatory, immediate: false } as AnyMethod, properties, bytes);
    if (this.#confirms) return this.#confirms.track(mandatory, exchange, routingKey, this.#settings.republishUnconfirmed ? { properties, bytes } : undefined);
    return link.writable();
  };

  /** publish() while the connection recovers: wait in the backlog (bounded) or fail at once. */
  #publishWhileRecovering(exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined): Promise<void> {
    if (!this.#open || this.#closing) throw new ChannelClosedError(`channel ${this.id} is closed`, { cause: this.#error });
    const s = this.#settings;
    const cause = this.#suspended;
    if (s.publishWhileRecovering === 'fail') throw new RecoveringError('the connection is recovering and this channel fails publishes meanwhile (publishWhileRecovering: fail)', { cause });
    const size = prepare(body, options).bytes.length; // also rejects invalid input now, not after the outage
    if (this.#backlog.length >= s.maxWaiting || this.#backlog.bytes + size > s.maxWaitingBytes) {
      throw new RecoveringError(`the connection is recovering and ${this.#backlog.length} publishes (${this.#backlog.bytes} bytes) already wait (recoveryBuffer)`, { cause });
    }
    return this.#backlog.enqueue(exchange, routingKey, body, options, size);
  }

  /** Publishes that wait for an unblocked connection or room in the confirm window. */
  readonly #backlog = new PublishBacklog();

  #mayPublish = (): boolean => this.#open && !this.#suspended && !this.#mustWait();

  #mustWait(): boolean {
    return this.#link.blocked || (this.#confirms !== undefined && this.#confirms.full);
  }

  /** @internal sends waiting publishes while allowed (after unblocked or confirms) */
  drainBacklog(): void {
    if (this.#backlog.length > 0) this.#backlog.drain(this.#mayPublish, this.#publishNow);
  }

  /** publish() to a queue through the default exchange. */
  sendToQueue(queue: string, body: Body, options?: PublishOptions): Promise<void> {
    return this.publish('', queue, body, options);
  }

  // ------------------------------------------------------------------ consuming

  /**
   * Starts a consumer. Without `handler`, iterate it: `for await (const msg of consumer)`;
   * leaving the loop cancels it. With `handler`, each delivery is passed to it. Manual
   * acknowledgement is the default: call msg.ack().
   */
  async consume<T = unknown>(queue: string, handler?: ConsumeHandler<T> | ConsumeOptions, options: ConsumeOptions = {}): Promise<Consumer<T>> {
    if (typeof handler === 'object') [handler, options] = [undefined, handler];
    if (options.retry && handler) handler = retrying(options.retry, handler);
    const consumer = new Consumer<T>(this, queue, handler, options); // validates concurrency before anything is sent
    consumer.retryPlan = options.retry;
    if (options.consumerTimeout !== undefined) consumer.consumerTimeout = checkConsumerTimeout('consumerTimeout', options.consumerTimeout);
    if (options.prefetch !== undefined) await this.prefetch(options.prefetch, { global: options.globalPrefetch ?? false });
    const noAck = options.noAck ?? false;
    const args: FieldTable = { ...options.arguments };
    if (options.priority !== undefined) args['x-priority'] = options.priority;
    if (consumer.consumerTimeout !== undefined) args['x-consumer-timeout'] = consumer.consumerTimeout;
    const rec: RecordedConsumer = { key: consumer.key, channel: this.key, queue, consumerTag: options.consumerTag ?? '', noAck, exclusive: options.exclusive ?? false, arguments: args };
    const m = this.method('basic.consume', { queue, consumerTag: rec.consumerTag, noAck, exclusive: rec.exclusive, arguments: args });
    // Registered synchronously with consume-ok: deliveries may follow it in the same read.
    await this.request(m, undefined, (r) => this.#register((r.method as unknown as { consumerTag: string }).consumerTag, consumer as unknown as Consumer, noAck));
    if (this.recorded) this.connection.topology.addConsumer(rec);
    return consumer;
  }

  /**
   * Consumes from a stream with a typed offset, the prefetch streams require, manual acks, the
   * client-side filter check and offset tracking (streams.ts).
   */
  consumeStream(queue: string, options?: StreamConsumeOptions): Promise<StreamConsumer> {
    return consumeStream(this, queue, options);
  }

  /** @internal the replay: `consumer` consumes again on this (re-opened) channel, as recorded */
  async reconsume(consumer: Consumer, rec: RecordedConsumer, signal: AbortSignal | undefined): Promise<void> {
    // A stream consumer resumes after the offset it processed, not where it first started (streams.ts).
    const args = consumer.resumeArguments?.(rec.arguments) ?? rec.arguments;
    const m = this.method('basic.consume', { queue: rec.queue, consumerTag: rec.consumerTag, noAck: rec.noAck, exclusive: rec.exclusive, arguments: args });
    consumer.queue = rec.queue;
    await this.requestNow(m, signal, (r) => {
      const tag = (r.method as unknown as { consumerTag: string }).consumerTag;
      if (this.#byKey.get(consumer.key) === consumer) return this.#register(tag, consumer, rec.noAck);
      // Cancelled by the application while this consume was on its way: cancel it on the broker too
      // (its deliveries meanwhile find no consumer and are requeued).
      this.#link.queue(this.method('basic.cancel', { consumerTag: tag, noWait: true }));
    });
  }

  #noAckTags = new Set<string>();

  #register(tag: string, consumer: Consumer<unknown>, noAck: boolean): void {
    consumer.tag = tag;
    this.#consumers.set(tag, consumer);
    this.#byKey.set(consumer.key, consumer);
    if (noAck) this.#noAckTags.add(tag);
  }

  /** Every consumer of the channel by its key, kept across recoveries (tags change). */
  readonly #byKey = new Map<number, Consumer>();

  /** @internal the consumer recorded under `key`, if it is this channel's */
  consumerByKey(key: number): Consumer | undefined {
    return this.#byKey.get(key);
  }

  #forget(consumer: Consumer): void {
    this.#byKey.delete(consumer.key);
    this.connection.topology.deleteConsumer(consumer.key);
  }

  /** Fetches one message (basic.get), or null when the queue is empty. */
  get(queue: string, options: { noAck?: boolean } = {}): Promise<Message | null> {
    if (tracing.get.start.hasSubscribers) return traceGet(this, queue, options.noAck ?? false, () => this.#get(queue, options));
    return this.#get(queue, options);
  }

  async #get(queue: string, options: { noAck?: boolean }): Promise<Message | null> {
    const noAck = options.noAck ?? false;
    const r = await this.request(this.method('basic.get', { queue, noAck }));
    if (r.method.kind === 'basic.get-empty') return null;
    const g = r.method as unknown as BasicGetOk;
    this.#lastTag = Math.max(this.#lastTag, Number(g.deliveryTag));
    if (noAck) this.#acks.skip(Number(g.deliveryTag));
    return new Message(this, { deliveryTag: g.deliveryTag, redelivered: g.redelivered, exchange: g.exchange, routingKey: g.routingKey, consumerTag: undefined, messageCount: g.messageCount, needsAck: !noAck }, r.content!.properties as BasicProperties, r.content!.body, this.epoch);
  }

  /** The consumers started on this channel and still running, by consumer tag. */
  get consumers(): ReadonlyMap<string, Consumer> {
    return this.#consumers;
  }

  /**
   * Cancels a consumer by its tag (basic.cancel; waits for cancel-ok). The consumer's iterator
   * ends; its unread deliveries are requeued. A callback consumer's handlers in flight go on:
   * this does not wait for them (so a handler may await it), `consumer.close()` does. A tag this
   * channel does not know is still sent (RabbitMQ answers cancel-ok for an unknown tag).
   */
  async cancel(consumerTag: string, options?: CallOptions): Promise<void> {
    const c = this.#consumers.get(consumerTag);
    if (c) {
      const target = c.forward ?? c; // one queue of a MultiConsumer: all of it
      void target.close().catch(() => undefined); // stop handing out, requeue the unread; drains in the background
      return target.cancel();
    }
    await this.call('basic.cancel', { consumerTag }, options);
  }

  /**
   * Acknowledges a delivery by its tag (and with `multiple`, every earlier unsettled one), for
   * code that keeps tags rather than Message objects. Shares the batching and the checks of
   * `message.ack()`: settling a tag twice, a no-ack tag, or a tag not yet delivered on this
   * channel throws MessageSettledError before the broker would close the channel. Tags start
   * again at 1 after a connection recovery: a tag kept from before it names another delivery
   * now (message.ack() knows the difference; a tag cannot).
   */
  ack(deliveryTag: Long, options: { multiple?: boolean } = {}): void {
    this.#settleTag(Number(deliveryTag), 'ack', options.multiple ?? false, false);
  }

  /** Negatively acknowledges by tag (RabbitMQ extension); does not requeue unless `requeue: true` (as message.nack()). */
  nack(deliveryTag: Long, options: { multiple?: boolean; requeue?: boolean } = {}): void {
    this.#settleTag(Number(deliveryTag), 'nack', options.multiple ?? false, options.requeue ?? false);
  }

  /** Rejects by tag; does not requeue unless `requeue: true` (as message.reject()). */
  reject(deliveryTag: Long, options: { requeue?: boolean } = {}): void {
    this.#settleTag(Number(deliveryTag), 'reject', false, options.requeue ?? false);
  }

  /** Highest delivery tag received on this channel (deliver or get-ok). */
  #lastTag = 0;

  #settleTag(tag: number, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): void {
    if (!Number.isSafeInteger(tag) || tag < 1 || tag > this.#lastTag) {
      throw new MessageSettledError(`delivery tag ${tag} was not delivered on channel ${this.id} (last tag ${this.#lastTag})`);
    }
    if (this.#acks.isSettled(tag)) throw new MessageSettledError(`delivery ${tag} is already settled (acked, nacked, rejected, or received in no-ack mode)`);
    this.assertOpen();
    if (how === 'ack') {
      this.#acks.ack(tag, multiple);
      this.connection.ackPending(this);
    } else if (how === 'nack') this.#acks.nack(tag, multiple, requeue);
    else this.#acks.reject(tag, requeue);
    this.#link.flushSoon();
  }

  /** @internal Consumer → basic.cancel */
  async cancelConsumer(consumer: Consumer): Promise<void> {
    this.#forget(consumer); // not recovered from now on, even if the cancel is cut short
    const tag = consumer.tag;
    // Died with the old connection, unless the replay has already consumed it again on this one.
    if (this.#suspended && this.#open && this.#consumers.get(tag) !== consumer) return;
    if (!this.#open || !this.#consumers.has(tag)) return;
    await this.call('basic.cancel', { consumerTag: tag });
    this.#consumers.delete(tag);
    this.#noAckTags.delete(tag);
  }

  /** @internal Consumer → nack(requeue) of deliveries it never handed out */
  requeue(messages: readonly Message[]): void {
    if (!this.#open || this.#suspended) return;
    for (const m of messages) {
      // Settled by tag, or by a multiple settlement of a later tag (another consumer's): nothing to give back.
      if (m.settled || this.#acks.isSettled(Number(m.deliveryTag))) m.settled = true;
      else this.settle(m, 'nack', false, true);
    }
  }

  /** @internal true when `message` came before a recovery of this channel: its tag means nothing now */
  isStale(message: Message): boolean {
    return message.epoch !== this.epoch;
  }

  /** @internal Message → ack/nack/reject; false when the message is stale (nothing is sent) */
  settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): boolean {
    // On a stream every settlement only releases the delivery; RabbitMQ 3.10 closes the whole
    // connection (540) on basic.nack or basic.reject of a stream delivery (streams.ts).
    if (message.streamDelivery && how !== 'ack') {
      // As an ack, `multiple` would also ack other consumers' deliveries that the caller meant to requeue.
      if (multiple) throw new TypeError(`${how} with multiple on a stream delivery: use ack({ multiple: true }) (on a stream every settlement is an ack; RabbitMQ 3.10 closes the connection on ${how})`);
      how = 'ack';
    }
    // A delivery from before a recovery: its tag names nothing (or another message) on the new
    // channel, and the broker requeued it when the old connection died.
    if (message.epoch !== this.epoch) {
      message.checkSettle();
      return false;
    }
    if (tracing.settle.start.hasSubscribers || tracing.process.start.hasSubscribers) {
      traceSettle(this, message, how, multiple, requeue, multiple ? this.#acks.unsettledThrough(Number(message.deliveryTag)) : 1, () => this.#settle(message, how, multiple, requeue));
    } else this.#settle(message, how, multiple, requeue);
    return true;
  }

  #settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): void {
    message.checkSettle();
    const tag = Number(message.deliveryTag);
    if (multiple && how !== 'ack') {
      for (const f of this.streamDeliveryThrough) if (f(tag)) throw new TypeError(`${how} with multiple would cover a stream delivery on this channel (RabbitMQ 3.10 closes the connection with 540): settle each message, or consume the stream on its own channel`);
    }
    if (this.#acks.isSettled(tag)) {
      message.settled = true;
      message.checkSettle();
    }
    this.assertOpen();
    message.settled = true;
    this.#settleTag(tag, how, multiple, requeue);
    if (multiple) for (const f of this.multipleSettled) f(tag);
  }

  /** @internal Message → publish to replyTo */
  async reply(message: Message, body: Body, options?: PublishOptions): Promise<void> {
    const p = message.properties;
    if (!p.replyTo) throw new TypeError('the message has no replyTo to answer to');
    const o: PublishOptions = { ...options };
    if (p.correlationId !== undefined) o.correlationId ??= p.correlationId;
    await this.publish('', p.replyTo, body, o);
  }

  /** @internal acks held for batching go out now */
  flushAcks(): void {
    if (!this.#acks.pending) return;
    // Only into a channel the core still has open: once the channel or the connection is
    // closing, the broker discards acks anyway and requeues what they would have settled.
    if (!this.#open || this.#suspended || !this.#link.isOpen) return this.#acks.discard();
    this.#acks.flush();
  }

  // ------------------------------------------------------------------ events from the core

  /** @internal an asynchronous method from the broker */
  onMethod(m: AnyMethod): void {
    switch (m.kind) {
      case 'basic.ack': {
        const a = m as unknown as { deliveryTag: Long; multiple: boolean };
        this.#confirms?.onAck(a.deliveryTag, a.multiple);
        return;
      }
      case 'basic.nack': {
        const a = m as unknown as { deliveryTag: Long; multiple: boolean };
        this.#confirms?.onNack(a.deliveryTag, a.multiple);
        return;
      }
      case 'basic.cancel': {
        const tag = (m as unknown as { consumerTag: string }).consumerTag;
        const c = this.#consumers.get(tag);
        this.#consumers.delete(tag);
        this.#noAckTags.delete(tag);
        if (c) this.#forget(c);
        const timedOut = c && consumerTimeoutFromCancel(c, this.#acks.unsettledThrough(this.#lastTag), this.connection.topology.queues());
        if (timedOut) this.#cancelOrphan(tag); // 4.3 keeps the timed-out consumer, suspended: remove it
        c?.end(timedOut ?? new ConsumerCancelledError(tag));
        this.emit('cancel', tag);
        return;
      }
      case 'channel.flow':
        this.emit('flow', (m as unknown as { active: boolean }).active);
        return;
    }
  }

  /** @internal the connection takes publishes again */
  onUnblocked(): void {
    this.drainBacklog();
  }

  /** @internal a delivery or return */
  onContent(m: AnyMethod, content: Content): void {
    if (m.kind === 'basic.deliver') {
      const d = m as unknown as BasicDeliver;
      this.#lastTag = Math.max(this.#lastTag, Number(d.deliveryTag));
      const consumer = this.#consumers.get(d.consumerTag);
      const needsAck = !this.#noAckTags.has(d.consumerTag);
      const msg = new Message(this, { deliveryTag: d.deliveryTag, redelivered: d.redelivered, exchange: d.exchange, routingKey: d.routingKey, consumerTag: d.consumerTag, messageCount: undefined, needsAck }, content.properties as BasicProperties, content.body, this.epoch);
      if (!needsAck) this.#acks.skip(Number(d.deliveryTag));
      msg.consumerRef = consumer;
      if (consumer) consumer.push(msg);
      else {
        if (needsAck) this.settle(msg, 'nack', false, true); // its consumer is gone: give it back
        this.#cancelOrphan(d.consumerTag);
      }
      return;
    }
    if (m.kind === 'basic.return') {
      const r = m as unknown as BasicReturn;
      const returned = new ReturnedMessage({ replyCode: r.replyCode, replyText: r.replyText, exchange: r.exchange, routingKey: r.routingKey, properties: content.properties as BasicProperties, body: content.body }, this.serializers);
      this.#confirms?.onReturn(returned);
      this.emit('return', returned);
    }
  }

  /** Tags the broker delivers for but no consumer has (a consume whose answer was abandoned): cancelled once each. */
  #orphans = new Set<string>();

  #cancelOrphan(tag: string): void {
    if (this.#orphans.has(tag) || this.#closing) return;
    this.#orphans.add(tag);
    try {
      this.#link.send(this.method('basic.cancel', { consumerTag: tag, noWait: true }));
    } catch {
      // the channel is closing: its consumers go with it
    }
  }

  /** @internal the channel is gone */
  onClosed(error: Error | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    error = consumerTimeoutFromClose(error, this.#acks.unsettledThrough(this.#lastTag)) ?? error;
    this.#error = error;
    const reason = error ?? new ChannelClosedError(`channel ${this.id} was closed`);
    this.#confirms?.failAll(reason);
    this.#backlog.failAll(reason);
    for (const c of this.#byKey.values()) {
      this.connection.topology.deleteConsumer(c.key);
      c.end(error);
    }
    this.#consumers.clear();
    this.#byKey.clear();
    this.connection.forgetChannel(this);
    if (error) this.emit('error', error);
    this.emit('close', error);
    this.#closing ??= Promise.resolve();
    this.#closedResolve?.();
  }

  /** @internal */
  override assertOpen(): void {
    if (!this.#open || this.#closing) throw new ChannelClosedError(`channel ${this.id} is closed`, { cause: this.#error });
    const link = this.#link;
    if (link.connectionState !== 'open') throw new ConnectionClosedError(`the connection is ${link.connectionState}`, { cause: link.connectionError });
    if (!link.isOpen) throw new ChannelClosedError(`channel ${this.id} is closing`, { cause: this.#error });
  }

  // ------------------------------------------------------------------ recovery (see recovery/replay.ts)

  /** @internal the connection was lost and will be recovered: wait, keeping what can be kept */
  suspend(error: Error): void {
    if (!this.#open || this.#suspended) return;
    this.#suspended = error;
    this.#reopened = false;
    this.epoch++;
    this.#acks = this.#newAcks(); // held acks die with the old channel: the broker requeues
    this.#lastTag = 0;
    if (this.#confirms && !this.#settings.republishUnconfirmed) {
      this.#confirms.failAll(new OutcomeUnknownError('the connection was lost before the broker confirmed this publish: it may or may not have the message', { cause: error }));
    }
    if (this.#settings.publishWhileRecovering === 'fail') this.#backlog.failAll(new RecoveringError('the connection is recovering', { cause: error }));
    this.#consumers.clear();
    this.#noAckTags.clear();
    for (const c of this.#byKey.values()) c.suspend();
    this.emit('disconnected', error);
  }

  /** @internal the replay: a new channel number on the new connection, with prefetch, confirm and tx modes back */
  async reopen(link: Link, opened: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    this.#link = link;
    this.#reopened = true;
    this.epoch++; // deliveries of an earlier, failed replay are stale too
    this.#acks = this.#newAcks();
    this.#lastTag = 0;
    this.#consumers.clear();
    this.#noAckTags.clear();
    this.#orphans.clear();
    await opened;
    for (const m of this.#settings.replay()) await this.requestNow(m, signal);
    if (this.#settings.confirmWindow !== undefined) await this.requestNow(this.method('confirm.select', {}), signal);
  }

  /** @internal the replay: the consumers not consumed again (left out by the filter, or failed) end */
  endConsumersExcept(recovered: ReadonlySet<number>): void {
    for (const c of [...this.#byKey.values()]) {
      if (recovered.has(c.key)) continue;
      this.#forget(c);
      c.end(undefined);
    }
  }

  /** @internal the replay is done: republish what awaited a confirm (if asked), then let waiting publishes go */
  resume(): void {
    if (!this.#open || !this.#suspended) return;
    this.#suspended = undefined;
    if (this.#confirms) {
      const link = this.#link;
      for (const p of this.#confirms.takeUnconfirmed()) {
        try {
          link.publish({ kind: 'basic.publish', exchange: p.exchange, routingKey: p.routingKey, mandatory: p.mandatory, immediate: false } as AnyMethod, p.resend!.properties, p.resend!.bytes);
          this.#confirms.adopt(p);
        } catch (e) {
          p.reject(e as Error);
        }
      }
    }
    this.emit('recovered');
    this.drainBacklog();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Channel { id: ${this.id}, open: ${this.#open}${this.#suspended ? ', recovering' : ''} }`;
  }
}

let channelKeys = 0;


function callSignal(o: CallOptions | undefined): AbortSignal | undefined {
  if (!o) return undefined;
  if (o.timeout === undefined) return o.signal;
  const t = AbortSignal.timeout(o.timeout);
  return o.signal ? AbortSignal.any([o.signal, t]) : t;
}
