/**
 * amqplib's ConfirmChannel: a channel in confirm mode whose publish() takes a callback, called
 * with `null` when the broker acks the message and with an Error when it nacks it (`message
 * nacked`) or the channel closes first (`channel closed`); waitForConfirms() resolves when every
 * publish made so far is confirmed and rejects on the first nack.
 *
 * warren's confirm-mode publish() already settles exactly once per publish; this file turns
 * each settlement into amqplib's callback. One difference in warren's favour is undone on
 * purpose: a mandatory publish that comes back unroutable is acked by the broker, and amqplib
 * calls back with success (after the `return` event), where warren rejects with UnroutableError.
 * `#outstanding` holds the settlements not yet reported, for waitForConfirms(); once the channel
 * has closed with publishes unconfirmed, every later waitForConfirms() fails, as amqplib 2.2.1's.
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

/** A channel with publisher confirms; open it with model.createConfirmChannel(). */
export class ConfirmChannel extends Channel {
  readonly #outstanding = new Set<Promise<void>>();
  #closedWithUnconfirmed = false;

  /** Publishes; `callback(null)` once the broker has the message, `callback(err)` on nack or close. */
  override publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptionsAmqplib, callback?: ConfirmCallback): boolean {
    const confirmed = this.send(exchange, routingKey, content, options);
    const reported: Promise<void> = confirmed.then(
      () => {
        this.#outstanding.delete(reported);
        callback?.(null, {});
      },
      (e: unknown) => {
        this.#outstanding.delete(reported);
        const err = confirmError(e);
        callback?.(err, err ? undefined : {});
        if (err) throw err;
      },
    );
    reported.catch(() => undefined); // reported through the callback and waitForConfirms()
    this.#outstanding.add(reported);
    return this.track(confirmed);
  }

  override sendToQueue(queue: string, content: Buffer, options?: PublishOptionsAmqplib, callback?: ConfirmCallback): boolean {
    return this.publish('', queue, content, options, callback);
  }

  /** Resolves once every publish so far is confirmed; rejects on the first nack, or with `channel closed`. */
  async waitForConfirms(): Promise<void> {
    if (this.#closedWithUnconfirmed) throw new Error('channel closed');
    await Promise.all([...this.#outstanding]);
  }

  protected override onClosed(): void {
    if (this.#outstanding.size > 0 || this.warren.unconfirmed > 0) this.#closedWithUnconfirmed = true;
  }

  protected override confirmMode(): boolean {
    return true;
  }
}
