/**
 * Golden method frames (methods.ts), each run every way: decode, encode, both mirrors, through
 * FrameParser whole, byte by byte and with trailing bytes left unconsumed; plus trailing bytes
 * and every truncation inside the payload rejected by the decoder.
 */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../runtime/codec/index.js';
import { decodeMethod, writeMethodFrame } from '../../runtime/frame/index.js';
import { registry } from '../../generated/registry.js';
import { toHex } from '../helpers/hex.js';
import { TRAILER, decodeErrorOf, feed, walkFrames, type FeedMode } from './harness.js';
import { methodVectors } from './methods.js';
import type { MethodVector } from './types.js';
import type { Method } from '../../generated/methods.js';

function encode(value: MethodVector['value']): Uint8Array {
  const def = registry.byKind(value.method.kind);
  if (def === undefined) throw new Error(`no method ${value.method.kind}`);
  const w = new Writer(8);
  writeMethodFrame(w, value.channel, def, value.method);
  return w.toBytes();
}

function decode(bytes: Uint8Array): MethodVector['value'] {
  const r = feed(bytes, 'whole');
  if (r.error) throw r.error;
  expect(r.frames).toHaveLength(1);
  const f = r.frames[0]!;
  expect(f.type).toBe(1);
  return { channel: f.channel, method: decodeMethod(registry, f.payload) as Method };
}

const payloadOf = (v: MethodVector): Uint8Array => walkFrames(v.hex)[0]!.payload;

describe('method vectors: coverage and well-formedness', () => {
  it('cover every method of the registry', () => {
    const covered = new Set<string>(methodVectors.map((v) => v.value.method.kind));
    const missing = registry.methods.map((d) => d.kind).filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
    expect(covered.size).toBe(64);
  });

  it.each(methodVectors.map((v) => [v.name, v] as const))('%s: is one well-formed frame with a source', (_, v) => {
    expect(v.source).toMatch(/\S/);
    const frames = walkFrames(v.hex);
    expect(frames).toHaveLength(1);
    const def = registry.byKind(v.value.method.kind)!;
    const p = frames[0]!.payload;
    expect(((p[0]! << 8) | p[1]!) === def.classId && ((p[2]! << 8) | p[3]!) === def.methodId).toBe(true);
  });
});

describe.each(methodVectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
  it('decodes to its value', () => {
    expect(decode(v.hex)).toEqual(v.value);
  });

  it('encodes to its bytes', () => {
    expect(toHex(encode(v.value))).toBe(toHex(v.hex));
  });

  it('mirrors: decode(encode(value)) is value; encode(decode(bytes)) is bytes', () => {
    expect(decode(encode(v.value))).toEqual(v.value);
    expect(toHex(encode(decode(v.hex)))).toBe(toHex(v.hex));
  });

  it.each(['whole', 'bytewise', 'trailing'] as FeedMode[])('parser fed %s yields the one frame', (mode) => {
    const r = feed(v.hex, mode);
    expect(r.error).toBeUndefined();
    expect(r.frames).toEqual(walkFrames(v.hex));
    expect(r.parser.buffered).toBe(mode === 'trailing' ? TRAILER.length : 0);
    expect(r.parser.next()).toBeUndefined();
  });

  it('the decoder rejects a trailing byte inside the payload (502)', () => {
    const p = payloadOf(v);
    const longer = Uint8Array.of(...p, 0);
    const e = decodeErrorOf(() => decodeMethod(registry, longer));
    expect([e.replyCode, e.offset, e.fatal]).toEqual([502, p.length, false]);
    expect(e.message).toMatch(/1 unexpected trailing bytes/);
  });

  it('the decoder rejects every truncation of the payload with a DecodeError', () => {
    const p = payloadOf(v);
    for (let n = 0; n < p.length; n++) {
      const e = decodeErrorOf(() => decodeMethod(registry, p.subarray(0, n)));
      expect(e.replyCode).toBe(502);
      expect(e.offset).toBeLessThanOrEqual(n);
    }
  });
});
