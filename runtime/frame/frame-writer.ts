/**
 * Frame writer: method, content (method + header + body) and heartbeat frames into one
 * {@link Writer}, so that a whole publish is one buffer and one socket write.
 *
 * Sizes are back-patched: the 7-byte header is written with a zero size, the payload encoded in
 * place, then the size filled in. Every function validates before anything can reach a socket
 * and, on any error, rewinds `w.pos` to where it started, so the writer holds only whole frames.
 * Nothing is allocated apart from the writer's own growth.
 *
 * ```
 * method:  01 · channel · size · class-id · method-id · arguments                       · CE
 * header:  02 · channel · size · class-id · weight 0 · body-size (longlong) · properties · CE
 * body:    03 · channel · size · at most frame_max - 8 bytes of the body                 · CE
 * beat:    08 · 0000    · 00000000                                                       · CE
 * ```
 */
import { EncodeError } from '../codec/errors.js';
import type { AnyMethod, MethodDef, PropertiesDef } from '../codec/registry.js';
import type { Long } from '../codec/long.js';
import type { Writer } from '../codec/writer.js';
import { FRAME_END, FRAME_OVERHEAD, FRAME_SIZE_CEILING } from './constants.js';

function checkChannel(channel: number, ctx: string): void {
  if (!((channel & 0xffff) === channel)) {
    throw new EncodeError(ctx, 'channel', `channel must be an integer from 0 to 65535, got ${String(channel)}`);
  }
}

/** The largest frame allowed by `frameMax` (0 = no limit, bounded by {@link FRAME_SIZE_CEILING}). */
function limitOf(frameMax: number, ctx: string): number {
  if (frameMax === 0) return FRAME_SIZE_CEILING;
  if (!(Number.isInteger(frameMax) && frameMax > FRAME_OVERHEAD && frameMax <= 0xffffffff)) {
    throw new EncodeError(ctx, 'frameMax', `frame_max must be 0 or an integer from 9 to 2^32-1, got ${String(frameMax)}`);
  }
  return frameMax;
}

/** Writes `type · channel · size(0)` and returns where the payload starts. */
function open(w: Writer, type: number, channel: number): number {
  w.reserve(7);
  const b = w.buf;
  const p = w.pos;
  b[p] = type;
  b[p + 1] = channel >>> 8;
  b[p + 2] = channel;
  b[p + 3] = 0;
  b[p + 4] = 0;
  b[p + 5] = 0;
  b[p + 6] = 0;
  w.pos = p + 7;
  return p + 7;
}

/** Back-patches the size of the frame whose payload started at `payloadAt`, checks it, ends it. */
function close(w: Writer, payloadAt: number, limit: number, ctx: string, what: string): void {
  const size = w.pos - payloadAt;
  if (size + FRAME_OVERHEAD > limit) {
    throw new EncodeError(ctx, '(frame)', `${what} frame is ${size + FRAME_OVERHEAD} bytes, over frame_max ${limit}`);
  }
  w.patchU32(payloadAt - 4, size);
  w.u8(FRAME_END);
}

function method(w: Writer, channel: number, def: MethodDef, m: AnyMethod, limit: number): void {
  const at = open(w, 1, channel);
  w.reserve(4);
  const b = w.buf;
  b[at] = def.classId >>> 8;
  b[at + 1] = def.classId;
  b[at + 2] = def.methodId >>> 8;
  b[at + 3] = def.methodId;
  w.pos = at + 4;
  def.encode(w, m);
  close(w, at, limit, def.kind, 'method');
}

function header<P>(w: Writer, channel: number, propsDef: PropertiesDef<P>, props: P, bodySize: Long, limit: number, ctx: string): void {
  const at = open(w, 2, channel);
  w.reserve(4);
  const b = w.buf;
  b[at] = propsDef.classId >>> 8;
  b[at + 1] = propsDef.classId;
  b[at + 2] = 0; // weight: unused, must be zero (spec 4.2.6.1)
  b[at + 3] = 0;
  w.pos = at + 4;
  w.longlong(bodySize, ctx, 'bodySize');
  propsDef.encode(w, props);
  close(w, at, limit, ctx, 'content header');
}

/**
 * Appends one method frame (type 1) carrying `m`. `frameMax` (default 0, no limit) is the
 * negotiated frame_max: a method frame larger than it is an {@link EncodeError}, since methods
 * cannot be split. On error `w.pos` is restored and the error rethrown.
 */
export function writeMethodFrame<M extends AnyMethod>(w: Writer, channel: number, def: MethodDef<M>, m: M, frameMax = 0): void {
  const start = w.pos;
  try {
    checkChannel(channel, def.kind);
    method(w, channel, def as unknown as MethodDef, m, limitOf(frameMax, def.kind));
  } catch (e) {
    w.pos = start;
    throw e;
  }
}

/**
 * Appends a content-carrying method (e.g. basic.publish) with its content header and body
 * frames: the body is split into frames of at most `frameMax - 8` bytes, and an empty body has
 * no body frame (spec 4.2.6.2). `frameMax` is the negotiated frame_max (0 = no limit). The
 * method and the header must each fit in one frame. On error `w.pos` is restored.
 */
export function writeContentFrames<M extends AnyMethod, P>(
  w: Writer,
  channel: number,
  def: MethodDef<M>,
  m: M,
  propsDef: PropertiesDef<P>,
  props: P,
  body: Uint8Array,
  frameMax: number,
): void {
  const start = w.pos;
  const ctx = def.kind;
  try {
    checkChannel(channel, ctx);
    const limit = limitOf(frameMax, ctx);
    if (!def.content) throw new EncodeError(ctx, '(content)', `${ctx} does not carry content`);
    if (propsDef.classId !== def.classId) {
      throw new EncodeError(ctx, '(content)', `properties of class ${propsDef.classId} cannot go with a method of class ${def.classId}`);
    }
    if (!(body instanceof Uint8Array)) throw new EncodeError(ctx, 'body', `body must be a Uint8Array, got ${typeof body}`);
    method(w, channel, def as unknown as MethodDef, m, limit);
    header(w, channel, propsDef, props, body.length, limit, ctx);

    const chunk = limit - FRAME_OVERHEAD;
    const n = body.length;
    for (let off = 0; off < n; off += chunk) {
      const len = Math.min(chunk, n - off);
      w.reserve(len + FRAME_OVERHEAD);
      const p = open(w, 3, channel);
      w.patchU32(p - 4, len);
      w.buf.set(len === n ? body : body.subarray(off, off + len), p);
      w.buf[p + len] = FRAME_END;
      w.pos = p + len + 1;
    }
  } catch (e) {
    w.pos = start;
    throw e;
  }
}

/**
 * Appends only a content-header frame (type 2) for a body of `bodySize` bytes, for callers that
 * write the method frame and send the body frames themselves (e.g. without copying a large
 * body). `frameMax` as for {@link writeMethodFrame}. On error `w.pos` is restored.
 */
export function writeHeaderFrame<P>(w: Writer, channel: number, propsDef: PropertiesDef<P>, props: P, bodySize: Long, frameMax = 0): void {
  const start = w.pos;
  const ctx = `content header (class ${propsDef.classId})`;
  try {
    checkChannel(channel, ctx);
    header(w, channel, propsDef, props, bodySize, limitOf(frameMax, ctx), ctx);
  } catch (e) {
    w.pos = start;
    throw e;
  }
}

/** Appends a heartbeat frame (type 8, channel 0, empty payload). */
export function writeHeartbeat(w: Writer): void {
  w.reserve(FRAME_OVERHEAD);
  const b = w.buf;
  const p = w.pos;
  b[p] = 8;
  b[p + 1] = 0;
  b[p + 2] = 0;
  b[p + 3] = 0;
  b[p + 4] = 0;
  b[p + 5] = 0;
  b[p + 6] = 0;
  b[p + 7] = FRAME_END;
  w.pos = p + FRAME_OVERHEAD;
}
