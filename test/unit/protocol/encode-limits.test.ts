/**
 * Outgoing limits are enforced before a byte is queued: from tune on, a method frame or content
 * header larger than the negotiated frame_max is an EncodeError on the call (methods and headers
 * cannot be split; the broker would close the whole connection with 501), nothing is written,
 * and the channel goes on working.
 */
import { describe, expect, it } from 'vitest';
import { EncodeError, type AnyMethod } from '../../../runtime/codec/index.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const declare = (args: object) => m('queue.declare', { queue: 'q', passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: args });
const publish = m('basic.publish', { exchange: '', routingKey: 'q', mandatory: false, immediate: false });
const big = { 'x-big': 'x'.repeat(9000) }; // a table over 8192 bytes

function open(frameMax = 8192): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer({ tune: { channelMax: 0, frameMax, heartbeat: 0 } });
  peer.handshake({ frameMax });
  const ch = peer.openChannel();
  peer.take();
  return { peer, ch };
}

/** The channel still takes a call and a publish afterwards, and they are all that goes out. */
function stillWorks(peer: ScriptedPeer, ch: number): void {
  const call = peer.core.call(ch, declare({}));
  peer.core.publish(ch, publish, {}, new Uint8Array(10));
  expect(peer.take().map((f) => [f.type, f.method?.kind])).toEqual([[1, 'queue.declare'], [1, 'basic.publish'], [2, undefined], [3, undefined]]);
  peer.feed(peer.method(ch, m('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 })));
  expect(peer.eventsOf('reply').some((e) => e.call === call)).toBe(true);
  expect(peer.core.state).toBe('open');
}

describe('frames over the negotiated frame_max are refused on the call', () => {
  it('a method (queue.declare with a large arguments table)', () => {
    const { peer, ch } = open();
    const e = (() => { try { peer.core.call(ch, declare(big)); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(EncodeError);
    expect((e as Error).message).toMatch(/queue\.declare.*over frame_max 8192/);
    expect(peer.takeBytes()).toHaveLength(0);
    stillWorks(peer, ch);
  });

  it('a method queued behind another call is refused at once, not when its turn comes', () => {
    const { peer, ch } = open();
    peer.core.call(ch, declare({}));
    peer.take();
    expect(() => peer.core.call(ch, declare(big))).toThrow(EncodeError);
    peer.feed(peer.method(ch, m('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 })));
    expect(peer.takeBytes()).toHaveLength(0);
    stillWorks(peer, ch);
  });

  it('an asynchronous method (basic.publish via send) and a noWait one', () => {
    const { peer, ch } = open();
    expect(() => peer.core.call(ch, { ...declare(big), noWait: true } as AnyMethod)).toThrow(EncodeError);
    expect(peer.takeBytes()).toHaveLength(0);
    stillWorks(peer, ch);
  });

  for (const size of [10, 64 * 1024, 300 * 1024]) {
    it(`a content header (large headers table), body of ${size} bytes`, () => {
      const { peer, ch } = open();
      const e = (() => { try { peer.core.publish(ch, publish, { headers: big }, new Uint8Array(size)); } catch (x) { return x; } })();
      expect(e).toBeInstanceOf(EncodeError);
      expect((e as Error).message).toMatch(/content header frame is \d+ bytes, over frame_max 8192/);
      expect(peer.takeBytes()).toHaveLength(0);
      stillWorks(peer, ch);
    });
  }

  it('the limit is the negotiated one: the same table fits a 131072 frame_max', () => {
    const { peer, ch } = open(131072);
    peer.core.call(ch, declare(big));
    peer.core.publish(ch, publish, { headers: big }, new Uint8Array(70 * 1024));
    expect(peer.take().map((f) => f.type)).toEqual([1, 1, 2, 3]);
  });

  it('frame_max 0 (no limit on either side): nothing refused for size', () => {
    const { peer, ch } = open(0);
    expect(peer.core.tune.frameMax).toBe(0);
    peer.core.call(ch, declare({ 'x-big': 'x'.repeat(200_000) }));
    expect(peer.take().map((f) => f.method?.kind)).toEqual(['queue.declare']);
  });
});
