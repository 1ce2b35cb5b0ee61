/**
 * What each broker version does to a message's header table on its way through (issue 20 item 5;
 * docs/rabbitmq-4.md, README): 3.10 delivers the publisher's bytes; 4.3 re-encodes the table:
 * top-level keys sorted bytewise, every `L` written as `l` (nested tables, arrays and tables
 * inside arrays too), nested tables in their own order, every other tag kept. Anything that
 * compares header bytes, key order or tags after a round trip must expect this on 4.3.
 */
import { expect, inject, it } from 'vitest';
import { type FieldTable } from 'warren';
import { Reader, readTable, writeTable, Writer } from 'warren/codec';
import { hex } from '../../helpers/hex.js';
import { channel, queue, take } from './fixture.js';

function tableHex(t: FieldTable): string {
  const w = new Writer(128);
  writeTable(w, t, 'test', 'headers');
  return Buffer.from(w.buf.subarray(0, w.pos)).toString('hex');
}

const sent = hex`
  0000006a
  02 7a7a 4c 0000000000000009            # "zz": L 9
  01 42 46 00000012                      # "B": F, a nested table out of key order
     01 7a 4c 0000000000000001           #   "z": L 1
     01 61 49 00000002                   #   "a": I 2
  01 61 41 0000002a                      # "a": A
     4c 0000000000000005                 #   L 5
     46 00000016                         #   F, a table inside the array
        01 79 4c 0000000000000003        #     "y": L 3
        01 62 4c 0000000000000004        #     "b": L 4
     53 00000001 78                      #   S "x"
  02 3130 53 00000001 73                 # "10": S "s"
  01 32 64 4008000000000000              # "2": d 3.0
`;

const as43 = hex`
  0000006a
  02 3130 53 00000001 73                 # "10" first: keys sorted bytewise
  01 32 64 4008000000000000              # "2": d kept
  01 42 46 00000012
     01 7a 6c 0000000000000001           #   nested: its own order, L → l
     01 61 49 00000002                   #   I kept
  01 61 41 0000002a
     6c 0000000000000005                 #   in an array: L → l
     46 00000016
        01 79 6c 0000000000000003        #     in a table in an array: L → l, order kept
        01 62 6c 0000000000000004
     53 00000001 78                      #   S kept
  02 7a7a 6c 0000000000000009            # "zz": L → l
`;

it('3.10 delivers the header bytes as published; 4.3 sorts the top level and writes L as l at every level', async () => {
  const ch = await channel();
  await ch.confirmSelect();
  const q = await queue(ch, {}, 'headers-reencoded');
  await ch.publish('', q, 'x', { headers: readTable(new Reader(sent, 0)) });
  const [m] = await take(await ch.consume(q, { noAck: true }), 1);
  const expected = inject('rabbitmqVersion') === '3.10' ? sent : as43;
  expect(tableHex(m!.properties.headers!)).toBe(Buffer.from(expected).toString('hex'));
});
