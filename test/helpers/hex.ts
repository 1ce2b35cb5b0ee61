/**
 * `hex` template tag for byte vectors in tests: hex digits with any whitespace, and `#` comments
 * to the end of the line. Interpolated values: a number is one octet, a Uint8Array is spliced in,
 * a string is hex text.
 *
 * ```
 * hex`01 0001 00000004   # method frame, channel 1, size 4
 *      000a 000b ce`
 * ```
 */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < strings.length; i++) {
    parts.push(parseHex(strings.raw[i]!));
    if (i < values.length) {
      const v = values[i];
      if (typeof v === 'number') parts.push(Uint8Array.of(v));
      else if (v instanceof Uint8Array) parts.push(v);
      else if (typeof v === 'string') parts.push(parseHex(v));
      else throw new TypeError(`hex: cannot interpolate ${typeof v}`);
    }
  }
  return concat(parts);
}

/** Parses hex text (whitespace and `#` comments allowed). */
export function parseHex(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new TypeError(`hex: not hex: ${JSON.stringify(digits.slice(0, 40))}`);
  if (digits.length % 2 !== 0) throw new TypeError(`hex: odd number of digits (${digits.length})`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes as lowercase hex with no separators (for readable assertion diffs). */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Joins byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
