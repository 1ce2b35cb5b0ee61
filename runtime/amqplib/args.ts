/**
 * amqplib's arguments, translated: the options of assertQueue/assertExchange/consume/publish
 * into the methods' fields and RabbitMQ's `x-` arguments (amqplib's api_args), and field-table
 * values between amqplib's JavaScript shapes and warren's.
 *
 * amqplib writes an explicitly typed value as `{ '!': 'int8', value: 3 }` and decodes a
 * timestamp as `{ '!': 'timestamp', value: seconds }`, a decimal as `{ '!': 'decimal', value:
 * { places, digits } }`, a byte array as a Buffer; warren uses `Field`, `Date`, `Decimal` and
 * Uint8Array. Both directions are converted here, recursively. Option objects whose
 * `arguments` or `headers` carry inherited properties (amqplib itself builds them with
 * Object.create) are read with for...in, as amqplib's encoder does.
 */
import { Decimal, Field, WireTimestamp, field, type BasicProperties, type FieldTable, type FieldValue, type PublishOptions } from '../index.js';
import type { AssertExchangeOptions, AssertQueueOptions, ConsumeOptions, PublishOptionsAmqplib } from './types.js';

type Loose = Record<string, unknown>;

const TYPED: Record<string, (v: any) => FieldValue> = {
  double: field.double, float64: field.double, float: field.float,
  byte: field.int8, int8: field.int8, unsignedbyte: field.uint8, uint8: field.uint8,
  short: field.int16, int16: field.int16, unsignedshort: field.uint16, uint16: field.uint16,
  int: field.int32, int32: field.int32, unsignedint: field.uint32, uint32: field.uint32,
  long: (v) => field.int64(typeof v === 'bigint' ? v : Math.trunc(Number(v))), int64: (v) => field.int64(typeof v === 'bigint' ? v : Math.trunc(Number(v))),
  timestamp: (v) => field.timestamp(typeof v === 'bigint' ? v : v instanceof Date ? v : Number(v)),
  decimal: (v: { places?: unknown; digits?: unknown }) => {
    if (!v || typeof v.places !== 'number' || typeof v.digits !== 'number' || v.places < 0 || v.places > 255) {
      throw new TypeError(`Decimal value must be {'places': 0..255, 'digits': uint32}, got ${JSON.stringify(v)}`);
    }
    return new Decimal(v.places, v.digits | 0);
  },
  string: (v) => String(v),
  boolean: (v) => Boolean(v),
  bool: (v) => Boolean(v),
};

/** An amqplib table value → warren's. */
export function toWireValue(v: unknown): FieldValue {
  if (v === null || typeof v !== 'object') return v as FieldValue;
  if (v instanceof Uint8Array || v instanceof Date || v instanceof Decimal || v instanceof Field) return v;
  if (Array.isArray(v)) return v.map(toWireValue);
  if (Object.hasOwn(v, '!')) {
    const type = (v as Loose)['!'] as string;
    const f = TYPED[type];
    if (!f) throw new TypeError(`Unknown type to encode: ${type}`);
    return f((v as Loose).value);
  }
  return toWireTable(v as Loose);
}

/** An amqplib table (own and inherited enumerable keys, undefined values left out) → warren's. */
export function toWireTable(t: Loose | undefined | null): FieldTable {
  const out: FieldTable = {};
  if (!t) return out;
  for (const k in t) {
    const v = t[k];
    if (v !== undefined) out[k] = toWireValue(v);
  }
  return out;
}

/** A warren table value → amqplib's shape (see the file comment). */
export function fromWireValue(v: FieldValue): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? Number(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof WireTimestamp) return { '!': 'timestamp', value: Number(v.seconds) };
  if (v instanceof Date) return { '!': 'timestamp', value: Math.floor(v.getTime() / 1000) };
  if (v instanceof Decimal) return { '!': 'decimal', value: { places: v.scale, digits: v.value >>> 0 } };
  if (v instanceof Field) return fromWireValue(v.value as FieldValue);
  if (Array.isArray(v)) return v.map(fromWireValue);
  if (v instanceof Map) {
    const o: Loose = {};
    for (const [k, x] of v) o[k] = fromWireValue(x);
    return o;
  }
  return fromWireTable(v as FieldTable);
}

/** A warren table → amqplib's. */
export function fromWireTable(t: FieldTable): Loose {
  const o: Loose = {};
  for (const k of Object.keys(t)) o[k] = fromWireValue(t[k]);
  return o;
}

function setIfDefined(args: FieldTable, key: string, v: unknown): void {
  if (v !== undefined) args[key] = toWireValue(v);
}

/** queue.declare's fields from assertQueue(queue, options), as amqplib's Args.assertQueue. */
export function assertQueueArgs(queue: string | undefined | null, o: AssertQueueOptions = {}) {
  const args = toWireTable(o.arguments);
  setIfDefined(args, 'x-expires', o.expires);
  setIfDefined(args, 'x-message-ttl', o.messageTtl);
  setIfDefined(args, 'x-dead-letter-exchange', o.deadLetterExchange);
  setIfDefined(args, 'x-dead-letter-routing-key', o.deadLetterRoutingKey);
  setIfDefined(args, 'x-max-length', o.maxLength);
  setIfDefined(args, 'x-max-priority', o.maxPriority);
  setIfDefined(args, 'x-overflow', o.overflow);
  setIfDefined(args, 'x-queue-mode', o.queueMode);
  return { queue: queue || '', passive: false, durable: o.durable === undefined ? true : !!o.durable, exclusive: !!o.exclusive, autoDelete: !!o.autoDelete, noWait: false, arguments: args };
}

/** exchange.declare's fields from assertExchange(name, type, options), as amqplib's Args.assertExchange. */
export function assertExchangeArgs(exchange: string, type: string, o: AssertExchangeOptions = {}) {
  const args = toWireTable(o.arguments);
  setIfDefined(args, 'alternate-exchange', o.alternateExchange);
  return { exchange, type, passive: false, durable: o.durable === undefined ? true : !!o.durable, autoDelete: !!o.autoDelete, internal: !!o.internal, noWait: false, arguments: args };
}

/** basic.consume's fields and the consumer's options, as amqplib's Args.consume. */
export function consumeArgs(o: ConsumeOptions = {}) {
  const args = toWireTable(o.arguments);
  setIfDefined(args, 'x-priority', o.priority);
  return { consumerTag: o.consumerTag || '', noAck: !!o.noAck, exclusive: !!o.exclusive, arguments: args };
}

function cc(v: string | readonly string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * publish()'s options → warren's PublishOptions, as amqplib's Args.publish: `persistent` wins over
 * `deliveryMode` (a number as is, any other truthy value 2), `expiration` as a string, CC/BCC as
 * arrays into the headers, and a headers table always sent (amqplib always sends one, so a
 * consumer of its messages can read `properties.headers.x` without a check).
 */
export function publishOptions(o: PublishOptionsAmqplib | undefined): PublishOptions {
  if (o === undefined || o === null || isEmpty(o)) return EMPTY_HEADERS;
  const p: BasicProperties & { mandatory?: boolean } = { headers: o.headers ? toWireTable(o.headers as Loose) : {} };
  const ccList = cc(o.CC);
  const bccList = cc(o.BCC);
  if (ccList) p.headers!.CC = ccList;
  if (bccList) p.headers!.BCC = bccList;
  if (o.mandatory) p.mandatory = true;
  if (o.persistent !== undefined) p.deliveryMode = o.persistent ? 2 : 1;
  else if (typeof o.deliveryMode === 'number') p.deliveryMode = o.deliveryMode;
  else if (o.deliveryMode) p.deliveryMode = 2;
  if (o.expiration !== undefined) p.expiration = String(o.expiration);
  if (o.contentType !== undefined) p.contentType = o.contentType;
  if (o.contentEncoding !== undefined) p.contentEncoding = o.contentEncoding;
  if (o.priority !== undefined) p.priority = o.priority;
  if (o.correlationId !== undefined) p.correlationId = o.correlationId;
  if (o.replyTo !== undefined) p.replyTo = o.replyTo;
  if (o.messageId !== undefined) p.messageId = o.messageId;
  if (o.timestamp !== undefined) p.timestamp = o.timestamp instanceof Date ? o.timestamp : new WireTimestamp(o.timestamp);
  if (o.type !== undefined) p.type = o.type;
  if (o.userId !== undefined) p.userId = o.userId;
  if (o.appId !== undefined) p.appId = o.appId;
  return p as PublishOptions;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const EMPTY_HEADERS: PublishOptions = Object.freeze({ headers: Object.freeze({}) }) as PublishOptions;

/**
 * Received properties in amqplib's shape: `{}` when the message has none, else all fourteen keys
 * (absent ones undefined), headers in amqplib's value shapes, the timestamp as seconds. Straight
 * line rather than a loop over the names: this runs for every delivery.
 */
export function fromProperties(p: BasicProperties): Loose {
  if (
    p.headers === undefined && p.contentType === undefined && p.contentEncoding === undefined && p.deliveryMode === undefined &&
    p.priority === undefined && p.correlationId === undefined && p.replyTo === undefined && p.expiration === undefined &&
    p.messageId === undefined && p.timestamp === undefined && p.type === undefined && p.userId === undefined &&
    p.appId === undefined && p.clusterId === undefined
  ) {
    return {};
  }
  const ts = p.timestamp;
  return {
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    headers: p.headers === undefined ? undefined : fromWireTable(p.headers),
    deliveryMode: p.deliveryMode,
    priority: p.priority,
    correlationId: p.correlationId,
    replyTo: p.replyTo,
    expiration: p.expiration,
    messageId: p.messageId,
    timestamp: ts === undefined ? undefined : ts instanceof WireTimestamp ? Number(ts.seconds) : Math.floor(ts.getTime() / 1000),
    type: p.type,
    userId: p.userId,
    appId: p.appId,
    clusterId: p.clusterId,
  };
}
