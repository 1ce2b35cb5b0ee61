/**
 * Writer: appends AMQP primitive values to a growable byte buffer.
 *
 * Every checked method validates its value first and throws an {@link EncodeError} naming the
 * context (method) and the field, *before* moving `pos`; callers that encode a whole frame
 * remember `pos` and rewind on error, so a failed encode leaves the writer as it was and no
 * partial frame ever reaches a socket. The `u8`/`u16`/`u32` methods are unchecked and are for
 * the frame layer's own headers.
 *
 * Integers are big-endian and unsigned, as spec 4.2.2 defines octet, short, long, longlong.
 * longlong takes a `number` (an integer up to 2^53 - 1 is exact) or a `bigint` (any value up
 * to 2^64 - 1): the representation that decoding hands back is the same (see Reader.longlong).
 */
import { EncodeError } from './errors.js';
import { WireTimestamp } from './timestamp.js';
import type { Long } from './long.js';
import { writeUtf8 } from './utf8.js';

const TWO_32 = 4294967296;
const MAX_U64 = 0xffffffffffffffffn;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'Uint8Array';
  return typeof v;
}

/** Throws the usual "expected X, got Y" error. */
export function wrongType(ctx: string, field: string, expected: string, v: unknown): never {
  if (v === undefined) throw new EncodeError(ctx, field, `missing (expected ${expected})`);
  throw new EncodeError(ctx, field, `expected ${expected}, got ${typeOf(v)} ${String(v).slice(0, 40)}`);
}

function checkUint(v: unknown, max: number, what: string, ctx: string, field: string): number {
  if (typeof v !== 'number') wrongType(ctx, field, what, v);
  if (!(v >= 0 && v <= max && Math.floor(v) === v)) {
    throw new EncodeError(ctx, field, `${what} must be an integer from 0 to ${max}, got ${v}`);
  }
  return v;
}

/** Validates a bit (boolean) field and returns it as 0 or 1 for packing. */
export function bit(v: unknown, ctx: string, field: string): number {
  if (v === true) return 1;
  if (v === false) return 0;
  return wrongType(ctx, field, 'boolean', v);
}

/** Appends AMQP values to a growable buffer; see the file comment for the validation contract. */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  /** Next write position; also the number of bytes written since the last reset. */
  pos = 0;

  constructor(capacity = 16384) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = Math.max(this.buf.length * 2, 64); // a zero-capacity writer must still grow
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Forgets everything written (keeps the buffer). */
  reset(): void {
    this.pos = 0;
  }

  /** A view of the bytes written so far (not a copy: valid until the next write or reset). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  // ---- unchecked writers, for frame headers and already validated values ----

  /** Appends an octet, unchecked. */
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  /** Appends a big-endian short, unchecked. */
  u16(v: number): void {
    this.reserve(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  /** Appends a big-endian long, unchecked. */
  u32(v: number): void {
    this.reserve(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  /** Writes a long at an earlier position (back-patching a frame size). */
  patchU32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  /** Appends raw bytes. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Unchecked 64-bit write of a validated {@link Long}. */
  u64(v: Long): void {
    this.reserve(8);
    if (typeof v === 'bigint') {
      this.view.setBigUint64(this.pos, v);
    } else {
      const hi = Math.floor(v / TWO_32);
      this.view.setUint32(this.pos, hi);
      this.view.setUint32(this.pos + 4, v - hi * TWO_32);
    }
    this.pos += 8;
  }

  // ---- checked writers: validate, then write ----

  /** An octet (0..255); EncodeError naming `ctx` and `field` otherwise. */
  octet(v: unknown, ctx: string, field: string): void {
    this.u8(checkUint(v, 0xff, 'octet', ctx, field));
  }

  /** A short (0..65535). */
  short(v: unknown, ctx: string, field: string): void {
    this.u16(checkUint(v, 0xffff, 'short', ctx, field));
  }

  /** A long (0..2^32-1). */
  long(v: unknown, ctx: string, field: string): void {
    this.u32(checkUint(v, 0xffffffff, 'long', ctx, field));
  }

  /** A longlong (0..2^64-1) from a number (exact to 2^53-1) or a bigint. */
  longlong(v: unknown, ctx: string, field: string): void {
    if (typeof v === 'bigint') {
      if (v < 0n || v > MAX_U64) throw new EncodeError(ctx, field, `longlong must be from 0 to 2^64-1, got ${v}`);
    } else checkUint(v, Number.MAX_VALUE, 'longlong', ctx, field);
    if (typeof v === 'number' && v >= 2 ** 64) {
      throw new EncodeError(ctx, field, `longlong must be from 0 to 2^64-1, got ${v}`);
    }
    this.u64(v as Long);
  }

  /** A short string: one length octet, then at most 255 bytes of UTF-8. */
  shortstr(v: unknown, ctx: string, field: string): void {
    if (typeof v !== 'string') wrongType(ctx, field, 'string', v);
    if (v.length > 255) throw new EncodeError(ctx, field, `shortstr is over 255 bytes (${v.length} characters)`);
    this.reserve(1 + v.length * 3);
    const n = writeUtf8(this.buf, this.pos + 1, v);
    if (n > 255) throw new EncodeError(ctx, field, `shortstr is ${n} bytes of UTF-8, over the limit of 255`);
    this.buf[this.pos] = n;
    this.pos += 1 + n;
  }

  /** A long string: a long byte count, then the bytes (a string is written as UTF-8). */
  longstr(v: unknown, ctx: string, field: string): void {
    if (v instanceof Uint8Array) {
      this.u32(v.length);
      this.raw(v);
      return;
    }
    if (typeof v !== 'string') wrongType(ctx, field, 'Uint8Array or string', v);
    this.reserve(4 + v.length * 3);
    const n = writeUtf8(this.buf, this.pos + 4, v);
    this.patchU32(this.pos, n);
    this.pos += 4 + n;
  }

  /** A timestamp: seconds since the epoch as a longlong (spec 4.2.5.4); sub-second precision is dropped. */
  timestamp(v: unknown, ctx: string, field: string): void {
    if (!(v instanceof Date)) wrongType(ctx, field, 'Date', v);
    if (v instanceof WireTimestamp) return this.u64(v.seconds); // beyond a Date's range, kept exact
    const ms = v.getTime();
    if (!(ms >= 0)) throw new EncodeError(ctx, field, `timestamp must be a valid Date at or after 1970, got ${String(v)}`);
    this.u64(Math.floor(ms / 1000));
  }
}
