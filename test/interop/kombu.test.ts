/**
 * warren ↔ kombu 5.2 over py-amqp 5.1 (Debian's python3-kombu, python3-amqp) through the test
 * broker, both ways: JSON, text and raw bytes bodies with kombu's conventions (raw bodies are
 * `application/data` with content_encoding `binary` or `utf-8`; kombu decodes any body without
 * `binary` as text), and header tables with their tags. One kombu process for the file.
 *
 * py-amqp's table grammar is the spec's, not RabbitMQ's (PROTOCOL-NOTES.md): it reads `b` as
 * unsigned and `B` as signed, and `s` as a short string, so a table with an `s` value (warren's
 * `field.int16`) cannot be read by kombu at all; it writes Python ints beyond int32 as `L` and
 * bytes as `S`.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Decimal, field } from 'warren';
import { amqpUrl } from '../helpers/broker.js';
import { channel, getMessage, queue, tagsOf } from './fixture.js';
import { PEER_START_TIMEOUT_MS, startPeer, type Peer } from './peer.js';

let kombu: Peer;
beforeAll(async () => {
  kombu = await startPeer('kombu', amqpUrl());
}, PEER_START_TIMEOUT_MS);
afterAll(() => kombu?.close());

async function kombuGet(q: string) {
  for (;;) {
    const m = await kombu.get(q);
    if (m) return m;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bodies', () => {
  it('warren → kombu: JSON, text, and raw bytes sent as application/data + binary, as kombu decodes them', async () => {
    const ch = await channel();
    const q = await queue('interop-kombu-bodies');
    await ch.publish('', q, { id: 1, name: 'é' });
    await ch.publish('', q, 'héllo');
    await ch.publish('', q, new Uint8Array([0, 0xff, 1]), { contentType: 'application/data', contentEncoding: 'binary' });
    await ch.publish('', q, new Uint8Array([0, 0xff, 1]));
    expect((await kombuGet(q)).decoded).toEqual({ dict: { id: { int: '1' }, name: { str: 'é' } } });
    expect((await kombuGet(q)).decoded).toEqual({ str: 'héllo' });
    expect((await kombuGet(q)).decoded).toEqual({ bytes: '00ff01' });
    // Without content_encoding binary kombu decodes the body as text, and these bytes are not UTF-8.
    expect((await kombuGet(q)).decode_error).toMatch(/DecodeError: 'utf-8' codec can't decode/);
  });

  it('kombu → warren: JSON, text and raw bytes (application/data + binary)', async () => {
    const q = await queue('interop-kombu-bodies');
    await kombu.publish({ queue: q, payload: { id: 2, tags: ['a', 'b'] }, serializer: 'json' });
    await kombu.publish({ queue: q, body: { text: 'grüße' } });
    await kombu.publish({ queue: q, body: { hex: '00ff02' } });
    const json = await getMessage(q);
    expect(json.properties).toMatchObject({ contentType: 'application/json', contentEncoding: 'utf-8' });
    expect(json.payload).toEqual({ id: 2, tags: ['a', 'b'] });
    const text = await getMessage(q);
    expect(text.properties).toMatchObject({ contentType: 'text/plain', contentEncoding: 'utf-8' });
    expect(text.payload).toBe('grüße');
    const raw = await getMessage(q);
    expect(raw.properties).toMatchObject({ contentType: 'application/data', contentEncoding: 'binary' });
    expect(raw.body).toEqual(new Uint8Array([0, 0xff, 2]));
  });
});

describe('header tables', () => {
  it('warren → kombu: each tag as py-amqp decodes it (b and B swapped in sign: py-amqp\'s reading)', async () => {
    const ch = await channel();
    const q = await queue('interop-kombu-headers');
    await ch.publish('', q, 'h', {
      headers: {
        I: 5, l: 2 ** 40, d: 1.5, S: 'é', x: new Uint8Array([1, 0xff]), t: true, D: new Decimal(2, -125),
        T: new Date(1_700_000_000_000), V: null, F: { n: 1 }, A: [1, 'a'], b: field.int8(-5), B: field.uint8(200),
        u: field.uint16(60_000), i: field.uint32(4_000_000_000), f: field.float(1.5), d3: field.double(3), l5: field.int64(5),
      },
    });
    expect((await kombuGet(q)).headers).toEqual({
      dict: {
        I: { int: '5' }, l: { int: '1099511627776' }, d: { float: '1.5' }, S: { str: 'é' }, x: { bytes: '01ff' }, t: { bool: true },
        D: { decimal: '-1.25' }, T: { datetime: 1_700_000_000 }, V: { none: null }, F: { dict: { n: { int: '1' } } },
        A: { list: [{ int: '1' }, { str: 'a' }] },
        b: { int: '251' }, B: { int: '-56' }, // py-amqp reads b unsigned, B signed
        u: { int: '60000' }, i: { int: '4000000000' }, f: { float: '1.5' }, d3: { float: '3.0' }, l5: { int: '5' },
      },
    });
  });

  it('warren → kombu: a table with an s (int16) value is unreadable for py-amqp (it reads s as a short string)', async () => {
    const ch = await channel();
    const q = await queue('interop-kombu-headers');
    await ch.publish('', q, 'h', { headers: { s: field.int16(-300) } });
    // A kombu of its own: the failed read leaves its connection out of step with the frames.
    const own = await startPeer('kombu', amqpUrl());
    try {
      await expect(own.get(q)).rejects.toThrow(/^kombu: /);
    } finally {
      await own.close().catch(() => undefined);
    }
  }, PEER_START_TIMEOUT_MS);

  it('kombu → warren: each Python type with the tag py-amqp chose, as warren decodes and remembers it', async () => {
    const q = await queue('interop-kombu-headers');
    await kombu.publish({
      queue: q, body: { text: 'h' },
      headers: { dict: {
        int: { int: '5' }, big: { int: String(2 ** 40) }, neg: { int: '-5' }, float: { float: '3.0' }, str: { str: 'é' }, bytes: { bytes: 'ff00' },
        dec: { decimal: '1.25' }, dt: { datetime: 1_700_000_000 }, none: { none: null }, bool: { bool: true },
        nested: { dict: { big: { int: String(2 ** 40) }, b: { bytes: 'ff01' } } }, list: { list: [{ int: '1' }, { str: 'a' }] },
      } },
    });
    const h = (await getMessage(q)).properties.headers!;
    expect(h).toEqual({
      int: 5, big: 2 ** 40, neg: -5, float: 3, str: 'é', bytes: new Uint8Array([0xff, 0]), dec: new Decimal(2, 125),
      dt: new Date(1_700_000_000_000), none: null, bool: true, nested: { big: 2 ** 40, b: new Uint8Array([0xff, 1]) }, list: [1, 'a'],
    });
    // py-amqp writes ints beyond int32 as L, bytes as S (read as a string when they are UTF-8),
    // floats as d: warren remembers those tags
    // (the table re-publishes as it came). RabbitMQ 4.3 rewrites L as l, at every level.
    const v310 = inject('rabbitmqVersion') === '3.10';
    expect(tagsOf(h)).toEqual({ ...(v310 ? { big: 'L' } : {}), bytes: 'S', float: 'd' });
    expect(tagsOf(h.nested as never)).toEqual({ ...(v310 ? { big: 'L' } : {}), b: 'S' });
  });
});
