/**
 * Channels through the sans-io core: opening, the one-at-a-time synchronous call queue, noWait,
 * abandon(), the server closing a channel, and content assembly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ChannelClosedError, ChannelLimitError } from '../../../runtime/errors.js';
import { NotFoundError } from '../../../generated/errors.js';
import { ScriptedPeer, utf8, type Chunking } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const declare = (queue: string, extra: object = {}) => m('queue.declare', { queue, passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: {}, ...extra });
const declareOk = (queue: string) => m('queue.declare-ok', { queue, messageCount: 0, consumerCount: 0 });

function open(): ScriptedPeer {
  const peer = new ScriptedPeer();
  peer.handshake();
  return peer;
}

describe('channels', () => {
  it('channel.open on id 1, open-ok answers its call', () => {
    const peer = open();
    const { channel, call } = peer.core.openChannel();
    expect(channel).toBe(1);
    expect(peer.take()).toEqual([expect.objectContaining({ channel: 1, method: { kind: 'channel.open' } })]);
    expect(peer.core.channelState(1)?.state).toBe('opening');
    peer.feed(peer.method(1, m('channel.open-ok')));
    expect(peer.events.at(-1)).toEqual({ type: 'reply', channel: 1, call, method: { kind: 'channel.open-ok' } });
    expect(peer.core.channelState(1)?.state).toBe('open');
  });

  it('ids are reused only after close-ok, round-robin, within channel_max; one more is ChannelLimitError', () => {
    const peer = new ScriptedPeer({ tune: { channelMax: 3, frameMax: 131072, heartbeat: 0 } });
    peer.handshake();
    expect([peer.openChannel(), peer.openChannel(), peer.openChannel()]).toEqual([1, 2, 3]);
    expect(() => peer.core.openChannel()).toThrow(ChannelLimitError);
    peer.core.closeChannel(2);
    expect(peer.takeMethods()).toEqual([m('channel.close', { replyCode: 200, replyText: 'Goodbye', classId: 0, methodId: 0 })]);
    expect(() => peer.core.openChannel()).toThrow(/all 3 channels/); // 2 is still closing
    peer.feed(peer.method(2, m('channel.close-ok')));
    expect(peer.eventsOf('channel-closed')).toEqual([{ type: 'channel-closed', channel: 2, error: undefined }]);
    expect(peer.openChannel()).toBe(2);
    // The connection is still usable after the limit error.
    expect(peer.core.state).toBe('open');
  });

  it('synchronous calls on one channel go out one at a time, in order; other channels are independent', () => {
    const peer = open();
    const a = peer.openChannel();
    const b = peer.openChannel();
    const c1 = peer.core.call(a, declare('q1'));
    const c2 = peer.core.call(a, declare('q2'));
    const c3 = peer.core.call(b, declare('q3'));
    expect(peer.take().map((f) => [f.channel, (f.method as { queue?: string }).queue])).toEqual([
      [a, 'q1'],
      [b, 'q3'],
    ]);
    peer.feed(peer.method(a, declareOk('q1')));
    expect(peer.take().map((f) => (f.method as { queue?: string }).queue)).toEqual(['q2']);
    peer.feed(ScriptedPeer.concat(peer.method(b, declareOk('q3')), peer.method(a, declareOk('q2'))));
    expect(peer.eventsOf('reply').slice(-3).map((e) => [e.call, (e.method as { queue?: string }).queue])).toEqual([
      [c1, 'q1'],
      [c3, 'q3'],
      [c2, 'q2'],
    ]);
  });

  it('noWait calls and asynchronous methods are sent at once and not queued', () => {
    const peer = open();
    const ch = peer.openChannel();
    const first = peer.core.call(ch, declare('a'));
    expect(peer.core.call(ch, declare('b', { noWait: true }))).toBe(-1);
    peer.core.send(ch, m('basic.ack', { deliveryTag: 1, multiple: false }));
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['queue.declare', 'queue.declare', 'basic.ack']);
    peer.feed(peer.method(ch, declareOk('a')));
    expect(peer.eventsOf('reply').at(-1)).toMatchObject({ call: first });
    expect(peer.takeMethods()).toEqual([]);
  });

  it('a call that cannot be encoded throws and leaves nothing queued or written', () => {
    const peer = open();
    const ch = peer.openChannel();
    peer.core.call(ch, declare('a'));
    peer.take();
    expect(() => peer.core.call(ch, declare('x'.repeat(300)))).toThrow(/shortstr|255/);
    peer.feed(peer.method(ch, declareOk('a')));
    expect(peer.takeMethods()).toEqual([]);
  });

  it('abandon(): a sent call keeps its place and its answer is swallowed; a queued one is dropped', () => {
    const peer = open();
    const ch = peer.openChannel();
    const a = peer.core.call(ch, declare('a'));
    const b = peer.core.call(ch, declare('b'));
    const c = peer.core.call(ch, declare('c'));
    peer.take();
    peer.core.abandon(ch, a);
    peer.core.abandon(ch, b);
    peer.feed(peer.method(ch, declareOk('a')));
    expect(peer.takeMethods().map((x) => (x as { queue?: string }).queue)).toEqual(['c']);
    peer.feed(peer.method(ch, declareOk('c')));
    expect(peer.eventsOf('reply').filter((e) => [a, b, c].includes(e.call)).map((e) => e.call)).toEqual([c]);
    expect(peer.eventsOf('call-failed')).toEqual([]);
  });

  it('channel.close from the server (404) fails only that channel; close-ok is sent', () => {
    const peer = open();
    const a = peer.openChannel();
    const b = peer.openChannel();
    const ca1 = peer.core.call(a, declare('missing', { passive: true }));
    const ca2 = peer.core.call(a, declare('next'));
    const cb = peer.core.call(b, declare('other'));
    peer.take();
    peer.feed(peer.method(a, m('channel.close', { replyCode: 404, replyText: "NOT_FOUND - no queue 'missing'", classId: 50, methodId: 10 })));
    expect(peer.takeMethods()).toEqual([m('channel.close-ok')]);
    const failed = peer.eventsOf('call-failed');
    expect(failed.map((e) => e.call)).toEqual([ca1, ca2]);
    const e = failed[0]!.error as NotFoundError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ replyCode: 404, classId: 50, methodId: 10, method: 'queue.declare', severity: 'soft', remote: true });
    expect(failed[1]!.error).toBe(e);
    expect(peer.eventsOf('channel-closed')).toEqual([{ type: 'channel-closed', channel: a, error: e }]);
    expect(() => peer.core.call(a, declare('x'))).toThrow(ChannelClosedError);
    peer.feed(peer.method(b, declareOk('other')));
    expect(peer.eventsOf('reply').at(-1)).toMatchObject({ call: cb });
    expect(peer.core.state).toBe('open');
  });

  it('channel.flow from the server is answered with flow-ok and reported', () => {
    const peer = open();
    const ch = peer.openChannel();
    peer.feed(peer.method(ch, m('channel.flow', { active: false })));
    expect(peer.takeMethods()).toEqual([m('channel.flow-ok', { active: false })]);
    expect(peer.events.at(-1)).toEqual({ type: 'method', channel: ch, method: m('channel.flow', { active: false }) });
  });
});

describe('content assembly', () => {
  const deliver = (tag: number) => m('basic.deliver', { consumerTag: 'ct', deliveryTag: tag, redelivered: false, exchange: 'ex', routingKey: 'rk' });

  function deliveries(bytes: (peer: ScriptedPeer, ch: number) => Uint8Array, chunking: Chunking = 'whole') {
    const peer = open();
    const ch = peer.openChannel();
    peer.feed(bytes(peer, ch), chunking);
    return peer.eventsOf('content').map((e) => ({ tag: (e.method as unknown as { deliveryTag: number }).deliveryTag, props: e.content.properties, body: Buffer.from(e.content.body).toString() }));
  }

  it('method → header → body, with properties', () => {
    expect(deliveries((p, ch) => p.content(ch, deliver(1), { contentType: 'text/plain', priority: 0 }, utf8('hello')))).toEqual([
      { tag: 1, props: expect.objectContaining({ contentType: 'text/plain', priority: 0 }), body: 'hello' },
    ]);
  });

  it('a zero-size body has no body frame', () => {
    expect(deliveries((p, ch) => ScriptedPeer.concat(p.method(ch, deliver(1)), p.header(ch, 60, 0)))).toEqual([{ tag: 1, props: {}, body: '' }]);
  });

  it('bodies that arrived in frames spanning reads stay intact after later frames (the parser reuses its buffer)', () => {
    const bodies = Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(100 + i));
    const bytes = (p: ScriptedPeer, ch: number) => ScriptedPeer.concat(...bodies.map((b, i) => p.content(ch, deliver(i + 1), {}, utf8(b))));
    for (const chunking of ['bytes', [7], [33, 5, 301]] as const) {
      expect(deliveries(bytes, chunking).map((d) => d.body)).toEqual(bodies);
    }
  });

  it('a body split across many frames and any chunking reassembles', () => {
    const body = 'x'.repeat(5000) + 'y'.repeat(5000);
    const bytes = (p: ScriptedPeer, ch: number) => ScriptedPeer.concat(p.content(ch, deliver(1), {}, utf8(body), 4096), p.content(ch, deliver(2), {}, utf8('tail'), 4096));
    const whole = deliveries(bytes);
    expect(whole.map((d) => [d.tag, d.body.length])).toEqual([
      [1, 10000],
      [2, 4],
    ]);
    expect(whole[0]!.body).toBe(body);
    expect(deliveries(bytes, 'bytes')).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        expect(deliveries(bytes, sizes)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('basic.get-ok answers the get call with its content; get-empty answers without', () => {
    const peer = open();
    const ch = peer.openChannel();
    const get = m('basic.get', { queue: 'q', noAck: true });
    const g1 = peer.core.call(ch, get);
    const g2 = peer.core.call(ch, get);
    peer.feed(peer.content(ch, m('basic.get-ok', { deliveryTag: 7, redelivered: false, exchange: '', routingKey: 'q', messageCount: 3 }), { messageId: 'id' }, utf8('body')), 'bytes');
    const [r1] = peer.eventsOf('reply').filter((e) => e.call === g1);
    expect(r1).toMatchObject({ method: { kind: 'basic.get-ok', deliveryTag: 7 }, content: { properties: { messageId: 'id' } } });
    expect(Buffer.from(r1!.content!.body).toString()).toBe('body');
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['basic.get', 'basic.get']); // the second went out after the content completed
    peer.feed(peer.method(ch, m('basic.get-empty')));
    expect(peer.eventsOf('reply').filter((e) => e.call === g2)).toEqual([{ type: 'reply', channel: ch, call: g2, method: { kind: 'basic.get-empty' } }]);
  });
});
