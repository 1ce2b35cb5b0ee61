/**
 * Byte-level arbitraries: field tables, arrays and short strings as *wire bytes*, any valid byte
 * sequence rather than the bytes warren would choose to write. Keys include integer-like ones
 * ("7", "0", "4294967294") and bytes that are not UTF-8; values use every tag warren decodes.
 * Excluded, as documented in runtime/codec/field-table.ts: duplicate keys, boolean octets other
 * than 0 and 1, and NaN or infinite floats and doubles (a NaN payload is not kept; warren refuses
 * to send either, as RabbitMQ cannot parse them).
 */
import fc from 'fast-check';

const u8 = (...b: number[]): Uint8Array => Uint8Array.from(b);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function long(n: number): Uint8Array {
  return u8(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

/** Short-string bytes: mostly text-like, often with bytes that are not UTF-8, sometimes 255 long. */
export const shortstrBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }).map((s) => new TextEncoder().encode(s)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 60, maxLength: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(u8(0xff), u8(0xed, 0xb3, 0xbf), u8(0xc3), new Uint8Array(255).fill(0xfe)) },
);

/** A key's bytes: integer-like, text, or not UTF-8. */
const keyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom('0', '1', '7', '10', '01', '4294967294', '4294967295', 'x-death', '__proto__', 'constructor').map((s) => new TextEncoder().encode(s)),
  fc.nat({ max: 5000 }).map((n) => new TextEncoder().encode(String(n))),
  shortstrBytes.filter((b) => b.length < 40),
);

// Finite only: NaN payloads are not kept, and NaN or ±Infinity are refused on the way out.
const notNaN32 = bytes(4).filter((b) => Number.isFinite(new DataView(b.buffer).getFloat32(0)));
const notNaN64 = bytes(8).filter((b) => Number.isFinite(new DataView(b.buffer).getFloat64(0)));

const leaf: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(0, 1).map((v) => u8(0x74, v)),
  bytes(1).map((b) => concat([u8(0x62), b])),
  bytes(1).map((b) => concat([u8(0x42), b])),
  bytes(2).map((b) => concat([u8(0x73), b])),
  bytes(2).map((b) => concat([u8(0x75), b])),
  bytes(4).map((b) => concat([u8(0x49), b])),
  bytes(4).map((b) => concat([u8(0x69), b])),
  bytes(8).map((b) => concat([u8(0x6c), b])),
  bytes(8).map((b) => concat([u8(0x4c), b])),
  notNaN32.map((b) => concat([u8(0x66), b])),
  notNaN64.map((b) => concat([u8(0x64), b])),
  bytes(5).map((b) => concat([u8(0x44), b])),
  fc.uint8Array({ maxLength: 12 }).map((b) => concat([u8(0x53), long(b.length), b])),
  fc.string({ maxLength: 12 }).map((s) => new TextEncoder().encode(s)).map((b) => concat([u8(0x53), long(b.length), b])),
  fc.uint8Array({ maxLength: 12 }).map((b) => concat([u8(0x78), long(b.length), b])),
  bytes(8).map((b) => concat([u8(0x54), b])),
  fc.constant(u8(0x56)),
);

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A field table's bytes (with its length), and a field array's. */
export const { table: tableBytes, array: arrayBytes } = fc.letrec<{ value: Uint8Array; table: Uint8Array; array: Uint8Array }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('table').map((t) => concat([u8(0x46), t])), tie('array').map((a) => concat([u8(0x41), a]))),
  table: fc.uniqueArray(fc.tuple(keyBytes, tie('value')), { maxLength: 6, selector: ([k]) => hexOf(k) }).map((entries) => {
    const body = concat(entries.flatMap(([k, v]) => [u8(k.length), k, v]));
    return concat([long(body.length), body]);
  }),
  array: fc.array(tie('value'), { maxLength: 4 }).map((vs) => {
    const body = concat(vs);
    return concat([long(body.length), body]);
  }),
}));
