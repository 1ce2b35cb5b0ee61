/**
 * Lossless round trips (issue 10): decode → encode gives the same bytes for tables whose keys
 * JavaScript would reorder, for table values whose tag the default mapping would not choose, and
 * for short strings that are not UTF-8. Each case is a byte vector decoded, checked, re-encoded.
 */
import { describe, expect, it } from 'vitest';
import {
  Reader, WIRE, Writer, field, hasRawBytes, orderedTable, readArray, readTable, tableEntries, textBytes, textFromBytes,
  utf8Length, writeArray, writeTable, type AnyMethod, type FieldTable, type FieldValue,
} from '../../../runtime/codec/index.js';
import { mergeTables } from '../../../runtime/codec/table-wire.js';
import { decodeMethod, writeMethodFrame } from '../../../runtime/frame/index.js';
import { registry } from '../../../generated/registry.js';
import { hex, toHex } from '../../helpers/hex.js';

function reencode(bytes: Uint8Array): { table: FieldTable; again: string } {
  const table = readTable(new Reader(bytes));
  const w = new Writer(8);
  writeTable(w, table, 'test', 'headers');
  return { table, again: toHex(w.toBytes()) };
}

function encode(t: FieldTable | ReadonlyMap<string, FieldValue>): string {
  const w = new Writer(8);
  writeTable(w, t, 'test', 'headers');
  return toHex(w.toBytes());
}

describe('table key order', () => {
  // b = t 1, 9 = t 1, 1 = t 0: JavaScript lists "1" and "9" first.
  const bytes = hex`00000010  01 62 74 01   01 39 74 01   01 31 74 00   02 78 79 56`;

  it('integer-like keys re-encode in their wire order (plain object, order kept beside it)', () => {
    const { table, again } = reencode(bytes);
    expect(Object.keys(table)).toEqual(['1', '9', 'b', 'xy']); // JavaScript's order...
    expect(table).toEqual({ b: true, 9: true, 1: false, xy: null }); // ...a plain object all the same
    expect(tableEntries(table).map(([k]) => k)).toEqual(['b', '9', '1', 'xy']);
    expect(again).toBe(toHex(bytes));
  });

  it('fails without the remembered order (the object alone re-encodes differently)', () => {
    const { table } = reencode(bytes);
    expect(encode({ ...table })).not.toBe(toHex(bytes));
  });

  it('keys added after decoding come after the remembered ones; deleted keys are left out', () => {
    const { table } = reencode(bytes);
    table.z = 1;
    table[0] = 2;
    delete table.b;
    expect(tableEntries(table).map(([k]) => k)).toEqual(['9', '1', 'xy', '0', 'z']);
  });

  it('no hidden property when JavaScript order is wire order', () => {
    const t = readTable(new Reader(hex`00000009 02 31 30 74 00  01 61 74 01`)); // "10" first on the wire too
    expect(Object.keys(t)).toEqual(['10', 'a']);
    expect((t as { [WIRE]?: unknown })[WIRE]).toBeUndefined();
    const t2 = readTable(new Reader(hex`00000004 01 61 74 01`));
    expect(Object.getOwnPropertySymbols(t2)).toEqual([]);
  });

  it('"01", "-1", "4294967295" are not indices: no order needed', () => {
    for (const k of ['01', '-1', '4294967295', '1.5']) {
      const kb = new TextEncoder().encode(k);
      const b = hex`00000000 01 61 74 01 ${kb.length} ${kb} 74 00`;
      new DataView(b.buffer).setUint32(0, b.length - 4);
      const t = readTable(new Reader(b));
      expect(Object.keys(t)).toEqual(['a', k]);
      expect((t as { [WIRE]?: unknown })[WIRE]).toBeUndefined();
    }
  });

  it('writeTable takes a Map, in its order, nested Maps too; plain objects still work', () => {
    const m = new Map<string, FieldValue>([['b', true], ['9', true], ['1', false], ['xy', null]]);
    expect(encode(m)).toBe(toHex(bytes));
    expect(encode(new Map([['n', new Map([['2', 1], ['1', 2]])]]))).toBe(
      toHex(hex`00000015 01 6e 46 0000000e  01 32 49 00000001  01 31 49 00000002`),
    );
    expect(encode({ b: true })).toBe(toHex(hex`00000004 01 62 74 01`));
  });

  it('orderedTable builds a plain object that is written in the given order', () => {
    const t = orderedTable([['b', true], ['9', true], ['1', false], ['xy', null]]);
    expect(t).toEqual({ 1: false, 9: true, b: true, xy: null });
    expect(encode(t)).toBe(toHex(bytes));
  });

  it('a method carrying such a table re-encodes byte for byte', () => {
    const m = decodeMethod(registry, (() => {
      const w = new Writer(8);
      writeMethodFrame(w, 1, registry.byKind('queue.declare')!, {
        kind: 'queue.declare', queue: 'q', passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false,
        arguments: new Map<string, FieldValue>([['x-b', 1], ['7', 2]]) as unknown as FieldTable,
      } as never);
      return w.toBytes().subarray(7, -1);
    })());
    const w = new Writer(8);
    writeMethodFrame(w, 1, registry.byKind('queue.declare')!, m);
    const again = decodeMethod(registry, w.toBytes().subarray(7, -1)) as unknown as { arguments: FieldTable };
    expect(tableEntries(again.arguments).map(([k]) => k)).toEqual(['x-b', '7']);
  });
});

describe('table value tags', () => {
  const cases: [string, Uint8Array, FieldValue][] = [
    ['l holding a small number (RabbitMQ x-death count)', hex`6c 0000000000000005`, 5],
    ['L', hex`4c fffffffffffffffe`, -2],
    ['b', hex`62 ff`, -1],
    ['B', hex`42 ff`, 255],
    ['s', hex`73 8000`, -32768],
    ['u', hex`75 ffff`, 65535],
    ['i', hex`69 00000001`, 1],
    ['f', hex`66 3fc00000`, 1.5],
    ['d holding an integer', hex`64 4008000000000000`, 3],
    ['S holding bytes that are not UTF-8', hex`53 00000002 ff fe`, new Uint8Array([0xff, 0xfe])],
  ];
  for (const [name, value, decoded] of cases) {
    it(`${name}: same bytes back, in a table and in an array`, () => {
      const t = hex`00000000 01 6b ${value}`;
      new DataView(t.buffer).setUint32(0, t.length - 4);
      const { table, again } = reencode(t);
      expect(table.k).toEqual(decoded);
      expect(again).toBe(toHex(t));
      const a = hex`00000000 ${value} ${value}`;
      new DataView(a.buffer).setUint32(0, a.length - 4);
      const arr = readArray(new Reader(a));
      const w = new Writer(8);
      writeArray(w, arr, 'test', 'arr');
      expect(toHex(w.toBytes())).toBe(toHex(a));
    });
  }

  it('a value changed to something its tag cannot hold takes the default mapping', () => {
    const { table } = reencode(hex`00000009 01 6b 62 ff  01 6a 75 0001`);
    table.k = 1000; // no longer an int8
    table.j = 2; // still a uint16
    expect(encode(table)).toBe(toHex(hex`0000000c 01 6b 49 000003e8  01 6a 75 0002`));
  });

  it('without the remembered tags the default mapping picks I (what happened before)', () => {
    const { table } = reencode(hex`0000000b 01 6b 6c 0000000000000005`);
    expect(encode({ ...table })).toBe(toHex(hex`00000007 01 6b 49 00000005`));
  });
});

describe('short strings that are not UTF-8', () => {
  function shortstr(bytes: Uint8Array): string {
    return new Reader(Uint8Array.of(bytes.length, ...bytes)).shortstr();
  }
  function write(s: string): string {
    const w = new Writer(8);
    w.shortstr(s, 'basic.consume', 'consumerTag');
    return toHex(w.toBytes());
  }

  it('a consumer tag of byte ff comes back as ff, not ef bf bd', () => {
    const s = shortstr(hex`ff`);
    expect(s).toBe('\udcff');
    expect(hasRawBytes(s)).toBe(true);
    expect(write(s)).toBe('01ff');
  });

  const vectors: [string, Uint8Array][] = [
    ['lone continuation byte', hex`61 80 62`],
    ['truncated 2-byte sequence at the end', hex`61 c3`],
    ['overlong encoding', hex`c0 af`],
    ['encoded surrogate (CESU)', hex`ed a0 80 ed b0 80`],
    ['above U+10FFFF', hex`f4 90 80 80`],
    ['valid text around invalid bytes', hex`c3 a9 ff f0 9f 98 80 fe 41`],
    ['invalid bytes that look like escapes once decoded', hex`ed b3 bf`],
    ['long (not interned, over 64 bytes)', new Uint8Array(200).map((_, i) => (i * 37) & 0xff)],
    ['interned length (12 to 64 bytes)', hex`616263646566676869 6a 6b 6c ff 6d`],
  ];
  for (const [name, bytes] of vectors) {
    it(`${name}: decode → encode gives the bytes back`, () => {
      const s = shortstr(bytes);
      expect(write(s)).toBe(toHex(Uint8Array.of(bytes.length, ...bytes)));
      expect(utf8Length(s)).toBe(bytes.length);
      expect(toHex(textBytes(s))).toBe(toHex(bytes));
      expect(textFromBytes(bytes)).toBe(s);
      // interned second decode gives the same string
      expect(shortstr(bytes)).toBe(s);
    });
  }

  it('the short-string cache never answers with another string: same lengths, same tails, colliding slots, interleaved', () => {
    // deterministic pseudo-random strings of 1..64 bytes; many share a length and their last 12 bytes
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const tails = [hex`2e6372656174656421212121`, hex`ffffffffffffffffffffffff`];
    const pool: Uint8Array[] = [];
    for (let k = 0; k < 3000; k++) {
      const n = 1 + rnd(64);
      const b = Uint8Array.from({ length: n }, () => (rnd(4) === 0 ? 0x80 + rnd(128) : 0x61 + rnd(3)));
      if (n > 12 && rnd(2) === 0) b.set(tails[rnd(2)]!, n - 12);
      pool.push(b);
    }
    for (let k = 0; k < 20_000; k++) {
      const bytes = pool[rnd(pool.length)]!;
      // independent of the cache: the lossless encoding of what came back gives the bytes again
      expect(toHex(textBytes(shortstr(bytes)))).toBe(toHex(bytes));
    }
  });

  it('valid UTF-8 stays ordinary text', () => {
    for (const t of ['', 'amq.ctag-abc', 'é', '\u{1F600}x', 'a'.repeat(255)]) {
      const bytes = new TextEncoder().encode(t);
      const s = shortstr(bytes);
      expect(s).toBe(t);
      expect(hasRawBytes(s)).toBe(false);
    }
  });

  it('table keys and method fields keep raw bytes too', () => {
    const { table, again } = reencode(hex`00000005 02 ff 61 74 01`);
    expect(Object.keys(table)).toEqual(['\udcffa']);
    expect(again).toBe('0000000502ff617401');
    const w = new Writer(8);
    writeMethodFrame(w, 1, registry.byKind('basic.consume-ok')!, { kind: 'basic.consume-ok', consumerTag: textFromBytes(hex`ff 00 fe`) } as AnyMethod);
    expect(toHex(w.toBytes())).toBe(toHex(hex`01 0001 00000008 003c 0015 03 ff 00 fe ce`));
  });

  it('a field.string(bytes) table value keeps non-UTF-8 bytes as S as well', () => {
    expect(encode({ k: field.string(hex`ff`) })).toBe('0000000801' + '6b' + '5300000001ff');
  });
});

describe('mergeTables: a copy that keeps the wire record (issue 20: a spread dropped it)', () => {
  // z = L 5, 7 = S ff00 (not UTF-8), f = d 3.0: as py-amqp sends them.
  const bytes = hex`0000001f  01 7a 4c 0000000000000005   01 37 53 00000002 ff00   01 66 64 4008000000000000`;

  it('a spread loses order and tags; mergeTables keeps them, later tables win key by key', () => {
    const received = readTable(new Reader(bytes));
    expect(encode({ ...received })).not.toBe(toHex(bytes));
    expect(encode(mergeTables(received))).toBe(toHex(bytes));
    expect(encode(mergeTables(undefined, received, undefined))).toBe(toHex(bytes));
    // Defaults first, then the message's own: a key both have takes the later value and its tag.
    const merged = mergeTables({ app: 'x', f: 1 }, received);
    expect(Object.keys(merged).sort()).toEqual(['7', 'app', 'f', 'z']);
    expect(encode(merged)).toBe(toHex(hex`00000029  03 617070 53 00000001 78  01 66 64 4008000000000000  01 7a 4c 0000000000000005   01 37 53 00000002 ff00`));
    // A later plain value replaces a tagged one: its tag goes with it.
    expect(encode(mergeTables(received, { f: 2 }))).toBe(toHex(hex`0000001b  01 7a 4c 0000000000000005   01 37 53 00000002 ff00   01 66 49 00000002`));
  });

  it('without any record it is a plain copy; a Map keeps its order', () => {
    const plain = { a: 1, b: 'x' };
    const copy = mergeTables(plain, { c: true });
    expect(copy).toEqual({ a: 1, b: 'x', c: true });
    expect((copy as Record<symbol, unknown>)[WIRE]).toBeUndefined();
    expect(tableEntries(mergeTables(new Map<string, FieldValue>([['2', 1], ['1', 2]]))).map(([k]) => k)).toEqual(['2', '1']);
  });
});
