/**
 * A message the broker handed back (basic.return): an unroutable mandatory publish. It carries
 * the same body helpers as a delivered Message (`text()`, `json()`, `payload`), decoded by the
 * serializers of the channel it was published on.
 */
import type { BasicProperties } from '../../generated/index.js';
import { bodyText, defaultSerializers, type SerializerRegistry } from './serializers.js';

/** A message the broker returned as unroutable (basic.return), with its body helpers. */
export class ReturnedMessage<T = unknown> {
  /** Why it came back, e.g. 312 NO_ROUTE. */
  readonly replyCode: number;
  /** The broker's text for `replyCode`. */
  readonly replyText: string;
  /** The exchange it was published to. */
  readonly exchange: string;
  /** The routing key it was published with. */
  readonly routingKey: string;
  /** Its properties, as published. */
  readonly properties: BasicProperties;
  /** Its body, as published. */
  readonly body: Uint8Array;
  readonly #serializers: SerializerRegistry | undefined;

  /** @internal built by the channel from basic.return and its content */
  constructor(fields: { replyCode: number; replyText: string; exchange: string; routingKey: string; properties: BasicProperties; body: Uint8Array }, serializers?: SerializerRegistry) {
    this.replyCode = fields.replyCode;
    this.replyText = fields.replyText;
    this.exchange = fields.exchange;
    this.routingKey = fields.routingKey;
    this.properties = fields.properties;
    this.body = fields.body;
    this.#serializers = serializers;
  }

  /** The body as text, in `encoding` or else the message's contentEncoding (default utf-8). */
  text(encoding?: string): string {
    return bodyText(this.body, this.properties, encoding);
  }

  /** The body parsed as JSON (text decoded as with text()). */
  json<U = unknown>(): U {
    return JSON.parse(this.text()) as U;
  }

  /** The body decoded by the serializer its content type names (as Message.payload). */
  get payload(): T {
    return this.decode<T>();
  }

  /** Decodes the body by its content type, with another registry if given. */
  decode<U = T>(serializers?: SerializerRegistry): U {
    return (serializers ?? this.#serializers ?? defaultSerializers()).decode<U>(this.body, this.properties);
  }
}
