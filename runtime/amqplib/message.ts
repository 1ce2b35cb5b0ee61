/**
 * amqplib's message shape from warren's: `{ fields, properties, content }`, with `content` a
 * Buffer over the same bytes (no copy), `fields` as amqplib names them for a delivery
 * (`consumerTag`), a get (`messageCount`) or a return (`replyCode`, `replyText`), and
 * `properties` as args.ts gives them.
 */
import type { Message as WarrenMessage, ReturnedMessage } from '../index.js';
import { fromProperties } from './args.js';
import type { ConsumeMessage, GetMessage, Message } from './types.js';

function content(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

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
