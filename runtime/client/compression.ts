/**
 * Compressions for the `compression` header (see Compression in serializers.ts), under the names
 * kombu writes (kombu/compression.py, 5.2): zlib's format as `application/x-gzip` (aliases
 * `gzip`, `zlib`; despite the name it is Python's zlib.compress(), RFC 1950, not a gzip file) and
 * brotli as `application/x-brotli` (alias `brotli`; kombu has it when the Python brotli module
 * is installed). kombu's `application/x-bz2` and `application/x-lzma` have no codec in Node's
 * zlib; a body compressed with them decodes to an UnknownCompressionError unless you register
 * a Compression of your own under those names.
 *
 * The codecs are runtime/io's (node:zlib, synchronous); the Workers build has none.
 */
import { brotliCompress, brotliDecompress, zlibDeflate, zlibInflate } from '../io/compression.js';
import type { Compression } from './serializers.js';

/** Options of the built-in compressions. */
export interface CompressionOptions {
  /**
   * The largest body a decompression may produce, in bytes (default 64 MiB): a larger one is a
   * PayloadError, so that a small compressed message cannot make a consumer allocate gigabytes.
   */
  maxBytes?: number;
}

/** The default ceiling of a decompressed body: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

function ceiling(options: CompressionOptions): number {
  const max = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError(`maxBytes must be a positive integer, got ${String(max)}`);
  return max;
}

/** zlib (RFC 1950) as kombu names it: header `compression: application/x-gzip`; asked for as `zlib` or `gzip`. */
export function zlibCompression(options: CompressionOptions = {}): Compression {
  const max = ceiling(options);
  return { name: 'application/x-gzip', aliases: ['zlib', 'gzip'], compress: zlibDeflate, decompress: (b) => zlibInflate(b, max) };
}

/** Brotli as kombu names it: header `compression: application/x-brotli`; asked for as `brotli`. */
export function brotliCompression(options: CompressionOptions = {}): Compression {
  const max = ceiling(options);
  return { name: 'application/x-brotli', aliases: ['brotli'], compress: brotliCompress, decompress: (b) => brotliDecompress(b, max) };
}
