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

  close(cb?: Callback<void>): void {
    try {
      call(this.ch.close(), cb);
    } catch (e) {
      call(Promise.reject(e), cb);
    }
  }

  assertQueue(queue?: string, options?: AssertQueueOptions, cb?: Callback<unknown>): this {
    call(this.ch.assertQueue(queue, options), cb);
    return this;
  }
  checkQueue(queue: string, cb?: Callback<unknown>): this {
    call(this.ch.checkQueue(queue), cb);
    return this;
  }
  deleteQueue(queue: string, options?: DeleteQueueOptions, cb?: Callback<unknown>): this {
    call(this.ch.deleteQueue(queue, options), cb);
    return this;
  }
  purgeQueue(queue: string, cb?: Callback<unknown>): this {
    call(this.ch.purgeQueue(queue), cb);
    return this;
  }
  bindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.bindQueue(queue, source, pattern, args), cb);
    return this;
  }
  unbindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.unbindQueue(queue, source, pattern, args), cb);
    return this;
  }
  assertExchange(exchange: string, type: string, options?: AssertExchangeOptions, cb?: Callback<unknown>): this {
    call(this.ch.assertExchange(exchange, type, options), cb);
    return this;
  }
  checkExchange(exchange: string, cb?: Callback<unknown>): this {
    call(this.ch.checkExchange(exchange), cb);
    return this;
  }
  deleteExchange(exchange: string, options?: DeleteExchangeOptions, cb?: Callback<unknown>): this {
    call(this.ch.deleteExchange(exchange, options), cb);
    return this;
  }
  bindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.bindExchange(destination, source, pattern, args), cb);
    return this;
  }
  unbindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>, cb?: Callback<unknown>): this {
    call(this.ch.unbindExchange(destination, source, pattern, args), cb);
    return this;
  }

  publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.ch.publish(exchange, routingKey, content, options);
  }
  sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib): boolean {
    return this.ch.sendToQueue(queue, content, options);
  }

  consume(queue: string, onMessage: (msg: ConsumeMessage | null) => void, options?: ConsumeOptions, cb?: Callback<unknown>): this {
    call(this.ch.consume(queue, onMessage, options), cb);
    return this;
  }
  cancel(consumerTag: string, cb?: Callback<unknown>): this {
    call(this.ch.cancel(consumerTag), cb);
    return this;
  }
  get(queue: string, options?: GetOptions, cb?: Callback<unknown>): this {
    call(this.ch.get(queue, options), cb);
    return this;
  }

  ack(message: Message, allUpTo?: boolean): this {
    this.ch.ack(message, allUpTo);
    return this;
  }
  ackAll(): this {
    this.ch.ackAll();
    return this;
  }
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): this {
    this.ch.nack(message, allUpTo, requeue);
    return this;
  }
  nackAll(requeue?: boolean): this {
    this.ch.nackAll(requeue);
    return this;
  }
  reject(message: Message, requeue?: boolean): this {
    this.ch.reject(message, requeue);
    return this;
  }
  prefetch(count: number, global?: boolean, cb?: Callback<unknown>): this {
    call(this.ch.prefetch(count, global), cb);
    return this;
  }
  qos(count: number, global?: boolean, cb?: Callback<unknown>): this {
    return this.prefetch(count, global, cb);
  }
  recover(cb?: Callback<unknown>): this {
    call(this.ch.recover(), cb);
    return this;
  }
}

/** A confirm channel of the callback API. */
export class CallbackConfirmChannel extends CallbackChannel {
  override publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib, cb?: ConfirmCallback): boolean {
    return (this.ch as ConfirmChannel).publish(exchange, routingKey, content, options, cb);
  }
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

  close(cb?: Callback<void>): void {
    try {
      call(this.model.close(), cb);
    } catch (e) {
      call(Promise.reject(e), cb);
    }
  }

  updateSecret(newSecret: Buffer | string, reason: string, cb?: Callback<void>): void {
    call(this.model.updateSecret(newSecret, reason), cb);
  }

  createChannel(options?: ChannelOptions | Callback<CallbackChannel>, cb?: Callback<CallbackChannel>): CallbackChannel {
    if (typeof options === 'function') [cb, options] = [options, undefined];
    const o = options;
    return new CallbackChannel((events) => this.model.open(o, false, events), cb);
  }

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
