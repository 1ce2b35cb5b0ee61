/**
 * Golden content-header frames (basic properties) and whole contents (method + header + body).
 *
 * ```
 * header: 02 · channel · size · class-id 003c · weight 0000 · body-size (longlong)
 *         · property flags (short: bit 15 = content-type ... bit 2 = cluster-id) · present properties · ce
 * body:   03 · channel · size · at most frame_max - 8 body bytes · ce   (no body frame when empty)
 * ```
 */
import type { Method } from '../../generated/methods.js';
import { hex } from '../helpers/hex.js';
import { HAND_CONTENT, HAND_HEADER, ss, type ContentVector, type HeaderVector } from './types.js';

const allFourteen = {
  contentType: 'text/plain',
  contentEncoding: 'gzip',
  headers: { a: 1 },
  deliveryMode: 2,
  priority: 9,
  correlationId: 'c1',
  replyTo: 'r',
  expiration: '60000',
  messageId: 'm1',
  timestamp: new Date(1_700_000_000_000),
  type: 't',
  userId: 'guest',
  appId: 'warren',
  clusterId: 'c',
};

const allFourteenHex = hex`
  fffc                             # all 14 flags: bits 15..2
  ${ss('text/plain')} ${ss('gzip')}
  00000007 0161 49 00000001        # headers {a: 1}
  02 09                            # delivery-mode 2, priority 9
  ${ss('c1')} ${ss('r')} ${ss('60000')} ${ss('m1')}
  00000000 6553f100                # timestamp 1700000000 s
  ${ss('t')} ${ss('guest')} ${ss('warren')} ${ss('c')}`;

export const headerVectors: HeaderVector[] = [
  {
    name: 'all 14 properties',
    source: HAND_HEADER,
    hex: hex`02 0001 00000052  003c 0000 00000000 00000005 ${allFourteenHex} ce`,
    value: { channel: 1, classId: 60, bodySize: 5, properties: allFourteen },
  },
  {
    name: 'zero-valued present properties: contentType \'\', empty headers, priority 0, timestamp 0',
    source: HAND_HEADER,
    hex: hex`
      02 0001 0000001c  003c 0000 00000000 00000000
      a840                         # content-type (15), headers (13), priority (11), timestamp (6)
      00                           # content-type ''
      00000000                     # headers {}
      00                           # priority 0
      00000000 00000000            # timestamp epoch
      ce`,
    value: { channel: 1, classId: 60, bodySize: 0, properties: { contentType: '', headers: {}, priority: 0, timestamp: new Date(0) } },
  },
  {
    name: 'no properties, body size 2^53 (bigint)',
    source: HAND_HEADER,
    hex: hex`02 0007 0000000e  003c 0000 00200000 00000000 0000 ce`,
    value: { channel: 7, classId: 60, bodySize: 2n ** 53n, properties: {} },
  },
  {
    name: 'timestamp at the last second a Date can hold (8.64e12 s)',
    source: HAND_HEADER,
    hex: hex`02 0001 00000016  003c 0000 00000000 00000000 0040 000007db a8218000 ce`,
    value: { channel: 1, classId: 60, bodySize: 0, properties: { timestamp: new Date(8.64e15) } },
  },
  {
    name: 'only the last flag (cluster-id, bit 2) and delivery-mode 0',
    source: HAND_HEADER,
    hex: hex`02 0001 00000012  003c 0000 00000000 00000001 1004 00 ${ss('cl')} ce`,
    value: { channel: 1, classId: 60, bodySize: 1, properties: { deliveryMode: 0, clusterId: 'cl' } },
  },
];

const hello = new TextEncoder().encode('hello');
/** 0x00, 0x01, ... : a body whose frames are easy to check by eye. */
const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
const body50 = counting(50);
const body48 = counting(48);
const body4089 = counting(4089);

/** basic.publish to exchange '' with routing key '': 17 bytes, so that it fits a tiny frame_max. */
const tinyPublish = hex`01 0001 00000009  003c 0028 0000 00 00 00 ce`;
const tinyPublishValue: Method = { kind: 'basic.publish', exchange: '', routingKey: '', mandatory: false, immediate: false };

export const contentVectors: ContentVector[] = [
  {
    name: 'publish "hello" with delivery-mode 2',
    source: HAND_CONTENT,
    hex: hex`
      01 0001 00000016  003c 0028 0000 ${ss('amq.direct')} ${ss('key')} 01 ce
      02 0001 0000000f  003c 0000 00000000 00000005 1000 02 ce
      03 0001 00000005  ${hello} ce`,
    value: {
      channel: 1, frameMax: 4096, body: hello, properties: { deliveryMode: 2 },
      method: { kind: 'basic.publish', exchange: 'amq.direct', routingKey: 'key', mandatory: true, immediate: false },
    },
  },
  {
    name: 'empty body: method and header, no body frame',
    source: HAND_CONTENT,
    hex: hex`
      ${tinyPublish}
      02 0001 0000000e  003c 0000 00000000 00000000 0000 ce`,
    value: { channel: 1, frameMax: 4096, body: new Uint8Array(0), properties: {}, method: tinyPublishValue },
  },
  {
    name: 'body of 50 split at frame_max 32 - 8 = 24: 24 + 24 + 2',
    source: HAND_CONTENT,
    hex: hex`
      ${tinyPublish}
      02 0001 0000000e  003c 0000 00000000 00000032 0000 ce
      03 0001 00000018  ${body50.subarray(0, 24)} ce
      03 0001 00000018  ${body50.subarray(24, 48)} ce
      03 0001 00000002  ${body50.subarray(48)} ce`,
    value: { channel: 1, frameMax: 32, body: body50, properties: {}, method: tinyPublishValue },
  },
  {
    name: 'body of exactly 2 × (frame_max - 8): no empty trailing frame',
    source: HAND_CONTENT,
    hex: hex`
      ${tinyPublish}
      02 0001 0000000e  003c 0000 00000000 00000030 0000 ce
      03 0001 00000018  ${body48.subarray(0, 24)} ce
      03 0001 00000018  ${body48.subarray(24)} ce`,
    value: { channel: 1, frameMax: 32, body: body48, properties: {}, method: tinyPublishValue },
  },
  {
    name: 'body of 4089 at frame_max 4096: 4088 + 1',
    source: HAND_CONTENT,
    hex: hex`
      ${tinyPublish}
      02 0001 0000000e  003c 0000 00000000 00000ff9 0000 ce
      03 0001 00000ff8  ${body4089.subarray(0, 4088)} ce
      03 0001 00000001  ${body4089.subarray(4088)} ce`,
    value: { channel: 1, frameMax: 4096, body: body4089, properties: {}, method: tinyPublishValue },
  },
  {
    name: 'deliver with all 14 properties, tag 2^60+1',
    source: HAND_CONTENT,
    hex: hex`
      01 0002 00000018  003c 003c ${ss('ctag')} 10000000 00000001 01 ${ss('ex')} ${ss('rk')} ce
      02 0002 00000052  003c 0000 00000000 00000005 ${allFourteenHex} ce
      03 0002 00000005  ${hello} ce`,
    value: {
      channel: 2, frameMax: 131072, body: hello, properties: allFourteen,
      method: { kind: 'basic.deliver', consumerTag: 'ctag', deliveryTag: 2n ** 60n + 1n, redelivered: true, exchange: 'ex', routingKey: 'rk' },
    },
  },
  {
    name: 'return with zero-valued properties',
    source: HAND_CONTENT,
    hex: hex`
      01 0003 00000015  003c 0032 0138 ${ss('NO_ROUTE')} ${ss('ex')} ${ss('rk')} ce
      02 0003 0000000f  003c 0000 00000000 00000001 0800 00 ce
      03 0003 00000001  ff ce`,
    value: {
      channel: 3, frameMax: 131072, body: Uint8Array.of(0xff), properties: { priority: 0, contentType: undefined },
      method: { kind: 'basic.return', replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk' },
    },
  },
  {
    name: 'get-ok with an empty body and content-type \'\'',
    source: HAND_CONTENT,
    hex: hex`
      01 0004 00000014  003c 0047 00000000 00000001 00 ${ss('')} ${ss('q')} 00000000 ce
      02 0004 0000000f  003c 0000 00000000 00000000 8000 00 ce`,
    value: {
      channel: 4, frameMax: 131072, body: new Uint8Array(0), properties: { contentType: '' },
      method: { kind: 'basic.get-ok', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q', messageCount: 0 },
    },
  },
];
