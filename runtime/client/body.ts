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
 * Built-in objects that JSON.stringify turns into `{}` (or, for byte views, an index map) without
 * a word: their data is not in their own enumerable properties.
 */
const UNFAITHFUL: readonly [abstract new (...args: never[]) => object, string][] = [
  [Map, 'a Map (use Object.fromEntries(map) or [...map])'],
  [Set, 'a Set (use [...set])'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [RegExp, 'a RegExp (use its .source)'],
  [Error, 'an Error (use its .message)'],
  [Promise, 'a Promise (await it first)'],
  [ArrayBuffer, 'an ArrayBuffer inside a JSON body (encode the bytes, e.g. base64, or publish them as the body)'],
  [SharedArrayBuffer, 'a SharedArrayBuffer inside a JSON body'],
];

/**
 * Serialises a JSON body. JSON.stringify silently drops or mangles some values; here they are
 * errors, because a message the receiver cannot read back is a lost message: a bigint, NaN and
 * ±Infinity, functions and symbols, `undefined` as the whole body, and objects whose data JSON
 * cannot see (Map, Set, WeakMap, WeakSet, RegExp, Error, Promise, ArrayBuffer and typed arrays
 * or DataViews nested in the value: `{}` or an index map on the wire). What JSON does represent
 * is kept as JSON defines it: a Date (or anything with toJSON()) as its toJSON() result, other
 * class instances as their own enumerable properties, an object property whose value is
 * `undefined` left out (reading it back gives `undefined` again), an `undefined` array item as
 * `null`. A Node Buffer nested in the value has a toJSON() (`{ type: 'Buffer', data: [...] }`).
 */
export function encodeJson(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') throw new EncodeError('publish', 'body', 'a bigint has no JSON form; convert it to a string');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new EncodeError('publish', 'body', `${v} has no JSON form`);
      if (typeof v === 'function' || typeof v === 'symbol') throw new EncodeError('publish', 'body', `a ${typeof v} has no JSON form`);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        for (const [type, what] of UNFAITHFUL) {
          if (v instanceof type) throw new EncodeError('publish', 'body', `${what} has no JSON form: JSON.stringify would write {}`);
        }
        if (ArrayBuffer.isView(v)) throw new EncodeError('publish', 'body', `a ${v.constructor.name} inside a JSON body has no faithful JSON form (encode the bytes, e.g. base64, or publish them as the body)`);
      }
      return v;
    });
  } catch (e) {
    if (e instanceof EncodeError) throw e;
    throw new EncodeError('publish', 'body', `not serialisable as JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw new EncodeError('publish', 'body', 'not serialisable as JSON (undefined)');
  return utf8.encode(text);
}
