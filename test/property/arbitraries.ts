/**
 * fast-check arbitraries derived from a registry's `fields` metadata: a method (or a content
 * property list) gets random arguments from its field types alone, so any registry, including
 * one generated with a user's overlay, is covered without writing a line per method.
 *
 * Two sets of field arbitraries:
 * - `canonical`: the whole range warren represents, in the form decoding gives back (longlong a
 *   number up to 2^53 - 1 and a bigint above; dates in whole seconds; tables of canonical values),
 *   so that `decode(encode(x))` must equal `x` exactly.
 * - `amqplibSafe`: what amqplib 2 can also represent (it reads longlongs with `Number()`, tables
 *   only with strings, integers, booleans, void, arrays and nested tables here; longstr as Buffer).
 */
import fc from 'fast-check';
import {
  Decimal, Field, field, utf8Length, type AnyMethod, type FieldDef, type FieldTable, type FieldType, type FieldValue, type MethodDef, type PropertiesDef,
} from '../../runtime/codec/index.js';

const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Any well-formed Unicode string (astral, combining, BOM...) of at most `max` code units. */
export const text = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength: max }).filter(wellFormed);

/** A shortstr: well-formed text of at most 255 bytes of UTF-8 (sometimes exactly 255). */
export const shortstr: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: text(40) },
  { weight: 1, arbitrary: fc.constantFrom('é'.repeat(127) + 'a', 'x'.repeat(255), '\u{1F600}'.repeat(63) + 'abc') },
);

/** A table key: a shortstr that is not `__proto__` (decoded safely by warren, but not by amqplib). */
export const tableKey: fc.Arbitrary<string> = text(12).filter((k) => k !== '__proto__' && utf8Length(k) <= 255);

const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
/** A bigint as decoding gives it back: a number when it is a safe integer. */
const canonInt64 = (b: bigint): number | bigint => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
/** Dates in whole seconds, up to the last second a Date holds. */
export const wholeSecondDate = fc.integer({ min: 0, max: 8.64e12 }).map((s) => new Date(s * 1000));

/** A table value exactly as decoding returns it. */
const canonicalLeaf: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }), // NaN and ±Infinity are refused (EncodeError)
  int64.map(canonInt64),
  text(20),
  fc.uint8Array({ maxLength: 8 }),
  wholeSecondDate,
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer()).map(([s, v]) => new Decimal(s, v)),
  fc.constant(null),
);

export const { table: canonicalTable } = fc.letrec<{ value: FieldValue; table: FieldTable; array: FieldValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, canonicalLeaf, tie('table'), tie('array')),
  table: fc.dictionary(tableKey, tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
}));

/** Tables amqplib encodes and decodes without loss, both ways. */
export const { table: amqplibTable } = fc.letrec<{ value: FieldValue; table: FieldTable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.boolean(), fc.integer(), fc.maxSafeInteger(), text(20), fc.constant(null), tie('table'),
    fc.array(fc.oneof(fc.boolean(), fc.integer(), text(10)), { maxLength: 4 }),
  ),
  table: fc.dictionary(tableKey, tie('value'), { maxKeys: 5 }),
}));

/** Tables without numbers: amqplib and warren then write identical bytes (they choose int widths differently). */
export const numberFreeTable: fc.Arbitrary<FieldTable> = fc.letrec<{ value: FieldValue; table: FieldTable }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.boolean(), text(20), fc.constant(null), tie('table')),
  table: fc.dictionary(tableKey, tie('value'), { maxKeys: 4 }),
})).table;

/**
 * Non-canonical table values: forced widths, undefined, bigints in the safe range, dates with
 * milliseconds. {@link normalise} says what decoding gives for each.
 */
export const { table: looseTable } = fc.letrec<{ value: FieldValue; table: FieldTable; array: FieldValue[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    canonicalLeaf,
    fc.constant(undefined),
    int64,
    fc.integer({ min: 0, max: 8.64e15 }).map((ms) => new Date(ms)),
    fc.integer({ min: -128, max: 127 }).map(field.int8),
    fc.integer({ min: 0, max: 65535 }).map(field.uint16),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(field.uint32),
    fc.float({ noNaN: true, noDefaultInfinity: true }).map(field.float),
    fc.integer().map(field.int64),
    fc.constant(field.void()),
    tie('table'),
    tie('array'),
  ),
  table: fc.dictionary(tableKey, tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
}));

/** What decoding gives for a table value written by warren (widths are not kept). */
export function normalise(v: FieldValue): FieldValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return canonInt64(v);
  if (v instanceof Date) return new Date(Math.floor(v.getTime() / 1000) * 1000);
  if (v instanceof Field) {
    if (v.tag === 'f') return Math.fround(v.value as number);
    if (v.tag === 'V') return null;
    return normalise(v.value as FieldValue);
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array || v instanceof Decimal || typeof v !== 'object') return v;
  const out: FieldTable = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = normalise(x);
  return out;
}

export type FieldArbitraries = Record<FieldType, fc.Arbitrary<unknown>>;

export const canonical: FieldArbitraries = {
  octet: fc.integer({ min: 0, max: 255 }),
  short: fc.integer({ min: 0, max: 65535 }),
  long: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  longlong: fc.oneof(fc.maxSafeNat(), fc.bigInt(2n ** 53n, 2n ** 64n - 1n), fc.constantFrom(0, Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 64n - 1n)),
  bit: fc.boolean(),
  shortstr,
  longstr: fc.uint8Array({ maxLength: 40 }),
  table: canonicalTable,
  timestamp: wholeSecondDate,
};

export const amqplibSafe: FieldArbitraries = {
  ...canonical,
  longlong: fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER)),
  table: amqplibTable,
  timestamp: fc.integer({ min: 0, max: 8.64e12 }).map((s) => new Date(s * 1000)),
};

/** Random arguments for `def`, as a method value (`kind` plus every public field). */
export function methodArb(def: MethodDef, arbs: FieldArbitraries = canonical): fc.Arbitrary<AnyMethod> {
  return fieldsArb(def.fields, arbs, false).map((r) => ({ kind: def.kind, ...r }));
}

/** Random content properties for `def`: any subset present (absent ones are left out). */
export function propertiesArb(def: PropertiesDef, arbs: FieldArbitraries = canonical): fc.Arbitrary<Record<string, unknown>> {
  return fieldsArb(def.fields, arbs, true);
}

function fieldsArb(fields: readonly FieldDef[], arbs: FieldArbitraries, optional: boolean): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) rec[f.name] = arbs[f.type];
  return optional ? fc.record(rec, { requiredKeys: [] }) : fc.record(rec);
}

/** Any method of the registry with random arguments. */
export function anyMethodArb(defs: readonly MethodDef[], arbs: FieldArbitraries = canonical): fc.Arbitrary<{ def: MethodDef; method: AnyMethod }> {
  return fc.constantFrom(...defs).chain((def) => methodArb(def, arbs).map((method) => ({ def, method })));
}
