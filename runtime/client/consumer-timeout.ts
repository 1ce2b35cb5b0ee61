/**
 * Consumer timeouts: the broker takes back a delivery that was not settled in time. What it does
 * then depends on the version and the queue (observed on 3.10.8 and 4.3.6; docs/retries.md):
 * - RabbitMQ 4.3, quorum queues: the timeout is the consumer's `x-consumer-timeout` argument,
 *   else the queue's (`x-consumer-timeout`, policy `consumer-timeout`), else the node's
 *   `consumer_timeout` (30 min by default). The broker returns the consumer's unsettled
 *   deliveries to the queue and sends basic.cancel (to a client that announces
 *   consumer_cancel_notify, as warren does); a late ack of such a delivery does nothing.
 * - RabbitMQ 3.x (any queue type), and 4.3 for a client without consumer_cancel_notify: the
 *   channel is closed with 406 PRECONDITION_FAILED "delivery acknowledgement on channel N timed
 *   out. Timeout value used: T ms...", every unacknowledged delivery of the channel requeued.
 * Either way the work of those deliveries will be done again by whoever gets them next. This
 * file turns both into a ConsumerTimeoutError that says so, and what to do about it.
 */
import { WarrenError, isReplyError } from '../codec/errors.js';
import type { FieldTable } from '../codec/index.js';

const TIMED_OUT = /delivery acknowledgement on channel (\d+) timed out\. Timeout value used: (-?\d+) ms/;

/** What the broker did when the consumer timeout passed. */
export type ConsumerTimeoutAction = 'cancelled' | 'channel-closed';

/** The broker took back deliveries that were not settled within the consumer timeout. */
export class ConsumerTimeoutError extends WarrenError {
  override name = 'ConsumerTimeoutError';
  /** `cancelled` (RabbitMQ 4.3 quorum queues: basic.cancel) or `channel-closed` (406). */
  readonly action: ConsumerTimeoutAction;
  /** The timeout in ms, when known (the broker's 406 names it; else the consumer's option). */
  readonly timeout: number | undefined;
  /** The consumer's tag, when one consumer was concerned. */
  readonly consumerTag: string | undefined;
  /** Deliveries that were not settled when it happened (they go back to the queue). */
  readonly unsettled: number;
  constructor(details: { action: ConsumerTimeoutAction; timeout?: number | undefined; consumerTag?: string | undefined; unsettled: number }, options?: { cause?: unknown }) {
    const what =
      details.action === 'cancelled'
        ? `the broker cancelled consumer ${details.consumerTag ?? ''} and returned its ${details.unsettled} unsettled deliveries to the queue`
        : `the broker closed the channel (406) and returned its ${details.unsettled} unacknowledged deliveries to the queue`;
    super(
      `consumer timeout${details.timeout === undefined ? '' : ` of ${details.timeout} ms`}: ${what}, because they were not settled in time. ` +
        'They will be delivered again (an ack sent now is ignored), so their work is done twice. ' +
        'Settle sooner (lower the prefetch or the concurrency), or raise the timeout: the consumeTimeout consume option or the consumerTimeout queue option (RabbitMQ 4.3 quorum queues; x-consumer-timeout), or the node\'s consumer_timeout.',
      options,
    );
    this.action = details.action;
    this.timeout = details.timeout;
    this.consumerTag = details.consumerTag;
    this.unsettled = details.unsettled;
  }
}

/** True for a {@link ConsumerTimeoutError} (checks `name`). */
export function isConsumerTimeoutError(e: unknown): e is ConsumerTimeoutError {
  return e instanceof Error && e.name === 'ConsumerTimeoutError';
}

/**
 * The ConsumerTimeoutError for a channel-closing error, when it is the broker's consumer-timeout
 * 406; undefined otherwise. `unsettled`: the channel's deliveries not yet settled.
 */
export function consumerTimeoutFromClose(error: unknown, unsettled: number): ConsumerTimeoutError | undefined {
  if (!isReplyError(error) || error.replyCode !== 406) return undefined;
  const m = TIMED_OUT.exec(error.replyText);
  if (!m) return undefined;
  const timeout = Number(m[2]);
  return new ConsumerTimeoutError({ action: 'channel-closed', timeout: timeout >= 0 ? timeout : undefined, unsettled }, { cause: error });
}

/** Checks a consumer timeout given as an option: a positive integer of ms. */
export function checkConsumerTimeout(field: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new RangeError(`${field} must be a positive integer of milliseconds, got ${String(v)}`);
  return v;
}

/**
 * The ConsumerTimeoutError for a broker's basic.cancel of `consumer`, when a consumer timeout
 * explains it: one is known (the consumer's own, or its queue's as this connection declared it)
 * and deliveries of the channel were unsettled. Undefined otherwise (a deleted queue...).
 */
export function consumerTimeoutFromCancel(
  consumer: { readonly queue: string; readonly consumerTag: string; readonly consumerTimeout: number | undefined },
  unsettled: number,
  recordedQueues: readonly { readonly name: string; readonly arguments: FieldTable }[],
): ConsumerTimeoutError | undefined {
  if (unsettled === 0) return undefined;
  const fromQueue = recordedQueues.find((q) => q.name === consumer.queue)?.arguments['x-consumer-timeout'];
  const timeout = consumer.consumerTimeout ?? (typeof fromQueue === 'number' ? fromQueue : undefined);
  if (timeout === undefined) return undefined;
  return new ConsumerTimeoutError({ action: 'cancelled', timeout, consumerTag: consumer.consumerTag, unsettled });
}
