/**
 * The consumer side of a retry, apart from the plans so that Message and Consumer can use it
 * without importing the topology code (no import cycle): what a plan must answer (`next`), what
 * a message must offer (`Retryable`), and the settlement each mechanism needs.
 */
import { WarrenError } from '../../codec/errors.js';
import type { DeathRecord, SettleOutcome } from '../rabbitmq/quorum.js';

/** A retry was asked of a message that cannot be retried this way. */
export class RetryError extends WarrenError {
  override name = 'RetryError';
}

/** What a retry led to: retry number `attempt` after `delay` ms, or dead-lettering. */
export type RetryNext =
  | { attempt: number; delay: number; deadLetter?: undefined; outcome: 'failed' | 'returned' | 'discarded' }
  | { deadLetter: true; attempt?: undefined; delay?: undefined; outcome: 'failed' | 'returned' | 'discarded' };

/** What a retry needs of a delivery (a Message has all of it). */
export interface Retryable {
  readonly deliveryCount: number;
  readonly deaths: DeathRecord[];
  /** @internal */ settled: boolean;
  /** Settles the delivery with a quorum-queue outcome (Message.settle). */
  settle(outcome: SettleOutcome): boolean;
}

/** A retry mechanism bound to one queue: NativeRetry or RetryTiers. */
export interface RetryMechanism {
  readonly kind: 'native' | 'tiers';
  /** What settling `message` for a retry now leads to, and with which outcome. */
  next(message: Retryable): RetryNext;
}

/**
 * Settles `message` so that the broker delivers it again after the plan's delay, or
 * dead-letters it when its retries are used up; returns which. `sent` is false when the
 * message was stale (delivered before a connection recovery: the broker requeued it already).
 * - native: basic.reject + requeue (type `failed`/`all`) or basic.nack + requeue (`returned`);
 * - tiers: basic.reject without requeue; the queue dead-letters it up the ladder.
 */
export function retryMessage(message: Retryable, plan: RetryMechanism): RetryNext & { sent: boolean } {
  const next = plan.next(message);
  return { ...next, sent: message.settle(next.outcome) };
}

/** Options of {@link retrying}. */
export interface RetryingOptions<M extends Retryable = Retryable> {
  /** Told of each retry (or dead-lettering) with the handler's error. */
  onRetry?: (error: unknown, message: M, next: RetryNext) => void;
}

/**
 * A consume handler that runs `handler` and, when it throws or rejects and left the message
 * unsettled, retries it with `plan` (up to the plan's limit, then dead-letters), then rethrows
 * so the consumer still emits `handlerError`. Use it with the queue the plan was made for:
 * `channel.consume(queue, retrying(plan, handler))`, or give consume() `{ retry: plan }`.
 */
export function retrying<M extends Retryable>(plan: RetryMechanism, handler: (message: M) => unknown, options: RetryingOptions<M> = {}): (message: M) => Promise<unknown> {
  return async (message) => {
    try {
      return await handler(message);
    } catch (error) {
      if (!message.settled) {
        const next = retryMessage(message, plan);
        options.onRetry?.(error, message, next);
      }
      throw error;
    }
  };
}
