import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, isDecodeError } from '../../../runtime/codec/index.js';
import { FrameParser, type Frame } from '../../../runtime/frame/index.js';
import { concat, hex, toHex } from '../../helpers/hex.js';

interface Plain { type: number; channel: number; payload: string }
const plain = (f: Frame): Plain => ({ type: f.type, channel: f.channel, payload: toHex(f.payload) });

/** Feeds `chunks` one by one, draining after each; returns the frames, or the error thrown. */
function run(chunks: Uint8Array[], frameMax = 4096): { frames: Plain[]; error?: DecodeError; parser: FrameParser } {
  const p = new FrameParser({ frameMax });
  const frames: Plain[] = [];
  try {
    for (const c of chunks) {
      p.push(c);
      let f;
      while ((f = p.next())) frames.push(plain(f));
    }
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    return { frames, error: e, parser: p };
  }
  return { frames, parser: p };
}

function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const c of points) {
    out.push(b.subarray(last, c));
    last = c;
  }
  out.push(b.subarray(last));
  return out;
}

const bytewise = (b: Uint8Array) => Array.from(b, (x) => Uint8Array.of(x));

/** A stream of frames of every type, and what the parser must yield for it. */
const stream = hex`
  01 0001 00000004 000a 000b ce      # method, channel 1
  02 0001 0000000e 003c 0000 0000000000000003 0000 ce   # header, body size 3
  03 0001 00000003 616263 ce         # body "abc"
  08 0000 00000000 ce                # heartbeat
  03 ffff 00000000 ce                # empty body frame, channel 65535`;
const expected: Plain[] = [
  { type: 1, channel: 1, payload: '000a000b' },
  { type: 2, channel: 1, payload: '003c000000000000000000030000' },
  { type: 3, channel: 1, payload: '616263' },
  { type: 8, channel: 0, payload: '' },
  { type: 3, channel: 65535, payload: '' },
];

describe('FrameParser: valid streams', () => {
  it('fed whole', () => {
    const r = run([stream]);
    expect(r.frames).toEqual(expected);
    expect(r.parser.buffered).toBe(0);
  });

  it('fed byte by byte', () => {
    expect(run(bytewise(stream)).frames).toEqual(expected);
  });

  it('fed in any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(run(split(stream, cuts)).frames).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('many frames per chunk, with a trailing partial frame kept for later', () => {
    const tail = hex`01 0001 00000004 000a`;
    const r = run([concat([stream, stream, tail])]);
    expect(r.frames).toEqual([...expected, ...expected]);
    expect(r.parser.buffered).toBe(tail.length);
    expect(r.parser.next()).toBeUndefined();
    r.parser.push(hex`000b ce`);
    expect(plain(r.parser.next()!)).toEqual(expected[0]);
    expect(r.parser.buffered).toBe(0);
  });

  it('pushing without draining first loses nothing', () => {
    const p = new FrameParser();
    for (const c of split(stream, [3, 20, 21, 40])) p.push(c);
    const got: Plain[] = [];
    let f;
    while ((f = p.next())) got.push(plain(f));
    expect(got).toEqual(expected);
  });

  it('whole frames are zero-copy views; spanning frames are copies', () => {
    const p = new FrameParser();
    const chunk = concat([hex`03 0001 00000002 aabb ce`, hex`03 0002 00000002 cc`]);
    p.push(chunk);
    const whole = p.next()!;
    expect(whole.payload.buffer).toBe(chunk.buffer);
    expect(p.next()).toBeUndefined();
    const rest = hex`dd ce`;
    p.push(rest);
    const spanning = p.next()!;
    expect(toHex(spanning.payload)).toBe('ccdd');
    expect(spanning.payload.buffer).not.toBe(chunk.buffer);
    expect(spanning.payload.buffer).not.toBe(rest.buffer);
  });

  it('empty pushes are harmless; next() on nothing is undefined', () => {
    const p = new FrameParser();
    expect(p.next()).toBeUndefined();
    p.push(new Uint8Array(0));
    expect(p.next()).toBeUndefined();
    expect(p.buffered).toBe(0);
  });

  it('a frame of exactly frameMax is accepted, fed whole and in pieces', () => {
    const frameMax = 4096;
    const f = concat([hex`03 0001`, Uint8Array.of(0, 0, 0x0f, 0xf8), new Uint8Array(frameMax - 8), hex`ce`]);
    expect(f.length).toBe(frameMax);
    expect(run([f], frameMax).frames.length).toBe(1);
    expect(run(split(f, [5, 100, 4000]), frameMax).frames[0]!.payload.length).toBe((frameMax - 8) * 2);
  });

  it('frameMax can be raised after tune; 0 means no negotiated limit', () => {
    const big = concat([hex`03 0001 00002000`, new Uint8Array(0x2000), hex`ce`]);
    const p = new FrameParser();
    expect(p.frameMax).toBe(4096);
    p.frameMax = 131072;
    p.push(big);
    expect(p.next()!.payload.length).toBe(0x2000);
    p.frameMax = 0;
    expect(p.frameMax).toBe(0);
    p.push(big);
    expect(p.next()!.payload.length).toBe(0x2000);
  });

  it('rejects a nonsensical frameMax setting', () => {
    for (const n of [-1, 8, 1.5, NaN, 2 ** 32]) {
      expect(() => new FrameParser({ frameMax: n })).toThrow(RangeError);
    }
  });
});

describe('FrameParser: malformed input', () => {
  const cases: { name: string; bytes: Uint8Array; message: string; code: number; fatal: boolean; offset: number; frameMax?: number }[] = [
    { name: 'bad frame-end', bytes: hex`08 0000 00000000 41`, message: 'frame end 0x41 at offset 7, expected 0xce', code: 501, fatal: true, offset: 7 },
    { name: 'bad frame-end after a good frame', bytes: hex`08 0000 00000000 ce  03 0001 00000001 ff 00`, message: 'frame end 0x00 at offset 16, expected 0xce', code: 501, fatal: true, offset: 16 },
    { name: 'unknown frame type', bytes: hex`04 0000 00000000 ce`, message: 'unknown frame type 4 at offset 0, expected 1, 2, 3 or 8', code: 501, fatal: true, offset: 0 },
    { name: 'oversized frame', bytes: hex`01 0001 00000ff9`, message: 'frame of 4097 bytes at offset 0 is over frame_max 4096', code: 501, fatal: false, offset: 0 },
    { name: 'oversized with no negotiated limit', bytes: hex`03 0001 ffffffff`, message: 'frame of 4294967303 bytes at offset 0 is over frame_max 536870920', code: 501, fatal: false, offset: 0, frameMax: 0 },
    { name: 'heartbeat with a payload', bytes: hex`08 0000 00000001 00 ce`, message: 'heartbeat frame at offset 0 has a 1-byte payload, expected 0', code: 501, fatal: false, offset: 0 },
    { name: 'heartbeat on channel 1', bytes: hex`08 0001 00000000 ce`, message: 'heartbeat frame at offset 0 is on channel 1, expected 0', code: 503, fatal: false, offset: 0 },
  ];
  for (const c of cases) {
    for (const [how, chunks] of [['whole', [c.bytes]], ['byte by byte', bytewise(c.bytes)]] as const) {
      it(`${c.name} (${how})`, () => {
        const r = run(chunks as Uint8Array[], c.frameMax ?? 4096);
        expect(r.error?.message).toBe(c.message);
        expect(r.error?.replyCode).toBe(c.code);
        expect(r.error?.fatal).toBe(c.fatal);
        expect(r.error?.offset).toBe(c.offset);
      });
    }
  }

  it('the error is sticky: later next() and push() rethrow the same error', () => {
    const p = new FrameParser();
    p.push(hex`04 0000 00000000 ce  08 0000 00000000 ce`);
    let first: unknown;
    try {
      p.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(DecodeError);
    expect(p.failed).toBe(first);
    expect(() => p.next()).toThrow(first as Error);
    expect(() => p.push(hex`08 0000 00000000 ce`)).toThrow(first as Error);
    try {
      p.next();
    } catch (e) {
      expect(e).toBe(first);
    }
  });

  it('an oversized spanning frame is refused before anything is allocated for it', () => {
    const p = new FrameParser({ frameMax: 0 });
    p.push(hex`03 0001 2000`);
    expect(p.next()).toBeUndefined();
    p.push(hex`0001`); // 0x20000001 bytes: over the 512 MiB ceiling by 1 + 8
    expect(() => p.next()).toThrow(/over frame_max 536870920/);
  });
});
