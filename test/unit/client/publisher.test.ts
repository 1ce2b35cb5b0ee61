import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../runtime/codec/errors.js';
import { ConfirmTracker, NackError, prepare, PublishBacklog, UnroutableError, ReturnedMessage } from '../../../runtime/client/publisher.js';
import { bindArguments, exchangeArguments, queueArguments } from '../../../runtime/client/topology.js';
import { encodeJson, encodeText } from '../../../runtime/client/body.js';

describe('prepare()', () => {
  it('bytes, text and JSON bodies; no options means no properties object to build', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(prepare(bytes, undefined).bytes).toBe(bytes); // zero copy
    expect(prepare(bytes, undefined).properties).toEqual({});
    expect(new TextDecoder().decode(prepare('é', undefined).bytes)).toBe('é');
    expect(prepare({ a: 1 }, undefined)).toMatchObject({ properties: { contentType: 'application/json' } });
    expect(prepare([1], { contentType: 'application/vnd.x+json' }).properties.contentType).toBe('application/vnd.x+json');
  });

  it('ArrayBuffer and other views are bytes, not JSON', () => {
    const ab = new Uint8Array([7, 8, 9]).buffer;
    expect([...prepare(ab, undefined).bytes]).toEqual([7, 8, 9]);
    expect([...prepare(new DataView(ab, 1), { priority: 1 }).bytes]).toEqual([8, 9]);
    expect(prepare(ab, undefined).properties.contentType).toBeUndefined();
  });

  it('maps conveniences onto properties; zero values stay present', () => {
    const { properties } = prepare('x', { persistent: false, priority: 0, expiration: 0, contentType: '', CC: ['a'], BCC: ['b'], headers: { h: 1 } });
    expect(properties).toEqual({ deliveryMode: 1, priority: 0, expiration: '0', contentType: '', headers: { h: 1, CC: ['a'], BCC: ['b'] } });
    expect(prepare('x', { persistent: true }).properties.deliveryMode).toBe(2);
    expect(prepare('x', { expiration: '1500' }).properties.expiration).toBe('1500');
    expect(() => prepare('x', { expiration: 1.5 })).toThrow(EncodeError);
  });

  it('encodings: contentEncoding is set for non-utf-8, or when asked', () => {
    expect(prepare('é', { encoding: 'latin1' }).properties.contentEncoding).toBe('latin1');
    expect(prepare('é', { encoding: 'utf-8' }).properties.contentEncoding).toBeUndefined();
    expect(prepare('é', { encoding: 'utf-8', setContentEncoding: true }).properties.contentEncoding).toBe('utf-8');
    expect(prepare('é', { encoding: 'latin1', setContentEncoding: false }).properties.contentEncoding).toBeUndefined();
    expect([...encodeText('Aé', 'utf-16le')]).toEqual([0x41, 0, 0xe9, 0]);
    expect(() => encodeText('é', 'ascii')).toThrow(EncodeError);
  });

  it('JSON that cannot round-trip is an EncodeError', () => {
    const circular: { self?: unknown } = {};
    circular.self = circular;
    for (const bad of [1n, { n: 2n }, circular, Number.POSITIVE_INFINITY, undefined, () => 1, Symbol('s')]) {
      expect(() => encodeJson(bad), String(typeof bad)).toThrow(EncodeError);
    }
    expect(new TextDecoder().decode(encodeJson({ d: new Date(0) }))).toBe('{"d":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('ConfirmTracker', () => {
  const returned = (routingKey: string): ReturnedMessage => new ReturnedMessage({ replyCode: 312, replyText: 'NO_ROUTE', exchange: 'x', routingKey, properties: {}, body: new Uint8Array() });

  it('settles single and multiple acks and nacks exactly once, and frees the window', async () => {
    let room = 0;
    const t = new ConfirmTracker(3, () => room++);
    const p = [1, 2, 3].map(() => t.track(false, 'x', 'k'));
    expect(t.full).toBe(true);
    t.onAck(2, true);
    expect(t.size).toBe(1);
    t.onNack(3, false);
    t.onAck(3, false); // a duplicate confirm is ignored
    const r = await Promise.allSettled(p);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((r[2] as PromiseRejectedResult).reason).toBeInstanceOf(NackError);
    expect(room).toBeGreaterThan(0);
    expect(t.full).toBe(false);
  });

  it('matches a return to its mandatory publish; failAll rejects the rest', async () => {
    const t = new ConfirmTracker(Infinity, () => undefined);
    const a = t.track(true, 'x', 'there');
    const b = t.track(true, 'x', 'nowhere');
    const c = t.track(false, 'x', 'nowhere');
    const d = t.track(true, 'x', 'later');
    t.onReturn(returned('nowhere'));
    t.onAck(3, true);
    t.failAll(new Error('closed'));
    const r = await Promise.allSettled([a, b, c, d]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((r[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnroutableError);
    expect((r[3] as PromiseRejectedResult).reason).toEqual(new Error('closed'));
  });
});

describe('PublishBacklog', () => {
  it('sends in call order while allowed; an aborted entry leaves; failAll rejects the rest', async () => {
    const q = new PublishBacklog();
    const sent: string[] = [];
    const ac = new AbortController();
    const a = q.enqueue('', 'a', 'x', undefined);
    const b = q.enqueue('', 'b', 'x', { signal: ac.signal });
    const c = q.enqueue('', 'c', 'x', undefined);
    const d = q.enqueue('', 'd', 'x', undefined);
    ac.abort(new Error('abort b'));
    let allowed = 1;
    q.drain(() => allowed-- > 0, async (_e, key) => void sent.push(key));
    expect(sent).toEqual(['a']);
    q.drain(() => true, async (_e, key) => {
      if (key === 'd') throw new Error('send failed');
      sent.push(key);
    });
    expect(sent).toEqual(['a', 'c']);
    const r = await Promise.allSettled([a, b, c, d]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(q.length).toBe(0);
    const e = q.enqueue('', 'e', 'x', undefined);
    q.failAll(new Error('closed'));
    await expect(e).rejects.toThrow('closed');
  });
});

describe('topology arguments', () => {
  it('typed queue options become x-arguments; raw arguments win; bad numbers are EncodeErrors', () => {
    expect(queueArguments({ messageTtl: 0, maxPriority: 10, queueType: 'quorum', singleActiveConsumer: true, overflow: 'drop-head', arguments: { 'x-max-priority': 5, custom: 'y' } })).toEqual({
      'x-message-ttl': 0,
      'x-max-priority': 5,
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-overflow': 'drop-head',
      custom: 'y',
    });
    expect(() => queueArguments({ expires: 1.5 })).toThrow(EncodeError);
    expect(exchangeArguments({ alternateExchange: 'ae' })).toEqual({ 'alternate-exchange': 'ae' });
    expect(bindArguments({ headers: { a: 1 } })).toEqual({ a: 1, 'x-match': 'all' });
    expect(bindArguments({ headers: { a: 1 }, match: 'any' })).toEqual({ a: 1, 'x-match': 'any' });
    expect(bindArguments(undefined)).toEqual({});
  });
});
