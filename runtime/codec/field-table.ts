/**
 * Field tables (`F`) and field arrays (`A`): AMQP's self-describing maps and lists, used by
 * message `headers`, queue/exchange/consume `arguments`, and client/server properties.
 *
 * Wire format (RabbitMQ's tags, see PROTOCOL-NOTES.md; spec 4.2.5.5 lists some differently):
 *
 * ```
 * table: long byte-length · (shortstr key · octet tag · value)*
 * array: long byte-length · (octet tag · value)*
 * ```
 *
 * Encoding, JS → wire (this file; decoding is in field-table-read.ts):
 *
 * | JS value                                         | tag | wire                                 |
 * |--------------------------------------------------|-----|--------------------------------------|
 * | `true` / `false`                                 | `t` | octet 1 / 0                          |
 * | integer number in -2^31 .. 2^31-1 (not `-0`)     | `I` | int32                                |
 * | other safe integer                               | `l` | int64                                |
 * | any other finite number (fraction, -0, >2^53)    | `d` | float64                              |
 * | NaN, ±Infinity (RabbitMQ cannot parse them)      | —   | EncodeError                          |
 * | bigint in -2^63 .. 2^63-1                        | `l` | int64 (out of range: EncodeError)    |
 * | string                                           | `S` | long + UTF-8 bytes                   |
 * | Uint8Array (and Buffer)                          | `x` | long + bytes (RabbitMQ extension)    |
 * | Date                                             | `T` | uint64 whole seconds (ms dropped)    |
 * | {@link Decimal}                                  | `D` | scale octet + int32                  |
 * | {@link Field} (`field.uint8(3)`...)              | its tag | as forced                        |
 * | `null`                                           | `V` | nothing                              |
 * | `undefined`                                      | —   | table: key omitted; array: `V`       |
 * | array                                            | `A` | nested array                         |
 * | plain object (prototype Object.prototype or null)| `F` | nested table                         |
 * | `Map` with string keys                           | `F` | nested table, in the Map's order     |
 * | anything else (function, symbol, class...)       | —   | EncodeError naming the key path      |
 *
 * `U` and `L` are never sent (RabbitMQ does not understand `U`; `l` is its int64).
 *
 * Decoding, wire → JS: `t` boolean; `b B s u I i f d` number; `l L` number when safe, else
 * bigint; `D` Decimal; `S` string when valid UTF-8, else Uint8Array; `x` Uint8Array; `T` Date
 * (or, beyond a Date's range, `field.timestamp(seconds)`, so nothing is lost);
 * `F` table; `A` array; `V` null. Unknown tags, overruns and nesting deeper than
 * {@link MAX_DEPTH} are DecodeErrors (502 syntax-error) with the offset.
 *
 * Design choices:
 * - `x` values (and non-UTF-8 `S` values) are **copies**, not views into the frame: headers
 *   outlive the frame, and a view would pin the whole socket chunk and break if a transport
 *   ever reuses its read buffer. They are rare and small, so the copy is cheap.
 * - Decoded tables are ordinary objects (so `hasOwnProperty`, spreading and `toEqual` work). A
 *   key `__proto__` is stored with `Object.defineProperty` as an own data property, so a peer
 *   can never set an object's prototype. Keys such as `constructor` simply shadow.
 * - Lossless round trips (decode → encode gives the same bytes). Two things a plain object
 *   cannot say are kept beside it, in a non-enumerable property keyed by {@link WIRE} that
 *   decoding adds only when needed: the wire order of the keys, when an integer-like key (`"7"`)
 *   would otherwise be listed first by JavaScript; and the wire tag of each value whose tag the
 *   default mapping above would not choose (`l` 5, `b`, `u`, `f`, `d` 3, `S` holding non-UTF-8,
 *   `L`...), for tables and arrays alike. The encoder follows it: remembered keys in their order
 *   (keys added since come after them), remembered tags while the value still fits the tag
 *   (a value changed to something else takes the default mapping). Objects without it, and
 *   `Map`s (written in their iteration order), take the default mapping, as before.
 *   Not kept: a duplicate key (keeps its last value) and a boolean octet other than 0 or 1.
 * - Encoding recurses at most {@link MAX_DEPTH} levels too, so a cyclic object is an
 *   EncodeError, not a stack overflow.
 */
import { EncodeError } from './errors.js';
import { Decimal, Field, checkFieldValue, unparsable, type FieldTag } from './field.js';
import { MAX_DEPTH, type FieldTable, type FieldValue } from './field-value.js';
import { orderedKeys, wireOf } from './table-wire.js';
import { writeUtf8 } from './utf8.js';
import type { Writer } from './writer.js';

export { WIRE, orderedTable, tableEntries, type WireInfo } from './table-wire.js';
export { MAX_DEPTH, type FieldTable, type FieldValue } from './field-value.js';
export { readArray, readTable } from './field-table-read.js';

const TWO_32 = 4294967296;
const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

// ---------------------------------------------------------------- encoding

/**
 * Writes `t` as a field table. Errors are EncodeErrors `ctx: field.key.path: problem`; on error
 * `w.pos` is restored to where the table started.
 */
export function writeTable(w: Writer, t: FieldTable | ReadonlyMap<string, FieldValue>, ctx: string, field: string): void {
  const start = w.pos;
  try {
    if (t instanceof Map) mapBody(w, t, ctx, field, 1);
    else if (!isPlainObject(t)) throw new EncodeError(ctx, field, `field table must be a plain object or a Map, got ${kind(t)}`);
    else tableBody(w, t as FieldTable, ctx, field, 1);
  } catch (e) {
    w.pos = start;
    throw e;
  }
}

/** Writes `a` as a field array (tag-less, with its byte length); rewinds `w.pos` on error. */
export function writeArray(w: Writer, a: readonly FieldValue[], ctx: string, field: string): void {
  const start = w.pos;
  try {
    if (!Array.isArray(a)) throw new EncodeError(ctx, field, `field array must be an array, got ${kind(a)}`);
    arrayBody(w, a, ctx, field, 1);
  } catch (e) {
    w.pos = start;
    throw e;
  }
}

function tableBody(w: Writer, t: FieldTable, ctx: string, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError(ctx, path, `tables and arrays nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  w.reserve(4);
  const lenAt = w.pos;
  w.pos += 4;
  const wire = wireOf(t);
  if (wire === undefined) {
    // The common case, kept as tight as it was before WIRE existed.
    const keys = Object.keys(t);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = t[k];
      if (v === undefined) continue;
      // The key (writeKey, inline): a call per key was measurable here.
      if (k.length > 255) writeKey(w, k, ctx, path); // throws
      w.reserve(1 + k.length * 3);
      const n = writeUtf8(w.buf, w.pos + 1, k);
      if (n > 255) writeKey(w, k, ctx, path); // throws
      w.buf[w.pos] = n;
      w.pos += 1 + n;
      value(w, v, ctx, path, k, depth);
    }
  } else {
    const keys = orderedKeys(t);
    const tags = wire.tags;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = t[k];
      if (v === undefined) continue;
      writeKey(w, k, ctx, path);
      const tag = tags?.[k];
      if (tag === undefined || !remembered(w, tag, v, ctx, at(path, k))) value(w, v, ctx, path, k, depth);
    }
  }
  w.patchU32(lenAt, w.pos - lenAt - 4);
}

function mapBody(w: Writer, m: ReadonlyMap<string, FieldValue>, ctx: string, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError(ctx, path, `tables and arrays nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  w.reserve(4);
  const lenAt = w.pos;
  w.pos += 4;
  for (const [k, v] of m) {
    if (typeof k !== 'string') throw new EncodeError(ctx, path, `table keys must be strings, got ${kind(k)} in a Map`);
    if (v === undefined) continue;
    writeKey(w, k, ctx, path);
    value(w, v, ctx, path, k, depth);
  }
  w.patchU32(lenAt, w.pos - lenAt - 4);
}

/** A key: shortstr, written inline so the hot path builds no path string. */
function writeKey(w: Writer, k: string, ctx: string, path: string): void {
  if (k.length > 255) throw new EncodeError(ctx, `${path}.${k.slice(0, 40)}…`, `table key is over the shortstr limit of 255 bytes (${k.length} characters)`);
  w.reserve(1 + k.length * 3);
  const n = writeUtf8(w.buf, w.pos + 1, k);
  if (n > 255) throw new EncodeError(ctx, `${path}.${k.slice(0, 40)}…`, `table key is ${n} bytes of UTF-8, over the shortstr limit of 255`);
  w.buf[w.pos] = n;
  w.pos += 1 + n;
}

function arrayBody(w: Writer, a: readonly FieldValue[], ctx: string, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError(ctx, path, `tables and arrays nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  w.reserve(4);
  const lenAt = w.pos;
  w.pos += 4;
  const tags = wireOf(a)?.tags;
  if (tags === undefined) for (let i = 0; i < a.length; i++) value(w, a[i], ctx, path, i, depth);
  else {
    for (let i = 0; i < a.length; i++) {
      const tag = tags[i];
      if (tag === undefined || !remembered(w, tag, a[i], ctx, at(path, i))) value(w, a[i], ctx, path, i, depth);
    }
  }
  w.patchU32(lenAt, w.pos - lenAt - 4);
}

/**
 * Writes `v` with the tag it was decoded with, if it still fits that tag; false (nothing
 * written) otherwise, and the caller falls back to the default mapping.
 */
function remembered(w: Writer, tag: number, v: FieldValue, ctx: string, path: string): boolean {
  if (tag === 0x4c) { // L: accepted on decode, written back only where it was received
    if (typeof v === 'bigint' ? v < MIN_I64 || v > MAX_I64 : !Number.isSafeInteger(v)) return false;
    const p = w.pos;
    typeof v === 'bigint' ? bigInt64(w, v) : int64(w, v as number);
    w.buf[p] = 0x4c;
    return true;
  }
  const t = String.fromCharCode(tag) as FieldTag;
  try {
    checkFieldValue(t, v, ctx, path);
  } catch {
    return false;
  }
  forced(w, t, v, ctx, path);
  return true;
}

/** The key path of a value, built only when needed (errors and nesting). */
function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

function value(w: Writer, v: FieldValue, ctx: string, path: string, key: string | number, depth: number): void {
  switch (typeof v) {
    case 'string':
      return str(w, v);
    case 'boolean':
      w.reserve(2);
      w.buf[w.pos] = 0x74; // t
      w.buf[w.pos + 1] = v ? 1 : 0;
      w.pos += 2;
      return;
    case 'number':
      // -0 goes out as a double so that its sign survives (as an integer it would become 0).
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return tagged32(w, 0x49, v); // I
      if (v !== 0 && Number.isSafeInteger(v)) return int64(w, v);
      if (!Number.isFinite(v)) throw new EncodeError(ctx, at(path, key), unparsable('', v));
      return double(w, 0x64, v);
    case 'bigint':
      if (v < MIN_I64 || v > MAX_I64) throw new EncodeError(ctx, at(path, key), `bigint must be an int64 (-2^63 to 2^63-1), got ${v}n`);
      return bigInt64(w, v);
    case 'undefined':
      w.u8(0x56); // V (only reached for array elements: table keys with undefined are skipped)
      return;
    case 'object':
      if (v === null) return w.u8(0x56);
      if (v instanceof Uint8Array) return bytes(w, 0x78, v);
      if (v instanceof Date) return timestamp(w, v, ctx, at(path, key));
      if (v instanceof Decimal) {
        checkFieldValue('D', v, ctx, at(path, key));
        return decimal(w, v);
      }
      if (v instanceof Field) {
        checkFieldValue(v.tag, v.value, ctx, at(path, key));
        return forced(w, v.tag, v.value, ctx, at(path, key));
      }
      if (Array.isArray(v)) {
        w.u8(0x41); // A
        return arrayBody(w, v, ctx, at(path, key), depth + 1);
      }
      if (isPlainObject(v)) {
        w.u8(0x46); // F
        return tableBody(w, v as FieldTable, ctx, at(path, key), depth + 1);
      }
      if ((v as object) instanceof Map) {
        w.u8(0x46); // F
        return mapBody(w, v as ReadonlyMap<string, FieldValue>, ctx, at(path, key), depth + 1);
      }
  }
  throw new EncodeError(ctx, at(path, key), `cannot be sent in a field table: ${kind(v)} (wrap it with field.*() or convert it)`);
}

/** Writes a value already checked to fit `tag`. */
function forced(w: Writer, tag: FieldTag, v: unknown, ctx: string, path: string): void {
  switch (tag) {
    case 't': w.reserve(2); w.buf[w.pos] = 0x74; w.buf[w.pos + 1] = v ? 1 : 0; w.pos += 2; return;
    case 'b': w.reserve(2); w.buf[w.pos] = 0x62; w.buf[w.pos + 1] = v as number; w.pos += 2; return;
    case 'B': w.reserve(2); w.buf[w.pos] = 0x42; w.buf[w.pos + 1] = v as number; w.pos += 2; return;
    case 's': w.u8(0x73); w.u16(v as number); return;
    case 'u': w.u8(0x75); w.u16(v as number); return;
    case 'I': return tagged32(w, 0x49, v as number);
    case 'i': return tagged32(w, 0x69, v as number);
    case 'l': return typeof v === 'bigint' ? bigInt64(w, v) : int64(w, v as number);
    case 'f': w.reserve(5); w.buf[w.pos] = 0x66; w.view.setFloat32(w.pos + 1, v as number); w.pos += 5; return;
    case 'd': return double(w, 0x64, v as number);
    case 'D': return decimal(w, v as Decimal);
    case 'S': return typeof v === 'string' ? str(w, v) : bytes(w, 0x53, v as Uint8Array);
    case 'x': return bytes(w, 0x78, v as Uint8Array);
    case 'T':
      if (v instanceof Date) return timestamp(w, v, ctx, path);
      w.u8(0x54);
      w.u64(v as number | bigint);
      return;
    case 'V': return w.u8(0x56);
  }
}

function str(w: Writer, s: string): void {
  w.reserve(5 + s.length * 3);
  const p = w.pos;
  w.buf[p] = 0x53; // S
  const n = writeUtf8(w.buf, p + 5, s);
  w.patchU32(p + 1, n);
  w.pos = p + 5 + n;
}

function bytes(w: Writer, tag: number, b: Uint8Array): void {
  w.reserve(5 + b.length);
  w.buf[w.pos] = tag;
  w.patchU32(w.pos + 1, b.length);
  w.buf.set(b, w.pos + 5);
  w.pos += 5 + b.length;
}

function tagged32(w: Writer, tag: number, v: number): void {
  w.reserve(5);
  const b = w.buf;
  const p = w.pos;
  b[p] = tag;
  b[p + 1] = v >>> 24;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 8;
  b[p + 4] = v;
  w.pos = p + 5;
}

function int64(w: Writer, v: number): void {
  w.reserve(9);
  const hi = Math.floor(v / TWO_32);
  w.buf[w.pos] = 0x6c; // l
  w.view.setInt32(w.pos + 1, hi);
  w.view.setUint32(w.pos + 5, v - hi * TWO_32);
  w.pos += 9;
}

function bigInt64(w: Writer, v: bigint): void {
  w.reserve(9);
  w.buf[w.pos] = 0x6c; // l
  w.view.setBigInt64(w.pos + 1, v);
  w.pos += 9;
}

function double(w: Writer, tag: number, v: number): void {
  w.reserve(9);
  w.buf[w.pos] = tag;
  w.view.setFloat64(w.pos + 1, v);
  w.pos += 9;
}

function decimal(w: Writer, d: Decimal): void {
  w.reserve(6);
  w.buf[w.pos] = 0x44; // D
  w.buf[w.pos + 1] = d.scale;
  w.view.setInt32(w.pos + 2, d.value);
  w.pos += 6;
}

function timestamp(w: Writer, d: Date, ctx: string, path: string): void {
  const ms = d.getTime();
  if (!(ms >= 0)) throw new EncodeError(ctx, path, `timestamp must be a valid Date at or after 1970, got ${String(d)}`);
  w.u8(0x54); // T
  w.u64(Math.floor(ms / 1000));
}

function isPlainObject(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`;
  if (typeof v !== 'object') return typeof v;
  const name = (v as object).constructor?.name;
  return name ? `an instance of ${name}` : 'an object';
}
