import { describe, expect, it } from 'vitest';
import { isDecodeError, type DecodeError } from '../../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod } from '../../../runtime/frame/index.js';
import { hex } from '../../helpers/hex.js';
import { tinyRegistry } from './tiny-registry.js';

function fails(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('decodeMethod', () => {
  it('decodes class-id, method-id and the arguments', () => {
    expect(decodeMethod(tinyRegistry, hex`0064 000a 02 6869 0007`)).toEqual({ kind: 'tiny.echo', text: 'hi', n: 7 });
  });
  it('unknown method: 540 not-implemented, not fatal', () => {
    const e = fails(() => decodeMethod(tinyRegistry, hex`0064 0063`));
    expect(e.message).toBe('unknown method 100.99 (class-id 100, method-id 99) at offset 0');
    expect(e.replyCode).toBe(540);
    expect(e.fatal).toBe(false);
  });
  it('trailing bytes after the arguments: 502', () => {
    const e = fails(() => decodeMethod(tinyRegistry, hex`0064 000a 02 6869 0007 ff ff`));
    expect(e.message).toBe('tiny.echo: 2 unexpected trailing bytes at offset 9');
    expect([e.replyCode, e.offset]).toEqual([502, 9]);
  });
  it('arguments cut short, or no ids at all: 502', () => {
    for (const b of [hex``, hex`00`, hex`0064 00`, hex`0064 000a 02 68`, hex`0064 000a 02 6869 00`]) {
      expect(fails(() => decodeMethod(tinyRegistry, b)).replyCode).toBe(502);
    }
  });
});

describe('decodeContentHeader', () => {
  it('decodes class, body size and properties', () => {
    expect(decodeContentHeader(tinyRegistry, hex`0064 0000 0000000000000005 8000 01 74`)).toEqual({ classId: 100, bodySize: 5, properties: { tag: 't' } });
  });
  it('a body size above 2^53 is a bigint', () => {
    expect(decodeContentHeader(tinyRegistry, hex`0064 0000 ffffffffffffffff 0000`).bodySize).toBe(2n ** 64n - 1n);
  });
  it('weight other than 0: 502 (spec 4.2.6.1)', () => {
    const e = fails(() => decodeContentHeader(tinyRegistry, hex`0064 0001 0000000000000000 0000`));
    expect(e.message).toBe('content header weight 1 at offset 2, expected 0');
    expect(e.replyCode).toBe(502);
  });
  it('class without content properties: 540', () => {
    const e = fails(() => decodeContentHeader(tinyRegistry, hex`000a 0000 0000000000000000 0000`));
    expect(e.replyCode).toBe(540);
    expect(e.message).toMatch(/class 10/);
  });
  it('trailing bytes: 502; truncated: 502', () => {
    const e = fails(() => decodeContentHeader(tinyRegistry, hex`0064 0000 0000000000000000 0000 00`));
    expect([e.replyCode, e.offset]).toEqual([502, 14]);
    const full = hex`0064 0000 0000000000000005 8000 01 74`;
    for (let n = 0; n < full.length; n++) expect(fails(() => decodeContentHeader(tinyRegistry, full.subarray(0, n))).replyCode).toBe(502);
  });
});
