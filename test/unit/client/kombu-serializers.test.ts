/**
 * kombuSerializers() and the registry steps it is made of (serializers for bytes and strings,
 * compressions named in the `compression` header), without a broker: what prepare() writes and
 * what decode() reads. The same rules against real kombu and pika processes: test/interop/.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { setWire, WIRE, type WireInfo } from '../../../runtime/codec/table-wire.js';
import { EncodeError } from '../../../runtime/codec/errors.js';
import type { Channel } from '../../../runtime/client/channel.js';
import { zlibCompression } from '../../../runtime/client/compression.js';
import { Producer } from '../../../runtime/client/entities/producer.js';
import { kombuSerializers } from '../../../runtime/client/kombu.js';
import { prepare, type PublishOptions } from '../../../runtime/client/publisher.js';
import { createSerializers, isPayloadError, PayloadError, UnknownCompressionError, UnknownContentTypeError } from '../../../runtime/client/serializers.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('kombuSerializers: publish', () => {
  const k = kombuSerializers();

  it('values as application/json + utf-8, strings as text/plain + utf-8, bytes as application/data + binary (kombu dumps())', () => {
    expect(prepare({ a: 1 }, undefined, k)).toEqual({ bytes: utf8('{"a":1}'), properties: { contentType: 'application/json', contentEncoding: 'utf-8' } });
    expect(prepare('hé', undefined, k)).toEqual({ bytes: utf8('hé'), properties: { contentType: 'text/plain', contentEncoding: 'utf-8' } });
    expect(prepare(new Uint8Array([0, 0xff]), undefined, k)).toEqual({ bytes: new Uint8Array([0, 0xff]), properties: { contentType: 'application/data', contentEncoding: 'binary' } });
    expect(prepare(new Uint8Array([1]).buffer, { persistent: true }, k).properties).toEqual({ deliveryMode: 2, contentType: 'application/data', contentEncoding: 'binary' });
    // What the publish says itself wins: a content type of its own (with kombu's `binary` for
    // bytes, as kombu's Producer writes it), an encoding of its own, a non-UTF-8 string encoding.
    expect(prepare(new Uint8Array([1]), { contentType: 'image/png' }, k).properties).toEqual({ contentType: 'image/png', contentEncoding: 'binary' });
    expect(prepare(new Uint8Array([1]), { contentType: 'image/png', contentEncoding: 'x-own' }, k).properties).toEqual({ contentType: 'image/png', contentEncoding: 'x-own' });
    expect(prepare(new Uint8Array([1]), { contentEncoding: 'x-own' }, k).properties).toEqual({ contentEncoding: 'x-own' });
    expect(prepare('é', { encoding: 'latin1' }, k)).toEqual({ bytes: new Uint8Array([0xe9]), properties: { contentEncoding: 'latin1' } });
    expect(prepare('<p/>', { contentType: 'text/html' }, k).properties).toEqual({ contentType: 'text/html', contentEncoding: 'utf-8' });
  });

  it('the default registry is unchanged: bytes and strings go without a content type', () => {
    expect(prepare(new Uint8Array([1]), undefined).properties).toEqual({});
    expect(prepare('x', {}, createSerializers()).properties).toEqual({});
  });

  it('bytes prepared once pass through prepare() again unchanged (traced, batched and Producer publishes re-prepare)', () => {
    for (const [body, o] of [[{ a: 1 }, { compression: 'zlib' }], ['x', undefined], [new Uint8Array([2]), { headers: { h: 1 } }], ['é', { encoding: 'latin1' }]] as const) {
      const first = prepare(body, o as PublishOptions | undefined, k);
      expect(prepare(first.bytes, first.properties as PublishOptions, k)).toEqual(first);
    }
  });

  it('compression: zlib after the serializer, named application/x-gzip in the compression header; headers kept with their wire record', () => {
    const headers = { b: 1, a: 'x' };
    setWire(headers, { tags: { b: 'b'.charCodeAt(0) } }); // as a decoded table keeps an int8 `b`
    const { bytes, properties } = prepare({ big: 'x'.repeat(1000) }, { compression: 'zlib', headers }, k);
    expect(properties).toMatchObject({ contentType: 'application/json', contentEncoding: 'utf-8', headers: { b: 1, a: 'x', compression: 'application/x-gzip' } });
    expect(Object.keys(properties.headers!)).toEqual(['b', 'a', 'compression']);
    expect((properties.headers as Record<symbol, WireInfo>)[WIRE]?.tags).toEqual({ b: 'b'.charCodeAt(0) });
    expect(headers).toEqual({ b: 1, a: 'x' }); // the caller's table untouched
    expect(bytes.length).toBeLessThan(100);
    expect(new TextDecoder().decode(inflateSync(bytes))).toBe(JSON.stringify({ big: 'x'.repeat(1000) })); // zlib's format, as Python's zlib.decompress reads it
    expect(prepare(new Uint8Array([9]), { compression: 'gzip' }, k).properties).toEqual({ contentType: 'application/data', contentEncoding: 'binary', headers: { compression: 'application/x-gzip' } });
    expect(prepare('b', { compression: 'brotli' }, k).properties.headers).toEqual({ compression: 'application/x-brotli' });
  });

  it('a value encoded here, uncompressed, leaves out a compression header it came with (a received message re-published); bytes keep theirs', () => {
    const headers = { z: 1, compression: 'application/x-gzip', a: 'x' };
    setWire(headers, { keys: ['z', 'compression', 'a'], tags: { z: 'b'.charCodeAt(0) } });
    for (const body of [{ id: 5 }, 'text']) {
      const { properties } = prepare(body, { headers }, k);
      expect(properties.headers).toEqual({ z: 1, a: 'x' });
      expect((properties.headers as Record<symbol, WireInfo>)[WIRE]?.tags).toEqual({ z: 'b'.charCodeAt(0) });
    }
    expect(headers).toEqual({ z: 1, compression: 'application/x-gzip', a: 'x' }); // the caller's table untouched
    expect(prepare(new Uint8Array([1]), { headers }, k).properties.headers).toBe(headers);
    expect(prepare({ id: 5 }, { headers: { compression: utf8('zlib') } }, k).properties.headers).toEqual({});
    expect(prepare({ id: 5 }, { headers: { compression: 'x-other' } }, k).properties.headers).toEqual({ compression: 'x-other' }); // not one it knows
    expect(prepare({ id: 5 }, { headers }).properties.headers).toBe(headers); // a registry without compressions: an opaque header
  });

  it('an unknown compression is an EncodeError before anything is sent, with the names there are', () => {
    expect(() => prepare({}, { compression: 'bzip2' }, k)).toThrow(EncodeError);
    expect(() => prepare({}, { compression: 'bzip2' }, k)).toThrow(/no compression bzip2 is registered \(registered: application\/x-gzip, zlib, gzip/);
    expect(() => prepare({}, { compression: 'zlib' })).toThrow(/no compression zlib is registered \(kombuSerializers\(\) has zlib and brotli\)/);
  });
});

describe('kombuSerializers: decode', () => {
  const k = kombuSerializers();

  it('application/data: binary is bytes, a character set or none is text; binary means no transformation for any type', () => {
    expect(k.decode(new Uint8Array([0, 0xff]), { contentType: 'application/data', contentEncoding: 'binary' })).toEqual(new Uint8Array([0, 0xff]));
    expect(k.decode(new Uint8Array([0, 0xff]), { contentType: 'application/data', contentEncoding: 'ascii-8bit' })).toEqual(new Uint8Array([0, 0xff]));
    expect(k.decode(utf8('grüße'), { contentType: 'application/data', contentEncoding: 'utf-8' })).toBe('grüße');
    expect(k.decode(new Uint8Array([0xe9]), { contentType: 'application/data', contentEncoding: 'latin1' })).toBe('é');
    expect(k.decode(utf8('x'), { contentType: 'application/data' })).toBe('x');
    expect(k.decode(utf8('{"a":1}'), { contentType: 'application/json', contentEncoding: 'utf-8' })).toEqual({ a: 1 });
    expect(k.decode(new Uint8Array([7]), { contentType: 'application/octet-stream', contentEncoding: 'binary' })).toEqual(new Uint8Array([7]));
    expect(createSerializers().decode(new Uint8Array([7]), { contentType: 'application/octet-stream', contentEncoding: 'binary' })).toEqual(new Uint8Array([7]));
    expect(() => k.decode(utf8('x'), { contentType: 'application/x-python-serialize', contentEncoding: 'binary' })).toThrow(UnknownContentTypeError); // no pickle
  });

  it('decompresses by the compression header (name or alias, any case) before the serializer', () => {
    const json = deflateSync(utf8('{"id":2}'));
    expect(k.decode(json, { contentType: 'application/json', contentEncoding: 'utf-8', headers: { compression: 'application/x-gzip' } })).toEqual({ id: 2 });
    expect(k.decode(json, { contentType: 'application/json', headers: { compression: 'ZLIB' } })).toEqual({ id: 2 });
    expect(k.decode(json, { contentType: 'application/json', headers: { compression: utf8('application/x-gzip') } })).toEqual({ id: 2 });
    expect(k.decode(deflateSync(new Uint8Array([1, 2])), { contentType: 'application/data', contentEncoding: 'binary', headers: { compression: 'application/x-gzip' } })).toEqual(new Uint8Array([1, 2]));
    const br = prepare('brötli', { compression: 'brotli' }, k);
    expect(k.decode(br.bytes, br.properties)).toBe('brötli');
  });

  it('typed errors: a compression it does not know, bytes that do not decompress, a body past maxBytes', () => {
    const p = { contentType: 'application/json', headers: { compression: 'application/x-bz2' } };
    expect(() => k.decode(utf8('BZh9'), p)).toThrow(UnknownCompressionError);
    try {
      k.decode(utf8('BZh9'), p);
    } catch (e) {
      expect(isPayloadError(e)).toBe(true);
      expect((e as UnknownCompressionError).compression).toBe('application/x-bz2');
      expect((e as Error).message).toMatch(/compressed with application\/x-bz2, which this registry does not know/);
    }
    expect(() => k.decode(utf8('not zlib'), { contentType: 'application/json', headers: { compression: 'application/x-gzip' } })).toThrow(PayloadError);
    const small = kombuSerializers({ maxBytes: 1000 });
    const bomb = deflateSync(new Uint8Array(100_000));
    expect(bomb.length).toBeLessThan(200);
    expect(() => small.decode(bomb, { contentType: 'application/data', contentEncoding: 'binary', headers: { compression: 'application/x-gzip' } })).toThrow(/does not decompress as application\/x-gzip/);
    expect(() => zlibCompression({ maxBytes: 0 })).toThrow(TypeError);
  });

  it('a maxBytes above the largest Buffer is that ceiling, not an error on every body (node:zlib refuses a larger maxOutputLength)', () => {
    const p = { contentType: 'text/plain', headers: { compression: 'zlib' } };
    for (const maxBytes of [2 ** 33, Number.MAX_SAFE_INTEGER]) expect(kombuSerializers({ maxBytes }).decode(deflateSync(utf8('hi')), p)).toBe('hi');
    const br = prepare('hi', { compression: 'brotli' }, k);
    expect(kombuSerializers({ maxBytes: 2 ** 40 }).decode(br.bytes, br.properties)).toBe('hi');
  });

  it('a compression header Python holds false (None, empty, 0, False) is no compression, as kombu reads it; other values are typed errors', () => {
    const json = utf8('{"id":3}');
    for (const compression of [null, '', 0, false, 0n, new Uint8Array(0)]) {
      expect(k.decode(json, { contentType: 'application/json', headers: { compression } })).toEqual({ id: 3 });
    }
    const noPrototype = Object.assign(Object.create(null) as Record<string, number>, { x: 1 }); // String() of it throws
    for (const compression of [5, true, { x: 1 }, noPrototype]) {
      expect(() => k.decode(json, { contentType: 'application/json', headers: { compression } })).toThrow(UnknownCompressionError);
    }
  });

  it('a registry with no compression ignores the header (as before); one can be added to any registry', () => {
    const body = deflateSync(utf8('x'));
    const p = { contentType: 'application/octet-stream', headers: { compression: 'application/x-gzip' } };
    expect(createSerializers().decode(body, p)).toEqual(body);
    expect(createSerializers().registerCompression(zlibCompression()).decode(body, p)).toEqual(utf8('x'));
  });
});

describe('Producer with kombuSerializers', () => {
  function fakeChannel() {
    const publish = vi.fn((_x: string, _rk: string, _b: unknown, _o?: PublishOptions) => Promise.resolve());
    return { channel: { publish, serializers: createSerializers() } as unknown as Channel, publish };
  }

  it('encodes with its own registry (bytes, strings, values) and compresses by its default or per message', async () => {
    const { channel, publish } = fakeChannel();
    const producer = new Producer(channel, { serializers: kombuSerializers(), routingKey: 'q', compression: 'zlib', properties: { persistent: true } });
    await producer.publish({ id: 1 });
    await producer.publish(new Uint8Array([1]), { compression: 'brotli', mandatory: true });
    await producer.publish('t', { serializer: 'text/plain' });
    const [json, raw, text] = publish.mock.calls;
    expect(json!.slice(0, 2)).toEqual(['', 'q']);
    expect(new TextDecoder().decode(inflateSync(json![2] as Uint8Array))).toBe('{"id":1}');
    expect(json![3]).toEqual({ contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, headers: { compression: 'application/x-gzip' } });
    expect(raw![3]).toEqual({ contentType: 'application/data', contentEncoding: 'binary', deliveryMode: 2, headers: { compression: 'application/x-brotli' }, mandatory: true });
    expect(text![3]).toMatchObject({ contentType: 'text/plain', headers: { compression: 'application/x-gzip' } });
  });

  it('bytes whose own headers name a compression (a received message passed on) are not compressed again by the producer\'s default', async () => {
    const { channel, publish } = fakeChannel();
    const k = kombuSerializers();
    const producer = new Producer(channel, { serializers: k, routingKey: 'q', compression: 'zlib' });
    const received = prepare({ id: 4 }, { compression: 'zlib' }, k);
    await producer.publish(received.bytes, received.properties as PublishOptions);
    await producer.publish(received.bytes, { ...(received.properties as PublishOptions), compression: 'zlib' }); // asked for: done
    const [passed, twice] = publish.mock.calls;
    expect(passed![2]).toEqual(received.bytes);
    expect(k.decode(passed![2] as Uint8Array, received.properties)).toEqual({ id: 4 });
    expect(passed![3]).toEqual(received.properties);
    expect(twice![2]).not.toEqual(received.bytes);
  });

  it('a serializer given in the default properties encodes as one given per message', async () => {
    const { channel, publish } = fakeChannel();
    await new Producer(channel, { properties: { serializer: 'text/plain' } }).publish('s');
    await new Producer(channel, { serializers: kombuSerializers(), properties: { serializer: 'application/data' } }).publish('s');
    await new Producer(channel, { serializers: kombuSerializers(), properties: { serializer: 'application/data' } }).publish('s', { serializer: 'text/plain' });
    expect(publish.mock.calls.map((c) => c[3])).toEqual([
      { contentType: 'text/plain' },
      { contentType: 'application/data' },
      { contentType: 'text/plain' }, // the message's own, over the default (the built-in text/plain, named by type alone)
    ]);
  });

  it('an unknown compression rejects before the channel sees the message', async () => {
    const { channel, publish } = fakeChannel();
    await expect(new Producer(channel, { compression: 'zlib' }).publish({})).rejects.toThrow(EncodeError);
    expect(publish).not.toHaveBeenCalled();
  });
});
