/**
 * A channel's Promise API: the public Channel. It holds the channel's state (channel/state.ts:
 * live, held, closing, closed) and its link (session/link.ts: its number on the current
 * connection), and hands the work to its parts: publishing (channel/publishing.ts), consumers
 * and the routing of deliveries (channel/consuming.ts), settlement (channel/settlement.ts). The
 * declaration methods (exchangeDeclare, queueDeclare, bindings, passive checks...) are
 * inherited from Declarations in topology.ts.
 *
 * Recovery (recovery/replay.ts orders the steps; the channel restores itself): a Channel
 * outlives its connection's socket. When the connection is lost and will be recovered, `hold()`
 * makes it wait (calls wait for the recovery, publishes wait or fail per ChannelOptions,
 * deliveries from before become stale: `epoch` counts the channel's lives); the replay gives it
 * a link on the new connection (`reopen()`: it re-applies its own settings), its consumers back
 * (`reconsume()`), and `resume()` republishes and lets the waiting publishes go. The same object
 * throughout: nothing the application holds is replaced.
 */
import type { AnyMethod, Long } from '../codec/index.js';
import type { MethodMap, ResponseMap } from '../../generated/index.js';
import { ChannelClosedError, ConnectionClosedError, OperationAbortedError } from '../errors.js';
import type { Content } from '../protocol/events.js';
import type { Body } from './body.js';
import { callSignal, withDefaults, type CallArgs, type CallOptions } from './channel/call.js';
import { Consuming, type ConsumerLike } from './channel/consuming.js';
import { ChannelRestorer } from './channel/restorer.js';
import { RecoveringError } from './channel/errors.js';
import { Publishing } from './channel/publishing.js';
import { Settlement } from './channel/settlement.js';
import { ChannelSettings, type ChannelOptions } from './channel/settings.js';
import { ChannelState, type ChannelWire } from './channel/state.js';
import type { Connection } from './connection.js';
import { Consumer, ConsumerCancelledError, type ConsumeHandler, type ConsumeOptions } from './consumer.js';
import { Message, type MessageOwner } from './message.js';
import { DEFAULT_MAX_UNCONFIRMED, prepare, type PublishOptions } from './publisher.js';
import { checkConsumerTimeout, consumerTimeoutFromCancel, consumerTimeoutFromClose } from './consumer-timeout.js';
import { retrying } from './retry/settle.js';
import type { SerializerRegistry } from './serializers.js';
import type { Link, Reply } from './session/link.js';
import { consumeStream, type StreamConsumeOptions, type StreamConsumer } from './rabbitmq/stream-consumer.js';
import { Declarations } from './topology.js';
import { traceGet, tracePublish, traceSettle, tracing } from './tracing/index.js';
export type { QueueInfo } from './topology.js';
export type { CallArgs, CallOptions, ChannelEvents } from './channel/call.js';

/** An AMQP channel: declarations, publishing (with confirms), consumers, get, qos, transactions and typed calls. Open one with `connection.channel()`. */
// The session's ChannelSink is not named here: it is internal, and the public class would make
// typedoc (and readers of the types) look for it; the session's own parameter types check it.
export class Channel extends Declarations implements MessageOwner {
  readonly connection: Connection;
  /** @internal identifies this channel in the topology record (stable across recoveries) */
  readonly key: number;
  /** @internal false for the connection's own short-lived channels (passive checks, replay): not recovered, and their link records nothing */
  readonly recorded: boolean;
  /** @internal counts recoveries: deliveries of an older epoch are stale */
  epoch = 0;
  /** Encodes publish bodies and decodes `message.payload` (default: the connection's; replace or `extend()` it per channel). */
  serializers: SerializerRegistry;
  /** The link and the state, shared with the parts. */
  readonly #wire: ChannelWire = { link: undefined as unknown as Link, state: new ChannelState() };
  readonly #settings: ChannelSettings;
  readonly #settlement: Settlement;
  readonly #publishing: Publishing;
  readonly #consuming: Consuming<Consumer>;
  #closing: Promise<void> | undefined;
  #closedResolve: (() => void) | undefined;
  #error: Error | undefined;

  /** @internal use connection.channel() */
  constructor(connection: Connection, options?: ChannelOptions & { recorded?: boolean }) {
    super();
    this.connection = connection;
    this.key = ++channelKeys;
    this.recorded = options?.recorded ?? true;
    this.#settings = new ChannelSettings(options);
    this.serializers = connection.serializers;
    this.#settlement = new Settlement(this, {
      ackPending: () => connection.ackPending(this),
      traced: (m, how, multiple, requeue) => {
        if (!(tracing.settle.start.hasSubscribers || tracing.process.start.hasSubscribers)) return false;
        const count = this.#settlement.covered(Number(m.deliveryTag), multiple);
        traceSettle(this, m as Message, how, multiple, requeue, count, () => this.#settlement.apply(m, how, multiple, requeue));
        return true;
      },
    });
    this.#publishing = new Publishing(this, this.#wire, this.#settings);
    this.#consuming = new Consuming<Consumer>(
      this,
      this.#wire,
      {
        delivery: (fields, properties, body) => new Message(this, fields, properties, body, this.epoch),
        cancelledError: (tag) => new ConsumerCancelledError(tag),
        timedOut: (c) => consumerTimeoutFromCancel(c as Consumer, this.#settlement.unsettledThroughLast(), this.connection.topology.queues()),
        settle: (m, how, multiple, requeue) => this.settle(m as Message, how, multiple, requeue),
        topology: connection.topology,
        cancelled: (tag) => this.emit('cancel', tag),
      },
      this.#settlement,
    );
    const emit = (event: 'disconnected' | 'recovered', error?: Error) => (event === 'recovered' ? this.emit('recovered') : this.emit('disconnected', error!));
    this.restorer = new ChannelRestorer(this, { wire: this.#wire, settings: this.#settings, settlement: this.#settlement, publishing: this.#publishing, consuming: this.#consuming as unknown as Consuming<ConsumerLike>, emit });
  }

  /** @internal how the channel restores itself across a connection loss (channel/restorer.ts): what recovery sees */
  readonly restorer: ChannelRestorer;

  /** @internal a channel of the application's for a passive check (declarations in topology.ts) */
  spareChannel(): Promise<Channel> {
    return this.connection.channel();
  }

  /** @internal the channel's number on its connection, set once channel.open is sent */
  useLink(link: Link): void {
    this.#wire.link = link;
    this.#settlement.reset(link);
  }

  /** @internal told the tag of each multiple settlement sent: it also settled other consumers' deliveries (a stream consumer tracks them, rabbitmq/stream-consumer.ts) */
  get multipleSettled(): Set<(through: number) => void> {
    return this.#settlement.multipleSettled;
  }

  /** @internal true when a stream consumer of this channel holds an unsettled delivery with a tag up to `through` (rabbitmq/stream-consumer.ts) */
  get streamDeliveryThrough(): Set<(through: number) => boolean> {
    return this.#settlement.streamDeliveryThrough;
  }

  /** The channel number on the current connection: it may change when the connection recovers, unless chosen with `connection.channel({ id })`. */
  get id(): number {
    return this.#wire.link.id;
  }

  /** True while the channel waits for its connection to recover. */
  get isRecovering(): boolean {
    return this.#wire.state.heldBy !== undefined && this.#wire.state.isOpen;
  }

  get isOpen(): boolean {
    return this.#wire.state.isOpen;
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
    const def = this.#wire.link.registry.byKind(kind);
    if (!def) throw new TypeError(`no method ${kind} in this connection's protocol registry`);
    return withDefaults(kind, def.fields, args);
  }

  /** @internal sends a synchronous method and waits for the reply (with content for get-ok), after a recovery in progress */
  async request(m: AnyMethod, options?: CallOptions, onReply?: (r: Reply) => void): Promise<Reply> {
    this.connection.rules.check(m);
    const signal = callSignal(options);
    if (this.#wire.state.name === 'held') await this.connection.whenRecovered(signal);
    return this.requestNow(m, signal, onReply);
  }

  /** @internal sends a synchronous method now (the replay's calls do not wait for the recovery) */
  async requestNow(m: AnyMethod, signal: AbortSignal | undefined, onReply?: (r: Reply) => void): Promise<Reply> {
    this.assertOpen();
    signal?.throwIfAborted();
    const link = this.#wire.link;
    try {
      return await link.call(m, signal, onReply);
    } catch (e) {
      if (signal?.aborted && e === signal.reason) {
        throw new OperationAbortedError(`${m.kind} on channel ${link.id} was abandoned: ${(e as Error).message}`, { cause: e });
      }
      throw this.connection.rules.explain(m, e);
    }
  }

  /** @internal sends an asynchronous method */
  send(m: AnyMethod): void {
    const heldBy = this.#wire.state.heldBy;
    if (heldBy) throw new RecoveringError(`channel ${this.id} waits for its connection to recover`, { cause: heldBy });
    this.assertOpen();
    this.#wire.link.send(m);
  }

  /** Closes the channel (waits for close-ok); idempotent. Pending acks are sent first. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise((resolve) => (this.#closedResolve = resolve));
    const state = this.#wire.state;
    if (!state.isOpen) this.#closedResolve!();
    else if (state.name === 'held' && !state.attached) this.onClosed(undefined); // nothing on the wire to close
    else {
      state.closing();
      this.flushAcks();
      this.#wire.link.close();
    }
    return this.#closing;
  }

  /** Closes the channel (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ------------------------------------------------------------------ publishing (channel/publishing.ts)

  /**
   * Puts the channel in confirm mode: from now on each publish resolves when the broker acks
   * it and rejects on nack, on an unroutable mandatory return, or when the channel closes.
   * `maxUnconfirmed` bounds publishes in flight: publish() waits for room (default 128,
   * DEFAULT_MAX_UNCONFIRMED; `Infinity` for no bound).
   */
  async confirmSelect(options: { maxUnconfirmed?: number } = {}): Promise<void> {
    if (this.#publishing.confirms) return;
    if (this.#wire.state.heldBy) await this.connection.whenRecovered(undefined);
    // Counting starts with confirm.select on the wire, not with its answer: a publish issued
    // before select-ok already carries delivery tag 1 on the broker.
    const selected = this.call('confirm.select', {});
    this.#publishing.selectConfirms(options.maxUnconfirmed ?? DEFAULT_MAX_UNCONFIRMED);
    await selected;
  }

  /** True after confirmSelect(). */
  get confirmMode(): boolean {
    return this.#publishing.confirms !== undefined;
  }

  /** Publishes sent and awaiting the broker's ack or nack (0 outside confirm mode). */
  get unconfirmed(): number {
    return this.#publishing.confirms?.size ?? 0;
  }

  /** publish() calls waiting to be sent (blocked connection, full confirm window). */
  get waitingPublishes(): number {
    return this.#publishing.backlog.length;
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
    if (tracing.publish.start.hasSubscribers) return tracePublish(this, exchange, routingKey, options, () => prepare(body, options, this.serializers), (bytes, o: PublishOptions) => this.#publishing.publish(exchange, routingKey, bytes, o));
    return this.#publishing.publish(exchange, routingKey, body, options);
  }

  /** @internal sends waiting publishes while allowed (after unblocked or confirms) */
  drainBacklog(): void {
    this.#publishing.drain();
  }

  /** publish() to a queue through the default exchange. */
  sendToQueue(queue: string, body: Body, options?: PublishOptions): Promise<void> {
    return this.publish('', queue, body, options);
  }

  // ------------------------------------------------------------------ consuming (channel/consuming.ts)

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
    await this.#consuming.consume(consumer as unknown as Consumer, queue, options);
    return consumer;
  }

  /**
   * Consumes from a stream with a typed offset, the prefetch streams require, manual acks, the
   * client-side filter check and offset tracking (rabbitmq/stream-consumer.ts).
   */
  consumeStream(queue: string, options?: StreamConsumeOptions): Promise<StreamConsumer> {
    return consumeStream(this, queue, options);
  }

  /** Fetches one message (basic.get), or null when the queue is empty. */
  async get(queue: string, options: { noAck?: boolean } = {}): Promise<Message | null> {
    if (tracing.get.start.hasSubscribers) return traceGet(this, queue, options.noAck ?? false, async () => (await this.#consuming.get(queue, options.noAck ?? false)) as Message | null);
    return (await this.#consuming.get(queue, options.noAck ?? false)) as Message | null;
  }

  /** The consumers started on this channel and still running, by consumer tag. */
  get consumers(): ReadonlyMap<string, Consumer> {
    return this.#consuming.consumers;
  }

  /**
   * Cancels a consumer by its tag (basic.cancel; waits for cancel-ok). The consumer's iterator
   * ends; its unread deliveries are requeued. A callback consumer's handlers in flight go on:
   * this does not wait for them (so a handler may await it), `consumer.close()` does. A tag this
   * channel does not know is still sent (RabbitMQ answers cancel-ok for an unknown tag).
   */
  async cancel(consumerTag: string, options?: CallOptions): Promise<void> {
    const c = this.#consuming.consumers.get(consumerTag);
    if (c) {
      const target = c.forward ?? c; // one queue of a MultiConsumer: all of it
      void target.close().catch(() => undefined); // stop handing out, requeue the unread; drains in the background
      return target.cancel();
    }
    await this.call('basic.cancel', { consumerTag }, options);
  }

  /** @internal Consumer → basic.cancel */
  cancelConsumer(consumer: Consumer): Promise<void> {
    return this.#consuming.cancelConsumer(consumer, (consumerTag) => this.call('basic.cancel', { consumerTag }));
  }

  // ------------------------------------------------------------------ settlement (channel/settlement.ts)

  /**
   * Acknowledges a delivery by its tag (and with `multiple`, every earlier unsettled one), for
   * code that keeps tags rather than Message objects. Shares the batching and the checks of
   * `message.ack()`: settling a tag twice, a no-ack tag, or a tag not yet delivered on this
   * channel throws MessageSettledError before the broker would close the channel. Tags start
   * again at 1 after a connection recovery: a tag kept from before it names another delivery
   * now (message.ack() knows the difference; a tag cannot).
   */
  ack(deliveryTag: Long, options: { multiple?: boolean } = {}): void {
    this.#settlement.settleTag(Number(deliveryTag), 'ack', options.multiple ?? false, false);
  }

  /** Negatively acknowledges by tag (RabbitMQ extension); does not requeue unless `requeue: true` (as message.nack()). */
  nack(deliveryTag: Long, options: { multiple?: boolean; requeue?: boolean } = {}): void {
    this.#settlement.settleTag(Number(deliveryTag), 'nack', options.multiple ?? false, options.requeue ?? false);
  }

  /** Rejects by tag; does not requeue unless `requeue: true` (as message.reject()). */
  reject(deliveryTag: Long, options: { requeue?: boolean } = {}): void {
    this.#settlement.settleTag(Number(deliveryTag), 'reject', false, options.requeue ?? false);
  }

  /** @internal Consumer → nack(requeue) of deliveries it never handed out */
  requeue(messages: readonly Message[]): void {
    if (!this.#wire.state.isOpen || this.#wire.state.heldBy) return;
    this.#settlement.requeue(messages);
  }

  /** @internal true when `message` came before a recovery of this channel: its tag means nothing now */
  isStale(message: Message): boolean {
    return message.epoch !== this.epoch;
  }

  /** @internal Message → ack/nack/reject; false when the message is stale (nothing is sent) */
  settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): boolean {
    return this.#settlement.settle(message, how, multiple, requeue);
  }

  /** @internal Message → publish to replyTo */
  async reply(message: Message, body: Body, options?: PublishOptions): Promise<void> {
    const p = message.properties;
    if (!p.replyTo) throw new TypeError('the message has no replyTo to answer to');
    const o: PublishOptions = { ...options };
    if (p.correlationId !== undefined) o.correlationId ??= p.correlationId;
    await this.publish('', p.replyTo, body, o);
  }

  /** @internal acks held for batching go out now (only into a channel the core still has open) */
  flushAcks(): void {
    this.#settlement.flush(this.#wire.state.isOpen && !this.#wire.state.heldBy && this.#wire.link.isOpen);
  }

  // ------------------------------------------------------------------ events from the session (ChannelSink)

  /** @internal an asynchronous method from the broker */
  onMethod(m: AnyMethod): void {
    switch (m.kind) {
      case 'basic.ack': {
        const a = m as unknown as { deliveryTag: Long; multiple: boolean };
        return this.#publishing.onAck(a.deliveryTag, a.multiple);
      }
      case 'basic.nack': {
        const a = m as unknown as { deliveryTag: Long; multiple: boolean };
        return this.#publishing.onNack(a.deliveryTag, a.multiple);
      }
      case 'basic.cancel':
        return this.#consuming.onCancel((m as unknown as { consumerTag: string }).consumerTag);
      case 'channel.flow':
        this.emit('flow', (m as unknown as { active: boolean }).active);
        return;
    }
  }

  /** @internal the connection takes publishes again */
  onUnblocked(): void {
    this.#publishing.drain();
  }

  /** @internal a delivery or return */
  onContent(m: AnyMethod, content: Content): void {
    if (m.kind === 'basic.deliver') return this.#consuming.onDeliver(m, content);
    if (m.kind === 'basic.return') this.emit('return', this.#publishing.onReturn(m, content));
  }

  /** @internal the channel is gone */
  onClosed(error: Error | undefined): void {
    if (!this.#wire.state.isOpen) return;
    this.#wire.state.closed();
    error = consumerTimeoutFromClose(error, this.#settlement.unsettledThroughLast()) ?? error;
    this.#error = error;
    this.#publishing.failAll(error ?? new ChannelClosedError(`channel ${this.id} was closed`));
    this.#consuming.closed(error);
    this.connection.forgetChannel(this);
    if (error) this.emit('error', error);
    this.emit('close', error);
    this.#closing ??= Promise.resolve();
    this.#closedResolve?.();
  }

  /** @internal */
  override assertOpen(): void {
    if (this.#wire.state.name !== 'live' && this.#wire.state.name !== 'held') throw new ChannelClosedError(`channel ${this.id} is closed`, { cause: this.#error });
    const link = this.#wire.link;
    if (link.connectionState !== 'open') throw new ConnectionClosedError(`the connection is ${link.connectionState}`, { cause: link.connectionError });
    if (!link.isOpen) throw new ChannelClosedError(`channel ${this.id} is closing`, { cause: this.#error });
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Channel { id: ${this.id}, open: ${this.#wire.state.isOpen}${this.#wire.state.heldBy ? ', recovering' : ''} }`;
  }
}

let channelKeys = 0;
