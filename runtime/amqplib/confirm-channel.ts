/**
 * amqplib's ConfirmChannel: a channel in confirm mode whose publish() takes a callback, called
 * with `null` when the broker acks the message and with an Error when it nacks it (`message
 * nacked`) or the channel closes first (`channel closed`); waitForConfirms() resolves when every
 * publish made so far is confirmed and rejects on the first nack among them.
 *
 * Theory of operation. warren's confirm-mode publish() settles exactly once per publish; this
 * file turns each settlement into amqplib's callback. One difference in warren's favour is undone
 * on purpose: a mandatory publish that comes back unroutable is acked by the broker, and amqplib
 * calls back with success (after the `return` event), where warren rejects with UnroutableError.
 * Publishes are numbered as the broker numbers them (`#seq`, the delivery tag of confirm mode);
 * `#unconfirmed` holds the numbers not yet settled, in order, so its first element is the lowest,
 * and a waitForConfirms() call waits until that lowest number is past the last publish made
 * before the call. Once the channel has closed with publishes unconfirmed, every later
 * waitForConfirms() fails, as amqplib 2.2.1's does. amqplib also emits the broker's `ack` and
 * `nack` frames as events; warren settles promises instead, so when someone listens the
 * settlements of one turn are reported as one `ack` (`multiple` when they cover every tag up to
 * the highest one) or one event each.
 */
import { isReplyError } from '../index.js';
import { Channel } from './channel.js';
import type { PublishOptionsAmqplib, Replies } from './types.js';

/** amqplib's confirm callback. */
export type ConfirmCallback = (err: Error | null, ok?: Replies.Empty) => void;

function confirmError(e: unknown): Error | null {
  const name = (e as Error)?.name;
  if (name === 'UnroutableError') return null; // the broker acked it; the `return` event told the rest
  if (name === 'NackError') return new Error('message nacked', { cause: e });
  if (name === 'OutcomeUnknownError') return e as Error;
  if (isReplyError(e) || name === 'ChannelClosedError' || name === 'ConnectionClosedError' || name === 'ConnectionLostError' || name === 'HeartbeatTimeoutError') {
    return new Error('channel closed', { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

interface Waiter {
  upTo: number;
  resolve(): void;
  reject(e: Error): void;
}

/** A channel with publisher confirms; open it with model.createConfirmChannel(). */
export class ConfirmChannel extends Channel {
  #seq = 0;
  readonly #unconfirmed = new Set<number>();
  #waiters: Waiter[] = [];
  #closedWithUnconfirmed = false;
  /** Settlements of this turn, for the `ack`/`nack` events (only while someone listens). */
  #turn: { tag: number; nacked: boolean }[] = [];

  /** Publishes; `callback(null)` once the broker has the message, `callback(err)` on nack or close. */
  override publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib, callback?: ConfirmCallback): boolean {
    const confirmed = this.send(exchange, routingKey, content, options);
    const tag = ++this.#seq;
    this.#unconfirmed.add(tag);
    confirmed.then(
      () => this.#settle(tag, null, callback),
      (e: unknown) => this.#settle(tag, confirmError(e), callback),
    );
    return this.pendingUp();
  }

  override sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib, callback?: ConfirmCallback): boolean {
    return this.publish('', queue, content, options, callback);
  }

  /** The publishes awaiting their confirm (their delivery tags). */
  get unconfirmed(): number[] {
    return [...this.#unconfirmed];
  }

  /** Resolves once every publish so far is confirmed; rejects on the first nack, or with `channel closed`. */
  waitForConfirms(): Promise<void> {
    if (this.#closedWithUnconfirmed) return Promise.reject(new Error('channel closed'));
    if (this.#unconfirmed.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ upTo: this.#seq, resolve, reject }));
  }

  #settle(tag: number, err: Error | null, callback: ConfirmCallback | undefined): void {
    this.#unconfirmed.delete(tag);
    this.pendingDown();
    if (this.emitter.listenerCount(err ? 'nack' : 'ack') > 0) this.#report(tag, err !== null);
    if (this.#waiters.length > 0) this.#wake(tag, err);
    if (!callback) return;
    try {
      callback(err, err ? undefined : {});
    } catch (e) {
      // amqplib calls back from the socket's handler: a throw there is an uncaught exception.
      queueMicrotask(() => {
        throw e;
      });
    }
  }

  #wake(tag: number, err: Error | null): void {
    const lowest = this.#unconfirmed.size === 0 ? Infinity : (this.#unconfirmed.values().next().value as number);
    this.#waiters = this.#waiters.filter((w) => {
      if (err && tag <= w.upTo) w.reject(err);
      else if (lowest > w.upTo) w.resolve();
      else return true;
      return false;
    });
  }

  #report(tag: number, nacked: boolean): void {
    if (this.#turn.push({ tag, nacked }) > 1) return;
    queueMicrotask(() => {
      const turn = this.#turn;
      this.#turn = [];
      const last = turn[turn.length - 1]!.tag;
      const lowest = this.#unconfirmed.size === 0 ? Infinity : (this.#unconfirmed.values().next().value as number);
      if (turn.length > 1 && turn.every((t) => !t.nacked) && lowest > last) return void this.emitter.emit('ack', { deliveryTag: last, multiple: true });
      for (const t of turn) this.emitter.emit(t.nacked ? 'nack' : 'ack', t.nacked ? { deliveryTag: t.tag, multiple: false, requeue: false } : { deliveryTag: t.tag, multiple: false });
    });
  }

  protected override onClosed(): void {
    if (this.#unconfirmed.size > 0) this.#closedWithUnconfirmed = true;
  }
}
