/**
 * Messages as the test broker holds them, and the two rewrites RabbitMQ applies to one:
 * per-message TTL parsing and dead-lettering (the `x-death` header).
 *
 * A {@link Message} is immutable once published and shared by every queue it was routed to; what
 * differs per queue (position, redelivered flag, expiry) lives in an {@link Entry}. The content
 * header's bytes are kept as published (`header`), so a delivery passes the publisher's property
 * bytes through unchanged, as RabbitMQ 3.10 does; a rewritten message (dead-lettered, reply-to
 * rewritten) has `header: null` and is re-encoded from `properties`.
 */
import { Field, field, type FieldTable, type FieldValue } from '../codec/index.js';
import type { BasicProperties } from '../../generated/index.js';
import { fault } from './errors.js';

/** A published message. */
export interface Message {
  /** The exchange it was published to (or dead-lettered through). */
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: BasicProperties;
  /** The content-header payload as received, or null when `properties` were rewritten. */
  readonly header: Uint8Array | null;
  readonly body: Uint8Array;
}

/** One message in one queue. */
export interface Entry {
  readonly message: Message;
  /** Position in the queue: publish order, which a requeue restores (RabbitMQ classic queues). */
  readonly seq: number;
  redelivered: boolean;
  /** How many times it came back unacknowledged (a quorum queue's x-delivery-count). */
  returns: number;
  /** Absolute expiry in ms (Infinity: never), from the queue's and the message's TTL. */
  readonly expiresAt: number;
  /** Effective priority in the queue (0 when the queue has no x-max-priority). */
  readonly priority: number;
}

/** Why a message was dead-lettered, as `x-death.reason` names it. */
export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

/**
 * The per-message TTL of `expiration` in ms, or undefined when absent. RabbitMQ accepts only a
 * non-negative integer in decimal; anything else is 406 (rabbit_basic:parse_expiration).
 */
export function messageTtl(properties: BasicProperties): number | undefined {
  const text = properties.expiration;
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw fault.preconditionFailed(`invalid expiration '${text}'`);
  return Number(text);
}

/** The routing keys a message was published with: its key plus the `CC` header's (not `BCC`). */
export function routingKeys(message: Message): string[] {
  const keys = [message.routingKey];
  const cc = message.properties.headers?.CC;
  if (Array.isArray(cc)) for (const k of cc) if (typeof k === 'string') keys.push(k);
  return keys;
}

const numberOf = (v: FieldValue): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Field && (typeof v.value === 'number' || typeof v.value === 'bigint')) return Number(v.value);
  return 0;
};

/** What {@link deadLettered} needs to know about the death. */
export interface Death {
  readonly queue: string;
  readonly reason: DeathReason;
  /** When it happened, ms since the epoch. */
  readonly now: number;
  /** x-dead-letter-exchange of the queue. */
  readonly exchange: string;
  /** x-dead-letter-routing-key of the queue, when set. */
  readonly routingKey: string | undefined;
}

/**
 * The message as republished to the dead-letter exchange, with `x-death` as RabbitMQ 3.10
 * writes it (rabbit_dead_letter): an entry per (queue, reason), most recent first, whose count
 * grows when the same death repeats; `x-first-death-*` set once; `expiration` moved into the
 * entry as `original-expiration`; `BCC` removed. Returns the routing keys to publish with: the
 * dead-letter routing key, else the message's own keys (CC included).
 */
export function deadLettered(message: Message, death: Death): { message: Message; keys: string[] } {
  const props = message.properties;
  const headers: FieldTable = { ...(props.headers ?? {}) };
  const keys = routingKeys(message);
  delete headers.BCC;
  const previous = Array.isArray(headers['x-death']) ? (headers['x-death'] as FieldValue[]) : [];
  const same = (d: FieldValue): boolean => {
    const t = d as FieldTable;
    return t !== null && typeof t === 'object' && t.queue === death.queue && t.reason === death.reason;
  };
  const found = previous.find(same) as FieldTable | undefined;
  let entry: FieldTable;
  if (found) {
    entry = { ...found, count: field.int64(numberOf(found.count) + 1) };
  } else {
    entry = {
      count: field.int64(1),
      reason: death.reason,
      queue: death.queue,
      time: field.timestamp(Math.floor(death.now / 1000)),
      exchange: message.exchange,
      'routing-keys': keys,
    };
    if (props.expiration !== undefined) entry['original-expiration'] = props.expiration;
  }
  headers['x-death'] = [entry, ...previous.filter((d) => !same(d))];
  if (!('x-first-death-reason' in headers)) {
    headers['x-first-death-reason'] = death.reason;
    headers['x-first-death-queue'] = death.queue;
    headers['x-first-death-exchange'] = message.exchange;
  }
  const properties: BasicProperties = { ...props, headers };
  delete properties.expiration;
  const dlKeys = death.routingKey !== undefined ? [death.routingKey] : keys;
  return {
    message: { exchange: death.exchange, routingKey: dlKeys[0] ?? '', properties, header: null, body: message.body },
    keys: dlKeys,
  };
}

/** The message as a quorum queue delivers it after `returns` failed deliveries: with `x-delivery-count`. */
export function withDeliveryCount(message: Message, returns: number): Message {
  if (returns === 0) return message;
  const headers: FieldTable = { ...(message.properties.headers ?? {}), 'x-delivery-count': field.int64(returns) };
  return { ...message, properties: { ...message.properties, headers }, header: null };
}

/** True when routing a dead-lettered message to `queue` would loop with no rejection in between. */
export function isDeathCycle(message: Message, queue: string): boolean {
  const deaths = message.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return false;
  let seen = false;
  for (const d of deaths) {
    const t = d as FieldTable;
    if (t?.reason === 'rejected') return false;
    if (t?.queue === queue) seen = true;
  }
  return seen;
}
