/**
 * Ways of feeding bytes to a FrameParser (whole, byte by byte, with trailing bytes, any chunking)
 * and a frame walker independent of warren, used to check the hand-assembled vectors themselves
 * (so that a miscounted size in a vector reads as a vector bug, not as a parser bug).
 */
import { isDecodeError, type DecodeError } from '../../runtime/codec/index.js';
import { FrameParser, type Frame } from '../../runtime/frame/index.js';

/** A frame with a copied payload, comparable with toEqual. */
export interface PlainFrame {
  type: number;
  channel: number;
  payload: Uint8Array;
}

export type FeedMode = 'whole' | 'bytewise' | 'trailing';

/** A partial next frame (header cut after 6 bytes): the parser must keep it, not yield it. */
export const TRAILER = Uint8Array.of(0x01, 0x00, 0x01, 0x00, 0x00, 0x00);
/** A partial next frame whose header is complete but whose payload is not. */
export const TRAILER_PAYLOAD = Uint8Array.of(0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x0a);

export interface FeedResult {
  frames: PlainFrame[];
  error?: DecodeError;
  parser: FrameParser;
}

const plain = (f: Frame): PlainFrame => ({ type: f.type, channel: f.channel, payload: Uint8Array.from(f.payload) });

/** Pushes `chunks` one at a time, draining after each; a DecodeError ends the run and is returned. */
export function feedChunks(chunks: readonly Uint8Array[], frameMax = 4096): FeedResult {
  const parser = new FrameParser({ frameMax });
  const frames: PlainFrame[] = [];
  try {
    for (const c of chunks) {
      parser.push(c);
      let f;
      while ((f = parser.next())) frames.push(plain(f));
    }
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    return { frames, error: e, parser };
  }
  return { frames, parser };
}

/** Feeds `bytes` in one of the standard ways. `trailing` appends {@link TRAILER}. */
export function feed(bytes: Uint8Array, mode: FeedMode, frameMax = 4096): FeedResult {
  switch (mode) {
    case 'whole':
      return feedChunks([bytes], frameMax);
    case 'bytewise':
      return feedChunks(Array.from(bytes, (b) => Uint8Array.of(b)), frameMax);
    case 'trailing': {
      const withTail = new Uint8Array(bytes.length + TRAILER.length);
      withTail.set(bytes);
      withTail.set(TRAILER, bytes.length);
      return feedChunks([withTail], frameMax);
    }
  }
}

/** Splits `bytes` at the given cut points (taken modulo length + 1; duplicates allowed: empty chunks). */
export function chunk(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

/**
 * Walks `bytes` as whole frames without warren's parser: checks each declared size against what
 * follows and the frame-end octet, and returns the frames. Throws on any inconsistency.
 */
export function walkFrames(bytes: Uint8Array): PlainFrame[] {
  const out: PlainFrame[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 7 > bytes.length) throw new Error(`vector: partial frame header at ${p}`);
    const size = ((bytes[p + 3]! << 24) >>> 0) + (bytes[p + 4]! << 16) + (bytes[p + 5]! << 8) + bytes[p + 6]!;
    const end = p + 7 + size;
    if (end >= bytes.length) throw new Error(`vector: frame at ${p} declares ${size} bytes, only ${bytes.length - p - 8} follow`);
    if (bytes[end] !== 0xce) throw new Error(`vector: frame at ${p} (size ${size}) has 0x${bytes[end]!.toString(16)} where frame-end should be`);
    out.push({ type: bytes[p]!, channel: (bytes[p + 1]! << 8) | bytes[p + 2]!, payload: bytes.slice(p + 7, end) });
    p = end + 1;
  }
  return out;
}

/** Runs `f` and returns the DecodeError it throws; fails on success or on any other exception. */
export function decodeErrorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw new Error(`expected a DecodeError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a DecodeError, but decoding succeeded');
}
