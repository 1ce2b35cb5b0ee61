/**
 * Streams: what RabbitMQ puts on a stream delivery, read back typed: its offset
 * (`x-stream-offset`) and the filter value it was published with (`x-stream-filter-value`).
 * Message.streamOffset and the stream consumer's checks (stream-consumer.ts) read them here.
 */
import type { FieldTable, Long } from '../../codec/index.js';

/** The stream offset of a delivery (`x-stream-offset`: a number, or a bigint beyond 2^53), or undefined when it has none. */
export function streamOffsetOf(headers: FieldTable | undefined): Long | undefined {
  const v = headers?.['x-stream-offset'];
  return typeof v === 'number' || typeof v === 'bigint' ? v : undefined;
}

/** The filter value a message was published with (`x-stream-filter-value`), if any. */
export function streamFilterValueOf(headers: FieldTable | undefined): string | undefined {
  const v = headers?.['x-stream-filter-value'];
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}
