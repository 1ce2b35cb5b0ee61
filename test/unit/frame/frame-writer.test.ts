import { describe, expect, it } from 'vitest';
import { EncodeError, Writer, isEncodeError } from '../../../runtime/codec/index.js';
import {
  FRAME_SIZE_CEILING, FrameParser, PROTOCOL_HEADER, decodeContentHeader, decodeMethod,
  writeContentFrames, writeHeaderFrame, writeHeartbeat, writeMethodFrame, type Frame,
} from '../../../runtime/frame/index.js';
import { concat, hex, toHex } from '../../helpers/hex.js';
import { tinyEcho, tinyProps, tinyPublish, tinyRegistry } from './tiny-registry.js';

function frames(bytes: Uint8Array, frameMax = 0): Frame[] {
  const p = new FrameParser({ frameMax });
  p.push(bytes);
  const out: Frame[] = [];
  let f;
  while ((f = p.next())) out.push(f);
  expect(p.buffered).toBe(0);
  return out;
}

function expectRewind(w: Writer, f: () => void, match: RegExp): EncodeError {
  const before = toHex(w.written());
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(isEncodeError(caught), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(match);
  expect(toHex(w.written())).toBe(before);
  return caught as EncodeError;
}

const echoFrame = hex`
  01 0007 0000000c      # method frame, channel 7, 12 bytes
  0064 000a             # class 100, method 10
  05 68656c6c6f 0102    # text "hello", n 258
  ce`;

describe('frame writer', () => {
  it('PROTOCOL_HEADER is "AMQP" 0 0 9 1', () => {
    expect(toHex(PROTOCOL_HEADER)).toBe(toHex(hex`414d5150 00 00 09 01`));
  });

  it('heartbeat: type 8, channel 0, size 0, frame-end', () => {
    const w = new Writer(0);
    writeHeartbeat(w);
    expect(toHex(w.written())).toBe('080000000000' + '00ce');
  });

  it('method frame: header, ids, arguments, back-patched size, frame-end', () => {
    const w = new Writer(1);
    writeMethodFrame(w, 7, tinyEcho, { kind: 'tiny.echo', text: 'hello', n: 258 });
    expect(toHex(w.written())).toBe(toHex(echoFrame));
    expect(decodeMethod(tinyRegistry, frames(w.written())[0]!.payload)).toEqual({ kind: 'tiny.echo', text: 'hello', n: 258 });
  });

  it('content frames: method + header + body in one buffer', () => {
    const w = new Writer(4);
    writeContentFrames(w, 1, tinyPublish, { kind: 'tiny.publish', key: 'k' }, tinyProps, { tag: 't' }, hex`aabbcc`, 4096);
    expect(toHex(w.written())).toBe(toHex(hex`
      01 0001 00000006  0064 0014  01 6b                              ce  # tiny.publish key "k"
      02 0001 00000010  0064 0000 0000000000000003 8000 01 74          ce  # header: class 100, weight 0, size 3, tag "t"
      03 0001 00000003  aabbcc                                        ce  # body`));
  });

  it('content frames: an empty body has no body frame', () => {
    const w = new Writer();
    writeContentFrames(w, 1, tinyPublish, { kind: 'tiny.publish', key: '' }, tinyProps, {}, new Uint8Array(0), 4096);
    const fs = frames(w.written());
    expect(fs.map((f) => f.type)).toEqual([1, 2]);
    expect(decodeContentHeader(tinyRegistry, fs[1]!.payload)).toEqual({ classId: 100, bodySize: 0, properties: {} });
  });

  it('body frames split at frameMax - 8 and reassemble', () => {
    const frameMax = 4096;
    const chunk = frameMax - 8;
    for (const size of [1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 1, 5 * chunk + 17]) {
      const body = new Uint8Array(size);
      for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 0xff;
      const w = new Writer(16);
      writeContentFrames(w, 3, tinyPublish, { kind: 'tiny.publish', key: 'q' }, tinyProps, {}, body, frameMax);
      const fs = frames(w.written(), frameMax);
      const bodies = fs.slice(2);
      expect(bodies.length).toBe(Math.ceil(size / chunk));
      for (const f of bodies) {
        expect(f.type).toBe(3);
        expect(f.channel).toBe(3);
        expect(f.payload.length).toBeLessThanOrEqual(chunk);
        expect(f.payload.length + 8).toBeLessThanOrEqual(frameMax);
      }
      expect(bodies.slice(0, -1).every((f) => f.payload.length === chunk)).toBe(true);
      expect(toHex(concat(bodies.map((f) => f.payload)))).toBe(toHex(body));
      expect(decodeContentHeader(tinyRegistry, fs[1]!.payload).bodySize).toBe(size);
    }
  });

  it('frameMax 0 means no limit: one body frame', () => {
    const w = new Writer();
    writeContentFrames(w, 1, tinyPublish, { kind: 'tiny.publish', key: '' }, tinyProps, {}, new Uint8Array(100_000), 0);
    expect(frames(w.written()).map((f) => f.payload.length)).toEqual([5, 14, 100_000]);
  });

  it('writeHeaderFrame writes only the content header', () => {
    const w = new Writer();
    writeHeaderFrame(w, 2, tinyProps, { tag: 'a' }, 2n ** 60n);
    expect(toHex(w.written())).toBe(toHex(hex`02 0002 00000010 0064 0000 1000000000000000 8000 0161 ce`));
    expect(decodeContentHeader(tinyRegistry, frames(w.written())[0]!.payload).bodySize).toBe(2n ** 60n);
  });

  describe('errors rewind the writer and keep earlier frames', () => {
    const prior = () => {
      const w = new Writer(2);
      writeHeartbeat(w);
      return w;
    };
    it('channel out of range or not an integer', () => {
      for (const ch of [-1, 65536, 1.5, NaN, '1' as unknown as number]) {
        const w = prior();
        expectRewind(w, () => writeMethodFrame(w, ch, tinyEcho, { kind: 'tiny.echo', text: '', n: 0 }), /^tiny\.echo: channel: channel must be an integer from 0 to 65535/);
        expectRewind(w, () => writeContentFrames(w, ch, tinyPublish, { kind: 'tiny.publish', key: '' }, tinyProps, {}, new Uint8Array(1), 4096), /channel must be/);
        expectRewind(w, () => writeHeaderFrame(w, ch, tinyProps, {}, 0), /channel must be/);
      }
    });
    it('an argument the encoder rejects', () => {
      const w = prior();
      expectRewind(w, () => writeMethodFrame(w, 1, tinyEcho, { kind: 'tiny.echo', text: 'x'.repeat(300), n: 0 }), /^tiny\.echo: text: /);
      expectRewind(w, () => writeMethodFrame(w, 1, tinyEcho, { kind: 'tiny.echo', text: 'x', n: 70000 }), /^tiny\.echo: n: short must be/);
    });
    it('a method frame over frameMax is a local error', () => {
      const w = prior();
      const m = { kind: 'tiny.echo' as const, text: 'x'.repeat(200), n: 0 };
      expectRewind(w, () => writeMethodFrame(w, 1, tinyEcho, m, 100), /method frame is 215 bytes, over frame_max 100/);
      writeMethodFrame(w, 1, tinyEcho, m, 215); // exactly frameMax fits
      expect(w.pos).toBe(8 + 215);
    });
    it('content: bad property, bad body, oversize header, wrong method or class, bad frameMax', () => {
      const w = prior();
      const pub = { kind: 'tiny.publish' as const, key: 'k' };
      expectRewind(w, () => writeContentFrames(w, 1, tinyPublish, pub, tinyProps, { tag: 5 as unknown as string }, new Uint8Array(10_000), 4096), /^tiny properties: tag: /);
      expectRewind(w, () => writeContentFrames(w, 1, tinyPublish, pub, tinyProps, {}, 'body' as unknown as Uint8Array, 4096), /body must be a Uint8Array/);
      expectRewind(w, () => writeContentFrames(w, 1, tinyPublish, pub, tinyProps, { tag: 'x'.repeat(200) }, new Uint8Array(1), 100), /content header frame is 223 bytes, over frame_max 100/);
      expectRewind(w, () => writeContentFrames(w, 1, tinyEcho as never, pub as never, tinyProps, {}, new Uint8Array(1), 4096), /does not carry content/);
      expectRewind(w, () => writeContentFrames(w, 1, tinyPublish, pub, { ...tinyProps, classId: 60 }, {}, new Uint8Array(1), 4096), /class 60 cannot go with a method of class 100/);
      for (const fm of [8, 1.5, -1, 2 ** 32, NaN]) {
        expectRewind(w, () => writeContentFrames(w, 1, tinyPublish, pub, tinyProps, {}, new Uint8Array(1), fm), /frame_max must be 0 or an integer from 9/);
      }
      expectRewind(w, () => writeHeaderFrame(w, 1, tinyProps, {}, -1), /bodySize: /);
    });
  });

  it('FRAME_SIZE_CEILING bounds frameMax 0', () => {
    const w = new Writer();
    expect(() => writeMethodFrame(w, 0, tinyEcho, { kind: 'tiny.echo', text: '', n: 0 }, 0)).not.toThrow();
    expect(FRAME_SIZE_CEILING).toBe(512 * 1024 * 1024 + 8);
  });
});
