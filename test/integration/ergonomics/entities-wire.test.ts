/**
 * Entities against the broker, on what other clients put on the wire and on what they expect back
 * (issue 20): a header table received and re-published through a Producer keeps its key order and
 * wire tags, as channel.publish keeps them; NaN and ±Infinity, which RabbitMQ cannot parse in a
 * table (it closes the connection with 541), are refused before a byte is sent.
 */
import diagnostics from 'node:diagnostics_channel';
import { describe, expect, inject, it } from 'vitest';
import { EncodeError, Producer, field, type FieldTable, type Message } from 'warren';
import { Reader, WIRE, readTable, writeTable, Writer, type WireInfo } from 'warren/codec';
import { hex } from '../../helpers/hex.js';
import { channel, queue, take } from '../messaging/fixture.js';

/** The bytes `t` encodes to (field table, with its length). */
function tableBytes(t: FieldTable): string {
  const w = new Writer(64);
  writeTable(w, t, 'test', 'headers');
  return Buffer.from(w.buf.subarray(0, w.pos)).toString('hex');
}

/**
 * A header table as a Python client sends it: an integer-like key after others, `L` (py-amqp's
 * and pika's int64), bytes as `S` (py-amqp), a float 3.0 as `d` (py-amqp), all at the top and
 * once more in a nested table (which RabbitMQ 4.3 passes through untouched; it re-encodes the
 * top level, and rewrites L as l at every level).
 */
function received(): FieldTable {
  const entries = hex`
    01 7a 4c 00000000 00000005           # "z": L 5
    01 37 53 00000002 ff00               # "7": S holding non-UTF-8 bytes
    01 66 64 40080000 00000000           # "f": d 3.0
  `;
  const nested = Buffer.concat([Buffer.from([0, 0, 0, entries.length]), entries]);
  const body = Buffer.concat([entries, Buffer.from([1, 0x6e, 0x46]), nested]); // "n": F nested
  const bytes = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
  return readTable(new Reader(bytes, 0));
}

describe('Producer and wire records of header tables', () => {
  it('a received table re-published through a Producer keeps key order and tags, as channel.publish does', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, {}, 'wire-producer');
    const headers = received();
    expect(headers[WIRE as never]).toBeDefined(); // order and tags were recorded on decode
    await ch.publish('', q, 'by channel', { headers });
    await new Producer(ch, { routingKey: q }).publish('by producer, headers per message', { headers });
    await new Producer(ch, { routingKey: q, properties: { headers } }).publish('by producer, headers as defaults');
    await new Producer(ch, { routingKey: q, properties: { headers: { app: 'test' } } }).publish('by producer, merged', { headers });
    const got: Message[] = await take(await ch.consume(q, { noAck: true }), 4);
    const [direct, ...viaProducer] = got.map((m) => tableBytes(m.properties.headers!));
    // What channel.publish delivered is what the broker gives back for the table on this version
    // (3.10: the bytes as sent; 4.3: the top level re-encoded); the Producer paths match it.
    expect(viaProducer[0]).toBe(direct);
    expect(viaProducer[1]).toBe(direct);
    const merged = got[3]!.properties.headers!;
    expect(merged.app).toBe('test');
    expect(Object.keys(merged).sort()).toEqual(['app', ...Object.keys(headers)].sort());
    const wire = (t: FieldTable) => (t[WIRE as never] ?? {}) as WireInfo;
    const order = (t: FieldTable) => wire(t).keys ?? Object.keys(t);
    expect(wire(merged).tags).toEqual(wire(got[0]!.properties.headers!).tags);
    expect(order(merged).filter((k) => k !== 'app')).toEqual(order(got[0]!.properties.headers!));
    const nested = (m: Message) => tableBytes(m.properties.headers!.n as FieldTable);
    expect(nested(got[3]!)).toBe(nested(got[0]!));
    // 3.10 passes the bytes through; 4.3.6 keeps a nested table's order and its S and d tags but
    // rewrites L as l there too (not only at the top level).
    const sentNested = tableBytes(headers.n as FieldTable);
    expect(nested(got[0]!)).toBe(inject('rabbitmqVersion') === '3.10' ? sentNested : sentNested.replace('017a4c', '017a6c'));
  });

  it('with a tracing subscriber (warren:publish) a received table is copied with its record too', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, {}, 'wire-traced');
    const headers = received();
    await ch.publish('', q, 'untraced', { headers });
    const publish = diagnostics.tracingChannel('warren:publish');
    const handlers = { start: (e: unknown) => void ((e as { headers: FieldTable }).headers.traced = true), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    publish.subscribe(handlers);
    try {
      await ch.publish('', q, 'traced', { headers });
    } finally {
      publish.unsubscribe(handlers);
    }
    const [plain, traced] = await take(await ch.consume(q, { noAck: true }), 2);
    const { traced: mark, ...rest } = traced!.properties.headers!;
    expect(mark).toBe(true);
    expect(Object.keys(rest).sort()).toEqual(Object.keys(headers).sort());
    const wire = (t: FieldTable) => (t[WIRE as never] ?? {}) as WireInfo;
    expect(wire(traced!.properties.headers!).tags).toEqual(wire(plain!.properties.headers!).tags);
    expect(tableBytes(traced!.properties.headers!.n as FieldTable)).toBe(tableBytes(plain!.properties.headers!.n as FieldTable));
  });
});

describe('values RabbitMQ cannot parse in a table', () => {
  it('NaN and ±Infinity are an EncodeError before anything is sent: the connection stays open (RabbitMQ would close it with 541)', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch, {}, 'wire-nan');
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      await expect(ch.publish('', q, 'x', { headers: { nested: { n: bad } } })).rejects.toBeInstanceOf(EncodeError);
      await expect(new Producer(ch, { routingKey: q }).publish('x', { headers: { n: field.double(1), m: bad } })).rejects.toThrow(/RabbitMQ cannot parse/);
    }
    await ch.publish('', q, 'after', { headers: { n: -0 } });
    const [m] = await take(await ch.consume(q, { noAck: true }), 1);
    expect(m!.text()).toBe('after');
    expect(Object.is(m!.properties.headers!.n, -0)).toBe(true);
    expect(ch.connection.isOpen).toBe(true);
  });
});
