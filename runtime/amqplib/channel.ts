/**
 * amqplib's Channel (promise API) over a warren Channel.
 *
 * Theory of operation. Each method translates its arguments (args.ts) and calls the warren
 * channel, whose calls are queued in order, recorded for recovery and checked against the
 * broker's rules; replies come back in amqplib's shapes and failures in amqplib's words
 * (errors.ts). States: open → closing (close() called, or an error is being reported) → closed
 * (warren's `close` event). A channel error from the broker is emitted as `error` (amqplib's
 * message and fields) just before `close`; a connection's end closes the channel quietly (`close`
 * only), as in amqplib.
 *
 * Publishing: warren's publish() returns a promise that resolves once the frames are handed to
 * a socket that can take more (or, in confirm mode, once the broker confirms). amqplib's
 * publish() returns a boolean instead: `#pending` counts the promises not yet resolved, the
 * return is false beyond `highWaterMark` of them, and `drain` is emitted when the count falls back
 * to half of that. So a loop that waits for `drain` whenever publish() says false never holds
 * more than highWaterMark messages in memory, as with amqplib.
 *
 * Settling: amqplib acks a message by its delivery tag; `#unsettled` maps each tag awaiting a
 * settlement to its warren Message (so `multiple`, `ackAll` and `nackAll` know what they
 * cover). A tag the map does not know (never delivered, or settled already) is what RabbitMQ
 * answers with 406 PRECONDITION_FAILED "unknown delivery tag", closing the channel: warren
 * refuses such a settlement before sending it, so this layer closes the channel with that same
 * error instead (see docs/amqplib.md). After a connection recovery (warren's `recover` option)
 * the deliveries from before it are stale: their settlements do nothing, as in warren.
 */
import { MessageSettledError, type Channel as WarrenChannel, type Message as WarrenMessage, type ReplyError } from '../index.js';
import { assertExchangeArgs, assertQueueArgs, consumeArgs, publishOptions, toWireTable as toWireArgs } from './args.js';
import { IllegalOperationError, channelClosedByServer, operationError, unknownDeliveryTag } from './errors.js';
import { EventEmitter, safeEmit } from './events.js';
import { deliveryMessage, getMessage, returnedMessage } from './message.js';
import type { AssertExchangeOptions, AssertQueueOptions, ChannelOptions, ConsumeMessage, ConsumeOptions, DeleteExchangeOptions, DeleteQueueOptions, GetMessage, GetOptions, Message, PublishOptionsAmqplib, Replies } from './types.js';

/** The connection as amqplib exposes it on `model.connection` and `channel.connection`. */
export interface ConnectionInfo {
  readonly serverProperties: Record<string, unknown>;
  readonly heartbeat: number;
  readonly frameMax: number;
  readonly channelMax: number;
  /** Closes the whole connection (amqplib's low-level `connection.close(cb)`). */
  close(cb?: (err?: Error) => void): void;
}

const DEFAULT_HWM = 1024; // amqplib's per-channel write buffer, in messages

/** A channel with amqplib's API. `warren` is the underlying warren Channel. */
export class Channel extends EventEmitter {
  readonly connection: ConnectionInfo;
  /** The warren Channel underneath: its whole API, for code that wants more than amqplib's. */
  readonly warren: WarrenChannel;
  readonly #hwm: number;
  #pending = 0;
  #needDrain = false;
  #state: 'open' | 'closing' | 'closed' = 'open';
  /** Why the channel closed, for IllegalOperationError's stackAtStateChange. */
  #reason: Error | undefined;
  #recovered = false;
  readonly #unsettled = new Map<number, WarrenMessage>();
  readonly #consumers = new Map<string, (msg: ConsumeMessage | null) => void>();
  /** Where events go: this channel, or the callback API's channel that wraps it. */
  readonly #events: EventEmitter;

  /** @internal use model.createChannel() */
  constructor(connection: ConnectionInfo, channel: WarrenChannel, options: ChannelOptions = {}, events?: EventEmitter) {
    super();
    this.#events = events ?? this;
    this.connection = connection;
    this.warren = channel;
    this.#hwm = options.highWaterMark && options.highWaterMark > 0 ? options.highWaterMark : DEFAULT_HWM;
    channel.on('error', (e) => {
      const r = e as ReplyError;
      // A broker's channel.close (soft error): amqplib's channel error. Anything else is the connection's end.
      if (r.severity === 'soft' && r.remote !== false) this.#report(channelClosedByServer(r, e));
    });
    channel.on('close', (e) => this.#closed(e));
    channel.on('return', (r) => safeEmit(this.#events, 'return', returnedMessage(r)));
    channel.on('cancel', (tag) => {
      const cb = this.#consumers.get(tag);
      this.#consumers.delete(tag);
      safeEmit(this.#events, 'cancel', { consumerTag: tag });
      cb?.(null);
    });
    channel.on('disconnected', () => {
      this.#unsettled.clear();
      this.#recovered = true;
    });
  }

  /** Emits `error` when someone listens (amqplib would throw from the socket handler otherwise: see docs/amqplib.md). */
  #report(e: Error): void {
    this.#reason ??= e;
    if (this.#events.listenerCount('error') > 0) safeEmit(this.#events, 'error', e);
  }

  #closed(e: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#reason ??= e;
    this.#unsettled.clear();
    this.onClosed();
    safeEmit(this.#events, 'close');
  }

  /** @internal a subclass's hook (confirm callbacks fail) */
  protected onClosed(): void {}

  /** @internal throws amqplib's IllegalOperationError once the channel is closing or closed */
  protected assertOpen(): void {
    if (this.#state !== 'open') throw new IllegalOperationError(this.#state === 'closed' ? 'Channel closed' : 'Channel closing', this.#reason?.stack, { cause: this.#reason });
  }

  async #call<T>(kind: string, args: object, shape: (r: any) => T): Promise<T> {
    this.assertOpen();
    try {
      return shape(await this.warren.call(kind as 'queue.declare', args));
    } catch (e) {
      if (this.#state !== 'open' && !(e as ReplyError).replyCode) throw new IllegalOperationError('Channel ended, no reply will be forthcoming', this.#reason?.stack, { cause: e });
      throw operationError(kind, e);
    }
  }

  /** Closes the channel (channel.close, then close-ok). Rejects with IllegalOperationError when it is already closed. */
  async close(): Promise<void> {
    this.assertOpen();
    this.#state = 'closing';
    await this.warren.close();
  }

  // ------------------------------------------------------------------ topology

  /** Declares a queue (queue.declare; a server-named one for `''` or none): its name and counts. */
  assertQueue(queue?: string, options?: AssertQueueOptions): Promise<Replies.AssertQueue> {
    return this.#call('queue.declare', assertQueueArgs(queue, options), (r) => ({ queue: r.queue, messageCount: r.messageCount, consumerCount: r.consumerCount }));
  }

  /** Declares `queue` passively: its counts; the broker closes the channel (404) if it does not exist. */
  checkQueue(queue: string): Promise<Replies.AssertQueue> {
    return this.#call('queue.declare', { queue, passive: true }, (r) => ({ queue: r.queue, messageCount: r.messageCount, consumerCount: r.consumerCount }));
  }

  /** Deletes `queue` (queue.delete): the number of messages deleted with it. */
  deleteQueue(queue: string, options: DeleteQueueOptions = {}): Promise<Replies.DeleteQueue> {
    return this.#call('queue.delete', { queue, ifUnused: !!options.ifUnused, ifEmpty: !!options.ifEmpty }, (r) => ({ messageCount: r.messageCount }));
  }

  /** Removes the ready messages of `queue` (queue.purge): how many. */
  purgeQueue(queue: string): Promise<Replies.PurgeQueue> {
    return this.#call('queue.purge', { queue }, (r) => ({ messageCount: r.messageCount }));
  }

  /** Binds `queue` to exchange `source` with routing pattern `pattern` (queue.bind). */
  bindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>): Promise<Replies.Empty> {
    return this.#call('queue.bind', { queue, exchange: source, routingKey: pattern, arguments: toArgs(args) }, empty);
  }

  /** Removes a binding made by `bindQueue` (queue.unbind). */
  unbindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>): Promise<Replies.Empty> {
    return this.#call('queue.unbind', { queue, exchange: source, routingKey: pattern, arguments: toArgs(args) }, empty);
  }

  /** Declares an exchange of `type` (exchange.declare). */
  assertExchange(exchange: string, type: string, options?: AssertExchangeOptions): Promise<Replies.AssertExchange> {
    return this.#call('exchange.declare', assertExchangeArgs(exchange, type, options), () => ({ exchange }));
  }

  /** Declares `exchange` passively; the broker closes the channel (404) if it does not exist. */
  checkExchange(exchange: string): Promise<Replies.Empty> {
    return this.#call('exchange.declare', { exchange, passive: true }, empty);
  }

  /** Deletes `exchange` (exchange.delete). */
  deleteExchange(exchange: string, options: DeleteExchangeOptions = {}): Promise<Replies.Empty> {
    return this.#call('exchange.delete', { exchange, ifUnused: !!options.ifUnused }, empty);
  }

  /** Binds exchange `destination` to exchange `source` with routing pattern `pattern` (exchange.bind). */
  bindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>): Promise<Replies.Empty> {
    return this.#call('exchange.bind', { destination, source, routingKey: pattern, arguments: toArgs(args) }, empty);
  }

  /** Removes a binding made by `bindExchange` (exchange.unbind). */
  unbindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>): Promise<Replies.Empty> {
    return this.#call('exchange.unbind', { destination, source, routingKey: pattern, arguments: toArgs(args) }, empty);
  }

  // ------------------------------------------------------------------ publishing

  /** Publishes; false when highWaterMark publishes wait for the socket (wait for `drain`). Throws on a closed channel. */
  publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.track(this.send(exchange, routingKey, content, options));
  }

  /** publish() through the default exchange. */
  sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.publish('', queue, content, options);
  }

  /** @internal validates as amqplib does (synchronously), then hands the message to warren */
  protected send(exchange: string, routingKey: string, content: Buffer, options: PublishOptionsAmqplib | undefined): Promise<void> {
    if (!(content instanceof Uint8Array)) throw new TypeError('content is not a buffer');
    this.assertOpen();
    return this.warren.publish(exchange, routingKey, content, publishOptions(options));
  }

  /** @internal counts `p` until it resolves: the boolean of publish() and `drain` */
  protected track(p: Promise<void>): boolean {
    p.then(this.#settled, this.#failed);
    return this.pendingUp();
  }

  /** @internal one more publish in flight; false beyond highWaterMark (then `drain` follows) */
  protected pendingUp(): boolean {
    if (++this.#pending <= this.#hwm) return true;
    this.#needDrain = true;
    return false;
  }

  /** @internal one publish left the count: `drain` once half the high water mark is reached */
  protected pendingDown(): void {
    if (--this.#pending <= this.#hwm >> 1 && this.#needDrain) {
      this.#needDrain = false;
      safeEmit(this.#events, 'drain');
    }
  }

  /** @internal the emitter of this channel's events (the callback API's channel when wrapped) */
  protected get emitter(): EventEmitter {
    return this.#events;
  }

  #settled = (): void => this.pendingDown();

  #failed = (e: unknown): void => {
    this.pendingDown();
    // A closed channel drops what it had not sent, as amqplib's does; `close` (and `error`) say why.
    // Anything else (a header value the codec refuses) is reported on the channel.
    if (this.#state === 'open' && this.warren.isOpen) this.#report(e as Error);
  };

  // ------------------------------------------------------------------ consuming

  /** Starts a consumer; `onMessage(null)` when the broker cancels it (its queue was deleted). */
  async consume(queue: string, onMessage: (msg: ConsumeMessage | null) => void, options?: ConsumeOptions): Promise<Replies.Consume> {
    this.assertOpen();
    const a = consumeArgs(options);
    try {
      const consumer = await this.warren.consume(queue, (m) => this.#deliver(m, onMessage), { ...a, onHandlerError: 'none' });
      this.#consumers.set(consumer.consumerTag, onMessage);
      return { consumerTag: consumer.consumerTag };
    } catch (e) {
      throw operationError('basic.consume', e);
    }
  }

  #deliver(m: WarrenMessage, onMessage: (msg: ConsumeMessage | null) => void): void {
    if (!m.settled) this.#unsettled.set(Number(m.deliveryTag), m);
    const msg = deliveryMessage(m);
    try {
      onMessage(msg);
    } catch (e) {
      // amqplib: to `handler-error` when listened to, else thrown out of the socket's handler.
      if (this.#events.listenerCount('handler-error') > 0) setImmediate(() => this.#events.emit('handler-error', e, 'delivery'));
      else
        queueMicrotask(() => {
          throw e;
        });
    }
  }

  /** Cancels a consumer (basic.cancel, waits for cancel-ok). */
  async cancel(consumerTag: string): Promise<Replies.Cancel> {
    this.assertOpen();
    try {
      await this.warren.cancel(consumerTag);
    } catch (e) {
      throw operationError('basic.cancel', e);
    }
    this.#consumers.delete(consumerTag);
    return { consumerTag };
  }

  /** Fetches one message (basic.get), or false when the queue is empty. */
  async get(queue: string, options: GetOptions = {}): Promise<GetMessage | false> {
    this.assertOpen();
    let m: WarrenMessage | null;
    try {
      m = await this.warren.get(queue, { noAck: !!options.noAck });
    } catch (e) {
      throw operationError('basic.get', e);
    }
    if (m === null) return false;
    if (!m.settled) this.#unsettled.set(Number(m.deliveryTag), m);
    return getMessage(m);
  }

  // ------------------------------------------------------------------ settling

  /** Acknowledges a message (with `allUpTo`, every earlier unsettled one too). */
  ack(message: Message, allUpTo = false): void {
    this.#settle(message, 'ack', !!allUpTo, false);
  }

  /** Acknowledges every outstanding message. */
  ackAll(): void {
    this.#settleAll('ack', false);
  }

  /** Rejects a message (RabbitMQ's basic.nack); requeues unless `requeue` is false, as amqplib does. */
  nack(message: Message, allUpTo = false, requeue = true): void {
    this.#settle(message, 'nack', !!allUpTo, requeue !== false);
  }

  /** nack()s every outstanding message; requeues unless `requeue` is false. */
  nackAll(requeue = true): void {
    this.#settleAll('nack', requeue !== false);
  }

  /** Rejects one message (basic.reject); requeues unless `requeue` is false. */
  reject(message: Message, requeue = true): void {
    this.#settle(message, 'reject', false, requeue !== false);
  }

  #settle(message: Message, how: 'ack' | 'nack' | 'reject', multiple: boolean, requeue: boolean): void {
    this.assertOpen();
    const tag = message.fields.deliveryTag;
    if (tag === 0 && multiple) return this.#settleAll(how === 'reject' ? 'nack' : how, requeue); // amqplib's way of saying "all"
    const m = this.#unsettled.get(tag);
    if (!m) {
      // Stale after a recovery: the broker requeued it already; nothing to send (warren's rule).
      if (!this.#recovered) this.#unknownTag(tag, how);
      return;
    }
    try {
      if (multiple) {
        if (how === 'ack') this.warren.ack(tag, { multiple: true });
        else this.warren.nack(tag, { multiple: true, requeue });
        for (const t of this.#unsettled.keys()) if (t <= tag) this.#unsettled.delete(t);
        return;
      }
      this.#unsettled.delete(tag);
      if (how === 'ack') m.ack();
      else if (how === 'nack') m.nack({ requeue });
      else m.reject({ requeue });
    } catch (e) {
      if (e instanceof MessageSettledError) this.#unknownTag(tag, how);
      else throw e;
    }
  }

  #settleAll(how: 'ack' | 'nack', requeue: boolean): void {
    this.assertOpen();
    let last = 0;
    for (const t of this.#unsettled.keys()) if (t > last) last = t;
    this.#unsettled.clear();
    if (last === 0) return; // nothing outstanding: RabbitMQ ignores ack(0, multiple) too
    if (how === 'ack') this.warren.ack(last, { multiple: true });
    else this.warren.nack(last, { multiple: true, requeue });
  }

  /** RabbitMQ closes the channel with 406 for a tag it does not know: the same error, the same end. */
  #unknownTag(tag: number, how: 'ack' | 'nack' | 'reject'): void {
    const e = unknownDeliveryTag(tag, how);
    this.#state = 'closing';
    this.#reason = e;
    setImmediate(() => {
      this.#report(e);
      void this.warren.close();
    });
  }

  // ------------------------------------------------------------------ qos, recover

  /** basic.qos: per consumer, or with `global` per channel (RabbitMQ before 4.3). */
  async prefetch(count: number, global = false): Promise<Replies.Empty> {
    return this.#call('basic.qos', { prefetchCount: count || 0, prefetchSize: 0, global: !!global }, empty);
  }

  /** Alias of prefetch(), as in amqplib. */
  qos(count: number, global = false): Promise<Replies.Empty> {
    return this.prefetch(count, global);
  }

  /** basic.recover with requeue: the broker redelivers every unacknowledged message. */
  async recover(): Promise<Replies.Empty> {
    this.assertOpen();
    // The broker requeues these; their redeliveries (new tags) may arrive before recover-ok.
    const requeued = [...this.#unsettled.keys()];
    try {
      await this.warren.recover({ requeue: true });
    } catch (e) {
      throw operationError('basic.recover', e);
    }
    for (const t of requeued) this.#unsettled.delete(t);
    return {};
  }
}

function empty(): Replies.Empty {
  return {};
}

function toArgs(args: Record<string, unknown> | undefined) {
  return args ? toWireArgs(args) : {};
}
