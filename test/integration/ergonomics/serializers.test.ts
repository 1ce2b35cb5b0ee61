import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PayloadError, UnknownContentTypeError, UnroutableError, createSerializers, type Message, type PayloadError as PayloadErrorType, type ReturnedMessage, type Serializer } from 'warren';
import { channel, queue, take } from '../messaging/fixture.js';

/** A toy custom format: `key=value;` pairs. Strict: anything else is unreadable. */
const kv: Serializer<Record<string, string>> = {
  contentType: 'application/x-kv',
  encode: (v) => new TextEncoder().encode(Object.entries(v).map(([k, x]) => `${k}=${x};`).join('')),
  decode: (body) => {
    const text = new TextDecoder().decode(body);
    if (!/^([a-z]+=[^;=]*;)*$/.test(text)) throw new SyntaxError(`not key=value; pairs: ${text.slice(0, 20)}`);
    return Object.fromEntries(text.split(';').filter(Boolean).map((p) => p.split('=') as [string, string]));
  },
};

/** A compression wrapper keyed by content encoding: gzip-compressed JSON. */
const gzipJson: Serializer = {
  contentType: 'application/json',
  contentEncoding: 'gzip',
  encode: (v) => gzipSync(JSON.stringify(v)),
  decode: (body) => JSON.parse(gunzipSync(body).toString('utf8')) as unknown,
};

describe('serializers by content type', () => {
  it('built-ins: plain objects as JSON, strings as text, bytes with the content type given; payload decodes by content type', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    await ch.sendToQueue(q, { id: 1, tags: ['a'] });
    await ch.sendToQueue(q, 'héllo', { contentType: 'text/plain' });
    await ch.sendToQueue(q, new Uint8Array([1, 2, 3]), { contentType: 'application/octet-stream' });
    await ch.sendToQueue(q, new Uint8Array([4]));
    await ch.sendToQueue(q, 'a string sent as JSON', { serializer: 'application/json' });
    const [obj, text, bytes, bare, jsonString] = await take(await ch.consume(q, { noAck: true }), 5);
    expect(obj!.properties.contentType).toBe('application/json');
    expect(obj!.payload).toEqual({ id: 1, tags: ['a'] });
    expect((obj as Message<{ id: number }>).payload.id).toBe(1);
    expect(text!.payload).toBe('héllo');
    expect(bytes!.payload).toEqual(new Uint8Array([1, 2, 3]));
    expect(bare!.properties.contentType).toBeUndefined();
    expect(bare!.payload).toEqual(new Uint8Array([4])); // no content type: the bytes
    expect(jsonString!.payload).toBe('a string sent as JSON');
    expect(jsonString!.text()).toBe('"a string sent as JSON"');
  });

  it('a custom serializer and a compression wrapper round trip, per channel and per message', async () => {
    const ch = await channel();
    ch.serializers = ch.connection.serializers.extend().register(kv).register(gzipJson);
    await ch.confirmSelect();
    const q = await queue(ch);
    await ch.sendToQueue(q, { user: 'ann', role: 'admin' }, { serializer: 'application/x-kv' });
    await ch.sendToQueue(q, { user: 'bob' }, { contentType: 'application/x-kv' }); // chosen by contentType
    await ch.sendToQueue(q, { big: 'x'.repeat(10_000) }, { serializer: 'application/json', contentEncoding: 'gzip' });
    await ch.sendToQueue(q, { inline: true }, { serializer: kv }); // an object, not registered by name
    const got = await take(await ch.consume(q, { noAck: true }), 4);
    expect(got.map((m) => [m.properties.contentType, m.properties.contentEncoding])).toEqual([
      ['application/x-kv', undefined],
      ['application/x-kv', undefined],
      ['application/json', 'gzip'],
      ['application/x-kv', undefined],
    ]);
    expect(got[0]!.text()).toBe('user=ann;role=admin;');
    expect(got[0]!.payload).toEqual({ user: 'ann', role: 'admin' });
    expect(got[1]!.payload).toEqual({ user: 'bob' });
    expect(got[2]!.body.length).toBeLessThan(200);
    expect(got[2]!.payload).toEqual({ big: 'x'.repeat(10_000) });
    expect(got[3]!.payload).toEqual({ inline: 'true' });
    // The connection's registry was not touched by the channel's extension.
    expect(ch.connection.serializers.get('application/x-kv')).toBeUndefined();
    expect(() => got[0]!.decode(createSerializers())).toThrow(UnknownContentTypeError);
  });

  it('an unreadable body is a typed error, never a crash; undecodable: reject sends it to the dead-letter queue', async () => {
    const ch = await channel();
    ch.serializers = ch.serializers.extend().register(kv);
    await ch.confirmSelect();
    const dlq = await queue(ch, {}, 'dlq');
    const q = await queue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.sendToQueue(q, '{not json', { contentType: 'application/json' });
    await ch.sendToQueue(q, new Uint8Array([0xff]), { contentType: 'application/x-unheard-of' });
    await ch.sendToQueue(q, 'x=1;oops', { contentType: 'application/x-kv' });
    await ch.sendToQueue(q, { fine: true });

    const consumer = await ch.consume(q, { undecodable: 'reject' });
    const undecodable: [PayloadErrorType, Message][] = [];
    consumer.on('undecodable', (e, m) => undecodable.push([e, m]));
    const [good] = await take(consumer, 1);
    expect(good!.payload).toEqual({ fine: true });
    good!.ack();
    expect(undecodable.map(([e]) => e.name)).toEqual(['PayloadError', 'UnknownContentTypeError', 'PayloadError']);
    expect(undecodable[0]![0]).toBeInstanceOf(PayloadError);
    expect(undecodable[0]![0].contentType).toBe('application/json');
    expect(undecodable[0]![0].cause).toBeInstanceOf(SyntaxError);
    expect(undecodable[2]![0].cause).toBeInstanceOf(SyntaxError);

    const dead = await take(await ch.consume(dlq, { noAck: true }), 3);
    expect(dead.map((m) => m.properties.contentType)).toEqual(['application/json', 'application/x-unheard-of', 'application/x-kv']);
    expect(dead.map((m) => (m.properties.headers?.['x-death'] as { reason: string }[])[0]!.reason)).toEqual(['rejected', 'rejected', 'rejected']);
    // Left to the application (the default), the same body throws the typed error on access.
    expect(() => dead[0]!.payload).toThrow(PayloadError);
    expect((await ch.checkQueue(q)).messageCount).toBe(0);
  });

  it('a returned message has text(), json() and payload', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const returned = new Promise<ReturnedMessage>((resolve) => ch.once('return', resolve));
    const e = await ch.publish('', 'no-such-queue-anywhere', { order: 7 }, { mandatory: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnroutableError);
    const r = await returned;
    expect(r.replyCode).toBe(312);
    expect(r.json()).toEqual({ order: 7 });
    expect(r.text()).toBe('{"order":7}');
    expect(r.payload).toEqual({ order: 7 });
    expect((e as UnroutableError).returned.payload).toEqual({ order: 7 });
  });
});
