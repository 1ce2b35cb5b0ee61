/**
 * Serializers chosen by content type: what a body means is said by its `contentType` (and
 * `contentEncoding`) property, so a registry keyed by those two turns values into bytes on
 * publish and bytes back into values on receipt (kombu's model).
 *
 * Theory of operation. A registry holds serializers keyed by `type` or `type + encoding`
 * (lower-cased, media-type parameters such as `; charset=utf-8` dropped). Encoding picks the
 * serializer named by the caller (a content type or a Serializer object); when none is named, a
 * value that is neither bytes nor a string goes to the registry's default (JSON). Decoding looks
 * the message's properties up: the exact `type + encoding` first, then, when the encoding is a
 * character set or absent, the type alone (`text/*` falls back to text). A message with no
 * content type decodes to its bytes. An unknown type, or a body its serializer cannot read, is
 * a PayloadError (never a crash of the consumer): the caller decides, and a consumer can be
 * told to reject such messages (to the queue's dead-letter exchange) instead.
 *
 * Registries are plain values: `createSerializers()` gives a fresh one with the built-ins, and
 * `extend()` a copy to add to without touching the original (per producer, per connection).
 *
 * Two more steps, both off unless registered (kombu's conventions; kombu.ts is the preset):
 * - a serializer for raw bytes and one for strings (`register(s, { forBytes, forStrings })`):
 *   they give bytes and text published without a serializer their content type and encoding
 *   (kombu: `application/data` + `binary`, `text/plain` + `utf-8`), instead of none;
 * - compressions (`registerCompression`): publish({ compression }) compresses the serialized
 *   bytes and names the compression in the `compression` header; decoding reads that header and
 *   decompresses before the serializer runs. A registry with no compression ignores the header.
 * `binary` as a content encoding means "no transformation" (kombu writes it for raw bytes).
 */
import type { BasicProperties } from '../../generated/index.js';
import { EncodeError, WarrenError } from '../codec/errors.js';
import { decodeText, encodeJson, encodeText } from './body.js';

/** Turns values into bytes of one content type (and encoding), and back. */
export interface Serializer<T = unknown> {
  /** The content type it writes and reads, e.g. `application/json` (case-insensitive). */
  readonly contentType: string;
  /** The content encoding it writes and reads (e.g. `gzip`); undefined: none (identity). */
  readonly contentEncoding?: string | undefined;
  /** Encodes a value; throws (an EncodeError, say) when it cannot. */
  encode(value: T): Uint8Array;
  /** Decodes a body; throws when the bytes are not what the content type says. */
  decode(body: Uint8Array, properties: BasicProperties): T;
}

/** A body could not be turned into a value: unknown content type, or bytes its serializer cannot read. */
export class PayloadError extends WarrenError {
  override name = 'PayloadError';
  /** The message's content type (undefined when it has none). */
  readonly contentType: string | undefined;
  /** The message's content encoding. */
  readonly contentEncoding: string | undefined;
  constructor(message: string, properties: BasicProperties, options?: { cause?: unknown }) {
    super(message, options);
    this.contentType = properties.contentType;
    this.contentEncoding = properties.contentEncoding;
  }
}

/** No serializer is registered for the message's content type (and encoding). */
export class UnknownContentTypeError extends PayloadError {
  override name = 'UnknownContentTypeError';
}

/** The message names a compression (header `compression`) that the registry does not know. */
export class UnknownCompressionError extends PayloadError {
  override name = 'UnknownCompressionError';
  /** The compression the header names. */
  readonly compression: string;
  constructor(message: string, properties: BasicProperties, compression: string) {
    super(message, properties);
    this.compression = compression;
  }
}

/** True when `e` is a PayloadError (checks `name`, so it works across package copies). */
export function isPayloadError(e: unknown): e is PayloadError {
  return e instanceof Error && (e.name === 'PayloadError' || e.name === 'UnknownContentTypeError' || e.name === 'UnknownCompressionError');
}

/** The message header that names a body's compression (kombu's convention). */
export const COMPRESSION_HEADER = 'compression';

/**
 * A compression of serialized bytes, named in the `compression` header (kombu's model: a step
 * after the serializer on publish, before it on receipt; the content type stays the serializer's).
 */
export interface Compression {
  /** The name written in the header, e.g. `application/x-gzip` (kombu's name for zlib). */
  readonly name: string;
  /** Other names it is asked for by and read under (case-insensitive), e.g. `zlib`, `gzip`. */
  readonly aliases?: readonly string[] | undefined;
  /** Compresses a serialized body. */
  compress(bytes: Uint8Array): Uint8Array;
  /** Decompresses a received body; throws when the bytes are not this compression's (or too large). */
  decompress(bytes: Uint8Array): Uint8Array;
}

/** Options of SerializerRegistry.register(). */
export interface RegisterOptions {
  /** Also encode values published with no serializer named (instead of JSON). */
  default?: boolean;
  /**
   * Also say what raw bytes published with no serializer are: its content type and content
   * encoding, when the publish gives neither (kombu: `application/data` + `binary`).
   */
  forBytes?: boolean;
  /** Also encode strings published with no serializer (and no encoding other than utf-8), e.g. kombu's `text/plain` + `utf-8`. */
  forStrings?: boolean;
}

/** What encode() gives: the bytes and the properties that say how to read them back. */
export interface Encoded {
  bytes: Uint8Array;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

/**
 * A serializer as publish options name it: a registered content type, or the object itself.
 * `Serializer<unknown>` takes any typed serializer (`encode` is a method, so its parameter is
 * compared both ways; `decode`'s result widens to unknown): the value published is not checked
 * against it, as with a content type named by string.
 */
export type SerializerRef = string | Serializer<unknown>;

const CHARSETS = new Set(['utf-8', 'utf8', 'latin1', 'iso-8859-1', 'ascii', 'us-ascii', 'utf-16le', 'utf16le', 'identity']);
/** Content encodings that say "bytes, not text" and transform nothing (kombu's SKIP_DECODE). */
const BINARY = new Set(['binary', 'ascii-8bit']);

/** `Application/JSON; charset=utf-8` → `application/json`. */
function mediaType(contentType: string): string {
  const i = contentType.indexOf(';');
  return (i < 0 ? contentType : contentType.slice(0, i)).trim().toLowerCase();
}

/** The `charset=` parameter of a content type, if any. */
function charsetParam(contentType: string | undefined): string | undefined {
  return contentType ? /;\s*charset="?([^";\s]+)/i.exec(contentType)?.[1] : undefined;
}

function key(contentType: string, contentEncoding: string | undefined): string {
  const e = contentEncoding?.trim().toLowerCase();
  return e && e !== 'identity' ? `${mediaType(contentType)}\u0000${e}` : mediaType(contentType);
}

function textCharset(p: BasicProperties): string {
  const e = p.contentEncoding?.toLowerCase();
  return charsetParam(p.contentType) ?? (e && e !== 'identity' && CHARSETS.has(e) ? e : 'utf-8');
}

/** UTF-8 (or the message's charset) text: `text/plain`, and every `text/*` by fallback. */
export const textSerializer: Serializer<string> = {
  contentType: 'text/plain',
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError(`text/plain encodes strings, got ${typeof value}`);
    return encodeText(value, 'utf-8');
  },
  decode: (body, p) => new TextDecoder(textCharset(p), { fatal: true }).decode(body),
};

/** JSON (`application/json`): strict on both sides (no silently dropped values, no malformed text). */
export const jsonSerializer: Serializer<unknown> = {
  contentType: 'application/json',
  encode: (value) => encodeJson(value),
  decode: (body, p) => JSON.parse(new TextDecoder(textCharset(p), { fatal: true }).decode(body)) as unknown,
};

/** Raw bytes (`application/octet-stream`): the body as it is. */
export const bytesSerializer: Serializer<Uint8Array> = {
  contentType: 'application/octet-stream',
  encode: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError('application/octet-stream encodes bytes (a Uint8Array)');
    return value;
  },
  decode: (body) => body,
};

/** A registry of serializers keyed by content type and content encoding. */
export class SerializerRegistry {
  readonly #byKey: Map<string, Serializer<never>>;
  #default: Serializer<never>;
  #forBytes: Serializer<never> | undefined;
  #forStrings: Serializer<never> | undefined;
  /** By lower-cased name and alias. */
  readonly #compressions: Map<string, Compression>;

  /** @internal use createSerializers() or registry.extend() */
  constructor(from?: SerializerRegistry) {
    this.#byKey = new Map(from ? from.#byKey : undefined);
    this.#default = from ? from.#default : (jsonSerializer as Serializer<never>);
    this.#forBytes = from ? from.#forBytes : undefined;
    this.#forStrings = from ? from.#forStrings : undefined;
    this.#compressions = new Map(from ? from.#compressions : undefined);
  }

  /**
   * Adds (or replaces) the serializer for its content type and encoding. With `default`, it
   * also encodes values published with no serializer named (instead of JSON); one that replaces
   * the default's content type (your own `application/json`) becomes the default too, so that
   * values are encoded by the serializer that decodes them. `forBytes` and `forStrings` make it
   * the one for raw bytes and strings published with no serializer. Returns this.
   */
  register<T>(serializer: Serializer<T>, options: RegisterOptions = {}): this {
    if (typeof serializer.contentType !== 'string' || serializer.contentType.trim() === '') throw new TypeError('a serializer needs a contentType');
    const k = key(serializer.contentType, serializer.contentEncoding);
    const s = serializer as Serializer<never>;
    this.#byKey.set(k, s);
    if (options.default || k === key(this.#default.contentType, this.#default.contentEncoding)) this.#default = s;
    if (options.forBytes) this.#forBytes = s;
    if (options.forStrings) this.#forStrings = s;
    return this;
  }

  /** Removes the serializer of a content type (and encoding); true when there was one. */
  unregister(contentType: string, contentEncoding?: string): boolean {
    return this.#byKey.delete(key(contentType, contentEncoding));
  }

  /** The serializer registered for exactly this content type (and encoding), if any. */
  get(contentType: string, contentEncoding?: string): Serializer | undefined {
    return this.#byKey.get(key(contentType, contentEncoding)) as Serializer | undefined;
  }

  /** A copy to register more serializers in, leaving this registry as it is. */
  extend(): SerializerRegistry {
    return new SerializerRegistry(this);
  }

  /** The serializer publish() uses for values when none is named (JSON unless registered otherwise). */
  get default(): Serializer {
    return this.#default as Serializer;
  }

  /** The serializer that says what raw bytes published with no serializer are (none by default: they go without a content type). */
  get forBytes(): Serializer<Uint8Array> | undefined {
    return this.#forBytes;
  }

  /** The serializer for strings published with no serializer (none by default: UTF-8 text without a content type). */
  get forStrings(): Serializer<string> | undefined {
    return this.#forStrings;
  }

  /**
   * Adds (or replaces) a compression, under its name and aliases. Once a registry has one, it
   * decodes by the `compression` header (see decode()). Returns this.
   */
  registerCompression(compression: Compression): this {
    if (typeof compression.name !== 'string' || compression.name.trim() === '') throw new TypeError('a compression needs a name');
    for (const n of [compression.name, ...(compression.aliases ?? [])]) this.#compressions.set(n.trim().toLowerCase(), compression);
    return this;
  }

  /** The compression registered under this name or alias, if any. */
  compression(name: string): Compression | undefined {
    return this.#compressions.get(name.trim().toLowerCase());
  }

  /**
   * Compresses serialized bytes with the compression `name` names (a name or an alias); gives
   * the bytes and the name for the `compression` header. An unknown name, or a compression that
   * fails, is an EncodeError (nothing is sent).
   */
  compress(bytes: Uint8Array, name: string): { bytes: Uint8Array; name: string } {
    const c = typeof name === 'string' ? this.compression(name) : undefined;
    if (!c) throw new EncodeError('publish', 'compression', `no compression ${String(name)} is registered${this.#compressions.size ? ` (registered: ${[...this.#compressions.keys()].join(', ')})` : ' (kombuSerializers() has zlib and brotli)'}`);
    try {
      return { bytes: c.compress(bytes), name: c.name };
    } catch (e) {
      const err = new EncodeError('publish', 'compression', `${c.name} failed: ${(e as Error).message}`);
      err.cause = e;
      throw err;
    }
  }

  /**
   * Encodes `value` with the serializer `ref` names (a registered content type, or a Serializer),
   * or with the default one. Throws UnknownContentTypeError for an unregistered name.
   */
  encode(value: unknown, ref?: SerializerRef, contentEncoding?: string): Encoded {
    const s = this.resolve(ref, contentEncoding);
    return { bytes: s.encode(value as never), contentType: s.contentType, contentEncoding: s.contentEncoding };
  }

  /** The serializer a reference names. */
  resolve(ref: SerializerRef | undefined, contentEncoding?: string): Serializer<never> {
    if (ref === undefined) return this.#default;
    if (typeof ref !== 'string') return ref as Serializer<never>;
    const s = this.#lookup(ref, contentEncoding);
    if (!s) throw new UnknownContentTypeError(`no serializer is registered for content type ${ref}${contentEncoding ? ` with encoding ${contentEncoding}` : ''}`, { contentType: ref, contentEncoding });
    return s;
  }

  /**
   * Decodes a body by its properties: no content type gives the bytes; a registered type (and
   * encoding) its serializer's value; `text/*` text. Throws UnknownContentTypeError for any
   * other type, PayloadError (with the serializer's error as `cause`) for unreadable bytes.
   * When the registry has compressions and the `compression` header names one, the body is
   * decompressed first (kombu's order); one it does not know is an UnknownCompressionError.
   */
  decode<T = unknown>(body: Uint8Array, properties: BasicProperties): T {
    if (this.#compressions.size > 0 && !noCompression(properties.headers?.[COMPRESSION_HEADER])) body = this.#decompress(body, properties);
    const type = properties.contentType;
    if (type === undefined || type.trim() === '') return body as T;
    const s = this.#lookup(type, properties.contentEncoding);
    if (!s) {
      throw new UnknownContentTypeError(`no serializer is registered for content type ${type}${properties.contentEncoding ? ` with encoding ${properties.contentEncoding}` : ''}`, properties);
    }
    try {
      return s.decode(body, properties) as T;
    } catch (e) {
      throw new PayloadError(`a ${body.length}-byte body is not readable as ${type}${properties.contentEncoding ? ` (${properties.contentEncoding})` : ''}: ${(e as Error).message}`, properties, { cause: e });
    }
  }

  #decompress(body: Uint8Array, properties: BasicProperties): Uint8Array {
    const h: unknown = properties.headers![COMPRESSION_HEADER];
    // py-amqp writes a Python str as a long string (S): a string here, or bytes if not UTF-8.
    const name = typeof h === 'string' ? h : h instanceof Uint8Array ? new TextDecoder().decode(h) : undefined;
    const c = name === undefined ? undefined : this.compression(name);
    if (!c) throw new UnknownCompressionError(`the body is compressed with ${name ?? `a ${typeof h} header value`}, which this registry does not know (registered: ${[...this.#compressions.keys()].join(', ')})`, properties, name ?? valueText(h));
    try {
      return c.decompress(body);
    } catch (e) {
      throw new PayloadError(`a ${body.length}-byte body does not decompress as ${c.name}: ${(e as Error).message}`, properties, { cause: e });
    }
  }

  #lookup(type: string, encoding: string | undefined): Serializer<never> | undefined {
    const exact = this.#byKey.get(key(type, encoding));
    if (exact) return exact;
    // A character set in contentEncoding (warren's own text publishes) is not a transformation,
    // and neither is kombu's `binary`.
    const e = encoding?.trim().toLowerCase();
    if (e && !CHARSETS.has(e) && !BINARY.has(e)) return undefined;
    return this.#byKey.get(mediaType(type)) ?? (mediaType(type).startsWith('text/') && this.#byKey.has('text/plain') ? (textSerializer as Serializer<never>) : undefined);
  }
}

/**
 * @internal True when a `compression` header value says "not compressed": absent, or a value Python holds
 * false (None, '', b'', 0, False), which kombu reads as no compression (`if compression:` in
 * kombu/message.py), so a Python client's `headers={'compression': None}` is no error here either.
 */
export function noCompression(h: unknown): boolean {
  return h === undefined || h === null || h === '' || h === false || h === 0 || h === 0n || (h instanceof Uint8Array && h.length === 0);
}

/** A header value as text for an error, never throwing (a table without a prototype has no toString). */
function valueText(v: unknown): string {
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

let builtIn: SerializerRegistry | undefined;

/** @internal one shared registry of the built-ins, for bodies with no channel (never handed out for register()) */
export function defaultSerializers(): SerializerRegistry {
  return (builtIn ??= createSerializers());
}

/** A fresh registry with the built-ins: JSON (the default), text/plain and application/octet-stream. */
export function createSerializers(): SerializerRegistry {
  return new SerializerRegistry().register(jsonSerializer).register(textSerializer).register(bytesSerializer);
}

/**
 * The text of a body in `encoding`, or the charset its properties give (utf-8 by default). A
 * contentEncoding that is no character set (gzip, say) is a PayloadError: the bytes are not text.
 */
export function bodyText(body: Uint8Array, properties: BasicProperties, encoding?: string): string {
  if (encoding !== undefined) return decodeText(body, encoding);
  const e = properties.contentEncoding;
  const charset = e && e.trim().toLowerCase() !== 'identity' ? e : 'utf-8';
  try {
    return decodeText(body, charset); // not fatal: only an unknown label throws (RangeError)
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
    throw new PayloadError(`the body's content encoding ${e} is not a character set: decode it first (register a serializer for it), or pass text() a character set`, properties, { cause });
  }
}
