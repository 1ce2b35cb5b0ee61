import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, Reader, Writer, isDecodeError, isEncodeError } from '../../../runtime/codec/index.js';
import { hex, toHex } from '../../helpers/hex.js';

function enc(f: (w: Writer) => void): string {
  const w = new Writer(4);
  f(w);
  return toHex(w.written());
}

function expectEncodeError(f: (w: Writer) => void, match: RegExp): void {
  const w = new Writer(4);
  let caught: unknown;
  try {
    f(w);
  } catch (e) {
    caught = e;
  }
  expect(isEncodeError(caught), String(caught)).toBe(true);
  expect((caught as EncodeError).message).toMatch(match);
  expect(w.pos).toBe(0); // nothing written
}

const bad = [-1, 0.5, NaN, Infinity, -Infinity, '1', null, undefined, 1n, true, {}];

describe('Writer integers', () => {
  const cases = [
    { name: 'octet', max: 0xff, write: (w: Writer, v: unknown) => w.octet(v, 'm', 'f'), width: 1 },
    { name: 'short', max: 0xffff, write: (w: Writer, v: unknown) => w.short(v, 'm', 'f'), width: 2 },
    { name: 'long', max: 0xffffffff, write: (w: Writer, v: unknown) => w.long(v, 'm', 'f'), width: 4 },
  ];
  for (const c of cases) {
    it(`${c.name}: 0 and max encode big-endian`, () => {
      expect(enc((w) => c.write(w, 0))).toBe('00'.repeat(c.width));
      expect(enc((w) => c.write(w, c.max))).toBe('ff'.repeat(c.width));
      expect(enc((w) => c.write(w, 0x12345678 % (c.max + 1)))).toBe((0x12345678 % (c.max + 1)).toString(16).padStart(c.width * 2, '0'));
    });
    it(`${c.name}: max+1, negative, fraction, NaN, wrong type, missing are EncodeErrors`, () => {
      expectEncodeError((w) => c.write(w, c.max + 1), new RegExp(`^m: f: ${c.name} must be an integer from 0 to ${c.max}`));
      for (const v of bad) expectEncodeError((w) => c.write(w, v), /^m: f: /);
      expectEncodeError((w) => c.write(w, undefined), /missing/);
    });
  }

  it('longlong: 0, 2^53-1, 2^53 as bigint, 2^64-1; out of range rejected', () => {
    expect(enc((w) => w.longlong(0, 'm', 'f'))).toBe('0000000000000000');
    expect(enc((w) => w.longlong(Number.MAX_SAFE_INTEGER, 'm', 'f'))).toBe('001fffffffffffff');
    expect(enc((w) => w.longlong(2n ** 53n, 'm', 'f'))).toBe('0020000000000000');
    expect(enc((w) => w.longlong(2n ** 64n - 1n, 'm', 'f'))).toBe('ffffffffffffffff');
    expectEncodeError((w) => w.longlong(2n ** 64n, 'm', 'f'), /2\^64-1/);
    expectEncodeError((w) => w.longlong(-1n, 'm', 'f'), /2\^64-1/);
    expectEncodeError((w) => w.longlong(2 ** 64, 'm', 'f'), /2\^64-1/);
    for (const v of [-1, 0.5, NaN, 'x', null, undefined]) expectEncodeError((w) => w.longlong(v, 'm', 'f'), /^m: f: /);
  });
});

describe('Reader integers', () => {
  it('reads octet, short, long big-endian and unsigned', () => {
    const r = new Reader(hex`ff  fffe  fffffffd`);
    expect([r.octet(), r.short(), r.long()]).toEqual([0xff, 0xfffe, 0xfffffffd]);
    expect(r.remaining).toBe(0);
  });

  it('longlong: number up to 2^53-1, bigint above, both round trip', () => {
    for (const v of [0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
      const w = new Writer();
      w.longlong(v, 'm', 'f');
      const back = new Reader(w.written()).longlong();
      expect(back).toBe(v);
      expect(typeof back).toBe(typeof v);
    }
  });

  it('int64: signed, number when safe, bigint beyond', () => {
    const r = (h: Uint8Array) => new Reader(h).int64();
    expect(r(hex`ffffffffffffffff`)).toBe(-1);
    expect(r(hex`ffe0000000000001`)).toBe(-Number.MAX_SAFE_INTEGER);
    expect(r(hex`ffe0000000000000`)).toBe(-(2n ** 53n));
    expect(r(hex`001fffffffffffff`)).toBe(Number.MAX_SAFE_INTEGER);
    expect(r(hex`0020000000000000`)).toBe(2n ** 53n);
    expect(r(hex`8000000000000000`)).toBe(-(2n ** 63n));
    expect(r(hex`7fffffffffffffff`)).toBe(2n ** 63n - 1n);
  });

  it('every read past the window is a DecodeError 502 with the offset', () => {
    const reads: ((r: Reader) => unknown)[] = [
      (r) => r.octet(), (r) => r.short(), (r) => r.long(), (r) => r.longlong(), (r) => r.int64(),
      (r) => r.shortstr(), (r) => r.longstr(), (r) => r.timestamp(), (r) => r.bytes(2),
    ];
    for (const read of reads) {
      const r = new Reader(hex`00 ff`, 1); // one byte left, window starts at 1
      let caught: unknown;
      try {
        read(r);
        read(r);
      } catch (e) {
        caught = e;
      }
      expect(isDecodeError(caught), String(caught)).toBe(true);
      expect((caught as DecodeError).replyCode).toBe(502);
      expect((caught as DecodeError).offset).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('shortstr', () => {
  it('255 bytes of UTF-8 pass, 256 fail (multi-byte characters counted in bytes)', () => {
    const ok = 'é'.repeat(127) + 'a'; // 255 bytes, 128 characters
    const w = new Writer();
    w.shortstr(ok, 'm', 'f');
    expect(w.pos).toBe(256);
    expect(w.buf[0]).toBe(255);
    expect(new Reader(w.written()).shortstr()).toBe(ok);
    expectEncodeError((w2) => w2.shortstr('é'.repeat(128), 'm', 'f'), /256 bytes of UTF-8/);
    expectEncodeError((w2) => w2.shortstr('a'.repeat(256), 'm', 'f'), /over 255/);
    expectEncodeError((w2) => w2.shortstr('😀'.repeat(64), 'm', 'f'), /256 bytes/);
    expectEncodeError((w2) => w2.shortstr(undefined, 'm', 'f'), /missing/);
    expectEncodeError((w2) => w2.shortstr(5, 'm', 'f'), /expected string/);
  });

  it('empty and ASCII', () => {
    expect(enc((w) => w.shortstr('', 'm', 'f'))).toBe('00');
    expect(enc((w) => w.shortstr('ab', 'm', 'f'))).toBe('026162');
    expect(new Reader(hex`00`).shortstr()).toBe('');
  });
});

describe('longstr and timestamp', () => {
  it('longstr: string as UTF-8, bytes as they are; read back as a view', () => {
    expect(enc((w) => w.longstr('hé', 'm', 'f'))).toBe('0000000368c3a9');
    expect(enc((w) => w.longstr(hex`00ff`, 'm', 'f'))).toBe('0000000200ff');
    const src = hex`00000002 00ff 99`;
    const r = new Reader(src);
    const v = r.longstr();
    expect(toHex(v)).toBe('00ff');
    expect(v.buffer).toBe(src.buffer);
    expect(r.remaining).toBe(1);
  });

  it('timestamp: whole seconds, milliseconds dropped; invalid and pre-1970 dates rejected', () => {
    expect(enc((w) => w.timestamp(new Date(1_700_000_000_999), 'm', 'f'))).toBe('000000006553f100');
    expect(new Reader(hex`000000006553f100`).timestamp().getTime()).toBe(1_700_000_000_000);
    expectEncodeError((w) => w.timestamp(new Date(NaN), 'm', 'f'), /valid Date/);
    expectEncodeError((w) => w.timestamp(new Date(-1000), 'm', 'f'), /1970/);
    expectEncodeError((w) => w.timestamp(1700000000, 'm', 'f'), /expected Date/);
  });
});

describe('Writer buffer', () => {
  it('grows from any capacity, including 0, and keeps earlier bytes', () => {
    for (const cap of [0, 1, 3]) {
      const w = new Writer(cap);
      for (let i = 0; i < 1000; i++) w.u8(i & 0xff);
      expect(w.pos).toBe(1000);
      expect(w.written()[999]).toBe(999 & 0xff);
      expect(w.toBytes()[255]).toBe(255);
    }
  });
});
