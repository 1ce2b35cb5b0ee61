/**
 * The workerd build's stand-in for ../compression.ts: without `nodejs_compat` a Worker has no
 * synchronous zlib (CompressionStream is asynchronous, and a serializer registry decodes inside
 * the synchronous `message.payload`). Same exports as the Node module; each throws when called,
 * so the rest of the kombu preset (JSON, text, raw bytes) works in a Worker and only a
 * compressed body fails, as a typed error of the registry that called it.
 */

function unavailable(): never {
  throw new Error('compression needs node:zlib, which the Cloudflare Workers build of warren does not import');
}

export function zlibDeflate(_bytes: Uint8Array): Uint8Array {
  return unavailable();
}

export function zlibInflate(_bytes: Uint8Array, _maxBytes: number): Uint8Array {
  return unavailable();
}

export function brotliCompress(_bytes: Uint8Array): Uint8Array {
  return unavailable();
}

export function brotliDecompress(_bytes: Uint8Array, _maxBytes: number): Uint8Array {
  return unavailable();
}
