/**
 * Golden method frames: at least one for each of the 64 methods of RabbitMQ's extended spec,
 * more where bits, tables or longlongs make it interesting (every combination of the five bits of
 * exchange.declare, delivery tags at 2^53 - 1, 2^53, 2^60 + 1 and 2^64 - 1, a table with every
 * type a plain JS value maps to, UTF-8 in a shortstr, boundary integers).
 *
 * Frame: `01 · channel (short) · size (long) · class-id · method-id · arguments · ce`
 * (size counts class-id through the last argument). Reserved fields are written as zero and are
 * absent from `value`. Bits are packed first-bit-in-the-least-significant-position.
 */
import { Decimal } from '../../runtime/codec/index.js';
import { hex } from '../helpers/hex.js';
import { HAND, bytes, ls, ss, type MethodVector } from './types.js';

const v = (name: string, bytesHex: Uint8Array, channel: number, method: MethodVector['value']['method']): MethodVector => ({
  name,
  source: HAND,
  hex: bytesHex,
  value: { channel, method },
});

/** `connection.start-ok`'s client-properties: one entry per type a plain JS value maps to. */
const richTable = {
  s: 'x',
  i: -2,
  t: true,
  l: 2n ** 60n,
  d: 1.5,
  x: Uint8Array.of(1, 2),
  T: new Date(1_700_000_000_000),
  D: new Decimal(2, 125),
  F: {},
  A: [1, 'a'],
  V: null,
};

const richTableHex = hex`
  00000061                          # 97 bytes of entries
  0173 53 00000001 78               # s: S "x"
  0169 49 fffffffe                  # i: I -2
  0174 74 01                        # t: t true
  016c 6c 10000000 00000000         # l: l 2^60
  0164 64 3ff80000 00000000         # d: d 1.5
  0178 78 00000002 0102             # x: x bytes 01 02
  0154 54 00000000 6553f100         # T: T 1700000000 s
  0144 44 02 0000007d               # D: D scale 2, 125 (1.25)
  0146 46 00000000                  # F: empty table
  0141 41 0000000b 49 00000001 53 00000001 61   # A: [I 1, S "a"]
  0156 56                           # V: void`;

const bitNames = ['passive', 'durable', 'autoDelete', 'internal', 'noWait'] as const;

/** exchange.declare with each of the 32 combinations of its bit group (bit 0 = passive). */
const exchangeDeclareBits: MethodVector[] = Array.from({ length: 32 }, (_, bits) => {
  const flags = Object.fromEntries(bitNames.map((n, i) => [n, (bits & (1 << i)) !== 0]));
  return v(
    `exchange.declare bits 0b${bits.toString(2).padStart(5, '0')}`,
    hex`01 0001 00000014  0028 000a  0000 ${ss('ex')} ${ss('topic')} ${bits} 00000000 ce`,
    1,
    { kind: 'exchange.declare', exchange: 'ex', type: 'topic', ...(flags as Record<(typeof bitNames)[number], boolean>), arguments: {} },
  );
});

/** basic.nack with the four combinations of multiple (bit 0) and requeue (bit 1). */
const nackBits: MethodVector[] = [0, 1, 2, 3].map((bits) =>
  v(
    `basic.nack tag 2^64-1, bits ${bits}`,
    hex`01 0003 0000000d  003c 0078  ffffffff ffffffff ${bits} ce`,
    3,
    { kind: 'basic.nack', deliveryTag: 2n ** 64n - 1n, multiple: (bits & 1) !== 0, requeue: (bits & 2) !== 0 },
  ),
);

export const methodVectors: MethodVector[] = [
  // ---- connection (class 10 = 000a), channel 0
  v('connection.start', hex`
    01 0000 00000061  000a 000a
    00 09                                         # version-major 0, version-minor 9
    0000003c                                      # server-properties: 60 bytes
      07 70726f64756374 53 00000008 5261626269744d51        # product: "RabbitMQ"
      0c 6361706162696c6974696573 46 00000015               # capabilities: table of 21 bytes
        12 7075626c69736865725f636f6e6669726d73 74 01       #   publisher_confirms: true
    ${ls('PLAIN AMQPLAIN')} ${ls('en_US')}
    ce`, 0, {
    kind: 'connection.start', versionMajor: 0, versionMinor: 9,
    serverProperties: { product: 'RabbitMQ', capabilities: { publisher_confirms: true } },
    mechanisms: bytes('PLAIN AMQPLAIN'), locales: bytes('en_US'),
  }),
  v('connection.start-ok with a table of every plain type', hex`
    01 0000 00000085  000a 000b
    ${richTableHex}
    ${ss('PLAIN')}
    0000000c 00 6775657374 00 6775657374          # response: "\\0guest\\0guest"
    ${ss('en_US')}
    ce`, 0, {
    kind: 'connection.start-ok', clientProperties: richTable, mechanism: 'PLAIN',
    response: Uint8Array.of(0, ...bytes('guest'), 0, ...bytes('guest')), locale: 'en_US',
  }),
  v('connection.secure', hex`01 0000 0000000b  000a 0014 ${ls('abc')} ce`, 0, { kind: 'connection.secure', challenge: bytes('abc') }),
  v('connection.secure-ok, empty longstr', hex`01 0000 00000008  000a 0015 00000000 ce`, 0, { kind: 'connection.secure-ok', response: new Uint8Array(0) }),
  v('connection.tune', hex`01 0000 0000000c  000a 001e 07ff 00020000 003c ce`, 0, { kind: 'connection.tune', channelMax: 2047, frameMax: 131072, heartbeat: 60 }),
  v('connection.tune-ok at the maxima', hex`01 0000 0000000c  000a 001f ffff ffffffff ffff ce`, 0, { kind: 'connection.tune-ok', channelMax: 65535, frameMax: 2 ** 32 - 1, heartbeat: 65535 }),
  v('connection.tune-ok zeros', hex`01 0000 0000000c  000a 001f 0000 00000000 0000 ce`, 0, { kind: 'connection.tune-ok', channelMax: 0, frameMax: 0, heartbeat: 0 }),
  v('connection.open (reserved shortstr and bit written as zero)', hex`01 0000 00000008  000a 0028 ${ss('/')} 00 00 ce`, 0, { kind: 'connection.open', virtualHost: '/' }),
  v('connection.open-ok (reserved shortstr)', hex`01 0000 00000005  000a 0029 00 ce`, 0, { kind: 'connection.open-ok' }),
  v('connection.close', hex`01 0000 0000001c  000a 0032 0140 ${ss('CONNECTION_FORCED')} 0000 0000 ce`, 0, { kind: 'connection.close', replyCode: 320, replyText: 'CONNECTION_FORCED', classId: 0, methodId: 0 }),
  v('connection.close-ok', hex`01 0000 00000004  000a 0033 ce`, 0, { kind: 'connection.close-ok' }),
  v('connection.blocked', hex`01 0000 00000012  000a 003c ${ss('low on memory')} ce`, 0, { kind: 'connection.blocked', reason: 'low on memory' }),
  v('connection.unblocked', hex`01 0000 00000004  000a 003d ce`, 0, { kind: 'connection.unblocked' }),
  v('connection.update-secret', hex`01 0000 00000013  000a 0046 ${ls('tok')} ${ss('refresh')} ce`, 0, { kind: 'connection.update-secret', newSecret: bytes('tok'), reason: 'refresh' }),
  v('connection.update-secret-ok', hex`01 0000 00000004  000a 0047 ce`, 0, { kind: 'connection.update-secret-ok' }),

  // ---- channel (class 20 = 0014)
  v('channel.open (reserved shortstr)', hex`01 0001 00000005  0014 000a 00 ce`, 1, { kind: 'channel.open' }),
  v('channel.open-ok (reserved longstr)', hex`01 0001 00000008  0014 000b 00000000 ce`, 1, { kind: 'channel.open-ok' }),
  v('channel.flow active', hex`01 0001 00000005  0014 0014 01 ce`, 1, { kind: 'channel.flow', active: true }),
  v('channel.flow inactive', hex`01 0001 00000005  0014 0014 00 ce`, 1, { kind: 'channel.flow', active: false }),
  v('channel.flow-ok', hex`01 0001 00000005  0014 0015 00 ce`, 1, { kind: 'channel.flow-ok', active: false }),
  v('channel.close', hex`01 0001 00000014  0014 0028 0194 ${ss('NOT_FOUND')} 0032 000a ce`, 1, { kind: 'channel.close', replyCode: 404, replyText: 'NOT_FOUND', classId: 50, methodId: 10 }),
  v('channel.close-ok on channel 65535', hex`01 ffff 00000004  0014 0029 ce`, 65535, { kind: 'channel.close-ok' }),

  // ---- exchange (class 40 = 0028)
  v('exchange.declare with arguments', hex`
    01 0001 0000002e  0028 000a
    0000 ${ss('ex')} ${ss('topic')}
    0a                                            # durable (bit 1) and internal (bit 3)
    0000001a 12 616c7465726e6174652d65786368616e6765 53 00000002 6165   # alternate-exchange: "ae"
    ce`, 1, { kind: 'exchange.declare', exchange: 'ex', type: 'topic', passive: false, durable: true, autoDelete: false, internal: true, noWait: false, arguments: { 'alternate-exchange': 'ae' } }),
  ...exchangeDeclareBits,
  v('exchange.declare-ok', hex`01 0001 00000004  0028 000b ce`, 1, { kind: 'exchange.declare-ok' }),
  v('exchange.delete', hex`01 0001 0000000a  0028 0014 0000 ${ss('ex')} 03 ce`, 1, { kind: 'exchange.delete', exchange: 'ex', ifUnused: true, noWait: true }),
  v('exchange.delete-ok', hex`01 0001 00000004  0028 0015 ce`, 1, { kind: 'exchange.delete-ok' }),
  v('exchange.bind', hex`01 0001 00000016  0028 001e 0000 ${ss('dst')} ${ss('src')} ${ss('rk')} 00 00000000 ce`, 1, { kind: 'exchange.bind', destination: 'dst', source: 'src', routingKey: 'rk', noWait: false, arguments: {} }),
  v('exchange.bind-ok', hex`01 0001 00000004  0028 001f ce`, 1, { kind: 'exchange.bind-ok' }),
  v('exchange.unbind', hex`01 0001 0000001d  0028 0028 0000 ${ss('dst')} ${ss('src')} ${ss('rk')} 01 00000007 0178 49 00000001 ce`, 1, { kind: 'exchange.unbind', destination: 'dst', source: 'src', routingKey: 'rk', noWait: true, arguments: { x: 1 } }),
  v('exchange.unbind-ok is 40.51, not 40.41', hex`01 0001 00000004  0028 0033 ce`, 1, { kind: 'exchange.unbind-ok' }),

  // ---- queue (class 50 = 0032)
  v('queue.declare quorum', hex`
    01 0001 00000025  0032 000a
    0000 ${ss('q')}
    0a                                            # durable (bit 1), auto-delete (bit 3)
    00000018 0c 782d71756575652d74797065 53 00000006 71756f72756d   # x-queue-type: "quorum"
    ce`, 1, { kind: 'queue.declare', queue: 'q', passive: false, durable: true, exclusive: false, autoDelete: true, noWait: false, arguments: { 'x-queue-type': 'quorum' } }),
  v('queue.declare-ok', hex`01 0001 00000016  0032 000b ${ss('amq.gen-A')} 00000005 ffffffff ce`, 1, { kind: 'queue.declare-ok', queue: 'amq.gen-A', messageCount: 5, consumerCount: 2 ** 32 - 1 }),
  v('queue.declare-ok with a UTF-8 name', hex`01 0001 0000000f  0032 000b 02 c3a9 00000000 00000000 ce`, 1, { kind: 'queue.declare-ok', queue: 'é', messageCount: 0, consumerCount: 0 }),
  v('queue.bind', hex`01 0001 0000001b  0032 0014 0000 ${ss('q')} ${ss('amq.topic')} ${ss('a.*')} 00 00000000 ce`, 1, { kind: 'queue.bind', queue: 'q', exchange: 'amq.topic', routingKey: 'a.*', noWait: false, arguments: {} }),
  v('queue.bind-ok', hex`01 0001 00000004  0032 0015 ce`, 1, { kind: 'queue.bind-ok' }),
  v('queue.purge', hex`01 0001 00000009  0032 001e 0000 ${ss('q')} 01 ce`, 1, { kind: 'queue.purge', queue: 'q', noWait: true }),
  v('queue.purge-ok', hex`01 0001 00000008  0032 001f 00010000 ce`, 1, { kind: 'queue.purge-ok', messageCount: 65536 }),
  v('queue.delete', hex`01 0001 00000009  0032 0028 0000 ${ss('q')} 05 ce`, 1, { kind: 'queue.delete', queue: 'q', ifUnused: true, ifEmpty: false, noWait: true }),
  v('queue.delete-ok', hex`01 0001 00000008  0032 0029 00000000 ce`, 1, { kind: 'queue.delete-ok', messageCount: 0 }),
  v('queue.unbind (no bits: the table follows the strings)', hex`01 0001 00000010  0032 0032 0000 ${ss('q')} ${ss('ex')} ${ss('')} 00000000 ce`, 1, { kind: 'queue.unbind', queue: 'q', exchange: 'ex', routingKey: '', arguments: {} }),
  v('queue.unbind-ok', hex`01 0001 00000004  0032 0033 ce`, 1, { kind: 'queue.unbind-ok' }),

  // ---- basic (class 60 = 003c)
  v('basic.qos', hex`01 0001 0000000b  003c 000a 00000000 000a 01 ce`, 1, { kind: 'basic.qos', prefetchSize: 0, prefetchCount: 10, global: true }),
  v('basic.qos-ok', hex`01 0001 00000004  003c 000b ce`, 1, { kind: 'basic.qos-ok' }),
  v('basic.consume', hex`
    01 0001 0000001e  003c 0014
    0000 ${ss('q')} ${ss('')}
    06                                            # no-ack (bit 1), exclusive (bit 2)
    00000010 0a 782d7072696f72697479 49 00000005  # x-priority: 5
    ce`, 1, { kind: 'basic.consume', queue: 'q', consumerTag: '', noLocal: false, noAck: true, exclusive: true, noWait: false, arguments: { 'x-priority': 5 } }),
  v('basic.consume-ok', hex`01 0001 0000000f  003c 0015 ${ss('amq.ctag-1')} ce`, 1, { kind: 'basic.consume-ok', consumerTag: 'amq.ctag-1' }),
  v('basic.cancel', hex`01 0001 0000000a  003c 001e ${ss('ctag')} 01 ce`, 1, { kind: 'basic.cancel', consumerTag: 'ctag', noWait: true }),
  v('basic.cancel-ok', hex`01 0001 00000009  003c 001f ${ss('ctag')} ce`, 1, { kind: 'basic.cancel-ok', consumerTag: 'ctag' }),
  v('basic.publish (method frame alone)', hex`01 0001 00000016  003c 0028 0000 ${ss('amq.direct')} ${ss('key')} 01 ce`, 1, { kind: 'basic.publish', exchange: 'amq.direct', routingKey: 'key', mandatory: true, immediate: false }),
  v('basic.return', hex`01 0001 00000015  003c 0032 0138 ${ss('NO_ROUTE')} ${ss('ex')} ${ss('rk')} ce`, 1, { kind: 'basic.return', replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk' }),
  v('basic.deliver, tag 2^60+1 (bigint)', hex`01 0001 00000018  003c 003c ${ss('ctag')} 10000000 00000001 01 ${ss('ex')} ${ss('rk')} ce`, 1, { kind: 'basic.deliver', consumerTag: 'ctag', deliveryTag: 2n ** 60n + 1n, redelivered: true, exchange: 'ex', routingKey: 'rk' }),
  v('basic.deliver, tag 2^53 (first bigint)', hex`01 0001 00000018  003c 003c ${ss('ctag')} 00200000 00000000 00 ${ss('ex')} ${ss('rk')} ce`, 1, { kind: 'basic.deliver', consumerTag: 'ctag', deliveryTag: 2n ** 53n, redelivered: false, exchange: 'ex', routingKey: 'rk' }),
  v('basic.get', hex`01 0001 00000009  003c 0046 0000 ${ss('q')} 01 ce`, 1, { kind: 'basic.get', queue: 'q', noAck: true }),
  v('basic.get-ok', hex`01 0001 00000014  003c 0047 00000000 00000001 00 ${ss('')} ${ss('q')} 00000000 ce`, 1, { kind: 'basic.get-ok', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q', messageCount: 0 }),
  v('basic.get-empty (reserved shortstr)', hex`01 0001 00000005  003c 0048 00 ce`, 1, { kind: 'basic.get-empty' }),
  v('basic.ack, tag 2^53-1 (last number)', hex`01 0001 0000000d  003c 0050 001fffff ffffffff 01 ce`, 1, { kind: 'basic.ack', deliveryTag: Number.MAX_SAFE_INTEGER, multiple: true }),
  v('basic.reject', hex`01 0001 0000000d  003c 005a 00000000 00000007 00 ce`, 1, { kind: 'basic.reject', deliveryTag: 7, requeue: false }),
  v('basic.recover-async', hex`01 0001 00000005  003c 0064 01 ce`, 1, { kind: 'basic.recover-async', requeue: true }),
  v('basic.recover', hex`01 0001 00000005  003c 006e 00 ce`, 1, { kind: 'basic.recover', requeue: false }),
  v('basic.recover-ok', hex`01 0001 00000004  003c 006f ce`, 1, { kind: 'basic.recover-ok' }),
  ...nackBits,

  // ---- confirm (class 85 = 0055), tx (class 90 = 005a)
  v('confirm.select', hex`01 0002 00000005  0055 000a 01 ce`, 2, { kind: 'confirm.select', nowait: true }),
  v('confirm.select-ok', hex`01 0002 00000004  0055 000b ce`, 2, { kind: 'confirm.select-ok' }),
  v('tx.select', hex`01 0002 00000004  005a 000a ce`, 2, { kind: 'tx.select' }),
  v('tx.select-ok', hex`01 0002 00000004  005a 000b ce`, 2, { kind: 'tx.select-ok' }),
  v('tx.commit', hex`01 0002 00000004  005a 0014 ce`, 2, { kind: 'tx.commit' }),
  v('tx.commit-ok', hex`01 0002 00000004  005a 0015 ce`, 2, { kind: 'tx.commit-ok' }),
  v('tx.rollback', hex`01 0002 00000004  005a 001e ce`, 2, { kind: 'tx.rollback' }),
  v('tx.rollback-ok', hex`01 0002 00000004  005a 001f ce`, 2, { kind: 'tx.rollback-ok' }),
];
