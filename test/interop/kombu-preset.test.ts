/**
 * kombuSerializers() against real Python clients (Debian's python3-kombu 5.2 over py-amqp 5.1,
 * python3-pika 1.2) through the test broker, both ways: JSON, text, raw bytes, each plain and
 * compressed (kombu's `compression` header, zlib's format under kombu's name
 * `application/x-gzip`). What kombu makes of warren's messages is kombu's own message.decode();
 * what warren makes of kombu's is the preset's decode. One kombu and one pika process for the file.
 *
 * Debian's kombu has zlib, bz2 and lzma (no brotli module): warren has no bz2 or lzma codec, so a
 * kombu body compressed with them is an UnknownCompressionError here, pinned below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPayloadError, kombuSerializers, Producer, UnknownCompressionError, type Channel } from 'warren';
import { amqpUrl } from '../helpers/broker.js';
import { channel, connection, getMessage, queue } from './fixture.js';
import { hexOf, PEER_START_TIMEOUT_MS, startPeer, type Peer, type PeerMessage, type Tagged } from './peer.js';

let kombu: Peer;
let pika: Peer;
beforeAll(async () => {
  [kombu, pika] = await Promise.all([startPeer('kombu', amqpUrl()), startPeer('pika', amqpUrl())]);
}, PEER_START_TIMEOUT_MS);
afterAll(() => Promise.all([kombu?.close(), pika?.close()]));

/** Waits for the peer's basic.get to return a message. */
async function peerGet(peer: Peer, q: string): Promise<PeerMessage> {
  for (;;) {
    const m = await peer.get(q);
    if (m) return m;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let kombuChannel: Channel | undefined;
/** A confirm channel of the file's connection whose registry is kombuSerializers(). */
async function presetChannel(): Promise<Channel> {
  if (!kombuChannel) {
    kombuChannel = await (await connection()).channel({ confirm: true });
    kombuChannel.serializers = kombuSerializers();
  }
  return kombuChannel;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const VALUE = { id: 1, name: 'é', list: [1, 2.5, null], ok: true };
const VALUE_AS_KOMBU_DECODES: Tagged = {
  dict: { id: { int: '1' }, name: { str: 'é' }, list: { list: [{ int: '1' }, { float: '2.5' }, { none: null }] }, ok: { bool: true } },
};
const TEXT = 'grüße ✓';
const BYTES = new Uint8Array([0, 0xff, 1, 0x80]);

describe('warren → kombu', () => {
  it('channel.publish with kombuSerializers: values, strings and bytes, plain and compressed (zlib, gzip), as kombu decodes them', async () => {
    const ch = await presetChannel();
    const q = await queue('interop-kombu-preset');
    for (const compression of [undefined, 'zlib', 'gzip']) {
      for (const body of [VALUE, TEXT, BYTES]) await ch.publish('', q, body, compression ? { compression } : undefined);
    }
    for (const compression of [undefined, 'zlib', 'gzip']) {
      const [json, text, raw] = [await peerGet(kombu, q), await peerGet(kombu, q), await peerGet(kombu, q)];
      // kombu gives a message without headers an empty dict. Compared whole (toEqual): an empty
      // object in toMatchObject would match a stray compression header too.
      const headers: Tagged = { dict: compression ? { compression: { str: 'application/x-gzip' } } : {} };
      expect(json).toMatchObject({ content_type: 'application/json', content_encoding: 'utf-8' });
      expect(text).toMatchObject({ content_type: 'text/plain', content_encoding: 'utf-8' });
      expect(raw).toMatchObject({ content_type: 'application/data', content_encoding: 'binary' });
      expect([json.decoded, text.decoded, raw.decoded]).toEqual([VALUE_AS_KOMBU_DECODES, { str: TEXT }, { bytes: hexOf(BYTES) }]);
      for (const m of [json, text, raw]) expect(m.headers).toEqual(headers);
    }
  });

  it('bytes with a content type of their own say content_encoding binary, as kombu\'s Producer writes them: kombu reads them as bytes', async () => {
    const ch = await presetChannel();
    const q = await queue('interop-kombu-preset');
    await ch.publish('', q, BYTES, { contentType: 'image/png' });
    await ch.publish('', q, BYTES, { contentType: 'application/octet-stream', compression: 'zlib' });
    await new Producer(ch, { routingKey: q, properties: { contentType: 'image/png' } }).publish(BYTES);
    await ch.publish('', q, BYTES, { contentType: 'image/png', contentEncoding: 'x-own' }); // an encoding of its own is kept
    for (const contentType of ['image/png', 'application/octet-stream', 'image/png']) {
      const m = await peerGet(kombu, q);
      expect(m).toMatchObject({ content_type: contentType, content_encoding: 'binary' });
      expect(m.decoded).toEqual({ bytes: hexOf(BYTES) });
    }
    expect(await peerGet(kombu, q)).toMatchObject({ content_type: 'image/png', content_encoding: 'x-own' });
  });

  it('a Producer with kombuSerializers and compression on the default channel; a compressed body of 100 KiB', async () => {
    const ch = await channel(); // the built-in registry: the producer brings its own
    const q = await queue('interop-kombu-preset');
    const producer = new Producer(ch, { routingKey: q, serializers: kombuSerializers(), compression: 'zlib' });
    const big = { data: 'x'.repeat(100 * 1024) };
    await producer.publish(big);
    await producer.publish(BYTES, { compression: 'application/x-gzip' });
    await producer.publish(TEXT);
    const [json, raw, text] = [await peerGet(kombu, q), await peerGet(kombu, q), await peerGet(kombu, q)];
    expect(json.decoded).toEqual({ dict: { data: { str: big.data } } });
    expect(raw).toMatchObject({ decoded: { bytes: hexOf(BYTES) }, headers: { dict: { compression: { str: 'application/x-gzip' } } } });
    expect(text.decoded).toEqual({ str: TEXT });
  });
});

describe('kombu → warren', () => {
  it('kombu\'s json, str, bytes and raw str, plain and compressed (zlib, gzip): the preset decodes each to what kombu was given', async () => {
    const q = await queue('interop-kombu-preset');
    for (const compression of [undefined, 'zlib', 'gzip']) {
      const c = compression ? { compression } : {};
      await kombu.publish({ queue: q, payload: VALUE, serializer: 'json', ...c });
      await kombu.publish({ queue: q, body: { text: TEXT }, ...c });
      await kombu.publish({ queue: q, body: { hex: hexOf(BYTES) }, ...c });
      await kombu.publish({ queue: q, body: { text: TEXT }, serializer: 'raw', ...c });
    }
    const k = kombuSerializers();
    for (const compression of [undefined, 'zlib', 'gzip']) {
      const [json, text, raw, rawText] = [await getMessage(q), await getMessage(q), await getMessage(q), await getMessage(q)];
      expect(json.properties).toMatchObject({ contentType: 'application/json', contentEncoding: 'utf-8' });
      expect(text.properties).toMatchObject({ contentType: 'text/plain', contentEncoding: 'utf-8' });
      expect(raw.properties).toMatchObject({ contentType: 'application/data', contentEncoding: 'binary' });
      expect(rawText.properties).toMatchObject({ contentType: 'application/data', contentEncoding: 'utf-8' });
      for (const m of [json, text, raw, rawText]) expect(m.properties.headers?.compression).toBe(compression ? 'application/x-gzip' : undefined);
      expect(json.decode(k)).toEqual(VALUE);
      expect(text.decode(k)).toBe(TEXT);
      expect(raw.decode(k)).toEqual(BYTES);
      expect(rawText.decode(k)).toBe(TEXT);
    }
  });

  it('bytes kombu sends with a content type of their own get content_encoding binary: read as no transformation, by the built-in registry too', async () => {
    const q = await queue('interop-kombu-preset');
    await kombu.publish({ queue: q, body: { hex: hexOf(BYTES) }, content_type: 'application/octet-stream' });
    const m = await getMessage(q);
    expect(m.properties).toMatchObject({ contentType: 'application/octet-stream', contentEncoding: 'binary' });
    expect(m.payload).toEqual(BYTES); // the fixture's channel: createSerializers()
    expect(m.decode(kombuSerializers())).toEqual(BYTES);
  });

  it('message.payload on a channel whose registry is the preset; bz2 and lzma (no codec in Node) are an UnknownCompressionError', async () => {
    const q = await queue('interop-kombu-preset');
    await kombu.publish({ queue: q, payload: VALUE, serializer: 'json', compression: 'zlib' });
    await kombu.publish({ queue: q, payload: VALUE, serializer: 'json', compression: 'bzip2' });
    await kombu.publish({ queue: q, payload: VALUE, serializer: 'json', compression: 'xz' });
    const ch = await presetChannel();
    const next = async () => {
      for (;;) {
        const m = await ch.get(q, { noAck: true });
        if (m) return m;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    expect((await next()).payload).toEqual(VALUE);
    for (const name of ['application/x-bz2', 'application/x-lzma']) {
      const m = await next();
      let error: unknown;
      try {
        void m.payload;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnknownCompressionError);
      expect(isPayloadError(error)).toBe(true);
      expect(error).toMatchObject({ compression: name, contentType: 'application/json' });
    }
  });
});

describe('re-published and edge headers', () => {
  it('a kombu message received compressed and passed on as bytes through a Producer with a compression is not compressed twice', async () => {
    const from = await queue('interop-kombu-preset');
    const to = await queue('interop-kombu-preset');
    await kombu.publish({ queue: from, payload: VALUE, serializer: 'json', compression: 'zlib' });
    const m = await getMessage(from);
    expect(m.properties.headers?.compression).toBe('application/x-gzip');
    const producer = new Producer(await channel(), { routingKey: to, serializers: kombuSerializers(), compression: 'zlib' });
    await producer.publish(m.body, m.properties);
    await producer.publish(VALUE); // a value is still compressed by the producer's default
    for (const forwarded of [await peerGet(kombu, to), await peerGet(kombu, to)]) {
      expect(forwarded).toMatchObject({ content_type: 'application/json', headers: { dict: { compression: { str: 'application/x-gzip' } } } });
      expect(forwarded.decoded).toEqual(VALUE_AS_KOMBU_DECODES);
    }
  });

  it('a kombu message\'s payload re-published with its properties (no compression asked) goes without the stale compression header', async () => {
    const from = await queue('interop-kombu-preset');
    const to = await queue('interop-kombu-preset');
    for (let i = 0; i < 2; i++) await kombu.publish({ queue: from, payload: VALUE, serializer: 'json', compression: 'zlib' });
    const ch = await presetChannel();
    const [viaChannel, viaProducer] = [await getMessage(from), await getMessage(from)];
    await ch.publish('', to, viaChannel.decode(kombuSerializers()), viaChannel.properties);
    await new Producer(ch, { routingKey: to }).publish(viaProducer.decode(kombuSerializers()), viaProducer.properties);
    expect(viaChannel.properties.headers).toEqual({ compression: 'application/x-gzip' }); // the received table untouched
    for (const m of [await peerGet(kombu, to), await peerGet(kombu, to)]) {
      expect(m.headers).toEqual({ dict: {} });
      expect(m.decoded).toEqual(VALUE_AS_KOMBU_DECODES);
    }
  });

  it('a compression header Python holds false (None, \'\') is no compression to kombu, and to the preset', async () => {
    const q = await queue('interop-kombu-preset-pika');
    const falsy: Tagged[] = [{ none: null }, { str: '' }];
    for (let i = 0; i < 2; i++) {
      for (const compression of falsy) {
        await pika.publish({ queue: q, body: { text: JSON.stringify(VALUE) }, content_type: 'application/json', content_encoding: 'utf-8', headers: { dict: { compression } } });
      }
    }
    for (const compression of falsy) {
      const m = await peerGet(kombu, q);
      expect(m.headers).toEqual({ dict: { compression } });
      expect(m.decoded).toEqual(VALUE_AS_KOMBU_DECODES);
    }
    const k = kombuSerializers();
    for (const compression of [null, '']) {
      const m = await getMessage(q);
      expect(m.properties.headers?.compression).toBe(compression);
      expect(m.decode(k)).toEqual(VALUE);
    }
  });
});

describe('with pika (kombu\'s conventions by hand)', () => {
  it('warren → pika: the header, the properties, and a body that Python\'s zlib.decompress() reads', async () => {
    const ch = await presetChannel();
    const q = await queue('interop-kombu-preset-pika');
    await ch.publish('', q, VALUE, { compression: 'zlib' });
    await ch.publish('', q, BYTES, { compression: 'zlib' });
    const [json, raw] = [await peerGet(pika, q), await peerGet(pika, q)];
    const header = { dict: { compression: { str: 'application/x-gzip' } } };
    expect(json).toMatchObject({ content_type: 'application/json', content_encoding: 'utf-8', headers: header, inflated_hex: hexOf(utf8(JSON.stringify(VALUE))) });
    expect(raw).toMatchObject({ content_type: 'application/data', content_encoding: 'binary', headers: header, inflated_hex: hexOf(BYTES) });
  });

  it('pika → warren: a body compressed by Python\'s zlib.compress() with the compression header decodes with the preset', async () => {
    const q = await queue('interop-kombu-preset-pika');
    const header: Tagged = { dict: { compression: { str: 'application/x-gzip' } } };
    await pika.publish({ queue: q, body: { text: JSON.stringify(VALUE) }, content_type: 'application/json', content_encoding: 'utf-8', headers: header, zlib: true });
    await pika.publish({ queue: q, body: { hex: hexOf(BYTES) }, content_type: 'application/data', content_encoding: 'binary', headers: header, zlib: true });
    const k = kombuSerializers();
    expect((await getMessage(q)).decode(k)).toEqual(VALUE);
    expect((await getMessage(q)).decode(k)).toEqual(BYTES);
  });
});
