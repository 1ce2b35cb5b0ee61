/**
 * Declarations: typed options for exchanges, queues and bindings, and their translation into
 * the methods' arguments and RabbitMQ's `x-` arguments.
 */
import { EncodeError } from '../codec/errors.js';
import type { FieldTable } from '../codec/index.js';

/** Built-in exchange types; any other string names a plugin's type (e.g. `x-delayed-message`). */
export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers' | (string & {});

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

export type QueueType = 'classic' | 'quorum' | 'stream';

export interface QueueOptions {
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
  /** Quorum queues: redeliveries before dead-lettering (`x-delivery-limit`). */
  deliveryLimit?: number;
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
    if (NUMERIC.has(key) && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw new EncodeError('queue.declare', key, `must be a non-negative integer, got ${String(v)}`);
    }
    args[xName] = v;
  }
  return { ...args, ...o.arguments };
}

/** The arguments table of an exchange declaration. */
export function exchangeArguments(o: ExchangeOptions): FieldTable {
  const args: FieldTable = {};
  if (o.alternateExchange !== undefined) args['alternate-exchange'] = o.alternateExchange;
  return { ...args, ...o.arguments };
}

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
