/**
 * Golden content headers and contents (content.ts), run every way: decode, encode, both mirrors,
 * parser whole / byte by byte / with trailing bytes; the header decoder rejects trailing bytes
 * and every truncation.
 */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod, writeContentFrames, writeHeaderFrame } from '../../runtime/frame/index.js';
import { basicProperties, registry } from '../../generated/registry.js';
import type { BasicProperties } from '../../generated/properties.js';
import type { Method } from '../../generated/methods.js';
import { concat, hex, toHex } from '../helpers/hex.js';
import { contentVectors, headerVectors } from './content.js';
import { TRAILER, decodeErrorOf, feed, walkFrames, type FeedMode, type PlainFrame } from './harness.js';
import type { ContentVector, HeaderVector } from './types.js';

const modes: FeedMode[] = ['whole', 'bytewise', 'trailing'];

function frames(bytes: Uint8Array, frameMax: number): PlainFrame[] {
  const r = feed(bytes, 'whole', frameMax);
  if (r.error) throw r.error;
  return r.frames;
}

// ---- content headers on their own

function encodeHeader(v: HeaderVector['value']): Uint8Array {
  const w = new Writer(8);
  writeHeaderFrame(w, v.channel, basicProperties, v.properties, v.bodySize);
  return w.toBytes();
}

function decodeHeader(bytes: Uint8Array): HeaderVector['value'] {
  const fs = frames(bytes, 4096);
  expect(fs).toHaveLength(1);
  expect(fs[0]!.type).toBe(2);
  const h = decodeContentHeader<BasicProperties>(registry, fs[0]!.payload);
  return { channel: fs[0]!.channel, ...h };
}

/** The properties that are present (not undefined), for presence checks beyond toEqual. */
const present = (p: object): string[] => Object.entries(p).filter(([, x]) => x !== undefined).map(([k]) => k).sort();

describe('content-header vectors: well-formedness', () => {
  it('include all 14 flags and zero-valued present properties', () => {
    expect(headerVectors.some((v) => present(v.value.properties).length === 14)).toBe(true);
    expect(headerVectors.some((v) => v.value.properties.priority === 0 && v.value.properties.contentType === '')).toBe(true);
  });

  it.each(headerVectors.map((v) => [v.name, v] as const))('%s: is one well-formed frame', (_, v) => {
    expect(walkFrames(v.hex)).toHaveLength(1);
  });
});

describe.each(headerVectors.map((v) => [v.name, v] as const))('header %s', (_, v) => {
  it('decodes to its value, presence kept', () => {
    const got = decodeHeader(v.hex);
    expect(got).toEqual(v.value);
    expect(present(got.properties)).toEqual(present(v.value.properties));
  });

  it('encodes to its bytes', () => {
    expect(toHex(encodeHeader(v.value))).toBe(toHex(v.hex));
  });

  it('mirrors both ways', () => {
    expect(decodeHeader(encodeHeader(v.value))).toEqual(v.value);
    expect(toHex(encodeHeader(decodeHeader(v.hex)))).toBe(toHex(v.hex));
  });

  it.each(modes)('parser fed %s yields the frame', (mode) => {
    const r = feed(v.hex, mode);
    expect(r.error).toBeUndefined();
    expect(r.frames).toEqual(walkFrames(v.hex));
    expect(r.parser.buffered).toBe(mode === 'trailing' ? TRAILER.length : 0);
  });

  it('the decoder rejects a trailing byte and every truncation (502)', () => {
    const p = walkFrames(v.hex)[0]!.payload;
    const e = decodeErrorOf(() => decodeContentHeader(registry, Uint8Array.of(...p, 0)));
    expect([e.replyCode, e.offset]).toEqual([502, p.length]);
    for (let n = 0; n < p.length; n++) {
      expect(decodeErrorOf(() => decodeContentHeader(registry, p.subarray(0, n))).replyCode).toBe(502);
    }
  });
});

// ---- whole contents: method + header + body frames

function encodeContent(v: ContentVector['value']): Uint8Array {
  const def = registry.byKind(v.method.kind)!;
  const w = new Writer(8);
  writeContentFrames(w, v.channel, def, v.method, basicProperties, v.properties, v.body, v.frameMax);
  return w.toBytes();
}

/** Assembles method, header and body frames the way the core does (spec 4.2.6). */
function assemble(fs: readonly PlainFrame[]): ContentVector['value'] & { bodyFrames: number } {
  const [m, h, ...bodies] = fs;
  expect(m!.type).toBe(1);
  expect(h!.type).toBe(2);
  for (const b of bodies) {
    expect(b.type).toBe(3);
    expect(b.channel).toBe(m!.channel);
  }
  const header = decodeContentHeader<BasicProperties>(registry, h!.payload);
  const body = concat(bodies.map((b) => b.payload));
  expect(header.bodySize).toBe(body.length);
  return { channel: m!.channel, method: decodeMethod(registry, m!.payload) as Method, properties: header.properties, body, frameMax: 0, bodyFrames: bodies.length };
}

function decodeContent(bytes: Uint8Array, frameMax: number): ContentVector['value'] {
  const { bodyFrames: _, ...rest } = assemble(frames(bytes, frameMax));
  return { ...rest, frameMax };
}

describe('content vectors: well-formedness', () => {
  it('cover an empty body, a split body and a body of exactly n × (frame_max - 8)', () => {
    const splits = contentVectors.map((v) => walkFrames(v.hex).filter((f) => f.type === 3).map((f) => f.payload.length));
    expect(splits).toContainEqual([]);
    expect(splits.some((s) => s.length > 1 && s[s.length - 1]! < s[0]!)).toBe(true);
    expect(splits).toContainEqual([24, 24]);
  });

  it.each(contentVectors.map((v) => [v.name, v] as const))('%s: frames are well formed and bodies at most frame_max - 8', (_, v) => {
    for (const f of walkFrames(v.hex)) expect(f.payload.length + 8).toBeLessThanOrEqual(v.value.frameMax);
  });
});

describe.each(contentVectors.map((v) => [v.name, v] as const))('content %s', (_, v) => {
  it('decodes to its value', () => {
    expect(decodeContent(v.hex, v.value.frameMax)).toEqual(v.value);
  });

  it('encodes to its bytes', () => {
    expect(toHex(encodeContent(v.value))).toBe(toHex(v.hex));
  });

  it('mirrors both ways', () => {
    expect(decodeContent(encodeContent(v.value), v.value.frameMax)).toEqual(v.value);
    expect(toHex(encodeContent(decodeContent(v.hex, v.value.frameMax)))).toBe(toHex(v.hex));
  });

  it.each(modes)('parser (frame_max as written) fed %s yields the frames', (mode) => {
    const r = feed(v.hex, mode, v.value.frameMax);
    expect(r.error).toBeUndefined();
    expect(r.frames).toEqual(walkFrames(v.hex));
    expect(r.parser.buffered).toBe(mode === 'trailing' ? TRAILER.length : 0);
  });
});

// Known bug (runtime/codec/reader.ts, Reader.timestamp): a timestamp property beyond the last
// second a Date holds (8.64e12 s, year 275760) decodes to an Invalid Date, so the value is lost
// and the decoded properties cannot be re-encoded (EncodeError "timestamp must be a valid Date").
// Field tables keep such a `T` as `field.timestamp(seconds)`; content properties should not lose
// it either (PROTOCOL-NOTES: longlong values must not lose precision). Flip to `it` when fixed.
it('a timestamp property above 8.64e12 s survives decode → encode (WireTimestamp keeps the seconds)', () => {
  const bytes = hex`02 0001 00000016  003c 0000 00000000 00000000 0040 000007db a8218001 ce`;
  expect(toHex(encodeHeader(decodeHeader(bytes)))).toBe(toHex(bytes));
});
