/**
 * Shapes of the golden byte vectors and two tiny byte helpers for writing them by hand.
 *
 * Every vector is `{ name, source, hex, value }`: `hex` is the complete wire bytes (whole frames,
 * frame-end octets included), assembled by hand from the spec's frame layout (4.2.3), the field
 * list of each method in spec/amqp0-9-1.xml + spec/rabbitmq.xml, and PROTOCOL-NOTES.md. Nothing
 * here calls warren's encoder, so an encoder bug cannot hide in the expected bytes.
 *
 * `ss` and `ls` only spare counting the letters of ASCII strings: they build the length prefix
 * from the string's own length (a shortstr is one length octet, a longstr four; spec 4.2.5.3).
 */
import type { FieldTable, Long } from '../../runtime/codec/index.js';
import type { Method } from '../../generated/methods.js';
import type { BasicProperties } from '../../generated/properties.js';

/** Where the bytes of the hand-assembled vectors come from. */
export const HAND = 'hand-assembled from spec 4.2.3 (frames) and the method\'s XML field list (amqp0-9-1.xml + rabbitmq.xml overlay)';
/** Source of the content-header vectors. */
export const HAND_HEADER = 'hand-assembled from spec 4.2.6.1 (content header) and PROTOCOL-NOTES (14 basic property flags, bit 15 first)';
/** Source of the content vectors (method + header + body frames). */
export const HAND_CONTENT = 'hand-assembled from spec 4.2.6 (content: method, header, body frames of at most frame_max - 8 bytes)';

/** One method frame. */
export interface MethodVector {
  name: string;
  source: string;
  hex: Uint8Array;
  value: { channel: number; method: Method };
}

/** One content-header frame (type 2) on its own. */
export interface HeaderVector {
  name: string;
  source: string;
  hex: Uint8Array;
  value: { channel: number; classId: number; bodySize: Long; properties: BasicProperties };
}

/** A content-carrying method with its header and body frames, written with `frameMax`. */
export interface ContentVector {
  name: string;
  source: string;
  hex: Uint8Array;
  value: { channel: number; method: Method; properties: BasicProperties; body: Uint8Array; frameMax: number };
}

/** Where an error must surface: in the frame parser, or in the method or content-header decoder. */
export type ErrorStage = 'parser' | 'method' | 'header';

/** Bytes that must be rejected with a typed DecodeError. */
export interface ErrorVector {
  name: string;
  source: string;
  hex: Uint8Array;
  /** frame_max for the parser (default 4096). */
  frameMax?: number;
  error: { stage: ErrorStage; replyCode: number; fatal: boolean; offset: number; message: RegExp };
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => {
    const n = c.charCodeAt(0);
    if (n > 0x7f) throw new TypeError(`ss/ls take ASCII only, got ${JSON.stringify(c)}; write UTF-8 as hex`);
    return n;
  });
}

/** A shortstr: one length octet, then the ASCII bytes. */
export function ss(s: string): Uint8Array {
  const b = ascii(s);
  if (b.length > 255) throw new RangeError('shortstr over 255 bytes');
  return Uint8Array.of(b.length, ...b);
}

/** A longstr: a 32-bit big-endian length, then the ASCII bytes. */
export function ls(s: string): Uint8Array {
  const b = ascii(s);
  const n = b.length;
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...b);
}

/** ASCII text as bytes (for values: longstr fields decode to Uint8Array). */
export const bytes = (s: string): Uint8Array => Uint8Array.from(ascii(s));

/** An empty field table value (typed, so that vectors stay readable). */
export const noArgs = (): FieldTable => ({});
