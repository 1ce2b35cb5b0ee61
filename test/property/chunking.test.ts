/**
 * Chunking invariance: a random stream of frames (methods of any kind, contents with random
 * properties, bodies and frame_max, heartbeats) gives the same frames whether it is fed to
 * FrameParser whole or cut anywhere, and those frames decode back to what was written. Any body
 * split by writeContentFrames reassembles, in frames of exactly frame_max - 8 but the last.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writer, type AnyMethod } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod, writeContentFrames, writeHeaderFrame, writeHeartbeat, writeMethodFrame } from '../../runtime/frame/index.js';
import { basicProperties, basicPublish, registry } from '../../generated/registry.js';
import { concat } from '../helpers/hex.js';
import { chunk, feedChunks, type PlainFrame } from '../vectors/harness.js';
import { methodArb, propertiesArb } from './arbitraries.js';

const contentDefs = registry.methods.filter((d) => d.content);
const plainDefs = registry.methods.filter((d) => !d.content);

type Item =
  | { t: 'method'; channel: number; method: AnyMethod }
  | { t: 'content'; channel: number; method: AnyMethod; properties: Record<string, unknown>; body: Uint8Array; frameMax: number }
  | { t: 'heartbeat' };

const channel = fc.integer({ min: 0, max: 65535 });

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.constantFrom(...plainDefs).chain((d) => fc.record({ t: fc.constant('method' as const), channel, method: methodArb(d) })),
  fc.constantFrom(...contentDefs).chain((d) =>
    fc.record({
      t: fc.constant('content' as const),
      channel: fc.integer({ min: 1, max: 65535 }),
      method: methodArb(d),
      properties: propertiesArb(basicProperties),
      body: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 600 })),
      frameMax: fc.integer({ min: 9, max: 300 }),
    }),
  ),
  fc.constant({ t: 'heartbeat' as const }),
);

/** The smallest frame_max that the method and header frames of `it` fit in. */
function fits(it: Extract<Item, { t: 'content' }>): number {
  const w = new Writer(8);
  writeMethodFrame(w, it.channel, registry.byKind(it.method.kind)!, it.method);
  const m = w.pos;
  writeHeaderFrame(w, it.channel, basicProperties, it.properties, it.body.length);
  return Math.max(m, w.pos - m);
}

/**
 * Writes the items; a content's frame_max is raised to what its method and header need. The
 * parser then runs with frame_max 0 (no limit): plain methods with random tables may be large.
 */
function write(items: Item[]): { bytes: Uint8Array; limits: number[] } {
  const w = new Writer(64);
  const limits: number[] = [];
  for (const it of items) {
    if (it.t === 'heartbeat') writeHeartbeat(w);
    else if (it.t === 'method') writeMethodFrame(w, it.channel, registry.byKind(it.method.kind)!, it.method);
    else {
      const fm = Math.max(it.frameMax, fits(it));
      limits.push(fm);
      writeContentFrames(w, it.channel, registry.byKind(it.method.kind)!, it.method, basicProperties, it.properties, it.body, fm);
    }
  }
  return { bytes: w.toBytes(), limits };
}

/** Reads the items back from the frames, checking each body frame against its frame_max. */
function read(frames: PlainFrame[], limits: number[]): Item[] {
  const out: Item[] = [];
  let i = 0;
  let c = 0;
  while (i < frames.length) {
    const f = frames[i++]!;
    if (f.type === 8) {
      out.push({ t: 'heartbeat' });
      continue;
    }
    expect(f.type).toBe(1);
    const method = decodeMethod(registry, f.payload);
    if (!registry.byKind(method.kind)!.content) {
      out.push({ t: 'method', channel: f.channel, method });
      continue;
    }
    const h = decodeContentHeader<Record<string, unknown>>(registry, frames[i++]!.payload);
    const frameMax = limits[c++]!;
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < Number(h.bodySize)) {
      const b = frames[i++]!;
      expect(b.type).toBe(3);
      expect(b.channel).toBe(f.channel);
      expect(b.payload.length + 8).toBeLessThanOrEqual(frameMax);
      parts.push(b.payload);
      got += b.payload.length;
    }
    const properties = Object.fromEntries(Object.entries(h.properties).filter(([, x]) => x !== undefined));
    out.push({ t: 'content', channel: f.channel, method, properties, body: concat(parts), frameMax: 0 });
  }
  return out;
}

const sameShape = (items: Item[]): Item[] => items.map((x) => (x.t === 'content' ? { ...x, frameMax: 0 } : x));

describe('chunking invariance', () => {
  it('any chunking of a frame stream gives the frames fed whole, and they decode to what was written', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (items, cuts) => {
        const { bytes, limits } = write(items);
        const whole = feedChunks([bytes], 0);
        const cut = feedChunks(chunk(bytes, cuts), 0);
        expect(whole.error).toBeUndefined();
        expect(cut.error).toBeUndefined();
        expect(cut.frames).toEqual(whole.frames);
        expect(cut.parser.buffered).toBe(0);
        expect(read(whole.frames, limits)).toEqual(sameShape(items));
      }),
      { numRuns: 150 },
    );
  });

  it('a stream fed byte by byte gives the frames fed whole', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), (items) => {
        const { bytes } = write(items);
        const bytewise = feedChunks(Array.from(bytes, (b) => Uint8Array.of(b)), 0);
        expect(bytewise.frames).toEqual(feedChunks([bytes], 0).frames);
      }),
      { numRuns: 30 },
    );
  });
});

describe('body split', () => {
  const publish = { kind: 'basic.publish', exchange: '', routingKey: '', mandatory: false, immediate: false } as const;

  it('any body at any frame_max splits into frames of frame_max - 8 (last one shorter, none empty) and reassembles', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 22, max: 5000 }), fc.array(fc.nat(), { maxLength: 6 }), (body, frameMax, cuts) => {
        const w = new Writer(8);
        writeContentFrames(w, 1, basicPublish, publish, basicProperties, {}, body, frameMax);
        const r = feedChunks(chunk(w.toBytes(), cuts), frameMax);
        expect(r.error).toBeUndefined();
        const bodies = r.frames.slice(2);
        const size = frameMax - 8;
        expect(bodies).toHaveLength(Math.ceil(body.length / size));
        bodies.forEach((b, i) => {
          expect(b.type).toBe(3);
          if (i < bodies.length - 1) expect(b.payload.length).toBe(size);
          else expect(b.payload.length).toBe(body.length - size * i);
        });
        expect(concat(bodies.map((b) => b.payload))).toEqual(body);
      }),
      { numRuns: 200 },
    );
  });
});
