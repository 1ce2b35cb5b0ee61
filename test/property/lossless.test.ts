/**
 * decode → encode is the identity on wire bytes (issue 10): for field tables and arrays built as
 * arbitrary valid bytes (integer-like keys, every tag, keys and strings that are not UTF-8), for
 * short strings of any bytes, and for every method of the generated registry and the basic
 * properties, whose arguments come from such bytes (arbitraries derived from the registry's
 * `fields`, so an overlay's methods are covered too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, Writer, readArray, readTable, textBytes, textFromBytes, writeArray, writeTable, type AnyMethod, type FieldDef } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod, writeHeaderFrame, writeMethodFrame } from '../../runtime/frame/index.js';
import { basicProperties, registry } from '../../generated/registry.js';
import { toHex } from '../helpers/hex.js';
import { canonical, type FieldArbitraries } from './arbitraries.js';
import { arrayBytes, shortstrBytes, tableBytes } from './wire-arbitraries.js';

describe('field tables and arrays as bytes', () => {
  it('readTable → writeTable gives the same bytes', () => {
    fc.assert(
      fc.property(tableBytes, (bytes) => {
        const r = new Reader(bytes);
        const t = readTable(r);
        expect(r.pos).toBe(bytes.length);
        const w = new Writer(8);
        writeTable(w, t, 'test', 'table');
        expect(toHex(w.toBytes())).toBe(toHex(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('readArray → writeArray gives the same bytes', () => {
    fc.assert(
      fc.property(arrayBytes, (bytes) => {
        const a = readArray(new Reader(bytes));
        const w = new Writer(8);
        writeArray(w, a, 'test', 'array');
        expect(toHex(w.toBytes())).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('short strings as bytes', () => {
  it('Reader.shortstr → Writer.shortstr gives the same bytes', () => {
    fc.assert(
      fc.property(shortstrBytes, (b) => {
        const framed = Uint8Array.of(b.length, ...b);
        const s = new Reader(framed).shortstr();
        const w = new Writer(8);
        w.shortstr(s, 'test', 'shortstr');
        expect(toHex(w.toBytes())).toBe(toHex(framed));
      }),
      { numRuns: 2000 },
    );
  });
});

/** Arguments whose shortstr, longstr and table fields come from arbitrary wire bytes. */
const fromBytes: FieldArbitraries = {
  ...canonical,
  shortstr: shortstrBytes.map(textFromBytes),
  table: tableBytes.map((b) => readTable(new Reader(b))),
};

function arb(fields: readonly FieldDef[], optional: boolean): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) rec[f.name] = fromBytes[f.type];
  return optional ? fc.record(rec, { requiredKeys: [] }) : fc.record(rec);
}

function methodBytes(m: AnyMethod): Uint8Array {
  const w = new Writer(8);
  writeMethodFrame(w, 1, registry.byKind(m.kind)!, m);
  return w.toBytes();
}

describe.each(registry.methods.map((d) => [d.kind, d] as const))('%s', (_, def) => {
  it('decode → encode gives the same frame; short strings and tables keep their bytes', () => {
    fc.assert(
      fc.property(arb(def.fields, false).map((r) => ({ kind: def.kind, ...r }) as AnyMethod), (m) => {
        const bytes = methodBytes(m);
        const decoded = decodeMethod(registry, bytes.subarray(7, -1)) as unknown as Record<string, unknown>;
        expect(toHex(methodBytes(decoded as unknown as AnyMethod))).toBe(toHex(bytes));
        for (const f of def.fields) {
          if (f.type === 'shortstr') expect(toHex(textBytes(decoded[f.name] as string))).toBe(toHex(textBytes((m as never)[f.name])));
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('basic properties', () => {
  it('decode → encode gives the same header frame for any subset of the 14', () => {
    fc.assert(
      fc.property(arb(basicProperties.fields, true), (p) => {
        const w = new Writer(8);
        writeHeaderFrame(w, 1, basicProperties, p, 10);
        const bytes = w.toBytes();
        const h = decodeContentHeader(registry, bytes.subarray(7, -1));
        const w2 = new Writer(8);
        writeHeaderFrame(w2, 1, basicProperties, h.properties, h.bodySize);
        expect(toHex(w2.toBytes())).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
