/**
 * Malformed or unexpected input from the server: the core answers with connection.close and
 * the reply code the spec names, fails every pending call once, or, when the stream can no
 * longer be framed, reports `closed` with `destroy` and writes nothing more (spec 4.2.3).
 */
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { hex } from '../../helpers/hex.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const deliver = m('basic.deliver', { consumerTag: 'ct', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' });

interface Case {
  name: string;
  code: number;
  /** Found by the frame parser, which cannot go on: the rest of the stream is unreadable. */
  unreadable?: boolean;
  bytes: (peer: ScriptedPeer, ch: number) => Uint8Array;
}

const cases: Case[] = [
  { name: 'oversized frame', code: 501, unreadable: true, bytes: (p, ch) => p.frame(3, ch, new Uint8Array(131072)) },
  { name: 'method frame payload shorter than its ids', code: 502, bytes: (p, ch) => p.frame(1, ch, hex`00 3c`) },
  { name: 'trailing bytes after the arguments', code: 502, bytes: (p, ch) => { const f = p.method(ch, m('channel.flow', { active: true })); return p.frame(1, ch, ScriptedPeer.concat(f.subarray(7, f.length - 1), hex`ff`)); } },
  { name: 'connection-class method on a non-zero channel', code: 503, bytes: (p, ch) => p.method(ch, m('connection.blocked', { reason: 'x' })) },
  { name: 'heartbeat on a non-zero channel', code: 503, unreadable: true, bytes: (p, ch) => p.frame(8, ch, new Uint8Array(0)) },
  { name: 'channel-class method on channel 0', code: 503, bytes: (p) => p.method(0, m('channel.flow', { active: true })) },
  { name: 'a reply nobody asked for', code: 503, bytes: (p, ch) => p.method(ch, m('basic.qos-ok')) },
  { name: 'connection.start after open', code: 503, bytes: (p) => p.start() },
  { name: 'content header on channel 0', code: 504, bytes: (p) => p.frame(2, 0, p.header(1, 60, 0).subarray(7, -1)) },
  { name: 'body on channel 0', code: 504, bytes: (p) => p.frame(3, 0, hex`00`) },
  { name: 'frame on a channel that is not open', code: 504, bytes: (p) => p.method(9, m('channel.flow', { active: true })) },
  { name: 'header without a method', code: 505, bytes: (p, ch) => p.header(ch, 60, 3) },
  { name: 'body without a header', code: 505, bytes: (p, ch) => ScriptedPeer.concat(p.method(ch, deliver), p.frame(3, ch, hex`00`)) },
  { name: 'body without anything', code: 505, bytes: (p, ch) => p.frame(3, ch, hex`00`) },
  { name: 'method in the middle of content', code: 505, bytes: (p, ch) => ScriptedPeer.concat(p.method(ch, deliver), p.header(ch, 60, 5), p.frame(3, ch, hex`00`), p.method(ch, deliver)) },
  { name: 'body longer than the header announced', code: 505, bytes: (p, ch) => ScriptedPeer.concat(p.method(ch, deliver), p.header(ch, 60, 1), p.frame(3, ch, hex`0000`)) },
  { name: 'unknown method', code: 540, bytes: (p, ch) => p.frame(1, ch, hex`0063 0001`) },
];

describe('protocol violations → connection.close with the spec reply code', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.code}`, () => {
      const peer = new ScriptedPeer();
      peer.handshake();
      const ch = peer.openChannel();
      const pending = peer.core.call(ch, m('queue.declare', { queue: 'q', passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: {} }));
      peer.take();
      peer.feed(c.bytes(peer, ch));
      const [close] = peer.takeMethods();
      expect(close).toMatchObject({ kind: 'connection.close', replyCode: c.code });
      expect(peer.core.state).toBe('closing');
      const failed = peer.eventsOf('call-failed');
      expect(failed.map((e) => e.call)).toEqual([pending]);
      expect(failed[0]!.error).toMatchObject({ replyCode: c.code, remote: false });
      // The application hears of it at once, before any close-ok: `error` now, `closed` later.
      expect(peer.eventsOf('error')).toEqual([{ type: 'error', error: failed[0]!.error }]);
      expect(peer.eventsOf('closed')).toEqual([]);
      expect(() => peer.core.openChannel()).toThrow(/closing/);

      // Whatever else arrives is discarded; close-ok finishes with our error.
      peer.feed(peer.method(ch, m('channel.flow', { active: true })));
      expect(peer.takeMethods()).toEqual([]);
      if (!c.unreadable) {
        peer.feed(peer.method(0, m('connection.close-ok')));
        const closed = peer.eventsOf('closed');
        expect(closed).toHaveLength(1);
        expect(closed[0]).toMatchObject({ destroy: false, error: { replyCode: c.code } });
      } else {
        // A parser error leaves the stream unreadable: the close timeout ends it.
        peer.advance(5_000);
        expect(peer.eventsOf('closed')).toEqual([expect.objectContaining({ destroy: true, error: expect.objectContaining({ replyCode: c.code }) })]);
      }
      expect(peer.eventsOf('call-failed')).toHaveLength(1); // failed exactly once
    });
  }
});

describe('unframeable input → closed with destroy, nothing more written', () => {
  const fatal = {
    'bad frame-end octet': (p: ScriptedPeer) => p.frame(1, 0, p.method(0, m('connection.blocked', { reason: 'r' })).subarray(7, -1), 0x41),
    'unknown frame type': (p: ScriptedPeer) => p.frame(7, 0, hex`00`),
  };
  for (const [name, bytes] of Object.entries(fatal)) {
    it(name, () => {
      const peer = new ScriptedPeer();
      peer.handshake();
      const ch = peer.openChannel();
      const pending = peer.core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 1, global: false }));
      peer.core.send(ch, m('basic.ack', { deliveryTag: 1, multiple: false })); // queued, not yet taken
      peer.feed(bytes(peer));
      expect(peer.takeBytes()).toHaveLength(0);
      const [closed] = peer.eventsOf('closed');
      expect(closed).toMatchObject({ destroy: true, error: { replyCode: 501 } });
      expect(peer.eventsOf('call-failed').map((e) => e.call)).toEqual([pending]);
      peer.feed(peer.heartbeat());
      expect(peer.eventsOf('closed')).toHaveLength(1);
    });
  }
});
