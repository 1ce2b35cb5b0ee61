/**
 * Synchronous compression for message bodies (kombu's `compression` header), on node:zlib: here
 * because runtime/io is the one layer that imports Node. Synchronous on purpose: a serializer
 * registry encodes inside publish() and decodes inside `message.payload`, both synchronous, and
 * the web-standard CompressionStream is only asynchronous. Node, Bun and Deno all have these
 * functions; the workerd build (no node:* import) swaps this module for
 * ./workerd/compression.ts, whose functions throw.
 *
 * Decompression takes a ceiling on the output (node:zlib's `maxOutputLength`): a few KiB of
 * compressed zeros can stand for gigabytes, and a consumer must not be made to allocate them.
 */
import { constants } from 'node:buffer';
import { brotliCompressSync, brotliDecompressSync, deflateSync, inflateSync } from 'node:zlib';

/**
 * node:zlib refuses a `maxOutputLength` above the largest Buffer (4 GiB on Node 20) on every call;
 * no output can be larger anyway, so a larger ceiling means that one.
 */
const outputLimit = (maxBytes: number): number => Math.min(maxBytes, constants.MAX_LENGTH);

/** A Buffer as a plain Uint8Array over the same memory (bodies are Uint8Arrays everywhere else; no copy). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** zlib's format (RFC 1950: deflate with a 2-byte header and an Adler-32), as Python's zlib.compress() writes it. */
export function zlibDeflate(bytes: Uint8Array): Uint8Array {
  return plain(deflateSync(bytes));
}

/** Inflates zlib-format bytes; throws (RangeError) past `maxBytes` of output, or on bytes that are not zlib's. */
export function zlibInflate(bytes: Uint8Array, maxBytes: number): Uint8Array {
  return plain(inflateSync(bytes, { maxOutputLength: outputLimit(maxBytes) }));
}

/** Brotli (RFC 7932). */
export function brotliCompress(bytes: Uint8Array): Uint8Array {
  return plain(brotliCompressSync(bytes));
}

/** Decompresses brotli; throws past `maxBytes` of output, or on bytes that are not brotli. */
export function brotliDecompress(bytes: Uint8Array, maxBytes: number): Uint8Array {
  return plain(brotliDecompressSync(bytes, { maxOutputLength: outputLimit(maxBytes) }));
}
