/**
 * The frame layer with the generated registry: every method round-trips through frames with
 * arguments derived from its `fields` metadata (so an overlay's new method is covered for free),
 * and a publish is byte-identical to amqplib's encoding.
 */
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Writer, type AnyMethod, type FieldDef, type FieldType } from '../../../runtime/codec/index.js';
import { FrameParser, decodeContentHeader, decodeMethod, writeContentFrames, writeMethodFrame, type Frame } from '../../../runtime/frame/index.js';
import { basicDeliver, basicProperties, basicPublish, registry } from '../../../generated/registry.js';
import { toHex } from '../../helpers/hex.js';

const require = createRequire(import.meta.url);
const amqplibDefs = require(require.resolve('amqplib').replace(/channel_api\.js$/, 'lib/defs.js')) as {
  encodeMethod(id: number, channel: number, fields: object): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: object): Buffer;
};

const ascii = fc.string({ maxLength: 40 });
const arbitraries: Record<FieldType, fc.Arbitrary<unknown>> = {
  octet: fc.integer({ min: 0, max: 255 }),
  short: fc.integer({ min: 0, max: 65535 }),
  long: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  longlong: fc.oneof(fc.maxSafeNat(), fc.bigInt(2n ** 53n, 2n ** 64n - 1n)),
  bit: fc.boolean(),
  shortstr: fc.oneof(ascii, fc.constant('é'.repeat(127) + 'a')),
  longstr: fc.uint8Array({ maxLength: 40 }),
  table: fc.dictionary(ascii, fc.oneof(fc.integer(), ascii, fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 40 }).map((s) => new Date(s * 1000)),
};

function argsOf(kind: string, fields: readonly FieldDef[]): fc.Arbitrary<AnyMethod> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) rec[f.name] = arbitraries[f.type];
  return fc.record(rec).map((r) => ({ kind, ...r }));
}

function parse(bytes: Uint8Array, cuts: number[] = []): Frame[] {
  const p = new FrameParser({ frameMax: 131072 });
  const out: Frame[] = [];
  let last = 0;
  for (const c of [...cuts.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    p.push(bytes.subarray(last, Math.max(last, c)));
    last = Math.max(last, c);
    let f;
    while ((f = p.next())) out.push(f);
  }
  return out;
}

describe('generated registry through the frame layer', () => {
  it('has the 64 methods of RabbitMQ\'s extended spec', () => {
    expect(registry.methods.length).toBe(64);
  });

  for (const def of registry.methods) {
    it(`${def.kind} round-trips through frames (any chunking)`, () => {
      fc.assert(
        fc.property(argsOf(def.kind, def.fields), fc.integer({ min: 0, max: 65535 }), fc.array(fc.nat(), { maxLength: 4 }), (m, channel, cuts) => {
          const w = new Writer(8);
          if (def.content) writeContentFrames(w, channel, def, m, basicProperties, {}, Uint8Array.of(1, 2, 3), 131072);
          else writeMethodFrame(w, channel, def, m, 131072);
          const frames = parse(w.written(), cuts);
          expect(frames.length).toBe(def.content ? 3 : 1);
          expect(frames[0]!.channel).toBe(channel);
          expect(decodeMethod(registry, frames[0]!.payload)).toEqual(m);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('basic properties with all 14 flags, zero values present, round-trip in a content header', () => {
    const props = {
      contentType: '', contentEncoding: 'gzip', headers: { 'x-n': 0, 'x-s': '' }, deliveryMode: 0, priority: 0,
      correlationId: 'c', replyTo: 'amq.rabbitmq.reply-to', expiration: '60000', messageId: 'm', timestamp: new Date(1_700_000_000_000),
      type: 't', userId: 'guest', appId: 'warren', clusterId: '',
    };
    const w = new Writer();
    writeContentFrames(w, 9, basicPublish, { kind: 'basic.publish', exchange: 'ex', routingKey: 'rk', mandatory: true, immediate: false }, basicProperties, props, new Uint8Array(0), 4096);
    const frames = parse(w.written());
    expect(frames.length).toBe(2);
    expect(toHex(frames[1]!.payload.subarray(12, 14))).toBe('fffc'); // all 14 flags
    expect(decodeContentHeader(registry, frames[1]!.payload)).toEqual({ classId: 60, bodySize: 0, properties: props });
  });

  it('a publish is byte-identical to amqplib\'s method and header frames', () => {
    const w = new Writer();
    const body = new Uint8Array(16).fill(0x61);
    writeContentFrames(w, 1, basicPublish, { kind: 'basic.publish', exchange: 'amq.direct', routingKey: 'key', mandatory: true, immediate: false }, basicProperties,
      { contentType: 'text/plain', deliveryMode: 2, headers: { a: 100000, b: 'x', c: true, d: [-70000, 'y'], e: { f: 2.5 } } }, body, 131072);
    const theirs = Buffer.concat([
      amqplibDefs.encodeMethod(3932200, 1, { ticket: 0, exchange: 'amq.direct', routingKey: 'key', mandatory: true, immediate: false }),
      amqplibDefs.encodeProperties(60, 1, 16, { contentType: 'text/plain', deliveryMode: 2, headers: { a: 100000, b: 'x', c: true, d: [-70000, 'y'], e: { f: 2.5 } } }),
      Buffer.from([3, 0, 1, 0, 0, 0, 16]), Buffer.from(body), Buffer.from([0xce]),
    ]);
    expect(toHex(w.written())).toBe(toHex(theirs));
  });

  it('basic.deliver with a delivery tag above 2^53 decodes to a bigint', () => {
    const w = new Writer();
    const m = { kind: 'basic.deliver' as const, consumerTag: 'ctag', deliveryTag: 2n ** 60n + 1n, redelivered: true, exchange: '', routingKey: 'q' };
    writeMethodFrame(w, 1, basicDeliver, m);
    expect(decodeMethod(registry, parse(w.written())[0]!.payload)).toEqual(m);
  });
});
