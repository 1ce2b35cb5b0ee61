/**
 * Cross-check against an independent implementation, amqplib 2's generated codec
 * (node_modules/amqplib/lib/defs.js), for every method of the registry, both directions, with
 * random arguments derived from each MethodDef's `fields`; and basic properties both ways.
 *
 * How the two line up (read from defs.js):
 * - amqplib's `info(id).args` lists every argument, reserved ones included, under its own names.
 *   A warren field matches the amqplib argument of the same name ignoring case (`noWait` ~
 *   `nowait`); amqplib arguments with no warren field are the spec's reserved ones (`ticket`,
 *   `capabilities`, `insist`, `knownHosts`, `outOfBand`, `channelId`, `clusterId` of get-empty).
 * - `decode(id, buf)` takes the arguments after the class and method ids; `encodeMethod(id,
 *   channel, fields)` returns a whole frame; `encodeProperties(60, channel, size, fields)` a whole
 *   header frame; `decode(60, buf)` takes the property flags onward.
 * Quirks handled: longlongs go through `Number()` (no bigint: values kept at most 2^53 - 1);
 * longstr must be a Buffer; table integers are written in the narrowest of b/s/I/l (warren
 * always writes I or l), so bytes are compared only for number-free tables, values otherwise;
 * a key `__proto__` would set the decoded object's prototype (not generated); timestamps are
 * numbers of seconds. amqplib has all 64 methods, with exchange.unbind-ok at 40.51; it also has
 * access.request/-ok (30.10/30.11), dropped from 0-9-1, which warren does not implement.
 */
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Writer, type AnyMethod, type MethodDef } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod, writeHeaderFrame, writeMethodFrame } from '../../runtime/frame/index.js';
import { basicProperties, registry } from '../../generated/registry.js';
import { toHex } from '../helpers/hex.js';
import { methodVectors } from '../vectors/methods.js';
import { headerVectors } from '../vectors/content.js';
import { walkFrames } from '../vectors/harness.js';
import { amqplibSafe, methodArb, numberFreeTable, propertiesArb, shortstr, type FieldArbitraries } from './arbitraries.js';

interface AmqplibArg { name: string; type: string }
interface AmqplibDefs {
  decode(id: number, buf: Buffer): Record<string, unknown>;
  encodeMethod(id: number, channel: number, fields: object): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: object): Buffer;
  info(id: number): { name: string; args: AmqplibArg[] };
}

const require = createRequire(import.meta.url);
// amqplib's package exports hide lib/: load the file by path (test-only cross-check).
const amqplib = require(require.resolve('amqplib').replace(/channel_api\.js$|index\.js$/, 'lib/defs.js')) as AmqplibDefs;

/** amqplib's arguments of `def`, each paired with the warren field it carries (or none: reserved). */
function argsOf(def: MethodDef): { arg: AmqplibArg; field: string | undefined }[] {
  const args = amqplib.info(def.id).args;
  const byLower = new Map(def.fields.map((f) => [f.name.toLowerCase(), f.name]));
  return args.map((arg) => ({ arg, field: byLower.get(arg.name.toLowerCase()) }));
}

/** A reserved argument's zero value, as amqplib wants it. */
function zeroOf(type: string): unknown {
  switch (type) {
    case 'bit': return false;
    case 'shortstr': return '';
    case 'longstr': return Buffer.alloc(0);
    case 'table': return {};
    default: return 0;
  }
}

/** Comparable form: byte strings as hex, Buffers (a Uint8Array subclass) likewise. */
function comparable(v: unknown): unknown {
  if (v instanceof Uint8Array) return `bytes:${toHex(v)}`;
  if (Array.isArray(v)) return v.map(comparable);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  return v;
}

/** warren method → amqplib's fields object (reserved arguments at their zero value). */
function toAmqplib(def: MethodDef, m: AnyMethod, reserved: (a: AmqplibArg) => unknown = (a) => zeroOf(a.type)): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rec = m as unknown as Record<string, unknown>;
  for (const { arg, field } of argsOf(def)) {
    const x = field === undefined ? reserved(arg) : rec[field];
    out[arg.name] = arg.type === 'longstr' && x instanceof Uint8Array ? Buffer.from(x) : x;
  }
  return out;
}

/** amqplib's decoded fields → what warren's decoder must give (reserved arguments dropped). */
function fromAmqplib(def: MethodDef, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: def.kind };
  for (const { arg, field } of argsOf(def)) if (field !== undefined) out[field] = fields[arg.name];
  return out;
}

function warrenFrame(def: MethodDef, m: AnyMethod, channel = 1): Uint8Array {
  const w = new Writer(8);
  writeMethodFrame(w, channel, def, m);
  return w.toBytes();
}

/** Random values for amqplib's reserved arguments: warren must ignore whatever is there. */
const reservedArbs: FieldArbitraries = { ...amqplibSafe, shortstr, table: numberFreeTable };
const numberFree: FieldArbitraries = { ...amqplibSafe, table: numberFreeTable };

describe('amqplib has every method of the registry under the same ids', () => {
  it.each(registry.methods.map((d) => [d.kind, d] as const))('%s', (_, def) => {
    const info = amqplib.info(def.id);
    expect(info).toBeDefined();
    const matched = argsOf(def).filter((a) => a.field !== undefined).map((a) => a.field);
    expect(matched).toEqual(def.fields.map((f) => f.name)); // same public fields, same order
    for (const { arg, field } of argsOf(def)) {
      if (field !== undefined) expect(arg.type).toBe(def.fields.find((f) => f.name === field)!.type);
    }
  });
});

describe.each(registry.methods.map((d) => [d.kind, d] as const))('%s against amqplib', (_, def) => {
  it('warren encodes → amqplib decodes the same fields, reserved ones zero', () => {
    fc.assert(
      fc.property(methodArb(def, amqplibSafe), (m) => {
        const frame = warrenFrame(def, m);
        const decoded = amqplib.decode(def.id, Buffer.from(frame.subarray(11, -1)));
        expect(comparable(fromAmqplib(def, decoded))).toEqual(comparable(m));
        for (const { arg, field } of argsOf(def)) if (field === undefined) expect(comparable(decoded[arg.name])).toEqual(comparable(zeroOf(arg.type)));
      }),
      { numRuns: 25 },
    );
  });

  it('amqplib encodes (any reserved values) → warren decodes the same fields', () => {
    const reserved = fc.record(Object.fromEntries(argsOf(def).filter((a) => a.field === undefined).map(({ arg }) => [arg.name, reservedArbs[arg.type as keyof FieldArbitraries]])));
    fc.assert(
      fc.property(methodArb(def, amqplibSafe), reserved, (m, res) => {
        const fields = toAmqplib(def, m, (a) => res[a.name]);
        const frame = amqplib.encodeMethod(def.id, 1, fields);
        const decoded = decodeMethod(registry, new Uint8Array(frame.subarray(7, -1)));
        expect(comparable(decoded)).toEqual(comparable(fromAmqplib(def, fields)));
      }),
      { numRuns: 25 },
    );
  });

  it('with number-free tables and reserved fields zero, the frames are byte-identical', () => {
    fc.assert(
      fc.property(methodArb(def, numberFree), fc.integer({ min: 0, max: 65535 }), (m, channel) => {
        expect(toHex(warrenFrame(def, m, channel))).toBe(toHex(amqplib.encodeMethod(def.id, channel, toAmqplib(def, m))));
      }),
      { numRuns: 10 },
    );
  });
});

describe('basic properties against amqplib', () => {
  /** warren properties → amqplib's (timestamp in seconds). */
  const toTheirs = (p: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(p).map(([k, x]) => [k, x instanceof Date ? x.getTime() / 1000 : x]));
  const present = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined));

  it('warren encodes → amqplib decodes the same present properties', () => {
    fc.assert(
      fc.property(propertiesArb(basicProperties, amqplibSafe), fc.maxSafeNat(), (p, size) => {
        const w = new Writer(8);
        writeHeaderFrame(w, 1, basicProperties, p, size);
        const decoded = amqplib.decode(60, Buffer.from(w.toBytes().subarray(19, -1)));
        expect(comparable(present(decoded))).toEqual(comparable(toTheirs(p)));
      }),
      { numRuns: 300 },
    );
  });

  it('amqplib encodes → warren decodes the same present properties and body size', () => {
    fc.assert(
      fc.property(propertiesArb(basicProperties, amqplibSafe), fc.integer({ min: 0, max: 2 ** 40 }), (p, size) => {
        const frame = amqplib.encodeProperties(60, 3, size, toTheirs(p));
        const h = decodeContentHeader(registry, new Uint8Array(frame.subarray(7, -1)));
        expect(h.bodySize).toBe(size);
        expect(comparable(present(h.properties as Record<string, unknown>))).toEqual(comparable(p));
      }),
      { numRuns: 300 },
    );
  });

  it('with number-free headers the header frames are byte-identical', () => {
    fc.assert(
      fc.property(propertiesArb(basicProperties, numberFree), fc.maxSafeNat(), (p, size) => {
        const w = new Writer(8);
        writeHeaderFrame(w, 2, basicProperties, p, size);
        expect(toHex(w.toBytes())).toBe(toHex(amqplib.encodeProperties(60, 2, size, toTheirs(p))));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the golden vectors agree with amqplib (checks the hand-assembled bytes independently)', () => {
  const safe = (x: unknown): boolean => typeof x !== 'bigint' && !(x instanceof Date) && (x === null || typeof x !== 'object' || x instanceof Uint8Array || Object.values(x).every(safe));

  it.each(methodVectors.filter((v) => safe(v.value.method)).map((v) => [v.name, v] as const))('%s', (_, v) => {
    const def = registry.byKind(v.value.method.kind)!;
    const decoded = amqplib.decode(def.id, Buffer.from(walkFrames(v.hex)[0]!.payload.subarray(4)));
    expect(comparable(fromAmqplib(def, decoded))).toEqual(comparable(v.value.method));
  });

  it.each(headerVectors.filter((v) => typeof v.value.bodySize === 'number').map((v) => [v.name, v] as const))('header %s', (_, v) => {
    const payload = Buffer.from(walkFrames(v.hex)[0]!.payload);
    expect(Number(payload.readBigUInt64BE(4))).toBe(v.value.bodySize);
    const decoded = amqplib.decode(60, payload.subarray(12));
    const want = Object.fromEntries(Object.entries(v.value.properties).map(([k, x]) => [k, x instanceof Date ? x.getTime() / 1000 : x]));
    expect(comparable(Object.fromEntries(Object.entries(decoded).filter(([, x]) => x !== undefined)))).toEqual(comparable(want));
  });
});
