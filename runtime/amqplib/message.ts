/**
 * amqplib's message shape from warren's: `{ fields, properties, content }`, with `content` a
 * Buffer over the same bytes (a copy for bodies of 64 bytes or less: see content()), `fields` as amqplib names them for a delivery
 * (`consumerTag`), a get (`messageCount`) or a return (`replyCode`, `replyText`), and
 * `properties` as args.ts gives them.
 */
import type { Message as WarrenMessage, ReturnedMessage } from '../index.js';
import { fromProperties } from './args.js';
import type { ConsumeMessage, GetMessage, Message } from './types.js';

/**
 * The body as a Buffer. A small one is copied: V8 keeps a typed array of up to 64 bytes inside
 * the object itself, and reading its `.buffer` moves it out into a new backing store, which cost
 * more than everything else a delivery does (0.9 µs of a 2.8 µs no-ack delivery in a profile).
 * A larger body is viewed, not copied.
 */
function content(body: Uint8Array): Buffer {
  return body.byteLength <= ON_HEAP_MAX ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** V8's largest typed array kept on the heap (V8_TYPED_ARRAY_MAX_SIZE_IN_HEAP). */
const ON_HEAP_MAX = 64;

/** A basic.deliver as amqplib's consumer callback receives it. */
export function deliveryMessage(m: WarrenMessage): ConsumeMessage {
  return {
    fields: { consumerTag: m.consumerTag!, deliveryTag: Number(m.deliveryTag), redelivered: m.redelivered, exchange: m.exchange, routingKey: m.routingKey },
    properties: fromProperties(m.properties),
    content: content(m.body),
  };
}

/** A basic.get-ok as amqplib's get() resolves it. */
export function getMessage(m: WarrenMessage): GetMessage {
  return {
    fields: { deliveryTag: Number(m.deliveryTag), redelivered: m.redelivered, exchange: m.exchange, routingKey: m.routingKey, messageCount: m.messageCount! },
    properties: fromProperties(m.properties),
    content: content(m.body),
  };
}

/** A basic.return as amqplib's `return` event carries it. */
export function returnedMessage(r: ReturnedMessage): Message {
  return {
    fields: { replyCode: r.replyCode, replyText: r.replyText, exchange: r.exchange, routingKey: r.routingKey } as unknown as Message['fields'],
    properties: fromProperties(r.properties),
    content: content(r.body),
  };
}
