/**
 * How warren holds an AMQP longlong (spec 4.2.2: unsigned 64-bit). A file of its own because the
 * writer, the reader and WireTimestamp (which the writer encodes) all name it: kept in writer.ts
 * it made timestamp.ts and writer.ts import each other.
 */

/** An unsigned 64-bit integer: a `number` while it is exact (<= 2^53 - 1), else a `bigint`. */
export type Long = number | bigint;
