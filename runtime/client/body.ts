/**
 * Message bodies: what the application gives to publish() becomes bytes (and maybe a content
 * type/encoding); what arrives becomes text or JSON on request. TextEncoder only speaks UTF-8,
 * so the other encodings that AMQP applications meet (latin1, ascii, utf-16le) are done here.
 */
import { EncodeError } from '../codec/errors.js';

/** A JSON value, as accepted for a JSON body. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What publish() accepts: bytes (Uint8Array, Buffer, ArrayBuffer or any view of one) as they
 * are, a string as text, anything else as JSON.
 */
export type Body = Uint8Array | string | JsonValue | object;

/** Encodings for string bodies. */
export type TextEncoding = 'utf-8' | 'utf8' | 'latin1' | 'ascii' | 'utf-16le';

const utf8 = new TextEncoder();

/** Encodes `s` in `encoding`; throws EncodeError for an encoding warren does not know. */
export function encodeText(s: string, encoding: string): Uint8Array {
  switch (encoding.toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return utf8.encode(s);
    case 'latin1':
    case 'iso-8859-1':
    case 'ascii': {
      const max = encoding.toLowerCase() === 'ascii' ? 0x7f : 0xff;
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > max) throw new EncodeError('publish', 'body', `character U+${c.toString(16).padStart(4, '0')} at index ${i} has no ${encoding} encoding`);
        out[i] = c;
      }
      return out;
    }
    case 'utf-16le':
    case 'utf16le': {
      const out = new Uint8Array(s.length * 2);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >>> 8;
      }
      return out;
    }
    default:
      throw new EncodeError('publish', 'body', `unknown text encoding ${encoding} (use utf-8, latin1, ascii or utf-16le)`);
  }
}

/** Decodes bytes in `encoding` (anything TextDecoder knows; default utf-8). */
export function decodeText(body: Uint8Array, encoding = 'utf-8'): string {
  return new TextDecoder(encoding).decode(body);
}

/**
 * Serialises a JSON body. JSON.stringify silently drops or mangles some values; here they are
 * errors, because a message the receiver cannot read back is a lost message.
 */
export function encodeJson(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') throw new EncodeError('publish', 'body', 'a bigint has no JSON form; convert it to a string');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new EncodeError('publish', 'body', `${v} has no JSON form`);
      if (typeof v === 'function' || typeof v === 'symbol') throw new EncodeError('publish', 'body', `a ${typeof v} has no JSON form`);
      return v;
    });
  } catch (e) {
    if (e instanceof EncodeError) throw e;
    throw new EncodeError('publish', 'body', `not serialisable as JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw new EncodeError('publish', 'body', 'not serialisable as JSON (undefined)');
  return utf8.encode(text);
}
