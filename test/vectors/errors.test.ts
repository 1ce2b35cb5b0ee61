/**
 * Error vectors (errors.ts), each fed whole, byte by byte and with trailing bytes: the same typed
 * DecodeError (reply code, fatal, offset, message) every way; parser errors are sticky; method and
 * header errors leave the framing intact (the parser yields the frame, the decoder rejects it).
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../runtime/codec/index.js';
import { decodeContentHeader, decodeMethod } from '../../runtime/frame/index.js';
import { registry } from '../../generated/registry.js';
import { errorVectors } from './errors.js';
import { TRAILER_PAYLOAD, decodeErrorOf, feed, feedChunks, type FeedMode } from './harness.js';
import type { ErrorVector } from './types.js';

const modes: FeedMode[] = ['whole', 'bytewise', 'trailing'];

function expectError(e: DecodeError | undefined, want: ErrorVector['error']): void {
  expect(e).toBeInstanceOf(DecodeError);
  expect({ replyCode: e!.replyCode, fatal: e!.fatal, offset: e!.offset }).toEqual({ replyCode: want.replyCode, fatal: want.fatal, offset: want.offset });
  expect(e!.message).toMatch(want.message);
  expect(e!.name).toBe('DecodeError');
}

it('error vectors cover every stage', () => {
  expect(new Set(errorVectors.map((v) => v.error.stage))).toEqual(new Set(['parser', 'method', 'header']));
});

describe.each(errorVectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
  const frameMax = v.frameMax ?? 4096;

  if (v.error.stage === 'parser') {
    it.each(modes)('fed %s: the parser throws it, and keeps throwing it', (mode) => {
      const r = feed(v.hex, mode, frameMax);
      expectError(r.error, v.error);
      expect(r.parser.failed).toBe(r.error);
      expect(() => r.parser.next()).toThrow(r.error);
      expect(() => r.parser.push(Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0xce))).toThrow(r.error);
    });

    it('a complete partial-payload trailer after it changes nothing', () => {
      expectError(feedChunks([v.hex, TRAILER_PAYLOAD], frameMax).error, v.error);
    });
    return;
  }

  it.each(modes)('fed %s: the parser yields the frame; the decoder throws it', (mode) => {
    const r = feed(v.hex, mode, frameMax);
    expect(r.error).toBeUndefined();
    const f = r.frames.find((x) => x.type === (v.error.stage === 'method' ? 1 : 2))!;
    const decode = v.error.stage === 'method' ? () => decodeMethod(registry, f.payload) : () => decodeContentHeader(registry, f.payload);
    expectError(decodeErrorOf(decode), v.error);
  });
});
