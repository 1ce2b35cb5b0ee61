/**
 * Golden byte vectors for field tables: one per wire tag (RabbitMQ's list), nested tables and
 * arrays, forced widths. Each vector's `hex` is a whole table (long byte length first).
 *
 * - `value`: what decoding `hex` gives.
 * - `input`: what encodes to exactly `hex` (absent for decode-only vectors such as `L`).
 * - `canonical`: encoding `value` itself gives `hex` back (plain JS values whose default
 *   mapping is this tag); false where the width is not kept by a plain number.
 * - `unsendable`: decoded as shown, but encoding `value` is an EncodeError.
 */
import { Decimal, field, type FieldTable } from '../../../runtime/codec/index.js';
import { hex } from '../../helpers/hex.js';

export interface TableVector {
  name: string;
  hex: Uint8Array;
  value: FieldTable;
  input?: FieldTable;
  canonical: boolean;
  /** Decoded, never sent: encoding `value` is an EncodeError (RabbitMQ could not parse it). */
  unsendable?: true;
}

const u8 = (...b: number[]) => Uint8Array.from(b);

export const tableVectors: TableVector[] = [
  { name: 'empty table', hex: hex`00000000`, value: {}, canonical: true },
  { name: 't true', hex: hex`00000004 016b 74 01`, value: { k: true }, canonical: true },
  { name: 't false', hex: hex`00000004 016b 74 00`, value: { k: false }, canonical: true },
  { name: 't forced', hex: hex`00000004 016b 74 01`, value: { k: true }, input: { k: field.boolean(true) }, canonical: true },
  { name: 'b int8 -128', hex: hex`00000004 016b 62 80`, value: { k: -128 }, input: { k: field.int8(-128) }, canonical: false },
  { name: 'b int8 127', hex: hex`00000004 016b 62 7f`, value: { k: 127 }, input: { k: field.int8(127) }, canonical: false },
  { name: 'B uint8 255', hex: hex`00000004 016b 42 ff`, value: { k: 255 }, input: { k: field.uint8(255) }, canonical: false },
  { name: 's int16 -32768 (RabbitMQ s)', hex: hex`00000005 016b 73 8000`, value: { k: -32768 }, input: { k: field.int16(-32768) }, canonical: false },
  { name: 'u uint16 65535', hex: hex`00000005 016b 75 ffff`, value: { k: 65535 }, input: { k: field.uint16(65535) }, canonical: false },
  { name: 'I int32 min', hex: hex`00000007 016b 49 80000000`, value: { k: -2147483648 }, canonical: true },
  { name: 'I int32 max', hex: hex`00000007 016b 49 7fffffff`, value: { k: 2147483647 }, canonical: true },
  { name: 'I zero', hex: hex`00000007 016b 49 00000000`, value: { k: 0 }, canonical: true },
  { name: 'I forced', hex: hex`00000007 016b 49 00000007`, value: { k: 7 }, input: { k: field.int32(7) }, canonical: true },
  { name: 'i uint32 max', hex: hex`00000007 016b 69 ffffffff`, value: { k: 4294967295 }, input: { k: field.uint32(4294967295) }, canonical: false },
  { name: 'l from 2^31 (number outside int32)', hex: hex`0000000b 016b 6c 00000000 80000000`, value: { k: 2147483648 }, canonical: true },
  { name: 'l from -2^31-1', hex: hex`0000000b 016b 6c ffffffff 7fffffff`, value: { k: -2147483649 }, canonical: true },
  { name: 'l 2^53-1', hex: hex`0000000b 016b 6c 001fffff ffffffff`, value: { k: Number.MAX_SAFE_INTEGER }, canonical: true },
  { name: 'l -(2^53-1)', hex: hex`0000000b 016b 6c ffe00000 00000001`, value: { k: -Number.MAX_SAFE_INTEGER }, canonical: true },
  { name: 'l bigint 2^53', hex: hex`0000000b 016b 6c 00200000 00000000`, value: { k: 2n ** 53n }, canonical: true },
  { name: 'l bigint max', hex: hex`0000000b 016b 6c 7fffffff ffffffff`, value: { k: 2n ** 63n - 1n }, canonical: true },
  { name: 'l bigint min', hex: hex`0000000b 016b 6c 80000000 00000000`, value: { k: -(2n ** 63n) }, canonical: true },
  { name: 'l forced small', hex: hex`0000000b 016b 6c 00000000 00000005`, value: { k: 5 }, input: { k: field.int64(5) }, canonical: false },
  { name: 'l forced small bigint', hex: hex`0000000b 016b 6c ffffffff fffffffb`, value: { k: -5 }, input: { k: field.int64(-5n) }, canonical: false },
  { name: 'L decoded, never sent', hex: hex`0000000b 016b 4c ffffffff ffffffff`, value: { k: -1 }, canonical: false },
  { name: 'L above 2^53 is a bigint', hex: hex`0000000b 016b 4c 01000000 00000000`, value: { k: 2n ** 56n }, canonical: false },
  { name: 'f float32', hex: hex`00000007 016b 66 3fc00000`, value: { k: 1.5 }, input: { k: field.float(1.5) }, canonical: false },
  { name: 'f float32 rounds', hex: hex`00000007 016b 66 3dcccccd`, value: { k: Math.fround(0.1) }, input: { k: field.float(0.1) }, canonical: false },
  { name: 'd fraction', hex: hex`0000000b 016b 64 3ff80000 00000000`, value: { k: 1.5 }, canonical: true },
  // Decoded (another peer may send them), never sent: RabbitMQ cannot parse them (EncodeError).
  { name: 'd NaN', hex: hex`0000000b 016b 64 7ff80000 00000000`, value: { k: NaN }, canonical: false, unsendable: true },
  { name: 'd -Infinity', hex: hex`0000000b 016b 64 fff00000 00000000`, value: { k: -Infinity }, canonical: false, unsendable: true },
  { name: 'd -0 keeps its sign', hex: hex`0000000b 016b 64 80000000 00000000`, value: { k: -0 }, canonical: true },
  { name: 'd 2^60 (unsafe integer number)', hex: hex`0000000b 016b 64 43b00000 00000000`, value: { k: 2 ** 60 }, canonical: true },
  { name: 'd forced integer', hex: hex`0000000b 016b 64 40080000 00000000`, value: { k: 3 }, input: { k: field.double(3) }, canonical: false },
  { name: 'D decimal -1.25', hex: hex`00000008 016b 44 02 ffffff83`, value: { k: new Decimal(2, -125) }, canonical: true },
  { name: 'D forced', hex: hex`00000008 016b 44 ff 7fffffff`, value: { k: new Decimal(255, 2147483647) }, input: { k: field.decimal(255, 2147483647) }, canonical: true },
  { name: 'S ascii', hex: hex`00000009 016b 53 00000002 6869`, value: { k: 'hi' }, canonical: true },
  { name: 'S empty', hex: hex`00000007 016b 53 00000000`, value: { k: '' }, canonical: true },
  {
    name: 'S multi-byte UTF-8',
    hex: hex`00000010 016b 53 00000009 c3a9 e282ac f09f9880 # é € 😀`,
    value: { k: 'é€😀' },
    canonical: true,
  },
  { name: 'S leading BOM kept', hex: hex`0000000b 016b 53 00000004 efbbbf 41`, value: { k: '\ufeffA' }, canonical: true },
  { name: 'S not UTF-8 → bytes', hex: hex`00000009 016b 53 00000002 fffe`, value: { k: u8(0xff, 0xfe) }, input: { k: field.string(u8(0xff, 0xfe)) }, canonical: false },
  { name: 'S long (over the ASCII fast path)', hex: hex`00000087 016b 53 00000080 ${'61'.repeat(128)}`, value: { k: 'a'.repeat(128) }, canonical: true },
  { name: 'x bytes', hex: hex`0000000a 016b 78 00000003 010203`, value: { k: u8(1, 2, 3) }, canonical: true },
  { name: 'x empty', hex: hex`00000007 016b 78 00000000`, value: { k: u8() }, canonical: true },
  { name: 'x forced', hex: hex`00000008 016b 78 00000001 ff`, value: { k: u8(0xff) }, input: { k: field.bytes(u8(0xff)) }, canonical: true },
  { name: 'T timestamp', hex: hex`0000000b 016b 54 00000000 6553f100`, value: { k: new Date(1_700_000_000_000) }, canonical: true },
  { name: 'T from a Date with ms', hex: hex`0000000b 016b 54 00000000 6553f100`, value: { k: new Date(1_700_000_000_000) }, input: { k: new Date(1_700_000_000_999) }, canonical: true },
  { name: 'T forced seconds', hex: hex`0000000b 016b 54 00000000 6553f100`, value: { k: new Date(1_700_000_000_000) }, input: { k: field.timestamp(1_700_000_000) }, canonical: true },
  { name: 'T forced bigint seconds', hex: hex`0000000b 016b 54 00000000 00000001`, value: { k: new Date(1000) }, input: { k: field.timestamp(1n) }, canonical: true },
  { name: 'T beyond Date range stays lossless', hex: hex`0000000b 016b 54 ffffffff ffffffff`, value: { k: field.timestamp(2n ** 64n - 1n) }, canonical: true },
  { name: 'T last second a Date holds', hex: hex`0000000b 016b 54 000007db a8218000`, value: { k: new Date(8.64e15) }, canonical: true },
  { name: 'V from null', hex: hex`00000003 016b 56`, value: { k: null }, canonical: true },
  { name: 'V forced', hex: hex`00000003 016b 56`, value: { k: null }, input: { k: field.void() }, canonical: true },
  { name: 'undefined key omitted', hex: hex`00000004 016b 7401`, value: { k: true }, input: { k: true, gone: undefined }, canonical: true },
  { name: 'F nested', hex: hex`0000000b 016b 46 00000004 0161 7401`, value: { k: { a: true } }, canonical: true },
  { name: 'F empty nested', hex: hex`00000007 016b 46 00000000`, value: { k: {} }, canonical: true },
  { name: 'A array', hex: hex`00000011 016b 41 0000000a 49 00000001 53 00000000`, value: { k: [1, ''] }, canonical: true },
  { name: 'A empty', hex: hex`00000007 016b 41 00000000`, value: { k: [] }, canonical: true },
  { name: 'A undefined element → V', hex: hex`00000009 016b 41 00000002 56 56`, value: { k: [null, null] }, input: { k: [undefined, null] }, canonical: true },
  { name: 'A forced widths', hex: hex`0000000b 016b 41 00000004 42 01 62 ff`, value: { k: [1, -1] }, input: { k: [field.uint8(1), field.int8(-1)] }, canonical: false },
  {
    name: 'nested arrays and tables',
    hex: hex`
      0000001e
      01 61 41 00000017          # a: array, 23 bytes
        46 0000000c              #   table, 12 bytes
          01 62 41 00000005      #     b: array, 5 bytes
            41 00000000          #       empty array
        53 00000001 78           #   "x"`,
    value: { a: [{ b: [[]] }, 'x'] },
    canonical: true,
  },
  {
    name: 'several keys in order',
    hex: hex`
      00000024
      0c 636f6e74656e742d74797065 53 00000004 74657874   # content-type: "text"
      05 782d726574 49 00000003                           # x-ret: 3
      01 7a 56                                            # z: void`,
    value: { 'content-type': 'text', 'x-ret': 3, z: null },
    canonical: true,
  },
  { name: '__proto__ key is an own property', hex: hex`0000000f 095f5f70726f746f5f5f 49 00000001`, value: JSON.parse('{"__proto__": 1}') as FieldTable, canonical: true },
];
