/**
 * UTF-8 helpers tuned for AMQP's many short ASCII strings (exchange names, routing keys,
 * consumer tags). An inline loop beats TextEncoder/TextDecoder for a few dozen characters
 * because it avoids the call into the engine's C++; anything non-ASCII falls back to them.
 *
 * Lossless short strings. RabbitMQ treats short strings as binaries, so a routing key, consumer
 * tag or message-id may hold bytes that are not UTF-8. Such bytes are decoded the way Python's
 * `surrogateescape` (PEP 383) does it: each byte 0x80-0xFF that is not part of a valid UTF-8
 * sequence becomes the lone surrogate U+DC80-U+DCFF, and the encoder turns each lone U+DC80-U+DCFF
 * back into its byte. So a short string is always a `string`, valid text is untouched, and
 * decode → encode gives the same bytes for any input. Valid UTF-8 never decodes to a lone
 * surrogate, so nothing else changes meaning; a string with lone surrogates outside that range
 * (which no decoder produces) is still written with U+FFFD, as TextEncoder does.
 * {@link hasRawBytes} tells such a string apart, {@link textBytes} gives its bytes.
 */

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Below this length the ASCII loops are faster than the TextEncoder/TextDecoder calls. */
const SHORT = 48;

/**
 * Writes `s` as UTF-8 at `buf[pos]`; the caller has reserved `s.length * 3` bytes.
 * Returns the number of bytes written.
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  if (n < SHORT) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[pos + i] = c;
    }
    if (i === n) return n;
  }
  if (!isWellFormed(s)) return writeEscaped(buf, pos, s);
  return encoder.encodeInto(s, buf.subarray(pos)).written;
}

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** writeUtf8 for a string with lone surrogates: U+DC80-U+DCFF become the bytes 0x80-0xFF. */
function writeEscaped(buf: Uint8Array, pos: number, s: string): number {
  let p = pos;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[p] = 0xf0 | (c >> 18);
        buf[p + 1] = 0x80 | ((c >> 12) & 0x3f);
        buf[p + 2] = 0x80 | ((c >> 6) & 0x3f);
        buf[p + 3] = 0x80 | (c & 0x3f);
        p += 4;
        continue;
      }
      if (c >= 0xdc80 && c <= 0xdcff) {
        buf[p++] = c - 0xdc00; // an escaped raw byte
        continue;
      }
      c = 0xfffd; // any other lone surrogate, as TextEncoder writes it
    }
    if (c < 0x800) {
      buf[p] = 0xc0 | (c >> 6);
      buf[p + 1] = 0x80 | (c & 0x3f);
      p += 2;
    } else {
      buf[p] = 0xe0 | (c >> 12);
      buf[p + 1] = 0x80 | ((c >> 6) & 0x3f);
      buf[p + 2] = 0x80 | (c & 0x3f);
      p += 3;
    }
  }
  return p - pos;
}

/** The UTF-8 byte length of `s`, without encoding it when it is ASCII-short. */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3; // lone high surrogate: encoded as U+FFFD
    } else if (c >= 0xdc80 && c <= 0xdcff) bytes += 1; // an escaped raw byte (see the file comment)
    else bytes += 3;
  }
  return bytes;
}

/**
 * Short strings repeat endlessly on the wire (consumer tags, exchange names, routing keys,
 * content types), so decoded ones are kept in a small direct-mapped cache keyed by their bytes:
 * a hit costs a compare instead of building a string. Two ways in: the last string decoded of
 * each length (a delivery's consumer tag, exchange and routing key repeat run after run, and
 * rarely share a length), then a slot chosen by a hash of the length and the last 12 bytes (tags
 * and keys differ at the end). Entries are compared byte for byte, from the end, so a collision
 * only misses. A miss (a unique message id) costs the hash and a copy into the cache's arena.
 */
const INTERN_MAX = 64;
const INTERN_SLOTS = 1024;
/** Slot i's bytes are internArena[i * INTERN_MAX, + internLength[i]). */
const internArena = new Uint8Array(INTERN_SLOTS * INTERN_MAX);
const internLength = new Int32Array(INTERN_SLOTS).fill(-1);
const internStrings: string[] = new Array<string>(INTERN_SLOTS).fill('');
/** The slot of the last string decoded of each length (-1: none yet). */
const lastOfLength = new Int32Array(INTERN_MAX + 1).fill(-1);

/** Whether slot `slot` holds exactly `buf[start, end)` (its length already known to match). */
function holds(slot: number, buf: Uint8Array, start: number, end: number): boolean {
  const base = slot * INTERN_MAX - start;
  for (let i = end - 1; i >= start; i--) if (internArena[base + i] !== buf[i]) return false;
  return true;
}

/**
 * Decodes `buf[start, end)` as UTF-8; bytes that are not valid UTF-8 become lone surrogates
 * U+DC80-U+DCFF (see the file comment), so {@link writeUtf8} gives the same bytes back. Never throws.
 */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n > INTERN_MAX) return decodeLossless(buf.subarray(start, end));
  let slot = lastOfLength[n]!;
  if (slot >= 0 && internLength[slot] === n && holds(slot, buf, start, end)) return internStrings[slot]!;
  let h = n;
  for (let i = n > 12 ? end - 12 : start; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  slot = (h ^ (h >>> 13)) & (INTERN_SLOTS - 1);
  lastOfLength[n] = slot;
  if (internLength[slot] === n && holds(slot, buf, start, end)) return internStrings[slot]!;
  const s = decodeShort(buf, start, end);
  internArena.set(buf.subarray(start, end), slot * INTERN_MAX);
  internLength[slot] = n;
  internStrings[slot] = s;
  return s;
}

/** A string of at most INTERN_MAX bytes: ASCII by char codes, anything else by the lossless decoder. */
function decodeShort(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c > 0x7f) return decodeLossless(buf.subarray(start, end));
    s += String.fromCharCode(c);
  }
  return s;
}

function decodeLossless(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return decodeEscaped(bytes);
  }
}

/** Byte `i` of `b` if it is a continuation byte within `lo..hi`, else -1. */
function cont(b: Uint8Array, i: number, lo = 0x80, hi = 0xbf): number {
  const c = i < b.length ? b[i]! : -1;
  return c >= lo && c <= hi ? c & 0x3f : -1;
}

/**
 * Decodes bytes that are not all valid UTF-8: each well-formed sequence (Unicode table 3-7)
 * becomes its character, each other byte the lone surrogate U+DC00 + byte.
 */
function decodeEscaped(b: Uint8Array): string {
  const units: number[] = [];
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf) {
      const x = cont(b, i + 1);
      if (x >= 0) [cp, len] = [((c & 0x1f) << 6) | x, 2];
    } else if (c >= 0xe0 && c <= 0xef) {
      const x = cont(b, i + 1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf);
      const y = x >= 0 ? cont(b, i + 2) : -1;
      if (y >= 0) [cp, len] = [((c & 0x0f) << 12) | (x << 6) | y, 3];
    } else if (c >= 0xf0 && c <= 0xf4) {
      const x = cont(b, i + 1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf);
      const y = x >= 0 ? cont(b, i + 2) : -1;
      const z = y >= 0 ? cont(b, i + 3) : -1;
      if (z >= 0) [cp, len] = [((c & 0x07) << 18) | (x << 12) | (y << 6) | z, 4];
    }
    if (cp < 0) units.push(0xdc00 + c);
    else if (cp < 0x10000) units.push(cp);
    else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    i += len;
  }
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}

/**
 * True when `s` carries raw bytes that are not UTF-8 (lone surrogates U+DC80-U+DCFF, as a short
 * string decoded from such bytes does): it is a binary value rather than text.
 */
export function hasRawBytes(s: string): boolean {
  if (isWellFormed(s)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) return true;
  }
  return false;
}

/** The bytes `s` is written as: UTF-8, with escaped raw bytes (U+DC80-U+DCFF) written as themselves. */
export function textBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  return out.slice(0, writeUtf8(out, 0, s));
}

/** Any bytes as the string that {@link textBytes} (and every string encoder) turns back into them. */
export function textFromBytes(bytes: Uint8Array): string {
  return readUtf8(bytes, 0, bytes.length);
}

/** Decodes `bytes` as UTF-8, or returns undefined when they are not valid UTF-8. */
export function tryReadUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length < 48) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c > 0x7f) return strict(bytes);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return strict(bytes);
}

function strict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Encodes a string as UTF-8 bytes. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
