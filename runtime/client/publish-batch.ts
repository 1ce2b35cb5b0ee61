/**
 * Batch publish: many messages written in one go, settled together.
 *
 * Theory of operation. Every message of the batch is encoded first (body and properties,
 * through the channel's serializers), so invalid input rejects the whole batch before a byte is
 * written, naming the message. Then all are published in one synchronous loop, in order, on one
 * channel: the frames go into the connection's output buffer, which the driver writes at the end
 * of the turn (a few large socket writes instead of one per message), and the broker numbers
 * them in that order. Each message is an ordinary publish: confirms, returns of mandatory
 * messages, the `maxUnconfirmed` window (messages past it wait, in order), timeouts and a
 * closing channel settle each exactly once, as for single publishes. The batch settles once,
 * when every message has: it resolves when all were confirmed, and rejects with a
 * BatchPublishError saying which failed and why (nacked, returned, timed out, channel closed).
 */
import type { BasicProperties } from '../../generated/index.js';
import { WarrenError } from '../codec/errors.js';
import type { Body } from './body.js';
import type { Channel } from './channel.js';
import { prepare, type PublishOptions } from './publisher.js';
import { checkPublishTimeout, withPublishTimeout } from './publish-timeout.js';

/** One message of a batch. */
export interface BatchMessage {
  /** Exchange (default `''`, the default exchange: then `routingKey` names the queue). */
  exchange?: string;
  routingKey: string;
  body: Body;
  /** Properties and flags, as for publish() (its `signal` is not used: give the batch one). */
  options?: Omit<PublishOptions, 'signal'>;
}

/** Options of a batch publish. */
export interface BatchPublishOptions {
  /** Time limit of each message, ms (see PublishTimeoutError); default: none. */
  timeout?: number;
  /** Aborts the messages still waiting to be sent (those already sent are not called back). */
  signal?: AbortSignal;
}

/** What a confirmed batch reports. */
export interface BatchResult {
  /** Messages published and confirmed (all of them). */
  confirmed: number;
}

/** One message of a batch that failed. */
export interface BatchFailure {
  /** Its position in the batch. */
  index: number;
  /** NackError, UnroutableError, PublishTimeoutError, ChannelClosedError... */
  error: unknown;
}

/** Some messages of a batch were not confirmed; the others were. */
export class BatchPublishError extends WarrenError {
  override name = 'BatchPublishError';
  /** The failed messages, in batch order. */
  readonly failures: readonly BatchFailure[];
  /** How many were confirmed. */
  readonly confirmed: number;
  constructor(failures: BatchFailure[], total: number) {
    const kinds = new Map<string, number>();
    for (const f of failures) {
      const k = f.error instanceof Error ? f.error.name : typeof f.error;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    super(`${failures.length} of ${total} messages of the batch were not confirmed (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}); first: message ${failures[0]?.index}`, {
      cause: failures[0]?.error,
    });
    this.failures = failures;
    this.confirmed = total - failures.length;
  }
}

/** True for a {@link BatchPublishError} (checks `name`). */
export function isBatchPublishError(e: unknown): e is BatchPublishError {
  return e instanceof Error && e.name === 'BatchPublishError';
}

/** Publishes `messages` in one go on `channel`; see the module comment. */
export async function publishBatch(channel: Channel, messages: readonly BatchMessage[], options: BatchPublishOptions = {}): Promise<BatchResult> {
  if (!Array.isArray(messages)) throw new TypeError('publishBatch() takes an array of { exchange, routingKey, body, options }');
  if (options.timeout !== undefined) checkPublishTimeout(options.timeout);
  const prepared: Array<{ exchange: string; routingKey: string; bytes: Uint8Array; options: PublishOptions }> = [];
  messages.forEach((m, index) => {
    try {
      if (!m || typeof m.routingKey !== 'string') throw new TypeError('needs a string routingKey');
      const exchange = m.exchange ?? '';
      if (typeof exchange !== 'string') throw new TypeError('exchange must be a string');
      const { bytes, properties } = prepare(m.body, m.options, channel.serializers);
      prepared.push({ exchange, routingKey: m.routingKey, bytes, options: asOptions(properties, m.options) });
    } catch (e) {
      throw new BatchInputError(index, e);
    }
  });
  channel.assertOpen();
  const signal = options.signal;
  const timeout = options.timeout;
  const settled = prepared.map((p) => {
    const send = (s: AbortSignal | undefined): Promise<void> => channel.publish(p.exchange, p.routingKey, p.bytes, s ? { ...p.options, signal: s } : p.options);
    return timeout === undefined ? send(signal) : withPublishTimeout(timeout, p, signal, send);
  });
  const outcomes = await Promise.allSettled(settled);
  const failures: BatchFailure[] = [];
  outcomes.forEach((o, index) => {
    if (o.status === 'rejected') failures.push({ index, error: o.reason });
  });
  if (failures.length > 0) throw new BatchPublishError(failures, messages.length);
  return { confirmed: messages.length };
}

/** A message of a batch is invalid; nothing of the batch was sent. */
export class BatchInputError extends WarrenError {
  override name = 'BatchInputError';
  /** Its position in the batch. */
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(`message ${index} of the batch: ${cause instanceof Error ? cause.message : String(cause)}; nothing was sent`, { cause });
    this.index = index;
  }
}

/** The publish() options that send exactly `properties` (already encoded) with `o`'s flags. */
function asOptions(properties: BasicProperties, o: BatchMessage['options']): PublishOptions {
  return { ...properties, ...(o?.mandatory !== undefined && { mandatory: o.mandatory }) } as PublishOptions;
}
