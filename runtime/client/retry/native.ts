/**
 * Native delayed retry of RabbitMQ 4.3 quorum queues, as typed options and as the broker's
 * own arithmetic, so that the client can say in advance what delay a settlement will bring.
 *
 * What RabbitMQ 4.3.6 does (observed by test/integration/retry/native.test.ts, and read in
 * rabbit_fifo:calculate_ready_at and rabbit_quorum_queue:get_delayed_retry_config, v4.3.5):
 * - A message returned to a queue with `x-delayed-retry-type` set waits in a delayed set
 *   (`messages_delayed` in the queue's stats) until `now + min(min × max(1, deliveryCount), max)`,
 *   where deliveryCount is the `x-delivery-count` the message carries after the return.
 *   Without `x-delayed-retry-max` the delay is always `min` (max defaults to min).
 * - Which returns are delayed: `failed` = basic.reject + requeue (counts toward the delivery
 *   limit), `returned` = basic.nack + requeue (and a delivery released by a consumer timeout or a
 *   closed channel), `all` = both. A reject or nack without requeue dead-letters at once.
 * - The reject that takes the count past `x-delivery-limit` dead-letters at once, not delayed.
 * - An invalid configuration is accepted by queue.declare and silently disables the delay (no
 *   `x-delayed-retry-min`; max below min; an unknown type; a min given as a string): hence
 *   the checks here, before anything is sent.
 * - Classic queues and streams refuse the arguments with 406; RabbitMQ 3.x accepts and ignores
 *   them (so the delay silently never happens: broker-rules refuses them there).
 */
import { EncodeError } from '../../codec/errors.js';
import type { FieldTable } from '../../codec/index.js';

/** Which returns a quorum queue delays (`x-delayed-retry-type`, RabbitMQ 4.3+). */
export type DelayedRetryType = 'disabled' | 'all' | 'failed' | 'returned';

/** Native delayed retry of a quorum queue (RabbitMQ 4.3+), the typed form of its x-arguments. */
export interface DelayedRetryOptions {
  /**
   * Which returns are delayed: `failed` (basic.reject + requeue, the `failed` settle outcome),
   * `returned` (basic.nack + requeue, `returned`), `all`, or `disabled` (the default).
   */
  type: DelayedRetryType;
  /** The delay of the first retry and the step of each later one, ms (`x-delayed-retry-min`; required unless disabled). */
  min?: number;
  /** The longest delay, ms (`x-delayed-retry-max`; default: `min`, i.e. every retry waits `min`). */
  max?: number;
}

const TYPES: readonly DelayedRetryType[] = ['disabled', 'all', 'failed', 'returned'];

function positive(field: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new EncodeError('queue.declare', field, `must be a positive integer of milliseconds, got ${String(v)}`);
  return v;
}

/**
 * The x-arguments of native delayed retry; throws EncodeError for a configuration RabbitMQ
 * would accept and then ignore (see the module comment).
 */
export function delayedRetryArguments(o: DelayedRetryOptions): FieldTable {
  if (!TYPES.includes(o.type)) throw new EncodeError('queue.declare', 'delayedRetry.type', `must be one of ${TYPES.join(', ')}, got ${String(o.type)}`);
  if (o.type === 'disabled') {
    if (o.min !== undefined || o.max !== undefined) throw new EncodeError('queue.declare', 'delayedRetry', "min and max have no effect with type 'disabled'");
    return { 'x-delayed-retry-type': 'disabled' };
  }
  if (o.min === undefined) throw new EncodeError('queue.declare', 'delayedRetry.min', `is required with type '${o.type}' (RabbitMQ would silently disable the delay)`);
  const min = positive('delayedRetry.min', o.min);
  const args: FieldTable = { 'x-delayed-retry-type': o.type, 'x-delayed-retry-min': min };
  if (o.max !== undefined) {
    const max = positive('delayedRetry.max', o.max);
    if (max < min) throw new EncodeError('queue.declare', 'delayedRetry.max', `must not be smaller than min (${min}), got ${max} (RabbitMQ would silently disable the delay)`);
    args['x-delayed-retry-max'] = max;
  }
  return args;
}

/** Which settlement a native retry uses: `failed` (reject + requeue) or `returned` (nack + requeue). */
export function nativeRetryOutcome(o: DelayedRetryOptions): 'failed' | 'returned' | undefined {
  if (o.type === 'failed' || o.type === 'all') return 'failed';
  if (o.type === 'returned') return 'returned';
  return undefined;
}

/**
 * The delay RabbitMQ 4.3 gives a message it takes back with `outcome`, ms, given the
 * `x-delivery-count` of the delivery being settled; undefined when that return is not delayed.
 * A `failed` return first adds one to the count; a `returned` one does not.
 */
export function nativeRetryDelay(o: DelayedRetryOptions, outcome: 'failed' | 'returned', deliveryCount: number): number | undefined {
  const delayed = o.type === 'all' || o.type === outcome;
  if (!delayed || o.min === undefined) return undefined;
  const count = Math.max(1, deliveryCount + (outcome === 'failed' ? 1 : 0));
  return Math.min(o.min * count, o.max ?? o.min);
}
