/**
 * amqplib's callback API (`amqplib/callback_api`): the same model and channels as the promise
 * API, with a node-style callback `(err, ok)` as the last argument of each operation instead of
 * a promise. Each object here wraps its promise-API twin, which emits its events on the wrapper
 * (so listeners see the callback object), and calls back on the next turn after the promise
 * settles. A missing callback is allowed where amqplib allows it; its error then goes nowhere but
 * the channel's own `error` and `close` events, as in amqplib.
 */
import { open } from './channel-model.js';
import type { Channel } from './channel.js';
import type { ChannelModel } from './channel-model.js';
import type { ConfirmCallback, ConfirmChannel } from './confirm-channel.js';
import { credentials, resolveConnect } from './connect.js';
import { IllegalOperationError } from './errors.js';
import { EventEmitter } from './events.js';
import type { AssertExchangeOptions, AssertQueueOptions, ChannelOptions, ConnectObject, ConsumeMessage, ConsumeOptions, DeleteExchangeOptions, DeleteQueueOptions, GetOptions, Message, PublishOptionsAmqplib, SocketOptions } from './types.js';

export { credentials, IllegalOperationError };

/** A node-style callback. */
export type Callback<T> = (err: Error | null, ok?: T) => void;

/**
 * Calls back outside the promise chain (process.nextTick), so that an exception thrown by the
 * callback is an uncaught exception, as in amqplib (where a domain or `uncaughtException` sees
 * it), not a rejection that nobody handles.
 */
function call<T>(p: Promise<T>, cb: Callback<T> | undefined): void {
  if (!cb) {
    p.catch(() => undefined); // amqplib: no callback, the error goes to the channel's events only
    return;
  }
  p.then(
    (v) => process.nextTick(cb, null, v),
    (e: unknown) => process.nextTick(cb, e instanceof Error ? e : new Error(String(e))),
  );
}

/** A channel of the callback API. */
export class CallbackChannel extends EventEmitter {
  /** @internal the promise-API channel doing the work */
  readonly ch: Channel;
  constructor(open: (events: EventEmitter) => Promise<Channel>, ready: Callback<CallbackChannel> | undefined) {
    super();
    this.ch = undefined as unknown as Channel;
    call(
      open(this).then((ch) => {
        (this as { ch: Channel }).ch = ch;
        return this;
      }),
      ready,
    );
  }

  get connection() {
    return this.ch.connection;
  }

  /** The warren Channel underneath. */
  get warren() {
    return this.ch.warren;
  }

  /** Closes the channel; calls back once it is closed. */
  close(cb?: Callback<void>): void {
    try {
      call(this.ch.close(), cb);
    } catch (e) {
      call(Promise.reject(e), cb);
    }
  }

  /** Declares a queue (a server-named one for `''` or none); calls back with `{ queue, messageCount, consumerCount }`. */
  assertQueue(queue?: string, options?: AssertQueueOptions, cb?: Callback<unknown>): this {
    call(this.ch.assertQueue(queue, options), cb);
    return this;
  }
  /** Declares `queue` passively: calls back with its counts, or an error that closes the channel if it does not exist. */
  checkQueue(queue: string, cb?: Callback<unknown>): this {
    call(this.ch.checkQueue(queue), cb);
    return this;
  }
  /** Deletes `queue`; calls back with `{ messageCount }`. */
  deleteQueue(queue: string, options?: DeleteQueueOptions, cb?: Callback<unknown>): this {
    call(this.ch.deleteQueue(queue, options), cb);
    return this;
  }
  /** Removes the ready messages of `queue`; calls back with `{ messageCount }`. */
  purgeQueue(queue: string, cb?: Callback<unknown>): this {
    call(this.ch.purgeQueue(queue), cb);
    return this;
  }
  /** Binds `queue` to exchange `source` with routing pattern `pattern`. */
  bindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.bindQueue(queue, source, pattern, args), cb);
    return this;
  }
  /** Removes a binding made by `bindQueue`. */
  unbindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.unbindQueue(queue, source, pattern, args), cb);
    return this;
  }
  /** Declares an exchange of `type`; calls back with `{ exchange }`. */
  assertExchange(exchange: string, type: string, options?: AssertExchangeOptions, cb?: Callback<unknown>): this {
    call(this.ch.assertExchange(exchange, type, options), cb);
    return this;
  }
  /** Declares `exchange` passively: an error that closes the channel if it does not exist. */
  checkExchange(exchange: string, cb?: Callback<unknown>): this {
    call(this.ch.checkExchange(exchange), cb);
    return this;
  }
  /** Deletes `exchange`. */
  deleteExchange(exchange: string, options?: DeleteExchangeOptions, cb?: Callback<unknown>): this {
    call(this.ch.deleteExchange(exchange, options), cb);
    return this;
  }
  /** Binds exchange `destination` to exchange `source` with routing pattern `pattern`. */
  bindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.bindExchange(destination, source, pattern, args), cb);
    return this;
  }
  /** Removes a binding made by `bindExchange`. */
  unbindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.unbindExchange(destination, source, pattern, args), cb);
    return this;
  }

  /** Publishes `content`; false when the channel's buffer is full (wait for `drain`). */
  publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.ch.publish(exchange, routingKey, content, options);
  }
  /** Publishes `content` to `queue` through the default exchange; false as `publish`. */
  sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.ch.sendToQueue(queue, content, options);
  }

  /** Starts a consumer on `queue` (`onMessage` gets null when the broker cancels it); calls back with `{ consumerTag }`. */
  consume(queue: string, onMessage: (msg: ConsumeMessage | null) => void, options?: ConsumeOptions, cb?: Callback<unknown>): this {
    call(this.ch.consume(queue, onMessage, options), cb);
    return this;
  }
  /** Stops the consumer `consumerTag`. */
  cancel(consumerTag: string, cb?: Callback<unknown>): this {
    call(this.ch.cancel(consumerTag), cb);
    return this;
  }
  /** Fetches one message from `queue`; calls back with it, or with false when the queue is empty. */
  get(queue: string, options?: GetOptions, cb?: Callback<unknown>): this {
    call(this.ch.get(queue, options), cb);
    return this;
  }

  /** Acknowledges `message` (and every earlier one on the channel with `allUpTo`). */
  ack(message: Message, allUpTo?: boolean): this {
    this.ch.ack(message, allUpTo);
    return this;
  }
  /** Acknowledges every outstanding message of the channel. */
  ackAll(): this {
    this.ch.ackAll();
    return this;
  }
  /** Rejects `message` (and earlier ones with `allUpTo`), requeued unless `requeue` is false. */
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): this {
    this.ch.nack(message, allUpTo, requeue);
    return this;
  }
  /** Rejects every outstanding message of the channel, requeued unless `requeue` is false. */
  nackAll(requeue?: boolean): this {
    this.ch.nackAll(requeue);
    return this;
  }
  /** Rejects one message, requeued unless `requeue` is false. */
  reject(message: Message, requeue?: boolean): this {
    this.ch.reject(message, requeue);
    return this;
  }
  /** Limits the unacknowledged deliveries to `count` per consumer (per channel with `global`). */
  prefetch(count: number, global?: boolean, cb?: Callback<unknown>): this {
    call(this.ch.prefetch(count, global), cb);
    return this;
  }
  /** The same as `prefetch`. */
  qos(count: number, global?: boolean, cb?: Callback<unknown>): this {
    return this.prefetch(count, global, cb);
  }
  /** Asks the broker to redeliver the channel's unacknowledged messages. */
  recover(cb?: Callback<unknown>): this {
    call(this.ch.recover(), cb);
    return this;
  }
}

/** A confirm channel of the callback API. */
export class CallbackConfirmChannel extends CallbackChannel {
  /** Publishes `content`; `cb` is called when the broker confirms it (with an error on a nack). */
  override publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib, cb?: ConfirmCallback): boolean {
    return (this.ch as ConfirmChannel).publish(exchange, routingKey, content, options, cb);
  }
  /** `publish` to `queue` through the default exchange. */
  override sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib, cb?: ConfirmCallback): boolean {
    return this.publish('', queue, content, options, cb);
  }
  /** The publishes awaiting their confirm (their delivery tags). */
  get unconfirmed(): number[] {
    return (this.ch as ConfirmChannel).unconfirmed;
  }
  /** Calls back once every publish so far is confirmed (with an error on the first nack, or `channel closed`). */
  waitForConfirms(cb: (err?: Error) => void): void {
    (this.ch as ConfirmChannel).waitForConfirms().then(
      () => process.nextTick(cb),
      (e: Error) => process.nextTick(cb, e),
    );
  }
}

/** The callback API's connection (amqplib's CallbackModel). */
export class CallbackModel extends EventEmitter {
  /** @internal the promise-API model doing the work */
  model!: ChannelModel;

  get connection() {
    return this.model.connection;
  }

  /** The warren Connection underneath. */
  get warren() {
    return this.model.warren;
  }

  /** Closes the connection and its channels; calls back once it is closed. */
  close(cb?: Callback<void>): void {
    try {
      call(this.model.close(), cb);
    } catch (e) {
      call(Promise.reject(e), cb);
    }
  }

  /** Sends a new secret (e.g. a refreshed OAuth 2 token) for the connection to authenticate with. */
  updateSecret(newSecret: Buffer | string, reason: string, cb?: Callback<void>): void {
    call(this.model.updateSecret(newSecret, reason), cb);
  }

  /** Opens a channel; calls back with it once it is open. */
  createChannel(options?: ChannelOptions | Callback<CallbackChannel>, cb?: Callback<CallbackChannel>): CallbackChannel {
    if (typeof options === 'function') [cb, options] = [options, undefined];
    const o = options;
    return new CallbackChannel((events) => this.model.open(o, false, events), cb);
  }

  /** Opens a channel in confirm mode; calls back with it once it is open. */
  createConfirmChannel(options?: ChannelOptions | Callback<CallbackConfirmChannel>, cb?: Callback<CallbackConfirmChannel>): CallbackConfirmChannel {
    if (typeof options === 'function') [cb, options] = [options, undefined];
    const o = options;
    return new CallbackConfirmChannel((events) => this.model.open(o, true, events), cb as Callback<CallbackChannel>);
  }

  /** With the `recovery` option: calls back once the first connection is open. */
  waitForConnect(cb?: Callback<this>): this {
    call(this.model.waitForConnect().then(() => this), cb);
    return this;
  }
}

/**
 * amqplib's callback connect: `connect(url, options, cb)`, `connect(url, cb)` or `connect(cb)`.
 * A URL that is not amqp: or amqps: throws here, as amqplib's does.
 */
export function connect(url?: string | ConnectObject | Callback<CallbackModel> | null | false, options?: SocketOptions | Callback<CallbackModel> | null | false, cb?: Callback<CallbackModel>): void {
  if (typeof url === 'function') [cb, url, options] = [url, undefined, undefined];
  else if (typeof options === 'function') [cb, options] = [options, undefined];
  try {
    resolveConnect(url || undefined, options || undefined);
  } catch (e) {
    // amqplib throws at once for a URL that is not amqp: or amqps:; other bad options reach the callback.
    if ((e as Error).message.startsWith('Expected amqp:')) throw e;
  }
  const facade = new CallbackModel();
  const opening = open(url || undefined, options || undefined, facade, (model) => (facade.model = model));
  call(
    opening.then(() => facade),
    cb,
  );
}
