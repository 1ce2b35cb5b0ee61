/**
 * A Producer (kombu's): a channel with defaults for publishing (exchange, routing key,
 * serializer, properties), so that each publish names only what differs.
 *
 * The body is encoded here with the producer's serializer registry (its own, or the channel's),
 * by the same prepare() a channel publish runs (serializer, the registry's rules for bytes and
 * strings, compression), then handed to the channel as bytes with the properties it got: so a
 * per-producer registry (kombuSerializers(), say) needs nothing from the channel, and
 * per-message `serializer` and `compression` overrides work the same way.
 */
import type { Body } from '../body.js';
import type { Channel } from '../channel.js';
import { prepare, type PublishOptions } from '../publisher.js';
import { COMPRESSION_HEADER, noCompression, type SerializerRef, type SerializerRegistry } from '../serializers.js';
import { mergeTables } from '../../codec/table-wire.js';
import { Exchange } from './entities.js';

/** Defaults of a Producer. */
export interface ProducerOptions {
  /** The exchange to publish to (default: the default exchange ''). */
  exchange?: Exchange | string;
  /** The routing key when a publish gives none (default ''). */
  routingKey?: string;
  /** The serializer for values (a registered content type or a Serializer; default: the registry's default, JSON). */
  serializer?: SerializerRef;
  /** The registry to encode with (default: the channel's). */
  serializers?: SerializerRegistry;
  /** Compress every body with this compression of the registry (e.g. `zlib` with kombuSerializers()), as kombu's Producer(compression=...). */
  compression?: string;
  /** Properties and publish options every message gets unless it overrides them (persistent, mandatory, headers...). */
  properties?: PublishOptions;
  /** Declare `exchange` (when it is an Exchange) on the first publish (default true, kombu's auto_declare). */
  autoDeclare?: boolean;
}

/** What a single publish may override: any property, and the exchange and routing key. */
export interface ProducerPublishOptions extends PublishOptions {
  /** Another exchange for this message. */
  exchange?: Exchange | string;
  /** The routing key for this message. */
  routingKey?: string;
}

/** Publishes with defaults: `await producer.publish({ id: 1 }, { routingKey: 'video' })`. */
export class Producer {
  /** The channel it publishes on. */
  readonly channel: Channel;
  /** Its defaults. */
  readonly options: Readonly<ProducerOptions>;
  #declared: Promise<unknown> | undefined;

  /** A producer on `channel` with these defaults. */
  constructor(channel: Channel, options: ProducerOptions = {}) {
    this.channel = channel;
    this.options = Object.freeze({ ...options });
  }

  /** The registry it encodes with. */
  get serializers(): SerializerRegistry {
    return this.options.serializers ?? this.channel.serializers;
  }

  /**
   * Publishes `data` with the producer's defaults merged under `overrides` (headers merged key by
   * key). Resolves as channel.publish() does (with confirms: when the broker has it).
   */
  async publish(data: Body, overrides: ProducerPublishOptions = {}): Promise<void> {
    const { exchange: x, routingKey: rk, ...o } = overrides;
    const defaults = this.options.properties ?? {};
    const exchange = x ?? this.options.exchange ?? '';
    const routingKey = rk ?? this.options.routingKey ?? '';
    if (exchange instanceof Exchange && exchange === this.options.exchange && (this.options.autoDeclare ?? true)) {
      await (this.#declared ??= exchange.attach(this.channel).declare().catch((e: unknown) => {
        this.#declared = undefined;
        throw e;
      }));
    }
    const merged: PublishOptions = { ...defaults, ...o };
    // Not a spread: a table received from another client keeps its key order and wire tags.
    if (defaults.headers && o.headers) merged.headers = mergeTables(defaults.headers, o.headers);
    let ref = o.serializer;
    const raw = data instanceof ArrayBuffer || ArrayBuffer.isView(data);
    const value = !raw && typeof data !== 'string';
    if (ref === undefined && value && merged.contentType !== undefined && this.serializers.get(merged.contentType, merged.contentEncoding)) ref = merged.contentType;
    // A serializer in the default properties is a default too (it was dropped: strings went as untyped text).
    ref ??= this.options.serializer ?? defaults.serializer;
    // Bytes go as they are unless this message names a serializer: the producer's is for values and strings.
    merged.serializer = raw ? o.serializer : ref;
    if (o.serializer !== undefined && o.contentType === undefined) {
      // This message's own serializer says what its bytes are, over the producer's defaults.
      delete merged.contentType;
      merged.contentEncoding = o.contentEncoding;
    }
    if (o.compression === undefined) {
      // Bytes whose own headers name a compression are compressed already (a received message
      // passed on with its properties): the producer's compression would wrap them a second
      // time under the same header, and the receiver would decompress only once.
      if (raw && !noCompression(o.headers?.[COMPRESSION_HEADER])) delete merged.compression;
      else if (this.options.compression !== undefined) merged.compression ??= this.options.compression;
    }
    const { bytes, properties } = prepare(data, merged, this.serializers);
    const sent: PublishOptions = properties as PublishOptions;
    if (merged.mandatory !== undefined) sent.mandatory = merged.mandatory;
    if (merged.signal !== undefined) sent.signal = merged.signal;
    if (merged.timeout !== undefined) sent.timeout = merged.timeout;
    return this.channel.publish(typeof exchange === 'string' ? exchange : exchange.name, routingKey, bytes, sent);
  }
}
