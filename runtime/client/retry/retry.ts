/**
 * Retrying a message after a delay, with whichever mechanism its queue has: native delayed
 * retry (RabbitMQ 4.3 quorum queues; native.ts) or a TTL retry ladder (any broker; tiers.ts).
 * Either way the broker holds the message while it waits and counts the attempts, so nothing
 * is lost when the consumer dies, and a consumer never sleeps on a delivery (which would hold
 * its prefetch and run into the consumer timeout).
 *
 * A retry plan is plain data bound to one queue: `nativeRetry(...)` or `retryTiers(...)`. Its
 * `queueOptions` go into the queue's declaration, so the queue and the plan cannot disagree.
 * `retryMessage(message, plan)` settles the delivery the way the plan needs and says what
 * follows; `retrying(plan, handler)` makes a consume handler that does so when `handler` fails.
 */
import type { QueueOptions } from '../topology.js';
import { delayedRetryArguments, nativeRetryDelay, nativeRetryOutcome, type DelayedRetryOptions } from './native.js';
import type { BrokerInfo } from '../broker-rules.js';
import { delaysOf, fixedDelays, type BackoffPolicy } from './backoff.js';
import { RetryTiers, type RetryTiersOptions } from './tiers.js';
import { RetryError, type Retryable, type RetryNext } from './settle.js';
export { RetryError, retryMessage, retrying, type RetryNext, type RetryingOptions, type Retryable, type RetryMechanism } from './settle.js';

/** Options of {@link nativeRetry}. */
export interface NativeRetryOptions extends Omit<DelayedRetryOptions, 'type'> {
  /** Which returns the queue delays (default `failed`: basic.reject + requeue, counted toward the limit). */
  type?: Exclude<DelayedRetryOptions['type'], 'disabled'>;
  /** Retries before the message is dead-lettered (`x-delivery-limit`; RabbitMQ 4.x defaults to 20). */
  limit?: number;
}

/** Native delayed retry of a RabbitMQ 4.3 quorum queue, as a retry plan; see native.ts. */
export class NativeRetry {
  readonly kind = 'native' as const;
  readonly options: Readonly<DelayedRetryOptions>;
  readonly limit: number | undefined;
  /**
   * Spread into the queue's queueDeclare() options: a quorum queue with the delayed-retry
   * arguments and the delivery limit. Dead-letter options (deadLetterSetup()) combine with it.
   */
  readonly queueOptions: Readonly<QueueOptions>;

  constructor(options: NativeRetryOptions) {
    const o: DelayedRetryOptions = { type: options.type ?? 'failed', ...(options.min !== undefined && { min: options.min }), ...(options.max !== undefined && { max: options.max }) };
    if (o.type === ('disabled' as string)) throw new RetryError('a native retry plan needs a delayed-retry type other than disabled');
    delayedRetryArguments(o); // validates now, not at the declare
    if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) throw new RetryError(`limit must be a positive integer, got ${String(options.limit)}`);
    this.options = Object.freeze(o);
    this.limit = options.limit;
    this.queueOptions = Object.freeze({ queueType: 'quorum', delayedRetry: o, ...(options.limit !== undefined && { deliveryLimit: options.limit }) });
  }

  /** What settling `message` for a retry leads to: the delay RabbitMQ 4.3 will apply, or dead-lettering at the limit. */
  next(message: Pick<Retryable, 'deliveryCount'>): RetryNext {
    const outcome = nativeRetryOutcome(this.options)!;
    const count = message.deliveryCount;
    // A failed return adds one to x-delivery-count; past the limit the broker dead-letters at once.
    if (outcome === 'failed' && this.limit !== undefined && count + 1 > this.limit) return { deadLetter: true, outcome };
    return { attempt: count + 1, delay: nativeRetryDelay(this.options, outcome, count)!, outcome };
  }
}

/** Native delayed retry (RabbitMQ 4.3 quorum queues): declare the queue with `plan.queueOptions`. */
export function nativeRetry(options: NativeRetryOptions): NativeRetry {
  return new NativeRetry(options);
}

/** A retry mechanism bound to one queue. */
export type RetryPlan = NativeRetry | RetryTiers;

/** Options of {@link retryPlan}. */
export interface RetryPlanOptions extends Omit<RetryTiersOptions, 'delays'> {
  /** The work queue's type: native delayed retry needs a quorum queue. */
  queueType?: 'classic' | 'quorum';
  /** Retry delays, ms, or a policy they come from (default 1 s, 10 s, 1 min). */
  delays?: readonly number[] | BackoffPolicy;
  /** Use native delayed retry where the broker has it (default true). */
  preferNative?: boolean;
}

/**
 * The retry mechanism for a queue on this broker: native delayed retry for a quorum queue on
 * RabbitMQ 4.3+ (delays grow in steps of the first delay, min × attempt, capped at the last;
 * as many retries as delays), else a TTL retry ladder with exactly the delays given. Pass
 * `connection.broker`.
 */
export function retryPlan(broker: BrokerInfo, queue: string, options: RetryPlanOptions = {}): RetryPlan {
  const { queueType, delays: raw, preferNative, ...tierOptions } = options;
  const delays = raw === undefined ? [1000, 10_000, 60_000] : Array.isArray(raw) ? delaysOf(fixedDelays(raw as readonly number[])) : delaysOf(raw as BackoffPolicy);
  const native = (preferNative ?? true) && queueType === 'quorum' && broker.isRabbitMQ && (broker.major > 4 || (broker.major === 4 && broker.minor >= 3));
  if (native && delays.length > 0) return new NativeRetry({ min: delays[0]!, max: Math.max(...delays), limit: delays.length });
  return new RetryTiers(queue, { ...tierOptions, delays });
}


