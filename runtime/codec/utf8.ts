/**
 * UTF-8 helpers tuned for AMQP's many short ASCII strings (exchange names, routing keys,
 * consumer tags). An inline loop beats TextEncoder/TextDecoder for a few dozen characters
 * because it avoids the call into the engine's C++; anything non-ASCII falls back to them.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
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
  return encoder.encodeInto(s, buf.subarray(pos)).written;
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
      } else bytes += 3; // lone surrogate: encoded as U+FFFD
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Short strings repeat endlessly on the wire (consumer tags, exchange names, routing keys,
 * content types), so decoded ones are kept in a small direct-mapped cache keyed by their bytes:
 * a hit costs a hash and a compare instead of building a string. A miss (a unique message id)
 * costs one extra small copy. Entries are compared byte for byte, so a collision only misses.
 */
const INTERN_MAX = 64;
const INTERN_SLOTS = 1024;
const internBytes: (Uint8Array | undefined)[] = new Array(INTERN_SLOTS);
const internStrings: string[] = new Array(INTERN_SLOTS);

/** Decodes `buf[start, end)` as UTF-8; invalid sequences become U+FFFD (never throws). */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n < 12) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c > 0x7f) return decoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  if (n > INTERN_MAX) return decoder.decode(buf.subarray(start, end));
  // Hash the length and the last 12 bytes only (tags and keys differ at the end); the full
  // compare below decides.
  let h = n;
  for (let i = end - 12; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  const slot = (h ^ (h >>> 13)) & (INTERN_SLOTS - 1);
  const known = internBytes[slot];
  if (known !== undefined && known.length === n) {
    let i = 0;
    while (i < n && known[i] === buf[start + i]) i++;
    if (i === n) return internStrings[slot]!;
  }
  const bytes = buf.slice(start, end);
  const s = decoder.decode(bytes);
  internBytes[slot] = bytes;
  internStrings[slot] = s;
  return s;
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
