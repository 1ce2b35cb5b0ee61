import { describe, expect, it } from 'vitest';
import {
  Decimal, DecodeError, EncodeError, Field, MAX_DEPTH, Reader, Writer, field, isDecodeError, isEncodeError,
  readArray, readTable, writeArray, writeTable, type FieldTable, type FieldValue,
} from '../../../runtime/codec/index.js';
import { concat, hex, toHex } from '../../helpers/hex.js';
import { tableVectors } from './field-table-vectors.js';

function encode(t: FieldTable): Uint8Array {
  const w = new Writer(8);
  writeTable(w, t, 'test', 'headers');
  return w.toBytes();
}

function decode(b: Uint8Array): FieldTable {
  const r = new Reader(b);
  const t = readTable(r);
  expect(r.pos).toBe(b.length);
  return t;
}

function decodeError(b: Uint8Array): DecodeError {
  try {
    readTable(new Reader(b));
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw e;
  }
  throw new Error(`no error decoding ${toHex(b)}`);
}

function encodeError(t: unknown, w = new Writer(8)): EncodeError {
  const before = w.pos;
  try {
    writeTable(w, t as FieldTable, 'basic properties', 'headers');
  } catch (e) {
    expect(w.pos).toBe(before);
    if (isEncodeError(e)) return e;
    throw e;
  }
  throw new Error('no error encoding');
}

describe('field table golden vectors', () => {
  for (const v of tableVectors) {
    describe(v.name, () => {
      it('decodes', () => {
        expect(decode(v.hex)).toEqual(v.value);
      });
      if (v.input !== undefined) {
        it('encodes the input to the vector', () => {
          expect(toHex(encode(v.input!))).toBe(toHex(v.hex));
        });
      }
      if (v.unsendable) {
        it('is refused on the way out (EncodeError)', () => {
          expect(encodeError(v.value)).toBeInstanceOf(EncodeError);
        });
      } else {
        it('mirrors: decode(encode(x)) gives the value back', () => {
          expect(decode(encode(v.input ?? v.value))).toEqual(v.value);
          expect(decode(encode(v.value))).toEqual(v.value);
        });
      }
      if (v.canonical) {
        it('mirrors: encode(decode(bytes)) gives the bytes back', () => {
          expect(toHex(encode(decode(v.hex)))).toBe(toHex(v.hex));
        });
      }
      it('leaves trailing bytes unconsumed, and reads inside a window', () => {
        const buf = concat([hex`aa bb`, v.hex, hex`de ad be ef`]);
        const r = new Reader(buf, 2);
        expect(readTable(r)).toEqual(v.value);
        expect(r.pos).toBe(2 + v.hex.length);
        expect(r.end).toBe(buf.length);
      });
      it('every truncation is a DecodeError 502, never another error', () => {
        for (let n = 0; n < v.hex.length; n++) {
          const e = decodeError(v.hex.subarray(0, n));
          expect(e.replyCode).toBe(502);
        }
      });
    });
  }

  it('decoded byte values are copies, also from a Node Buffer', () => {
    const buf = Buffer.from(concat([hex`00000010 016b 78 00000001 07 016c 53 00000001 ff`]));
    const t = decode(buf);
    (buf as Uint8Array)[11] = 0x99;
    (buf as Uint8Array)[19] = 0x99;
    expect(t.k).toEqual(Uint8Array.of(7));
    expect(t.l).toEqual(Uint8Array.of(0xff));
    expect((t.k as Uint8Array).buffer).not.toBe(buf.buffer);
  });

  it('a __proto__ key never changes the prototype', () => {
    const t = decode(hex`00000013 095f5f70726f746f5f5f 46 00000004 0161 7401`);
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(Object.keys(t)).toEqual(['__proto__']);
    expect((t as { a?: unknown }).a).toBeUndefined();
    expect(({} as { a?: unknown }).a).toBeUndefined();
  });

  it('a duplicate key keeps the last value', () => {
    expect(decode(hex`00000008 016b 7401 016b 7400`)).toEqual({ k: false });
  });

  it('arrays: writeArray/readArray at the top level', () => {
    const w = new Writer(1);
    writeArray(w, [1, 'a', [true], { x: null }], 'test', 'args');
    expect(toHex(w.written())).toBe(toHex(hex`
      0000001a
      49 00000001
      53 00000001 61
      41 00000002 7401
      46 00000003 0178 56`));
    const r = new Reader(concat([w.written(), hex`ff`]));
    expect(readArray(r)).toEqual([1, 'a', [true], { x: null }]);
    expect(r.remaining).toBe(1);
  });
});

describe('field table decode errors', () => {
  const cases: { name: string; hex: Uint8Array; match: RegExp; offset: number }[] = [
    { name: 'unknown tag', hex: hex`00000003 016b 5a`, match: /unknown field value tag 0x5a 'Z' at offset 6/, offset: 6 },
    { name: 'U is not accepted (RabbitMQ does not speak it)', hex: hex`00000005 016b 55 0001`, match: /tag 0x55 'U'/, offset: 6 },
    { name: 'non-printable tag', hex: hex`00000003 016b 00`, match: /tag 0x00 at offset 6/, offset: 6 },
    { name: 'table length overruns', hex: hex`0000000a 016b 7401`, match: /field table at offset 0 declares 10 bytes, only 4 left/, offset: 0 },
    { name: 'nested table length overruns the outer one', hex: hex`00000008 016b 46 00000005 00`, match: /field table at offset 7 declares 5 bytes, only 1 left/, offset: 7 },
    { name: 'array length overruns', hex: hex`00000008 016b 41 00000009 00`, match: /field array at offset 7 declares 9 bytes, only 1 left/, offset: 7 },
    { name: 'entry overruns its table', hex: hex`00000004 016b 49 00000001`, match: /int32 needs 4 bytes/, offset: 7 },
    { name: 'key overruns', hex: hex`00000002 05 61`, match: /table key needs 6 bytes/, offset: 4 },
    { name: 'long string overruns', hex: hex`00000008 016b 53 00000002 61`, match: /long string needs 2 bytes/, offset: 11 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = decodeError(c.hex);
      expect(e.message).toMatch(c.match);
      expect(e.offset).toBe(c.offset);
      expect(e.replyCode).toBe(502);
      expect(e.fatal).toBe(false);
    });
  }

  function nested(levels: number, open: Uint8Array, close: (inner: Uint8Array) => Uint8Array): Uint8Array {
    let b = hex`00000000`;
    for (let i = 1; i < levels; i++) b = close(concat([open, b]));
    return b;
  }
  const len = (b: Uint8Array) => Uint8Array.of(b.length >>> 24, b.length >>> 16, b.length >>> 8, b.length);
  const tables = (n: number) => nested(n, hex`016b 46`, (inner) => concat([len(inner), inner]));
  const arrays = (n: number) => nested(n, hex`41`, (inner) => concat([len(inner), inner]));

  it(`nesting: ${MAX_DEPTH} levels decode, ${MAX_DEPTH + 1} are a DecodeError`, () => {
    expect(() => readTable(new Reader(tables(MAX_DEPTH)))).not.toThrow();
    expect(() => readArray(new Reader(arrays(MAX_DEPTH)))).not.toThrow();
    expect(decodeError(tables(MAX_DEPTH + 1)).message).toMatch(/nested deeper than 64 levels/);
    expect(() => readArray(new Reader(arrays(MAX_DEPTH + 1)))).toThrow(/nested deeper than 64/);
  });

  it('100,000 levels: a DecodeError, not a stack overflow', () => {
    const n = 100_000;
    const b = new Uint8Array(n * 5);
    for (let i = 0; i < n; i++) {
      b[i * 5] = 0x41;
      new DataView(b.buffer).setUint32(i * 5 + 1, (n - i - 1) * 5);
    }
    expect(() => readArray(new Reader(b, 1))).toThrow(DecodeError);
  });
});

describe('field table encode errors', () => {
  class Custom {}
  const cases: { name: string; table: unknown; match: RegExp }[] = [
    { name: 'function', table: { 'x-foo': () => 1 }, match: /^basic properties: headers\.x-foo: cannot be sent .*a function/ },
    { name: 'symbol', table: { 'x-foo': Symbol('s') }, match: /headers\.x-foo: cannot be sent in a field table: symbol/ },
    { name: 'Map with a non-string key', table: { 'x-foo': new Map([[1, 2]]) }, match: /headers\.x-foo: table keys must be strings, got number in a Map/ },
    { name: 'class instance', table: { a: { b: new Custom() } }, match: /headers\.a\.b: .*an instance of Custom/ },
    { name: 'in an array', table: { a: [1, { c: new Set() }] }, match: /headers\.a\[1\]\.c: .*Set/ },
    { name: 'typed array other than Uint8Array', table: { a: new Int16Array(1) }, match: /headers\.a: .*Int16Array/ },
    { name: 'bigint above int64', table: { big: 2n ** 63n }, match: /headers\.big: bigint must be an int64/ },
    { name: 'bigint below int64', table: { big: -(2n ** 63n) - 1n }, match: /headers\.big: bigint must be an int64/ },
    { name: 'key of 256 bytes', table: { ['é'.repeat(128)]: 1 }, match: /table key is 256 bytes of UTF-8/ },
    { name: 'key of 256 characters', table: { ['k'.repeat(256)]: 1 }, match: /over the shortstr limit/ },
    { name: 'invalid Date', table: { d: new Date(NaN) }, match: /headers\.d: timestamp must be a valid Date/ },
    // RabbitMQ 3.10 and 4.3 cannot parse a d/f table value that is NaN or ±Infinity: they close
    // the whole connection with 541 (PROTOCOL-NOTES.md, "Seen on the wire with other clients").
    { name: 'NaN', table: { a: { n: NaN } }, match: /headers\.a\.n: NaN cannot be sent: RabbitMQ cannot parse/ },
    { name: '+Infinity', table: { n: Infinity }, match: /headers\.n: Infinity cannot be sent/ },
    { name: '-Infinity in an array', table: { a: [1, -Infinity] }, match: /headers\.a\[1\]: -Infinity cannot be sent/ },
    { name: 'hand-made d Field NaN', table: { n: new Field('d', NaN) }, match: /headers\.n: double NaN cannot be sent/ },
    { name: 'hand-made f Field Infinity', table: { n: new Field('f', Infinity) }, match: /headers\.n: float Infinity cannot be sent/ },
    { name: 'Date before 1970', table: { d: new Date(-1) }, match: /headers\.d: timestamp must be a valid Date at or after 1970/ },
    { name: 'hand-made Field out of range', table: { n: new Field('b', 128) }, match: /headers\.n: int8 must be an integer from -128 to 127, got 128/ },
    { name: 'hand-made Field with unknown tag', table: { n: new Field('U' as 'b', 1) }, match: /headers\.n: unsupported field tag "U"/ },
    { name: 'Decimal mutated out of range', table: { n: Object.assign(new Decimal(1, 1), { scale: 256 }) }, match: /headers\.n: decimal scale must be an integer from 0 to 255/ },
    { name: 'not an object at the top', table: [1], match: /headers: field table must be a plain object or a Map, got an instance of Array/ },
    { name: 'null at the top', table: null, match: /headers: field table must be a plain object or a Map, got null/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(encodeError(c.table).message).toMatch(c.match);
    });
  }

  it('a cycle is an EncodeError, not a stack overflow', () => {
    const t: FieldTable = { a: 1 };
    t.self = t;
    expect(encodeError(t).message).toMatch(/nested deeper than 64 levels \(a cycle\?\)/);
    const a: FieldValue[] = [];
    a.push(a);
    expect(() => writeArray(new Writer(), a, 'ctx', 'args')).toThrow(/args(\[0\])+: tables and arrays nested deeper/);
  });

  it('a failed encode rewinds to where the table started and keeps earlier bytes', () => {
    const w = new Writer(4);
    w.u32(0xcafebabe);
    const e = encodeError({ ok: 'a'.repeat(1000), bad: () => 0 }, w);
    expect(e.field).toBe('headers.bad');
    expect(e.context).toBe('basic properties');
    expect(w.pos).toBe(4);
    expect(toHex(w.written())).toBe('cafebabe');
    writeTable(w, { k: true }, 'test', 'headers');
    expect(toHex(w.written())).toBe('cafebabe00000004016b7401');
  });

  it(`encodes ${MAX_DEPTH} levels and refuses ${MAX_DEPTH + 1}`, () => {
    const deep = (n: number): FieldTable => (n === 1 ? {} : { k: deep(n - 1) });
    expect(decode(encode(deep(MAX_DEPTH)))).toEqual(deep(MAX_DEPTH));
    expect(encodeError(deep(MAX_DEPTH + 1)).message).toMatch(/nested deeper/);
  });
});

describe('field.* wrappers', () => {
  const ranges: [keyof typeof field, number, number][] = [
    ['int8', -128, 127], ['uint8', 0, 255], ['int16', -32768, 32767], ['uint16', 0, 65535],
    ['int32', -(2 ** 31), 2 ** 31 - 1], ['uint32', 0, 2 ** 32 - 1],
    ['int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ];
  for (const [name, min, max] of ranges) {
    it(`${name}: ${min} and ${max} pass; ${min - 1}, ${max + 1}, fractions, NaN and strings fail`, () => {
      const make = field[name] as (v: unknown) => Field;
      expect(make(min).value).toBe(min);
      expect(make(max).value).toBe(max);
      for (const bad of [min - 1, max + 1, 0.5, NaN, Infinity, '1', null, undefined]) {
        if (name === 'int64' && (bad === min - 1 || bad === max + 1)) continue; // not representable as distinct safe numbers
        expect(() => make(bad), `${name}(${String(bad)})`).toThrow(EncodeError);
      }
      expect(() => make(max + 1)).toThrow(new RegExp(`^field: ${name}: `));
    });
  }
  it('int64 takes bigints within int64 only', () => {
    expect(field.int64(2n ** 63n - 1n).value).toBe(2n ** 63n - 1n);
    expect(() => field.int64(2n ** 63n)).toThrow(/int64 must be from -2\^63/);
    expect(() => field.int64(2 ** 60)).toThrow(/use a bigint/);
  });
  it('float and double refuse what RabbitMQ cannot parse (NaN, ±Infinity) and floats that would overflow float32; -0 passes', () => {
    expect(() => field.float(1e39)).toThrow(/float must be a number within/);
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => field.float(bad)).toThrow(EncodeError);
      expect(() => field.double(bad)).toThrow(/^field: double: .*cannot be sent/);
    }
    expect(Object.is(field.double(-0).value, -0)).toBe(true);
    expect(field.float(-0).tag).toBe('f');
    expect(() => field.float('1' as unknown as number)).toThrow(EncodeError);
  });
  it('decimal, timestamp, bytes, string, void, double, boolean', () => {
    expect(() => field.decimal(256, 0)).toThrow(/scale/);
    expect(() => field.decimal(0, 2 ** 31)).toThrow(/decimal value/);
    expect(() => new Decimal(-1, 0)).toThrow(EncodeError);
    expect(new Decimal(2, -125).toString()).toBe('-1.25');
    expect(new Decimal(3, 5).toString()).toBe('0.005');
    expect(new Decimal(0, 42).toNumber()).toBe(42);
    expect(() => field.timestamp(-1)).toThrow(/timestamp seconds/);
    expect(() => field.timestamp(2n ** 64n)).toThrow(/timestamp seconds/);
    expect(() => field.timestamp(new Date(NaN))).toThrow(/valid Date/);
    expect(() => field.bytes('ab' as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(() => field.string(1 as unknown as string)).toThrow(/string or Uint8Array/);
    expect(() => field.double('1' as unknown as number)).toThrow(/double/);
    expect(() => field.boolean(1 as unknown as boolean)).toThrow(/true or false/);
    expect(field.void().value).toBeNull();
  });
});
