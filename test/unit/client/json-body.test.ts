/**
 * Bodies that JSON cannot represent faithfully are errors (JSON.stringify would silently write
 * `{}` or an index map), and header values that are `undefined` are left out of the table
 * (documented in the README: "Limits and hostile input").
 */
import { describe, expect, it } from 'vitest';
import { EncodeError, decodeContentHeader, type AnyMethod } from '../../../runtime/exports/codec.js';
import { encodeJson } from '../../../runtime/client/body.js';
import { prepare } from '../../../runtime/client/publisher.js';
import { registry } from '../../../generated/index.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('JSON bodies', () => {
  const unfaithful: [string, unknown][] = [
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1, 2])],
    ['WeakMap', new WeakMap()],
    ['WeakSet', new WeakSet()],
    ['RegExp', /x/],
    ['Error', new Error('boom')],
    ['Promise', Promise.resolve(1)],
    ['nested Map', { a: { b: new Map() } }],
    ['Set in an array', [1, new Set()]],
    ['nested Uint8Array', { bytes: new Uint8Array([1, 2]) }],
    ['nested Float64Array', [new Float64Array(2)]],
    ['nested ArrayBuffer', { b: new ArrayBuffer(2) }],
    ['nested DataView', { d: new DataView(new ArrayBuffer(2)) }],
  ];
  for (const [name, value] of unfaithful) {
    it(`${name}: EncodeError naming what to do, not {}`, () => {
      const e = (() => { try { encodeJson(value); } catch (x) { return x; } })();
      expect(e).toBeInstanceOf(EncodeError);
      expect((e as Error).message).toMatch(/no (faithful )?JSON form/);
    });
  }

  it('through publish(): a Map body rejects before anything is sent', () => {
    expect(() => prepare(new Map([['k', 'v']]) as never, undefined)).toThrow(EncodeError);
    expect(() => prepare({ m: new Set([1]) }, { persistent: true })).toThrow(EncodeError);
  });

  it('what JSON does represent is kept as JSON defines it', () => {
    expect(text(encodeJson({ d: new Date(0) }))).toBe('{"d":"1970-01-01T00:00:00.000Z"}');
    expect(text(encodeJson(new Point(1, 2)))).toBe('{"x":1,"y":2}'); // class instances: own enumerable properties
    expect(text(encodeJson({ a: undefined, b: 1 }))).toBe('{"b":1}');
    expect(text(encodeJson([1, undefined]))).toBe('[1,null]');
    expect(text(encodeJson({ buf: Buffer.from([1]) }))).toBe('{"buf":{"type":"Buffer","data":[1]}}'); // Buffer has toJSON()
    expect(text(encodeJson({ custom: { toJSON: () => [...new Set([3])] } }))).toBe('{"custom":[3]}');
  });
});

describe('header values that are undefined', () => {
  it('are left out of the headers table (as for properties: undefined is absent)', () => {
    const peer = new ScriptedPeer();
    peer.handshake();
    const ch = peer.openChannel();
    const { bytes, properties } = prepare('x', { headers: { kept: 1, dropped: undefined, nested: { inner: undefined, n: 2 }, present: null } as never });
    peer.core.publish(ch, { kind: 'basic.publish', exchange: '', routingKey: 'q', mandatory: false, immediate: false } as AnyMethod, properties, bytes);
    const header = peer.take().find((f) => f.type === 2)!;
    const decoded = decodeContentHeader<{ headers: Record<string, unknown> }>(registry, header.payload);
    expect(decoded.properties.headers).toEqual({ kept: 1, nested: { n: 2 }, present: null });
    expect(Object.keys(decoded.properties.headers)).toEqual(['kept', 'nested', 'present']); // null keeps the key (void)
  });
});
