import { describe, expect, it } from 'vitest';
import { createSerializers, isPayloadError, PayloadError, UnknownContentTypeError, type Serializer } from '../../../runtime/client/serializers.js';
import { prepare } from '../../../runtime/client/publisher.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const reversed: Serializer<string> = { contentType: 'text/x-reversed', encode: (s) => bytes([...s].reverse().join('')), decode: (b) => [...new TextDecoder().decode(b)].reverse().join('') };

describe('SerializerRegistry', () => {
  it('decodes by content type (parameters and case ignored), charset from the type or the encoding, bytes without a type', () => {
    const r = createSerializers();
    expect(r.decode(bytes('{"a":1}'), { contentType: 'Application/JSON; charset=utf-8' })).toEqual({ a: 1 });
    expect(r.decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), { contentType: 'text/plain', contentEncoding: 'latin1' })).toBe('café');
    expect(r.decode(new Uint8Array([0x63, 0xe9]), { contentType: 'text/csv; charset=latin1' })).toBe('cé'); // any text/* as text
    const raw = bytes('x');
    expect(r.decode(raw, {})).toBe(raw);
    expect(r.decode(raw, { contentType: 'application/octet-stream' })).toBe(raw);
  });

  it('typed errors: unknown type, unreadable body (cause kept), a wrapper encoding not registered', () => {
    const r = createSerializers();
    expect(() => r.decode(bytes('{'), { contentType: 'application/json' })).toThrow(PayloadError);
    try {
      r.decode(bytes('{'), { contentType: 'application/json' });
    } catch (e) {
      expect(isPayloadError(e)).toBe(true);
      expect((e as PayloadError).contentType).toBe('application/json');
      expect((e as Error).cause).toBeInstanceOf(SyntaxError);
    }
    expect(() => r.decode(new Uint8Array([0xff, 0xfe, 0xfd]), { contentType: 'text/plain' })).toThrow(PayloadError); // not UTF-8
    expect(() => r.decode(bytes('x'), { contentType: 'application/x-nope' })).toThrow(UnknownContentTypeError);
    expect(() => r.decode(bytes('{}'), { contentType: 'application/json', contentEncoding: 'gzip' })).toThrow(UnknownContentTypeError);
  });

  it('register, extend (the original untouched), default serializer, unregister', () => {
    const base = createSerializers();
    const r = base.extend().register(reversed);
    expect(r.decode(bytes('olleh'), { contentType: 'text/x-reversed' })).toBe('hello');
    expect(base.decode(bytes('olleh'), { contentType: 'text/x-reversed' })).toBe('olleh'); // text/* fallback in the original
    expect(r.encode('abc', 'text/x-reversed')).toEqual({ bytes: bytes('cba'), contentType: 'text/x-reversed', contentEncoding: undefined });
    expect(() => r.encode({}, 'application/x-nope')).toThrow(UnknownContentTypeError);
    r.register(reversed, { default: true });
    expect(r.encode('ab').contentType).toBe('text/x-reversed');
    expect(r.unregister('text/x-reversed')).toBe(true);
    expect(r.get('text/x-reversed')).toBeUndefined();
  });

  it('prepare(): values through the registry, strings as text unless a serializer is named, bytes as they are', () => {
    const r = createSerializers().register(reversed);
    expect(prepare({ a: 1 }, undefined, r).properties).toEqual({ contentType: 'application/json' });
    expect(new TextDecoder().decode(prepare('hi', { serializer: 'application/json' }, r).bytes)).toBe('"hi"');
    expect(new TextDecoder().decode(prepare('hi', { serializer: 'text/x-reversed' }, r).bytes)).toBe('ih');
    expect(prepare('hi', { contentType: 'text/x-reversed' }, r).bytes).toEqual(bytes('hi')); // a string is text unless a serializer is named
    const b = bytes('raw');
    expect(prepare(b, { contentType: 'application/x-anything' }, r)).toEqual({ bytes: b, properties: { contentType: 'application/x-anything' } });
  });
});
