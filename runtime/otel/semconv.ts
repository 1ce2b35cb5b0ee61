/**
 * OpenTelemetry messaging semantic conventions for RabbitMQ, as data: attribute names, the
 * destination-name rules, and the carrier that moves W3C trace context in and out of AMQP
 * headers. Source: https://opentelemetry.io/docs/specs/semconv/messaging/ (messaging spans,
 * metrics and the RabbitMQ page; development status). Semconv 1.45 renamed `messaging.system` to
 * `messaging.system.name` and `messaging.rabbitmq.*` to `rabbitmq.*`: both names are set (the
 * deprecated ones are what current backends and the issue's list know), as the conventions'
 * `messaging/dup` migration mode does.
 */
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { FieldTable, FieldValue } from '../codec/index.js';

/** Attribute keys used by warren/otel (semconv names, plus a few `warren.*` ones). */
export const ATTR = {
  system: 'messaging.system',
  systemName: 'messaging.system.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  deliveryTag: 'messaging.rabbitmq.message.delivery_tag',
  /** The 1.45 names of the two above. */
  rabbitmqRoutingKey: 'rabbitmq.destination.routing_key',
  rabbitmqDeliveryTag: 'rabbitmq.message.delivery_tag',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  bodySize: 'messaging.message.body.size',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  // warren's own, for what the conventions have no name for
  channelId: 'warren.channel.id',
  consumerTag: 'warren.consumer_tag',
  redelivered: 'warren.redelivered',
  replyCode: 'warren.reply_code',
  publishOutcome: 'warren.publish.outcome',
  requeue: 'warren.requeue',
} as const;

/** `messaging.system` for every span and metric. */
export const SYSTEM = 'rabbitmq';

/**
 * Producer destination (RabbitMQ page): `{exchange}:{routing key}` when both are non-empty, the
 * one present otherwise, `amq.default` for the default exchange with no routing key.
 */
export function producerDestination(exchange: string, routingKey: string): string {
  if (exchange && routingKey) return `${exchange}:${routingKey}`;
  return exchange || routingKey || 'amq.default';
}

/**
 * Consumer destination: `{exchange}:{routing key}:{queue}`, empty parts left out, and the queue
 * left out when it equals the routing key (a publish to the default exchange).
 */
export function consumerDestination(exchange: string | undefined, routingKey: string | undefined, queue: string): string {
  const parts = [exchange, routingKey, routingKey === queue ? '' : queue].filter((p): p is string => !!p);
  return parts.length ? parts.join(':') : 'amq.default';
}

const utf8 = new TextDecoder();

/** Reads trace context (traceparent, tracestate, baggage) from decoded AMQP headers. */
export const headerGetter: TextMapGetter<FieldTable> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v: FieldValue = carrier[key];
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return utf8.decode(v);
    return undefined;
  },
};

/** Writes trace context into the headers of a publish (the publish start event's table). */
export const headerSetter: TextMapSetter<FieldTable> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
