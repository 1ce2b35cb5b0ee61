/**
 * Streams (RabbitMQ 3.9+; filtering 3.13+), the typed values warren sends: the stream-queue
 * x-arguments of queue.declare and the `x-stream-offset` consumer argument, each checked before
 * a byte is written (an EncodeError names the option) and encoded as the broker parses it: an
 * offset as int64, a Date as a field-table timestamp (whole seconds), an interval such as `1h`
 * as a string.
 */
import { EncodeError } from '../../codec/errors.js';
import { field, type FieldTable, type FieldValue } from '../../codec/index.js';

/** An interval back from now, as RabbitMQ parses it: a positive whole number and Y, M, D, h, m or s (`7D`, `1h`). */
export type StreamInterval = `${number}${'Y' | 'M' | 'D' | 'h' | 'm' | 's'}`;

// RabbitMQ (rabbit_amqqueue:check_max_age) wants the number above 0: '0D' and '0s' are refused
// with 406 on 3.10.8 and 4.3.6 (x-max-age and x-stream-offset alike). Leading zeros are read.
const INTERVAL = /^0*[1-9][0-9]*[YMDhms]$/;

/** The stream-queue x-arguments of queueDeclare() (part of QueueOptions). */
export interface StreamQueueArguments {
  /** Streams: discard segments older than this (`x-max-age`, e.g. `7D`). */
  maxAge?: StreamInterval;
  /** Streams: size of a segment file, bytes (`x-stream-max-segment-size-bytes`; RabbitMQ's default 500 MB). */
  maxSegmentSizeBytes?: number;
  /** Streams (3.13+): size of each chunk's Bloom filter, 16 to 255 bytes (`x-stream-filter-size-bytes`). */
  filterSizeBytes?: number;
  /** Streams: how many replicas to start with (`x-initial-cluster-size`). */
  initialClusterSize?: number;
}

/** x-arguments for the stream options of `o`; throws EncodeError for an invalid one. */
export function streamArguments(o: StreamQueueArguments & { queueType?: string }): FieldTable {
  const args: FieldTable = {};
  const need = (option: string) => {
    if (o.queueType !== 'stream') throw new EncodeError('queue.declare', option, `applies to streams: set queueType: 'stream' (got ${o.queueType ?? 'no queueType'})`);
  };
  if (o.maxAge !== undefined) {
    if (typeof o.maxAge !== 'string' || !INTERVAL.test(o.maxAge)) throw new EncodeError('queue.declare', 'maxAge', `must be a positive whole number and one of Y M D h m s (e.g. '7D'), got ${String(o.maxAge)}`);
    need('maxAge');
    args['x-max-age'] = o.maxAge;
  }
  const ints: [keyof StreamQueueArguments, string, number, number][] = [
    ['maxSegmentSizeBytes', 'x-stream-max-segment-size-bytes', 1, Number.MAX_SAFE_INTEGER],
    ['filterSizeBytes', 'x-stream-filter-size-bytes', 16, 255],
    ['initialClusterSize', 'x-initial-cluster-size', 1, 255],
  ];
  for (const [key, xName, min, max] of ints) {
    const v = o[key];
    if (v === undefined) continue;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) throw new EncodeError('queue.declare', key, `must be an integer from ${min} to ${max}, got ${String(v)}`);
    need(key);
    args[xName] = v;
  }
  return args;
}

/**
 * Where a stream consumer starts: `first` (the oldest message kept), `last` (the last chunk
 * written), `next` (only messages written from now on), an offset, a Date (the first chunk
 * written at or after it, to the second), or an interval back from now (`1h`).
 */
export type StreamOffset = 'first' | 'last' | 'next' | number | bigint | Date | StreamInterval;

/** The `x-stream-offset` consumer argument for `offset`; throws EncodeError for an invalid one. */
export function offsetArgument(offset: StreamOffset): FieldValue {
  if (offset === 'first' || offset === 'last' || offset === 'next') return offset;
  if (typeof offset === 'number' || typeof offset === 'bigint') {
    if (typeof offset === 'number' ? !(Number.isSafeInteger(offset) && offset >= 0) : offset < 0n) throw new EncodeError('basic.consume', 'offset', `a stream offset must be a non-negative integer, got ${String(offset)}`);
    return field.int64(offset);
  }
  if (offset instanceof Date) {
    if (!(offset.getTime() >= 0)) throw new EncodeError('basic.consume', 'offset', `a stream offset Date must be valid and after 1970, got ${String(offset)}`);
    return field.timestamp(offset);
  }
  if (typeof offset === 'string' && INTERVAL.test(offset)) return offset;
  throw new EncodeError('basic.consume', 'offset', `must be 'first', 'last', 'next', an offset, a Date or an interval like '1h', got ${JSON.stringify(offset)}`);
}
