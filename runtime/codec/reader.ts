/**
 * Reader: reads AMQP primitive values from a window `[pos, end)` of a byte array, without
 * copying. Every read checks the window first and throws a {@link DecodeError} (reply code
 * 502 syntax-error by default: the bytes of a method or header do not fit its definition)
 * carrying the offset, so malformed input never surfaces as a RangeError or TypeError.
 *
 * longlong values come back as a `number` when they are at most 2^53 - 1 (exact, and what
 * every real delivery tag and body size is) and as a `bigint` above that, so nothing loses
 * precision and the common case costs no BigInt allocation.
 */
import { DecodeError } from './errors.js';
import { MAX_DATE_SECONDS, WireTimestamp } from './timestamp.js';
import { readUtf8 } from './utf8.js';
import type { Long } from './long.js';

const TWO_32 = 4294967296;
/** hi word limit for an exact number: 2^53 - 1 = (2^21 - 1) * 2^32 + (2^32 - 1) */
const MAX_SAFE_HI = 0x1fffff;

/** Reads AMQP values from a window of bytes; see the file comment. */
export class Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  private dv: DataView | undefined;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** Points this reader at another window, so one Reader can serve every frame of a stream. */
  reset(buf: Uint8Array, pos = 0, end = buf.length): this {
    // Identity, not `.buffer`: reading `.buffer` can make V8 materialise an ArrayBuffer.
    if (buf !== this.buf) this.dv = undefined;
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  /**
   * A DataView over `buf` (offsets as in `buf`), created on first use: most frames (a deliver,
   * an ack) need none, and creating one per frame was a measurable share of decoding.
   */
  get view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Bytes left in the window. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are in the window. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new DecodeError(`${what} needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`, this.pos);
    }
  }

  /** An octet. */
  octet(): number {
    if (this.pos >= this.end) this.need(1, 'octet');
    return this.buf[this.pos++]!;
  }

  /** A big-endian unsigned short. */
  short(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.need(2, 'short');
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  /** A big-endian unsigned long. */
  long(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.need(4, 'long');
    const b = this.buf;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** An unsigned 64-bit integer: number when exact, else bigint. */
  longlong(): Long {
    const p = this.pos;
    if (p + 8 > this.end) this.need(8, 'longlong');
    this.pos = p + 8;
    const b = this.buf;
    const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    if (hi <= MAX_SAFE_HI) return hi * TWO_32 + (((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0);
    return this.view.getBigUint64(p);
  }

  /** A signed 64-bit integer (table tags `l` and `L`): number when exact, else bigint. */
  int64(): Long {
    const p = this.pos;
    if (p + 8 > this.end) this.need(8, 'int64');
    this.pos = p + 8;
    const b = this.buf;
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    if (hi <= MAX_SAFE_HI && hi >= -MAX_SAFE_HI - 1) {
      const v = hi * TWO_32 + (((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0);
      if (Number.isSafeInteger(v)) return v;
    }
    return this.view.getBigInt64(p);
  }

  /** A short string (octet length + UTF-8). */
  shortstr(): string {
    const p = this.pos;
    if (p >= this.end) this.need(1, 'shortstr length');
    const n = this.buf[p]!;
    if (p + 1 + n > this.end) this.need(1 + n, 'shortstr');
    this.pos = p + 1 + n;
    return readUtf8(this.buf, p + 1, p + 1 + n);
  }

  /** A long string's bytes (a view into the input, not a copy). */
  longstr(): Uint8Array {
    const n = this.long();
    if (this.pos + n > this.end) this.need(n, 'longstr');
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** A timestamp (seconds since the epoch, spec 4.2.5.4) as a Date. */
  timestamp(): Date {
    const s = this.longlong();
    return typeof s === 'number' && s <= MAX_DATE_SECONDS ? new Date(s * 1000) : new WireTimestamp(s);
  }

  /** `n` raw bytes as a view into the input. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) this.need(n, 'bytes');
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }
}
