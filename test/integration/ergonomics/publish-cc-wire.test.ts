/**
 * prepare() adds CC, BCC and `x-stream-filter-value` to the headers a publish gives (issue 20
 * item 1: every path that copies a table keeps its wire record): a header table received from
 * another client and re-published with CC keeps its tags (`S` bytes, `d` 3.0), as it does
 * without CC; with a compression added (kombuSerializers()) as well. Against the broker, which
 * delivers what it parsed: on 4.3 the top level is re-encoded (keys sorted, `L` as `l`), so the
 * comparison is with the same table published without CC on the same broker.
 */
import { describe, expect, it } from 'vitest';
import { kombuSerializers, type FieldTable, type Message } from 'warren';
import { Reader, WIRE, readTable, type WireInfo } from 'warren/codec';
import { hex } from '../../helpers/hex.js';
import { channel, queue, take } from '../messaging/fixture.js';

/** A header table as py-amqp sends one: `L` 5, bytes as `S`, a float 3.0 as `d`. */
function received(): FieldTable {
  const entries = hex`
    01 7a 4c 00000000 00000005           # "z": L 5
    01 37 53 00000002 ff00               # "7": S holding non-UTF-8 bytes
    01 66 64 40080000 00000000           # "f": d 3.0
  `;
  return readTable(new Reader(Buffer.concat([Buffer.from([0, 0, 0, entries.length]), entries]), 0));
}

const tags = (t: FieldTable) => ((t[WIRE as never] ?? {}) as WireInfo).tags ?? {};

describe('CC and a received header table', () => {
  it('a publish with CC (and with a compression) keeps the table\'s wire tags, as one without CC', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    ch.serializers = kombuSerializers();
    const [q, cc] = [await queue(ch, {}, 'wire-cc'), await queue(ch, {}, 'wire-cc-copy')];
    await ch.publish('', q, 'plain', { headers: received() });
    await ch.publish('', q, 'with CC', { headers: received(), CC: [cc] });
    await ch.publish('', q, 'with CC, compressed', { headers: received(), CC: [cc], compression: 'zlib' });
    const [plain, withCc, compressed] = (await take(await ch.consume(q, { noAck: true }), 3)) as Message[];
    const sent = tags(plain!.properties.headers!);
    expect(Object.keys(sent)).toEqual(expect.arrayContaining(['7', 'f'])); // S and d: tags the default mapping would not choose
    expect(tags(withCc!.properties.headers!)).toEqual(sent);
    expect(tags(compressed!.properties.headers!)).toEqual(sent);
    expect(withCc!.properties.headers!.f).toBe(3);
    expect(compressed!.payload).toBe('with CC, compressed');
    const copies = (await take(await ch.consume(cc, { noAck: true }), 2)) as Message[];
    expect(copies.map((m) => m.payload)).toEqual(['with CC', 'with CC, compressed']);
    expect(tags(copies[0]!.properties.headers!)).toEqual(sent);
  });
});
