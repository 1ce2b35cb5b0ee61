/**
 * kombu's conventions as a serializer registry, so that a Node service and a kombu (or Celery)
 * service read each other's bodies: `kombuSerializers()`. The rules, from kombu 5.2
 * (kombu/serialization.py `dumps`/`loads`, kombu/messaging.py `Producer._prepare`,
 * kombu/message.py, kombu/compression.py):
 *
 * | body published by warren | kombu's `dumps` writes | content type, encoding |
 * |---|---|---|
 * | a value (object, number...) | `json` | `application/json`, `utf-8` |
 * | a string | a str | `text/plain`, `utf-8` |
 * | bytes | bytes | `application/data`, `binary` |
 *
 * kombu decodes by content type when it has a decoder for it (json, yaml, pickle, msgpack),
 * else as text in the content encoding unless that is `binary` (or `ascii-8bit`): so bytes must
 * say `binary`, or kombu tries to read them as UTF-8. Received here, the same rules the other way:
 * `application/data` with `binary` is bytes, with a character set (kombu's `raw` serializer for a
 * str) or none is text. Compression is a second step named in the `compression` header
 * (compression.ts). Nothing of kombu's pickle is read: `application/x-python-serialize` stays an
 * UnknownContentTypeError.
 */
import { encodeJson, encodeText } from './body.js';
import { brotliCompression, zlibCompression, type CompressionOptions } from './compression.js';
import { createSerializers, jsonSerializer, textSerializer, type Serializer, type SerializerRegistry } from './serializers.js';

/** JSON as kombu writes it: `application/json` with `utf-8`. */
const kombuJson: Serializer<unknown> = {
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  encode: (value) => encodeJson(value),
  decode: (body, p) => jsonSerializer.decode(body, p),
};

/** A string as kombu writes one: `text/plain` with `utf-8`. */
const kombuText: Serializer<string> = {
  contentType: 'text/plain',
  contentEncoding: 'utf-8',
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError(`text/plain encodes strings, got ${typeof value}`);
    return encodeText(value, 'utf-8');
  },
  decode: (body, p) => textSerializer.decode(body, p),
};

/** Raw bytes as kombu writes them: `application/data` with `binary`. */
const kombuBinary: Serializer<Uint8Array> = {
  contentType: 'application/data',
  contentEncoding: 'binary',
  encode: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError('application/data with encoding binary encodes bytes (a Uint8Array)');
    return value;
  },
  decode: (body) => body,
};

/** `application/data` in a character set, or with none: text, as kombu reads it (its `raw` serializer's str). */
const kombuRawText: Serializer<string> = {
  contentType: 'application/data',
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError('application/data without encoding binary is text: publish bytes as they are, or name contentEncoding binary');
    return encodeText(value, 'utf-8');
  },
  decode: (body, p) => textSerializer.decode(body, p),
};

/**
 * A fresh registry with kombu's conventions (see the module comment): the built-ins, JSON as
 * `application/json` + `utf-8` for values, `text/plain` + `utf-8` for strings, `application/data`
 * + `binary` for bytes, `application/data` text, and the compressions `zlib` (kombu's
 * `application/x-gzip`) and `brotli` (`application/x-brotli`) for publish({ compression }) and
 * the `compression` header. `maxBytes` bounds a decompressed body (default 64 MiB).
 */
export function kombuSerializers(options: CompressionOptions = {}): SerializerRegistry {
  return createSerializers()
    .register(kombuJson, { default: true })
    .register(kombuText, { forStrings: true })
    .register(kombuBinary, { forBytes: true })
    .register({ ...kombuBinary, contentEncoding: 'ascii-8bit' })
    .register(kombuRawText)
    .registerCompression(zlibCompression(options))
    .registerCompression(brotliCompression(options));
}
