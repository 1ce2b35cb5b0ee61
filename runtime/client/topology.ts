/**
 * Declarations: typed options for exchanges, queues and bindings, their translation into the
 * methods' arguments and RabbitMQ's `x-` arguments, and the channel's typed calls built on
 * `call()` alone: declarations, flow, qos, recover, transactions (in `Declarations`, the base
 * class of Channel, so that channel.ts keeps to the channel's own state: calls, publishing,
 * consuming).
 */
import type { MethodMap, QueueDeclareOk, ResponseMap } from '../../generated/index.js';
import { EncodeError } from '../codec/errors.js';
import type { FieldTable } from '../codec/index.js';
import type { CallArgs, CallOptions, ChannelEvents } from './channel/call.js';
import { Emitter } from './emitter.js';
import { quorumArguments, type QuorumQueueArguments } from './rabbitmq/quorum.js';
import { delayedRetryArguments, type DelayedRetryOptions } from './retry/native.js';
import { streamArguments, type StreamQueueArguments } from './rabbitmq/stream-arguments.js';

/** Built-in exchange types; any other string names a plugin's type (e.g. `x-delayed-message`). */
export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers' | (string & {});

/** Options of exchangeDeclare(). */
export interface ExchangeOptions {
  /** Survives a broker restart (default true). */
  durable?: boolean;
  /** Deleted when its last binding is removed (default false). */
  autoDelete?: boolean;
  /** Only other exchanges may publish to it (default false). */
  internal?: boolean;
  /** Where messages that route nowhere go (`alternate-exchange`). */
  alternateExchange?: string;
  /** Raw arguments, merged last. */
  arguments?: FieldTable;
}

/** RabbitMQ queue types (`x-queue-type`). */
export type QueueType = 'classic' | 'quorum' | 'stream';

/** Options of queueDeclare(): the queue flags and RabbitMQ's typed x-arguments (quorum and stream ones in rabbitmq/quorum.ts and rabbitmq/stream-arguments.ts). */
export interface QueueOptions extends QuorumQueueArguments, StreamQueueArguments {
  /** Survives a broker restart (default true; false for server-named queues). */
  durable?: boolean;
  /** Used by this connection only and deleted when it closes (default false; true for server-named queues). */
  exclusive?: boolean;
  /** Deleted when its last consumer goes (default false). */
  autoDelete?: boolean;
  /** Per-queue message TTL, ms (`x-message-ttl`). */
  messageTtl?: number;
  /** Deleted after being unused this long, ms (`x-expires`). */
  expires?: number;
  /** `x-max-length` */
  maxLength?: number;
  /** `x-max-length-bytes` */
  maxLengthBytes?: number;
  /** What happens at max length (`x-overflow`). */
  overflow?: 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
  /** `x-dead-letter-exchange` */
  deadLetterExchange?: string;
  /** `x-dead-letter-routing-key` */
  deadLetterRoutingKey?: string;
  /** Enables priorities 0..n (`x-max-priority`). */
  maxPriority?: number;
  /** `x-queue-type` */
  queueType?: QueueType;
  /** `x-single-active-consumer` */
  singleActiveConsumer?: boolean;
  /** Quorum queues: redeliveries before dead-lettering (`x-delivery-limit`); -1: no limit (RabbitMQ 4.0+, whose default is 20; refused before 4.0, see broker-rules.ts). */
  deliveryLimit?: number;
  /**
   * Quorum queues, RabbitMQ 4.3+: native delayed retry (`x-delayed-retry-type`, `-min`, `-max`):
   * returned messages wait before their next delivery (see docs/retries.md). Checked on the
   * call, since RabbitMQ accepts and silently disables a configuration it cannot use; refused
   * before 4.3 (rule delayed-retry), which would ignore it.
   */
  delayedRetry?: DelayedRetryOptions;
  /**
   * How long a consumer may keep a delivery unsettled, ms (`x-consumer-timeout`): RabbitMQ 3.12
   * to 4.2 close the channel (406) past it; 4.3 reads it on quorum queues only (classic queues
   * refuse it) and cancels the consumer. Refused before 3.12 (rule consumer-timeout-queue),
   * which ignores it.
   */
  consumerTimeout?: number;
  /** Raw arguments, merged last. */
  arguments?: FieldTable;
}

const QUEUE_ARGS = {
  messageTtl: 'x-message-ttl',
  expires: 'x-expires',
  maxLength: 'x-max-length',
  maxLengthBytes: 'x-max-length-bytes',
  overflow: 'x-overflow',
  deadLetterExchange: 'x-dead-letter-exchange',
  deadLetterRoutingKey: 'x-dead-letter-routing-key',
  maxPriority: 'x-max-priority',
  queueType: 'x-queue-type',
  singleActiveConsumer: 'x-single-active-consumer',
  deliveryLimit: 'x-delivery-limit',
} as const;

const NUMERIC = new Set(['messageTtl', 'expires', 'maxLength', 'maxLengthBytes', 'maxPriority', 'deliveryLimit']);

/** The x-arguments table of a queue declaration; validates the typed options. */
export function queueArguments(o: QueueOptions): FieldTable {
  const args: FieldTable = {};
  for (const [key, xName] of Object.entries(QUEUE_ARGS) as [keyof typeof QUEUE_ARGS, string][]) {
    const v = o[key];
    if (v === undefined) continue;
    // x-delivery-limit -1 lifts the limit on RabbitMQ 4.0+ (rule delivery-limit-unlimited before).
    const min = key === 'deliveryLimit' ? -1 : 0;
    if (NUMERIC.has(key) && !(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
      throw new EncodeError('queue.declare', key, `must be an integer from ${min}, got ${String(v)}`);
    }
    args[xName] = v;
  }
  if (o.delayedRetry !== undefined) {
    if (o.queueType !== 'quorum') throw new EncodeError('queue.declare', 'delayedRetry', `applies to quorum queues: set queueType: 'quorum' (got ${o.queueType ?? 'no queueType'})`);
    Object.assign(args, delayedRetryArguments(o.delayedRetry));
  }
  if (o.consumerTimeout !== undefined) {
    if (!(typeof o.consumerTimeout === 'number' && Number.isInteger(o.consumerTimeout) && o.consumerTimeout > 0)) throw new EncodeError('queue.declare', 'consumerTimeout', `must be a positive integer of milliseconds, got ${String(o.consumerTimeout)}`);
    args['x-consumer-timeout'] = o.consumerTimeout;
  }
  return { ...args, ...quorumArguments(o), ...streamArguments(o), ...o.arguments };
}

/** The arguments table of an exchange declaration. */
export function exchangeArguments(o: ExchangeOptions): FieldTable {
  const args: FieldTable = {};
  if (o.alternateExchange !== undefined) args['alternate-exchange'] = o.alternateExchange;
  return { ...args, ...o.arguments };
}

/** Options of a binding: raw arguments, or a headers-exchange match. */
export interface BindOptions {
  /** Binding arguments (raw). */
  arguments?: FieldTable;
  /** Headers exchange: the headers to match. */
  headers?: FieldTable;
  /** Headers exchange: all headers must match, or any one (`x-match`, default all). */
  match?: 'all' | 'any';
}

/** The arguments table of a binding. */
export function bindArguments(o: BindOptions | undefined): FieldTable {
  if (!o) return {};
  const args: FieldTable = { ...o.headers };
  if (o.match !== undefined || o.headers !== undefined) args['x-match'] = o.match ?? 'all';
  return { ...args, ...o.arguments };
}

/** What queueDeclare() and checkQueue() tell. */
export interface QueueInfo {
  queue: string;
  messageCount: number;
  consumerCount: number;
}

/** Exchange, queue and binding declarations of a channel; see Channel. */
export abstract class Declarations extends Emitter<ChannelEvents> {
  /** @internal a short-lived channel for a passive check (which closes the channel it fails on) */
  abstract spareChannel(): Promise<{ readonly isOpen: boolean; call: Declarations['call']; close(): Promise<void> }>;
  abstract call<K extends keyof ResponseMap & keyof MethodMap>(kind: K, args?: CallArgs<K>, options?: CallOptions): Promise<ResponseMap[K]>;
  /** @internal */
  abstract assertOpen(): void;
  /** @internal acks held for batching go out now */
  abstract flushAcks(): void;


  /** Declares an exchange (durable by default). */
  async exchangeDeclare(name: string, type: ExchangeType, options: ExchangeOptions = {}): Promise<void> {
    await this.call('exchange.declare', {
      exchange: name,
      type,
      durable: options.durable ?? true,
      autoDelete: options.autoDelete ?? false,
      internal: options.internal ?? false,
      arguments: exchangeArguments(options),
    });
  }

  /**
   * Resolves when the exchange exists; rejects with NotFoundError when it does not. The check
   * runs on a short-lived channel of its own, because a failed passive declare closes its
   * channel (spec exchange.declare `passive`): this channel, and calls queued on it, go on.
   */
  async checkExchange(name: string, options?: CallOptions): Promise<void> {
    await this.#onSpareChannel((ch) => ch.call('exchange.declare', { exchange: name, passive: true }, options));
  }

/** Deletes an exchange (with `ifUnused`, only when it has no bindings). */
  async exchangeDelete(name: string, options: { ifUnused?: boolean } = {}): Promise<void> {
    await this.call('exchange.delete', { exchange: name, ifUnused: options.ifUnused ?? false });
  }

  /** Routes messages from `source` to `destination` (RabbitMQ exchange-to-exchange binding). */
  async exchangeBind(destination: string, source: string, routingKey = '', options?: BindOptions): Promise<void> {
    await this.call('exchange.bind', { destination, source, routingKey, arguments: bindArguments(options) });
  }

/** Removes an exchange-to-exchange binding. */
  async exchangeUnbind(destination: string, source: string, routingKey = '', options?: BindOptions): Promise<void> {
    await this.call('exchange.unbind', { destination, source, routingKey, arguments: bindArguments(options) });
  }

  /**
   * Declares a queue. An empty or omitted name asks the broker for a generated one (returned in
   * `queue`), which is then exclusive and non-durable unless said otherwise.
   */
  async queueDeclare(name = '', options: QueueOptions = {}): Promise<QueueInfo> {
    const serverNamed = name === '';
    const ok = await this.call('queue.declare', {
      queue: name,
      durable: options.durable ?? !serverNamed,
      exclusive: options.exclusive ?? serverNamed,
      autoDelete: options.autoDelete ?? false,
      arguments: queueArguments(options),
    });
    return info(ok);
  }

  /**
   * The queue's counts; rejects with NotFoundError when it does not exist. Like checkExchange(),
   * runs on a short-lived channel, so a missing queue does not close this one.
   */
  async checkQueue(name: string, options?: CallOptions): Promise<QueueInfo> {
    return info(await this.#onSpareChannel((ch) => ch.call('queue.declare', { queue: name, passive: true }, options)));
  }

  async #onSpareChannel<T>(f: (ch: { call: Declarations['call'] }) => Promise<T>): Promise<T> {
    this.assertOpen();
    const ch = await this.spareChannel();
    try {
      return await f(ch);
    } finally {
      if (ch.isOpen) await ch.close();
    }
  }

/** Binds a queue to an exchange with a routing key (or headers for a headers exchange). */
  async queueBind(queue: string, exchange: string, routingKey = '', options?: BindOptions): Promise<void> {
    await this.call('queue.bind', { queue, exchange, routingKey, arguments: bindArguments(options) });
  }

/** Removes a queue binding. */
  async queueUnbind(queue: string, exchange: string, routingKey = '', options?: BindOptions): Promise<void> {
    await this.call('queue.unbind', { queue, exchange, routingKey, arguments: bindArguments(options) });
  }

  /** Removes every ready message; resolves with how many. */
  async queuePurge(queue: string): Promise<number> {
    return (await this.call('queue.purge', { queue })).messageCount;
  }

  /** Deletes a queue; resolves with how many messages it held. */
  async queueDelete(queue: string, options: { ifUnused?: boolean; ifEmpty?: boolean } = {}): Promise<number> {
    return (await this.call('queue.delete', { queue, ifUnused: options.ifUnused ?? false, ifEmpty: options.ifEmpty ?? false })).messageCount;
  }

  // ------------------------------------------------------------------ flow, qos, recover, tx

  /**
   * Asks the broker to pause or resume deliveries on this channel (channel.flow). RabbitMQ
   * implements only `true`; `false` is answered with 540 not-implemented, which closes the
   * connection (NotImplementedError). Use prefetch (basic.qos) or cancel consumers instead.
   */
  async flow(active: boolean, options?: CallOptions): Promise<boolean> {
    return (await this.call('channel.flow', { active }, options)).active;
  }


  /**
   * Limits unacknowledged deliveries (basic.qos): per consumer, or per channel with `global`
   * (RabbitMQ semantics up to 4.2). RabbitMQ 4.3 applies `global` per consumer too; warren sends it
   * and warns once through the logger (broker rule `global-qos`).
   */
  async prefetch(count: number, options: { global?: boolean } = {}): Promise<void> {
    await this.call('basic.qos', { prefetchCount: count, global: options.global ?? false });
  }

  /**
   * Redelivers this channel's unacknowledged messages (basic.recover; requeue by default) and
   * waits for basic.recover-ok. The spec XML omits that answer; the rabbitmq.xml overlay makes
   * basic.recover synchronous, as RabbitMQ behaves. Flushes held acks first, so that messages
   * the application already acked are not redelivered.
   */
  async recover(options: { requeue?: boolean; signal?: AbortSignal; timeout?: number } = {}): Promise<void> {
    this.flushAcks();
    await this.call('basic.recover', { requeue: options.requeue ?? true }, options);
  }

  /** Puts the channel in transaction mode (tx.select): publishes and acks take effect on txCommit(). */
  async txSelect(): Promise<void> {
    await this.call('tx.select', {});
  }

  /** Commits the current transaction (tx.commit); held acks are sent first. */
  async txCommit(): Promise<void> {
    this.flushAcks();
    await this.call('tx.commit', {});
  }

  /** Abandons the current transaction (tx.rollback); held acks are sent first. */
  async txRollback(): Promise<void> {
    this.flushAcks();
    await this.call('tx.rollback', {});
  }

}

function info(ok: QueueDeclareOk): QueueInfo {
  return { queue: ok.queue, messageCount: ok.messageCount, consumerCount: ok.consumerCount };
}