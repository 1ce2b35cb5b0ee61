/**
 * Typed field-table values: {@link Decimal} and the {@link Field} wrapper that forces a wire
 * type when the default JS → wire mapping of field-table.ts would pick another one (a plain
 * `7` goes out as int32 `I`; `field.uint8(7)` goes out as `B`).
 *
 * Tags are RabbitMQ's (see PROTOCOL-NOTES.md), not the spec's 4.2.5.5 list: `s` is int16, `l` is
 * int64, `x` is a byte array (a RabbitMQ extension). `U` and `L` are never produced.
 *
 * Factories validate eagerly so a bad value fails where it is written; the table encoder
 * validates again (with the key path in the message) because a `Field` can also be built with
 * `new Field(...)` or mutated afterwards.
 */
import { EncodeError } from './errors.js';

/** An AMQP decimal (tag `D`): `value × 10^-scale`, scale an octet, value a signed 32-bit integer. */
export class Decimal {
  /** Number of decimal digits after the point, 0 to 255. */
  readonly scale: number;
  /** The unscaled value, a signed 32-bit integer. */
  readonly value: number;
  constructor(scale: number, value: number) {
    checkDecimal(scale, value, 'Decimal', 'value');
    this.scale = scale;
    this.value = value;
  }
  /** The value as a (possibly rounded) JS number. */
  toNumber(): number {
    return this.value / 10 ** this.scale;
  }
  /** Exact decimal notation, e.g. `-1.25` for scale 2, value -125. */
  toString(): string {
    if (this.scale === 0) return String(this.value);
    const digits = String(Math.abs(this.value)).padStart(this.scale + 1, '0');
    const sign = this.value < 0 ? '-' : '';
    return `${sign}${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
  }
}

/** The wire tags a {@link Field} can force (RabbitMQ's table tags, minus `U`, `L`, `F`, `A`). */
export type FieldTag = 't' | 'b' | 'B' | 's' | 'u' | 'I' | 'i' | 'l' | 'f' | 'd' | 'D' | 'S' | 'x' | 'T' | 'V';

/** The JS value each tag carries in a {@link Field}. */
export interface FieldTagValue {
  t: boolean;
  b: number;
  B: number;
  s: number;
  u: number;
  I: number;
  i: number;
  l: number | bigint;
  f: number;
  d: number;
  D: Decimal;
  /** A string is sent as UTF-8; bytes are sent as they are (round-trips a non-UTF-8 `S`). */
  S: string | Uint8Array;
  x: Uint8Array;
  /** A Date (sub-second precision dropped) or whole seconds since the epoch. */
  T: Date | number | bigint;
  V: null;
}

/** A field-table value with an explicit wire type, e.g. `field.uint16(80)` is sent as `u`. */
export class Field<T extends FieldTag = FieldTag> {
  readonly tag: T;
  readonly value: FieldTagValue[T];
  constructor(tag: T, value: FieldTagValue[T]) {
    this.tag = tag;
    this.value = value;
  }
}

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
const MAX_U64 = 2n ** 64n - 1n;
const FLT_MAX = 3.4028234663852886e38;

function int(v: unknown, min: number, max: number, what: string, ctx: string, path: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EncodeError(ctx, path, `${what} must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : `an object (${v.constructor?.name ?? 'null prototype'})`;
}

function checkDecimal(scale: unknown, value: unknown, ctx: string, path: string): void {
  int(scale, 0, 255, 'decimal scale', ctx, path);
  int(value, -0x80000000, 0x7fffffff, 'decimal value', ctx, path);
}

/**
 * Why NaN and ±Infinity are refused in a table (`what` names the wire type, e.g. `double `): RabbitMQ
 * 3.10 and 4.3 fail to parse such a `d` or `f` value (`function_clause` in
 * rabbit_binary_parser:parse_table) and close the whole connection with 541. -0 passes.
 */
export function unparsable(what: string, value: number): string {
  return `${what ? `${what} ` : ''}${value} cannot be sent: RabbitMQ cannot parse a NaN or infinite number in a field table (it closes the connection with 541 internal-error); send it as a string or leave it out`;
}

/**
 * Throws an {@link EncodeError} unless `value` fits wire type `tag`. Used by the factories and,
 * with the key path, by the table encoder.
 */
export function checkFieldValue(tag: string, value: unknown, ctx: string, path: string): void {
  switch (tag) {
    case 't':
      if (typeof value !== 'boolean') throw new EncodeError(ctx, path, `boolean field needs true or false, got ${describe(value)}`);
      return;
    case 'b': return int(value, -0x80, 0x7f, 'int8', ctx, path);
    case 'B': return int(value, 0, 0xff, 'uint8', ctx, path);
    case 's': return int(value, -0x8000, 0x7fff, 'int16', ctx, path);
    case 'u': return int(value, 0, 0xffff, 'uint16', ctx, path);
    case 'I': return int(value, -0x80000000, 0x7fffffff, 'int32', ctx, path);
    case 'i': return int(value, 0, 0xffffffff, 'uint32', ctx, path);
    case 'l':
      if (typeof value === 'bigint') {
        if (value < MIN_I64 || value > MAX_I64) throw new EncodeError(ctx, path, `int64 must be from -2^63 to 2^63-1, got ${value}n`);
        return;
      }
      return int(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'int64 (as a number; use a bigint beyond 2^53)', ctx, path);
    case 'f':
      if (typeof value === 'number' && !Number.isFinite(value)) throw new EncodeError(ctx, path, unparsable('float', value));
      // A finite double that rounds to ±Infinity in float32 would silently change meaning.
      if (typeof value !== 'number' || Math.abs(value) > FLT_MAX) {
        throw new EncodeError(ctx, path, `float must be a number within ±${FLT_MAX}, got ${describe(value)}`);
      }
      return;
    case 'd':
      if (typeof value !== 'number') throw new EncodeError(ctx, path, `double must be a number, got ${describe(value)}`);
      if (!Number.isFinite(value)) throw new EncodeError(ctx, path, unparsable('double', value));
      return;
    case 'D':
      if (!(value instanceof Decimal)) throw new EncodeError(ctx, path, `decimal field needs a Decimal, got ${describe(value)}`);
      return checkDecimal(value.scale, value.value, ctx, path);
    case 'S':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
        throw new EncodeError(ctx, path, `string field needs a string or Uint8Array, got ${describe(value)}`);
      }
      return;
    case 'x':
      if (!(value instanceof Uint8Array)) throw new EncodeError(ctx, path, `byte array field needs a Uint8Array, got ${describe(value)}`);
      return;
    case 'T':
      if (value instanceof Date) {
        if (!(value.getTime() >= 0)) throw new EncodeError(ctx, path, `timestamp must be a valid Date at or after 1970, got ${String(value)}`);
        return;
      }
      if (typeof value === 'bigint') {
        if (value < 0n || value > MAX_U64) throw new EncodeError(ctx, path, `timestamp seconds must be from 0 to 2^64-1, got ${value}n`);
        return;
      }
      return int(value, 0, Number.MAX_SAFE_INTEGER, 'timestamp seconds', ctx, path);
    case 'V':
      if (value !== null && value !== undefined) throw new EncodeError(ctx, path, `void field carries no value, got ${describe(value)}`);
      return;
    default:
      throw new EncodeError(ctx, path, `unsupported field tag ${JSON.stringify(tag)}`);
  }
}

function make<T extends FieldTag>(tag: T, value: FieldTagValue[T], name: string): Field<T> {
  checkFieldValue(tag, value, 'field', name);
  return new Field(tag, value);
}

/**
 * Factories for {@link Field}: force a wire type for one table or array value. Each checks its
 * range and throws an {@link EncodeError} (context `field`) when the value does not fit.
 */
export const field = {
  /** `t`: boolean octet (a plain `true`/`false` already goes out as `t`). */
  boolean: (v: boolean): Field<'t'> => make('t', v, 'boolean'),
  /** `b`: signed 8-bit integer, -128 to 127. */
  int8: (v: number): Field<'b'> => make('b', v, 'int8'),
  /** `B`: unsigned 8-bit integer, 0 to 255. */
  uint8: (v: number): Field<'B'> => make('B', v, 'uint8'),
  /** `s`: signed 16-bit integer (RabbitMQ's meaning of `s`, not the spec's short string). */
  int16: (v: number): Field<'s'> => make('s', v, 'int16'),
  /** `u`: unsigned 16-bit integer. */
  uint16: (v: number): Field<'u'> => make('u', v, 'uint16'),
  /** `I`: signed 32-bit integer. */
  int32: (v: number): Field<'I'> => make('I', v, 'int32'),
  /** `i`: unsigned 32-bit integer. */
  uint32: (v: number): Field<'i'> => make('i', v, 'uint32'),
  /** `l`: signed 64-bit integer; a number must be a safe integer, a bigint any int64. */
  int64: (v: number | bigint): Field<'l'> => make('l', v, 'int64'),
  /** `f`: IEEE 754 single precision (the value is rounded to float32 on the wire); finite only. */
  float: (v: number): Field<'f'> => make('f', v, 'float'),
  /** `d`: IEEE 754 double precision (e.g. to send `3` as a double rather than `I`); finite only (RabbitMQ cannot parse NaN or ±Infinity). */
  double: (v: number): Field<'d'> => make('d', v, 'double'),
  /** `D`: decimal `value × 10^-scale` (scale 0 to 255, value int32). */
  decimal: (scale: number, value: number): Field<'D'> => make('D', new Decimal(scale, value), 'decimal'),
  /** `x`: byte array (RabbitMQ extension; plain Uint8Arrays already go out as `x`). */
  bytes: (v: Uint8Array): Field<'x'> => make('x', v, 'bytes'),
  /** `S`: long string; a string is sent as UTF-8, a Uint8Array as its raw bytes. */
  string: (v: string | Uint8Array): Field<'S'> => make('S', v, 'string'),
  /** `T`: timestamp in whole seconds since the epoch (a Date's milliseconds are dropped). */
  timestamp: (v: Date | number | bigint): Field<'T'> => make('T', v, 'timestamp'),
  /** `V`: void, no value (a plain `null` already goes out as `V`). */
  void: (): Field<'V'> => new Field('V', null),
} as const;
