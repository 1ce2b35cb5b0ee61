// FrameParser with streamBodies: body frames that span chunks come out as pieces (views of the
// chunks) that reassemble to the same frames, under any chunking; the frame-end is still checked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../../runtime/frame/index.js';
import { DecodeError } from '../../../runtime/codec/index.js';

function frame(type: number, channel: number, payload: Uint8Array, end = 0xce): Uint8Array {
  const f = new Uint8Array(8 + payload.length);
  f[0] = type;
  f[1] = channel >> 8;
  f[2] = channel & 0xff;
  new DataView(f.buffer).setUint32(3, payload.length);
  f.set(payload, 7);
  f[7 + payload.length] = end;
  return f;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

/** Feeds `bytes` in `sizes` chunks (each copied, then scribbled over: pieces must be used at once) and rebuilds whole frames. */
function collect(bytes: Uint8Array, sizes: number[]): { type: number; channel: number; payload: number[] }[] {
  const p = new FrameParser({ frameMax: 0, streamBodies: true });
  const out: { type: number; channel: number; payload: number[] }[] = [];
  let current: number[] | undefined;
  let i = 0;
  for (let off = 0; off < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    const chunk = bytes.slice(off, off + n);
    off += n;
    p.push(chunk);
    while (p.advance()) {
      const piece = Array.from(p.frameBuf.subarray(p.frameStart, p.frameEnd));
      if (p.frameType !== 3 || (p.frameOffset === 0 && p.frameComplete && piece.length === p.frameSize)) {
        out.push({ type: p.frameType, channel: p.frameChannel, payload: piece });
        continue;
      }
      if (p.frameOffset === 0) current = [];
      expect(current!.length).toBe(p.frameOffset);
      current!.push(...piece);
      if (p.frameComplete) {
        expect(current!.length).toBe(p.frameSize);
        out.push({ type: 3, channel: p.frameChannel, payload: current! });
        current = undefined;
      }
    }
    chunk.fill(0xee);
  }
  return out;
}

describe('FrameParser streamBodies', () => {
  const frames = [
    frame(1, 1, Uint8Array.from([0, 60, 0, 60, 1, 2, 3])),
    frame(2, 1, new Uint8Array(14)),
    frame(3, 1, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)),
    frame(8, 0, new Uint8Array(0)),
    frame(3, 2, Uint8Array.from({ length: 5 }, (_, i) => 200 + i)),
  ];
  const bytes = concat(frames);
  const whole = collect(bytes, [bytes.length]);

  it('whole input gives whole frames', () => {
    expect(whole.map((f) => [f.type, f.channel, f.payload.length])).toEqual([
      [1, 1, 7],
      [2, 1, 14],
      [3, 1, 300],
      [8, 0, 0],
      [3, 2, 5],
    ]);
  });

  it('any chunking reassembles to the same frames', () => {
    expect(collect(bytes, [1])).toEqual(whole);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 10 }), (sizes) => {
      expect(collect(bytes, sizes)).toEqual(whole);
    }), { numRuns: 300 });
  });

  it('a bad frame-end after the last piece of a streamed body is still a fatal 501', () => {
    const bad = concat([frame(3, 1, new Uint8Array(50), 0x41)]);
    const p = new FrameParser({ frameMax: 0, streamBodies: true });
    p.push(bad.subarray(0, 30));
    expect(p.advance()).toBe(true);
    expect(p.frameComplete).toBe(false);
    p.push(bad.subarray(30));
    let error: unknown;
    try {
      while (p.advance()) expect(p.frameComplete).toBe(false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ replyCode: 501, fatal: true });
  });

  it('next() refuses to run in streaming mode (it promises whole frames)', () => {
    expect(() => new FrameParser({ streamBodies: true }).next()).toThrow(TypeError);
  });
});
