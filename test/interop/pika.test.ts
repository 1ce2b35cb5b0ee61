/**
 * warren ↔ pika 1.2 (Debian's python3-pika) through the test broker, both ways: JSON, text and
 * raw bytes bodies with their content types, and header tables with every tag warren sends and
 * every Python type pika sends, as each side decodes them. One pika process for the file.
 *
 * pika's own decoding differs from RabbitMQ's table grammar (PROTOCOL-NOTES.md): it reads `b` as
 * unsigned and `B` as signed and truncates `f` and `d` values to integers; pika cannot send a
 * float at all. The tests pin those, so that a change on either side shows.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Decimal, field } from 'warren';
import { amqpUrl } from '../helpers/broker.js';
import { channel, getMessage, queue, tagsOf } from './fixture.js';
import { hexOf, PEER_START_TIMEOUT_MS, startPeer, type Peer } from './peer.js';

let pika: Peer;
beforeAll(async () => {
  pika = await startPeer('pika', amqpUrl());
}, PEER_START_TIMEOUT_MS);
afterAll(() => pika?.close());

/** Waits for pika's basic.get to return a message. */
async function pikaGet(q: string) {
  for (;;) {
    const m = await pika.get(q);
    if (m) return m;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bodies', () => {
  it('warren → pika: JSON, text and raw bytes arrive as the bytes warren sent, JSON with its content type', async () => {
    const ch = await channel();
    const q = await queue('interop-pika-bodies');
    await ch.publish('', q, { id: 1, name: 'é' });
    await ch.publish('', q, 'héllo');
    await ch.publish('', q, new Uint8Array([0, 0xff, 1]));
    const [json, text, raw] = [await pikaGet(q), await pikaGet(q), await pikaGet(q)];
    expect(json).toMatchObject({ content_type: 'application/json', body_hex: hexOf(new TextEncoder().encode('{"id":1,"name":"é"}')) });
    // A string or bytes body goes out as it is, without a content type (docs/publishing.md);
    // kombu needs more (kombu.test.ts).
    expect(text).toMatchObject({ content_type: null, body_hex: hexOf(new TextEncoder().encode('héllo')) });
    expect(raw).toMatchObject({ content_type: null, body_hex: '00ff01' });
  });

  it('pika → warren: JSON, text and raw bytes decode by their content types', async () => {
    const q = await queue('interop-pika-bodies');
    await pika.publish({ queue: q, body: { text: '{"id": 2, "tags": ["a", "b"]}' }, content_type: 'application/json' });
    await pika.publish({ queue: q, body: { text: 'grüße' }, content_type: 'text/plain', content_encoding: 'utf-8' });
    await pika.publish({ queue: q, body: { hex: '00ff02' }, content_type: 'application/octet-stream' });
    const json = await getMessage(q);
    expect(json.payload).toEqual({ id: 2, tags: ['a', 'b'] });
    const text = await getMessage(q);
    expect([text.payload, text.text()]).toEqual(['grüße', 'grüße']);
    const raw = await getMessage(q);
    expect(raw.payload).toEqual(new Uint8Array([0, 0xff, 2]));
  });
});

describe('header tables', () => {
  it('warren → pika: each tag as pika decodes it (b and B swapped in sign, floats truncated: pika\'s reading)', async () => {
    const ch = await channel();
    const q = await queue('interop-pika-headers');
    await ch.publish('', q, 'h', {
      headers: {
        I: 5, l: 2 ** 40, d: 1.5, S: 'é', x: new Uint8Array([1, 0xff]), t: true, D: new Decimal(2, -125),
        T: new Date(1_700_000_000_000), V: null, F: { n: 1 }, A: [1, 'a'], b: field.int8(-5), B: field.uint8(200),
        s: field.int16(-300), u: field.uint16(60_000), i: field.uint32(4_000_000_000), f: field.float(1.5), d3: field.double(3), l5: field.int64(5),
      },
    });
    const m = await pikaGet(q);
    expect(m.headers).toEqual({
      dict: {
        I: { int: '5' }, l: { int: '1099511627776' }, d: { int: '1' }, S: { str: 'é' }, x: { bytes: '01ff' }, t: { bool: true },
        D: { decimal: '-1.25' }, T: { datetime: 1_700_000_000 }, V: { none: null }, F: { dict: { n: { int: '1' } } },
        A: { list: [{ int: '1' }, { str: 'a' }] },
        b: { int: '251' }, B: { int: '-56' }, // pika reads b unsigned, B signed
        s: { int: '-300' }, u: { int: '60000' }, i: { int: '4000000000' },
        f: { int: '1' }, d3: { int: '3' }, // pika truncates floats it reads
        l5: { int: '5' },
      },
    });
  });

  it('pika → warren: each Python type with the tag pika chose, as warren decodes and remembers it', async () => {
    const q = await queue('interop-pika-headers');
    await pika.publish({
      queue: q, body: { text: 'h' },
      headers: { dict: {
        int: { int: '5' }, big: { int: String(2 ** 40) }, neg: { int: '-5' }, str: { str: 'é' }, bytes: { bytes: 'ff00' },
        dec: { decimal: '1.25' }, dt: { datetime: 1_700_000_000 }, none: { none: null }, bool: { bool: true },
        nested: { dict: { a: { int: '1' }, b: { bytes: '01' } } }, list: { list: [{ int: '1' }, { str: 'a' }] },
      } },
    });
    const h = (await getMessage(q)).properties.headers!;
    expect(h).toEqual({
      int: 5, big: 2 ** 40, neg: -5, str: 'é', bytes: new Uint8Array([0xff, 0]), dec: new Decimal(2, 125),
      dt: new Date(1_700_000_000_000), none: null, bool: true, nested: { a: 1, b: new Uint8Array([1]) }, list: [1, 'a'],
    });
    // pika writes int (I within int32, l beyond), bytes (x), Decimal (D), datetime (T): all
    // warren's own defaults, so nothing is remembered; 4.3 sorts the keys, 3.10 keeps pika's order.
    expect(tagsOf(h)).toEqual({});
    expect(Object.keys(h)[0]).toBe(inject('rabbitmqVersion') === '3.10' ? 'int' : 'big');
  });
});
