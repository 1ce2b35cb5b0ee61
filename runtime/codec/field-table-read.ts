/**
 * Decoding field tables and arrays (wire → JS), the other half of field-table.ts, whose file
 * comment has the mapping, the errors and the design choices (copies of byte values, `__proto__`
 * as an own property, the `WIRE` record of key order and non-default tags filled here).
 */
import { DecodeError } from './errors.js';
import { Decimal, Field } from './field.js';
import { MAX_DEPTH, type FieldTable, type FieldValue } from './field-value.js';
import type { Reader } from './reader.js';
import { isIndexKey, sameOrder, setWire } from './table-wire.js';
import { MAX_DATE_SECONDS } from './timestamp.js';
import { readUtf8, tryReadUtf8 } from './utf8.js';

/** Reads a field table (its long byte length, then the entries) at `r.pos`. */
export function readTable(r: Reader): FieldTable {
  return table(r, 1);
}

/** Reads a field array (its long byte length, then the tagged values) at `r.pos`. */
export function readArray(r: Reader): FieldValue[] {
  return array(r, 1);
}

/** Narrows the reader's window to the next `len` bytes; returns the outer end to restore. */
function enter(r: Reader, what: string, depth: number): number {
  const p = r.pos;
  if (depth > MAX_DEPTH) throw new DecodeError(`${what} at offset ${p} is nested deeper than ${MAX_DEPTH} levels`, p);
  const len = r.long();
  const outer = r.end;
  if (len > outer - r.pos) {
    throw new DecodeError(`${what} at offset ${p} declares ${len} bytes, only ${outer - r.pos} left`, p);
  }
  r.end = r.pos + len;
  return outer;
}

/**
 * Tag of the value readValue just read when the default encoding of the decoded value would use
 * another tag (0 otherwise): set only on those rare paths, read by table() and array() to fill
 * `WIRE`. Nested tables and arrays clear it before they return.
 */
let rare = 0;

function table(r: Reader, depth: number): FieldTable {
  const outer = enter(r, 'field table', depth);
  const t: FieldTable = {};
  let keys: string[] | undefined;
  let tags: Record<string, number> | undefined;
  while (r.pos < r.end) {
    const k = key(r);
    rare = 0;
    const v = readValue(r, depth);
    if (rare !== 0) (tags ??= Object.create(null) as Record<string, number>)[k] = rare; // no prototype: keys like "__proto__"
    if (keys !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(t, k)) keys.push(k);
    } else if (isIndexKey(k)) keys = [...Object.keys(t), k];
    if (k === '__proto__') Object.defineProperty(t, k, { value: v, writable: true, enumerable: true, configurable: true });
    else t[k] = v;
  }
  if (keys !== undefined && sameOrder(keys, Object.keys(t))) keys = undefined;
  if (keys !== undefined || tags !== undefined) {
    setWire(t, { keys, tags });
  }
  r.end = outer;
  rare = 0;
  return t;
}

function array(r: Reader, depth: number): FieldValue[] {
  const outer = enter(r, 'field array', depth);
  const a: FieldValue[] = [];
  let tags: Record<number, number> | undefined;
  while (r.pos < r.end) {
    rare = 0;
    const v = readValue(r, depth);
    if (rare !== 0) (tags ??= Object.create(null) as Record<number, number>)[a.length] = rare;
    a.push(v);
  }
  if (tags !== undefined) setWire(a, { tags });
  r.end = outer;
  rare = 0;
  return a;
}

function key(r: Reader): string {
  const p = r.pos;
  const n = r.buf[p]!; // r.pos < r.end here, so the length octet is in the window
  if (p + 1 + n > r.end) r.need(1 + n, 'table key');
  r.pos = p + 1 + n;
  return readUtf8(r.buf, p + 1, p + 1 + n); // keys repeat: readUtf8 interns them
}

/** A copy of `b[start, end)`. Not `b.slice`: on a Node Buffer that returns a view. */
function copy(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(b.subarray(start, end));
  return out;
}

function readValue(r: Reader, depth: number): FieldValue {
  const p = r.pos;
  const tag = r.octet();
  let q = r.pos;
  switch (tag) {
    case 0x74: return r.octet() !== 0; // t
    case 0x62: r.need(1, 'int8'); r.pos = q + 1; rare = tag; return r.view.getInt8(q); // b
    case 0x42: rare = tag; return r.octet(); // B
    case 0x73: r.need(2, 'int16'); r.pos = q + 2; rare = tag; return r.view.getInt16(q); // s
    case 0x75: rare = tag; return r.short(); // u
    case 0x49: r.need(4, 'int32'); r.pos = q + 4; return r.view.getInt32(q); // I
    case 0x69: rare = tag; return r.long(); // i
    case 0x6c: { // l
      const v = r.int64();
      if (typeof v === 'number' && (v | 0) === v) rare = tag; // would go out as I
      return v;
    }
    case 0x4c: rare = tag; return r.int64(); // L
    case 0x66: r.need(4, 'float'); r.pos = q + 4; rare = tag; return r.view.getFloat32(q); // f
    case 0x64: { // d
      r.need(8, 'double');
      r.pos = q + 8;
      const v = r.view.getFloat64(q);
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) rare = tag; // would go out as I or l
      return v;
    }
    case 0x44: { // D
      r.need(5, 'decimal');
      r.pos = q + 5;
      return new Decimal(r.buf[q]!, r.view.getInt32(q + 1));
    }
    case 0x53: { // S
      const n = r.long();
      q = r.pos;
      if (n > r.end - q) r.need(n, 'long string');
      r.pos = q + n;
      const s = tryReadUtf8(r.buf.subarray(q, q + n));
      if (s !== undefined) return s;
      rare = tag; // bytes would go out as x
      return copy(r.buf, q, q + n);
    }
    case 0x78: { // x
      const n = r.long();
      q = r.pos;
      if (n > r.end - q) r.need(n, 'byte array');
      r.pos = q + n;
      return copy(r.buf, q, q + n);
    }
    case 0x54: { // T
      const secs = r.longlong();
      // Beyond Date's range (8.64e12 s) a Date would be Invalid and lose the value: keep it as a Field.
      return typeof secs === 'number' && secs <= MAX_DATE_SECONDS ? new Date(secs * 1000) : new Field('T', secs);
    }
    case 0x46: return table(r, depth + 1); // F
    case 0x41: return array(r, depth + 1); // A
    case 0x56: return null; // V
  }
  const c = tag >= 0x20 && tag < 0x7f ? ` '${String.fromCharCode(tag)}'` : '';
  throw new DecodeError(`unknown field value tag 0x${tag.toString(16).padStart(2, '0')}${c} at offset ${p}`, p);
}
