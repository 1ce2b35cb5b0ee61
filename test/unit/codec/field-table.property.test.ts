import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  Decimal, Field, Reader, Writer, field, readTable, utf8Length, writeTable, type FieldTable, type FieldValue,
} from '../../../runtime/codec/index.js';

const require = createRequire(import.meta.url);
// amqplib's package exports hide lib/: load the file by path (test-only cross-check).
const amqplibCodec = require(require.resolve('amqplib').replace(/channel_api\.js$|index\.js$/, 'lib/codec.js')) as { decodeFields(b: Buffer): Record<string, unknown> };

const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();
const str = fc.string({ unit: 'binary', maxLength: 30 }).filter(wellFormed);
const key = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => wellFormed(s) && utf8Length(s) <= 255);
const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
const date = fc.integer({ min: 0, max: 8.64e15 }).map((ms) => new Date(ms));

const forced: fc.Arbitrary<Field> = fc.oneof(
  fc.boolean().map(field.boolean),
  fc.integer({ min: -128, max: 127 }).map(field.int8),
  fc.integer({ min: 0, max: 255 }).map(field.uint8),
  fc.integer({ min: -32768, max: 32767 }).map(field.int16),
  fc.integer({ min: 0, max: 65535 }).map(field.uint16),
  fc.integer().map(field.int32),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(field.uint32),
  fc.oneof(fc.maxSafeInteger(), int64).map(field.int64),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map(field.float),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(field.double),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer()).map(([s, v]) => field.decimal(s, v)),
  fc.uint8Array({ maxLength: 8 }).map(field.bytes),
  fc.oneof(str, fc.uint8Array({ maxLength: 8 })).map(field.string),
  fc.oneof(date, fc.integer({ min: 0, max: 2 ** 40 }), fc.bigInt(0n, 2n ** 64n - 1n)).map(field.timestamp),
  fc.constant(field.void()),
);

const leaf: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }), // NaN and ±Infinity are refused (EncodeError)
  int64,
  str,
  fc.uint8Array({ maxLength: 8 }),
  date,
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer()).map(([s, v]) => new Decimal(s, v)),
  fc.constant(null),
  forced,
);

const { table } = fc.letrec<{ value: FieldValue; table: FieldTable; array: FieldValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('table'), tie('array')),
  table: fc.dictionary(key, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 6 }),
  array: fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 6 }),
}));

/** What decoding gives for a value: widths are not kept, numbers and int64s normalise. */
function normalise(v: FieldValue): FieldValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  if (v instanceof Date) return new Date(Math.floor(v.getTime() / 1000) * 1000);
  if (v instanceof Field) {
    const x = v.value;
    switch (v.tag) {
      case 'f': return Math.fround(x as number);
      case 'l': return normalise(x as bigint);
      case 'T': {
        if (x instanceof Date) return normalise(x);
        const secs = normalise(x as bigint);
        return typeof secs === 'number' && secs <= 8.64e12 ? new Date(secs * 1000) : new Field('T', secs as number | bigint);
      }
      case 'S': return typeof x === 'string' || !wellFormedUtf8(x as Uint8Array) ? (x as string | Uint8Array) : new TextDecoder().decode(x as Uint8Array);
      case 'V': return null;
      default: return x as FieldValue;
    }
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Decimal)) return normaliseTable(v as FieldTable);
  return v;
}

function normaliseTable(t: FieldTable): FieldTable {
  const out: FieldTable = {};
  for (const k of Object.keys(t)) {
    if (t[k] === undefined) continue;
    Object.defineProperty(out, k, { value: normalise(t[k]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function wellFormedUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

function encode(t: FieldTable): Uint8Array {
  const w = new Writer(16);
  writeTable(w, t, 'test', 'headers');
  return w.toBytes();
}

function decode(b: Uint8Array): FieldTable {
  const r = new Reader(b);
  const t = readTable(r);
  expect(r.remaining).toBe(0);
  return t;
}

describe('field table properties', () => {
  it('decode(encode(t)) equals t normalised', () => {
    fc.assert(
      fc.property(table, (t) => {
        expect(decode(encode(t))).toEqual(normaliseTable(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('encoding is stable: encode(decode(encode(t))) is encode(t) for plain values', () => {
    fc.assert(
      fc.property(table, (t) => {
        const plain = normaliseTable(t);
        const bytes = encode(plain);
        expect(Buffer.from(encode(decode(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('amqplib decodes what we encode to the same values (booleans, int32, doubles, strings, bytes, nesting)', () => {
    const simple = fc.letrec<{ v: unknown; t: Record<string, unknown> }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), str, fc.constant(null), tie('t'), fc.array(tie('v'), { maxLength: 4 })),
      t: fc.dictionary(key.filter((k) => k !== '__proto__'), tie('v'), { maxKeys: 5 }),
    })).t;
    fc.assert(
      fc.property(simple, (t) => {
        const bytes = encode(t as FieldTable);
        expect(amqplibCodec.decodeFields(Buffer.from(bytes.subarray(4)))).toEqual(t);
      }),
      { numRuns: 500 },
    );
  });
});
