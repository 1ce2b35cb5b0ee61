/**
 * FrameParser: a streaming, sans-io AMQP frame parser.
 *
 * ```
 * const p = new FrameParser({ frameMax: 4096 });
 * p.push(chunk);                 // bytes as they arrive, any chunking
 * let f;
 * while ((f = p.next())) { ... } // whole frames, in order; undefined = need more bytes
 * p.frameMax = tuned;            // after connection.tune-ok
 * ```
 *
 * Frame layout (spec 4.2.3):
 *
 * ```
 * offset 0      1         3             7                  7+size
 *        +------+---------+-------------+-------------------+------+
 *        | type | channel |    size     |  payload (size)   |  CE  |
 *        +------+---------+-------------+-------------------+------+
 * ```
 *
 * Theory of operation. The parser holds at most one pushed chunk (`buf`, read from `pos`) and at
 * most one frame in progress:
 *
 * - *Whole frame in the chunk* (the common case): the frame is validated and its payload is a
 *   zero-copy `subarray` of the chunk.
 * - *Frame spans chunks*: the first 7 bytes are gathered in `head` (a fixed 7-byte buffer); once
 *   the header is complete its type and size are checked against `frameMax`, then the payload
 *   and frame-end are gathered in a reused scratch buffer that grows with the bytes that arrive
 *   (never past `size + 1`): a header announcing a huge frame costs nothing until its bytes come.
 *
 * Pushing while unread bytes remain in the current chunk (not draining `next()` first) joins the
 * remainder and the new chunk in a copy; correct, but drain after each push to stay zero-copy.
 * Pushed chunks are never written to, so yielded payloads stay valid.
 *
 * Errors (spec 4.2.3 and PROTOCOL-NOTES.md), all {@link DecodeError}s whose `offset` counts bytes
 * since the parser was created:
 * - bad frame-end octet or unknown frame type: 501 frame-error, `fatal` (the stream can no longer
 *   be framed: close the socket without sending anything more);
 * - frame larger than frameMax, heartbeat with a payload: 501, not fatal (framing is intact, a
 *   connection.close may still be sent);
 * - heartbeat on a channel other than 0: 503 command-invalid, not fatal.
 * An error is sticky: every later `push`/`next` rethrows it.
 */
import { DecodeError } from '../codec/errors.js';
import { FRAME_END, FRAME_MIN_SIZE, FRAME_OVERHEAD, FRAME_SIZE_CEILING, type Frame } from './constants.js';

/** Options of {@link FrameParser}. */
export interface FrameParserOptions {
  /**
   * Largest frame accepted, in bytes including the 8 bytes of overhead (the negotiated frame_max).
   * Defaults to 4096, the frame-min-size every peer must accept before tuning. 0 means no limit
   * (bounded by FRAME_SIZE_CEILING).
   */
  frameMax?: number;
  /**
   * Hand out body frames (type 3) that span chunks piece by piece, as views of the chunks
   * (`frameOffset`, `frameSize`, `frameComplete` tell where each piece belongs), instead of
   * gathering each into a buffer first: the receiver copies each byte once, straight into the
   * message body. Only {@link FrameParser.advance} supports it; next() is for whole frames.
   */
  streamBodies?: boolean;
}

const EMPTY = new Uint8Array(0);
/** The largest scratch buffer kept from frame to frame: 1 MiB, eight 128 KiB frames. */
const SCRATCH_KEPT = 1024 * 1024;

/** A streaming AMQP frame parser: `push(chunk)`, then `next()` until it returns undefined. */
export class FrameParser {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Stream offset of `buf[0]`. */
  private base = 0;
  private limit = FRAME_MIN_SIZE;
  private max = FRAME_MIN_SIZE;
  /** Header bytes of a frame that spans chunks (valid while headLen > 0). */
  private readonly head = new Uint8Array(7);
  private headLen = 0;
  /** Payload + frame-end of a spanning frame whose header is complete, and how much is filled. */
  private body: Uint8Array | null = null;
  private bodyLen = 0;
  /** Bytes of `body` the spanning frame needs (payload + frame-end). */
  private bodyNeed = 0;
  /**
   * The buffer spanning frames are gathered in, reused from frame to frame: a 64 MiB message in
   * 128 KiB frames over 64 KiB reads would otherwise leave 512 frame-sized buffers of garbage.
   */
  private scratch: Uint8Array | null = null;
  private type = 0;
  private channel = 0;
  /** Stream offset of the spanning frame's first byte. */
  private start = 0;
  private error: DecodeError | null = null;
  /** See {@link FrameParserOptions.streamBodies}. */
  private readonly streamBodies: boolean;
  /** A body frame being streamed: payload bytes still to come (-1 = none in progress). */
  private streamLeft = -1;
  private streamSize = 0;

  /** Creates a parser; `options.frameMax` defaults to 4096 (frame-min-size) until tune. */
  constructor(options: FrameParserOptions = {}) {
    if (options.frameMax !== undefined) this.frameMax = options.frameMax;
    this.streamBodies = options.streamBodies ?? false;
  }

  /** Largest frame accepted (frame_max, 0 = no limit); set it after connection.tune. */
  get frameMax(): number {
    return this.max;
  }

  set frameMax(n: number) {
    if (!(Number.isInteger(n) && (n === 0 || (n > FRAME_OVERHEAD && n <= 0xffffffff)))) {
      throw new RangeError(`frameMax must be 0 or an integer from 9 to 2^32-1, got ${String(n)}`);
    }
    this.max = n;
    this.limit = n === 0 ? FRAME_SIZE_CEILING : n;
  }

  /** Bytes received but not yet returned as frames (a partial frame, or unread frames). */
  get buffered(): number {
    return this.buf.length - this.pos + (this.body !== null ? 7 + this.bodyLen : this.headLen);
  }

  /** The sticky error, once parsing has failed. */
  get failed(): DecodeError | null {
    return this.error;
  }

  /** Adds received bytes. Does not parse; call {@link next} until it returns undefined. */
  push(chunk: Uint8Array): void {
    if (this.error) throw this.error;
    if (chunk.length === 0) return;
    const left = this.buf.length - this.pos;
    if (left === 0) {
      this.base += this.buf.length;
      // A Node Buffer's subarray() builds another Buffer, several times dearer than a plain
      // Uint8Array's; one plain view per chunk makes every payload view cheap.
      this.buf = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.pos = 0;
      return;
    }
    const joined = new Uint8Array(left + chunk.length);
    joined.set(this.buf.subarray(this.pos));
    joined.set(chunk, left);
    this.base += this.pos;
    this.buf = joined;
    this.pos = 0;
  }

  /** Type of the frame found by the last successful {@link advance}. */
  frameType = 0;
  /** Channel of that frame. */
  frameChannel = 0;
  /** That frame's payload is `frameBuf[frameStart, frameEnd)` (valid as long as you keep it). */
  frameBuf: Uint8Array = EMPTY;
  frameStart = 0;
  frameEnd = 0;
  /**
   * True when the payload lies in the parser's reused scratch buffer (the frame spanned chunks):
   * it is valid only until the next advance(), so copy what you keep. next() copies for you.
   */
  frameShared = false;
  /**
   * With `streamBodies`: where this piece starts in its frame's payload, the payload's whole size,
   * and whether the frame is complete (last piece, frame-end checked). Whole frames have offset
   * 0, size = their payload length and complete = true.
   */
  frameOffset = 0;
  frameSize = 0;
  frameComplete = true;

  /** The next whole frame, or undefined when more bytes are needed. Throws a DecodeError on bad input. */
  next(): Frame | undefined {
    if (this.streamBodies) throw new TypeError('next() yields whole frames: use advance() with streamBodies');
    if (!this.advance()) return undefined;
    const payload = this.frameShared ? this.frameBuf.slice(this.frameStart, this.frameEnd) : this.frameBuf.subarray(this.frameStart, this.frameEnd);
    return { type: this.frameType, channel: this.frameChannel, payload };
  }

  /**
   * Finds the next whole frame without allocating anything for it: on true, the `frame*` fields
   * describe it (the connection core decodes methods and headers straight from `frameBuf`); on
   * false more bytes are needed. Throws a DecodeError on bad input, as next() does.
   */
  advance(): boolean {
    if (this.error) throw this.error;
    try {
      if (this.streamLeft >= 0) return this.stream();
      return this.body !== null || this.headLen > 0 ? this.resume() : this.fast();
    } catch (e) {
      this.error = e as DecodeError;
      throw e;
    }
  }

  private found(type: number, channel: number, buf: Uint8Array, start: number, end: number, shared = false): true {
    this.frameShared = shared;
    this.frameOffset = 0;
    this.frameSize = end - start;
    this.frameComplete = true;
    this.frameType = type;
    this.frameChannel = channel;
    this.frameBuf = buf;
    this.frameStart = start;
    this.frameEnd = end;
    return true;
  }

  /** Parses a frame that starts in the current chunk. */
  private fast(): boolean {
    const b = this.buf;
    const p = this.pos;
    const avail = b.length - p;
    if (avail < 7) {
      if (avail > 0) {
        this.head.set(b.subarray(p));
        this.headLen = avail;
        this.start = this.base + p;
        this.pos = b.length;
      }
      return false;
    }
    const type = b[p]!;
    const channel = (b[p + 1]! << 8) | b[p + 2]!;
    const size = ((b[p + 3]! << 24) | (b[p + 4]! << 16) | (b[p + 5]! << 8) | b[p + 6]!) >>> 0;
    this.check(type, channel, size, this.base + p);
    const end = p + 7 + size;
    if (end < b.length) {
      const fe = b[end]!;
      if (fe !== FRAME_END) throw badEnd(fe, this.base + end);
      this.pos = end + 1;
      return this.found(type, channel, b, p + 7, end);
    }
    // The frame spans chunks: keep what is here, wait for the rest.
    if (type === 3 && this.streamBodies) return this.beginStream(channel, size, this.base + p, p + 7);
    this.begin(type, channel, size, this.base + p);
    const have = b.length - p - 7;
    this.ensure(have).set(b.subarray(p + 7));
    this.bodyLen = have;
    this.pos = b.length;
    return false;
  }

  /** Continues a frame that started in an earlier chunk. */
  private resume(): boolean {
    const b = this.buf;
    if (this.body === null) {
      const n = Math.min(7 - this.headLen, b.length - this.pos);
      this.head.set(b.subarray(this.pos, this.pos + n), this.headLen);
      this.headLen += n;
      this.pos += n;
      if (this.headLen < 7) return false;
      const h = this.head;
      const size = ((h[3]! << 24) | (h[4]! << 16) | (h[5]! << 8) | h[6]!) >>> 0;
      const channel = (h[1]! << 8) | h[2]!;
      this.check(h[0]!, channel, size, this.start);
      this.headLen = 0;
      if (h[0] === 3 && this.streamBodies) return this.beginStream(channel, size, this.start, this.pos);
      this.begin(h[0]!, channel, size, this.start);
    }
    const need = this.bodyNeed;
    const n = Math.min(need - this.bodyLen, b.length - this.pos);
    const body = this.ensure(this.bodyLen + n);
    body.set(b.subarray(this.pos, this.pos + n), this.bodyLen);
    this.bodyLen += n;
    this.pos += n;
    if (this.bodyLen < need) return false;
    const fe = body[need - 1]!;
    if (fe !== FRAME_END) throw badEnd(fe, this.start + 7 + need - 1);
    this.body = null;
    this.bodyLen = 0;
    // Kept for the next spanning frame unless a rare huge one (frame_max 0) grew it: then it goes.
    if (body.length > SCRATCH_KEPT) this.scratch = null;
    return this.found(this.type, this.channel, body, 0, need - 1, true);
  }

  /**
   * A body frame that does not fit in the current chunk, with `streamBodies`: hand out the part
   * of its payload that is here (from `from`) as a piece, without copying or buffering it.
   */
  private beginStream(channel: number, size: number, start: number, from: number): boolean {
    this.type = 3;
    this.channel = channel;
    this.start = start;
    this.streamSize = size;
    this.streamLeft = size;
    this.pos = from;
    return this.stream();
  }

  /** The next piece of a streamed body frame: payload bytes of this chunk, or the frame-end. */
  private stream(): boolean {
    const b = this.buf;
    const left = this.streamLeft;
    const avail = b.length - this.pos;
    if (left > 0) {
      if (avail === 0) return false;
      const n = Math.min(left, avail);
      const from = this.pos;
      const to = from + n;
      this.pos = to;
      this.streamLeft = left - n;
      const complete = this.streamLeft === 0 && to < b.length && this.endFrame();
      return this.piece(from, to, complete);
    }
    if (avail === 0) return false; // the frame-end octet is still to come
    return this.piece(this.pos, this.pos, this.endFrame());
  }

  /** Checks the frame-end octet of a streamed body frame and leaves streaming. */
  private endFrame(): true {
    const fe = this.buf[this.pos]!;
    if (fe !== FRAME_END) throw badEnd(fe, this.base + this.pos);
    this.pos++;
    this.streamLeft = -1;
    return true;
  }

  private piece(from: number, to: number, complete: boolean): true {
    this.frameShared = false;
    this.frameType = 3;
    this.frameChannel = this.channel;
    this.frameBuf = this.buf;
    this.frameStart = from;
    this.frameEnd = to;
    this.frameSize = this.streamSize;
    this.frameOffset = this.streamSize - (complete ? 0 : this.streamLeft) - (to - from);
    this.frameComplete = complete;
    return true;
  }

  private begin(type: number, channel: number, size: number, start: number): void {
    this.type = type;
    this.channel = channel;
    this.start = start;
    // payload + frame-end; size was already checked against frameMax. Memory comes in ensure().
    this.scratch ??= new Uint8Array(4096);
    this.body = this.scratch;
    this.bodyNeed = size + 1;
    this.bodyLen = 0;
  }

  /**
   * The spanning frame's buffer, with room for `n` bytes: grown (doubling, at most the frame's
   * size + 1) as bytes arrive, keeping what it holds. The grown buffer is kept for later frames.
   */
  private ensure(n: number): Uint8Array {
    const body = this.body!;
    if (body.length >= n) return body;
    const grown = new Uint8Array(Math.min(this.bodyNeed, Math.max(n, 2 * body.length)));
    grown.set(body.subarray(0, this.bodyLen));
    this.body = this.scratch = grown;
    return grown;
  }

  /** Validates a frame header before anything is allocated for it. */
  private check(type: number, channel: number, size: number, at: number): void {
    if (type === 1 || type === 2 || type === 3) {
      if (size + FRAME_OVERHEAD > this.limit) {
        throw new DecodeError(`frame of ${size + FRAME_OVERHEAD} bytes at offset ${at} is over frame_max ${this.limit}`, at, 501);
      }
      return;
    }
    if (type === 8) {
      if (size !== 0) throw new DecodeError(`heartbeat frame at offset ${at} has a ${size}-byte payload, expected 0`, at, 501);
      if (channel !== 0) throw new DecodeError(`heartbeat frame at offset ${at} is on channel ${channel}, expected 0`, at, 503);
      return;
    }
    throw new DecodeError(`unknown frame type ${type} at offset ${at}, expected 1, 2, 3 or 8`, at, 501, true);
  }
}

function badEnd(octet: number, at: number): DecodeError {
  const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  return new DecodeError(`frame end ${hex(octet)} at offset ${at}, expected ${hex(FRAME_END)}`, at, 501, true);
}
