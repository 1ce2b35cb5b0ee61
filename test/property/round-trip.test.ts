/**
 * Property tests over the generated registry, with arguments derived from each method's `fields`
 * (an overlay's methods are covered for free): every method round-trips through a frame under
 * any chunking, encoding is stable, basic properties keep presence for any subset of the 14,
 * loose (non-canonical) tables come back normalised. (Moved here from the per-method round trip
 * in test/unit/frame/generated.test.ts, which this replaces.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, Writer, type AnyMethod, type FieldTable } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod, writeHeaderFrame, writeMethodFrame } from '../../runtime/frame/index.js';
import { basicProperties, queueDeclare, registry } from '../../generated/registry.js';
import { toHex } from '../helpers/hex.js';
import { chunk, feedChunks } from '../vectors/harness.js';
import { looseTable, methodArb, normalise, propertiesArb } from './arbitraries.js';

const cuts = fc.array(fc.nat(), { maxLength: 5 });
const channel = fc.integer({ min: 0, max: 65535 });

function frameOf(channelNo: number, m: AnyMethod): Uint8Array {
  const w = new Writer(8);
  writeMethodFrame(w, channelNo, registry.byKind(m.kind)!, m);
  return w.toBytes();
}

describe('every method of the registry', () => {
  it('the registry has the 64 methods of RabbitMQ\'s extended spec, ids consistent', () => {
    expect(registry.methods).toHaveLength(64);
    for (const d of registry.methods) {
      expect(d.id).toBe(d.classId * 65536 + d.methodId);
      expect(registry.byId(d.id)).toBe(d);
      expect(registry.byKind(d.kind)).toBe(d);
    }
  });

  describe.each(registry.methods.map((d) => [d.kind, d] as const))('%s', (_, def) => {
    it('decode(encode(m)) is m, through a frame cut anywhere; the decoder consumes exactly the arguments', () => {
      fc.assert(
        fc.property(methodArb(def), channel, cuts, (m, ch, at) => {
          const bytes = frameOf(ch, m);
          const r = feedChunks(chunk(bytes, at), 0);
          expect(r.error).toBeUndefined();
          expect(r.frames).toHaveLength(1);
          expect(r.frames[0]!.channel).toBe(ch);
          expect(decodeMethod(registry, r.frames[0]!.payload)).toEqual(m);
          const reader = new Reader(bytes, 11, bytes.length - 1);
          expect(def.decode(reader)).toEqual(m);
          expect(reader.pos).toBe(bytes.length - 1);
        }),
        { numRuns: 40 },
      );
    });

    it('encoding is stable: encode(decode(encode(m))) is encode(m)', () => {
      fc.assert(
        fc.property(methodArb(def), (m) => {
          const bytes = frameOf(1, m);
          expect(toHex(frameOf(1, decodeMethod(registry, bytes.subarray(7, -1))))).toBe(toHex(bytes));
        }),
        { numRuns: 15 },
      );
    });
  });
});

describe('basic properties', () => {
  const props = propertiesArb(basicProperties);
  const bodySize = fc.oneof(fc.maxSafeNat(), fc.bigInt(2n ** 53n, 2n ** 64n - 1n));

  it('any subset of the 14 round-trips with presence kept (zero values included)', () => {
    const withZeros = fc.oneof(props, fc.subarray(basicProperties.fields.map((f) => f.name)).map((names) => {
      const zero = { octet: 0, shortstr: '', table: {}, timestamp: new Date(0) } as Record<string, unknown>;
      return Object.fromEntries(names.map((n) => [n, zero[basicProperties.fields.find((f) => f.name === n)!.type]]));
    }));
    fc.assert(
      fc.property(withZeros, bodySize, channel, (p, size, ch) => {
        const w = new Writer(8);
        writeHeaderFrame(w, ch, basicProperties, p, size);
        const bytes = w.toBytes();
        const flags = (bytes[19]! << 8) | bytes[20]!;
        basicProperties.fields.forEach((f, i) => expect((flags & (0x8000 >> i)) !== 0).toBe(p[f.name] !== undefined));
        const h = decodeContentHeader(registry, bytes.subarray(7, -1));
        expect(h).toEqual({ classId: 60, bodySize: size, properties: p });
        const decoded = h.properties as Record<string, unknown>;
        expect(Object.keys(decoded).filter((k) => decoded[k] !== undefined).sort()).toEqual(Object.keys(p).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('loose headers tables come back normalised (forced widths, undefined, safe bigints, dates with ms)', () => {
    fc.assert(
      fc.property(looseTable, (headers) => {
        const w = new Writer(8);
        writeHeaderFrame(w, 1, basicProperties, { headers }, 0);
        const h = decodeContentHeader<{ headers?: FieldTable }>(registry, w.toBytes().subarray(7, -1));
        expect(h.properties.headers).toEqual(normalise(headers));
      }),
      { numRuns: 200 },
    );
  });

  it('loose method arguments come back normalised', () => {
    fc.assert(
      fc.property(methodArb(queueDeclare), looseTable, (m, args) => {
        const decoded = decodeMethod(registry, frameOf(1, { ...m, arguments: args } as AnyMethod).subarray(7, -1));
        expect(decoded).toEqual({ ...m, arguments: normalise(args) });
      }),
      { numRuns: 100 },
    );
  });
});
