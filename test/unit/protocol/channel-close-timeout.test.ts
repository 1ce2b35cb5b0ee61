/**
 * A peer that never answers channel.close: the wait is bounded by closeTimeout, as for
 * connection.close. The channel is reported closed with CloseTimeoutError and abandoned safely:
 * its id is not handed out again until a (late) close-ok arrives.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { CloseTimeoutError } from '../../../runtime/errors.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;

function open(): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer({ closeTimeout: 5_000, tune: { channelMax: 2, frameMax: 131072, heartbeat: 0 } });
  peer.handshake({ channelMax: 2, heartbeat: 0 });
  const ch = peer.openChannel();
  return { peer, ch };
}

describe('channel.close without an answer', () => {
  it('closeTimeout after the close is written: CloseTimeoutError, pending calls failed, the id kept until close-ok', () => {
    const { peer, ch } = open();
    const pending = peer.core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 1, global: false }));
    peer.take();
    peer.core.closeChannel(ch);
    peer.now += 1_000; // the close is written a little later: its clock starts then
    expect(peer.takeMethods()).toEqual([expect.objectContaining({ kind: 'channel.close' })]);
    expect(peer.core.nextTick(peer.now)).toBe(5_000);
    expect(peer.eventsOf('call-failed').map((e) => e.call)).toEqual([pending]);
    peer.advance(4_999);
    expect(peer.eventsOf('channel-closed')).toEqual([]);
    peer.advance(1);
    const [closed] = peer.eventsOf('channel-closed');
    expect(closed!.channel).toBe(ch);
    expect(closed!.error).toBeInstanceOf(CloseTimeoutError);
    expect(closed!.error!.message).toContain('no channel.close-ok within 5000 ms');
    expect(peer.core.channelState(ch)?.state).toBe('closed');
    expect(peer.core.state).toBe('open'); // the connection is not affected

    // The abandoned id is not reused while the broker may still answer for it.
    const other = peer.openChannel();
    expect(other).not.toBe(ch);
    expect(() => peer.core.openChannel()).toThrow(/channels/);
    // Frames for the abandoned channel are discarded; its late close-ok frees the id.
    peer.feed(peer.method(ch, m('basic.qos-ok')));
    expect(peer.core.state).toBe('open');
    peer.feed(peer.method(ch, m('channel.close-ok')));
    expect(peer.core.channelState(ch)).toBeUndefined();
    expect(peer.openChannel()).toBe(ch);
    expect(peer.eventsOf('channel-closed')).toHaveLength(1);
  });

  it('a close-ok in time ends it normally; no timeout afterwards', () => {
    const { peer, ch } = open();
    peer.core.closeChannel(ch);
    peer.take();
    peer.feed(peer.method(ch, m('channel.close-ok')));
    peer.advance(60_000);
    expect(peer.eventsOf('channel-closed')).toEqual([{ type: 'channel-closed', channel: ch, error: undefined }]);
  });

  it('our own close for an oversized body is bounded too, the cause kept', () => {
    const peer = new ScriptedPeer({ closeTimeout: 5_000, maxBodySize: 10 });
    peer.handshake();
    const ch = peer.openChannel();
    peer.feed(ScriptedPeer.concat(peer.method(ch, m('basic.deliver', { consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' })), peer.header(ch, 60, 100)));
    expect(peer.takeMethods()).toEqual([expect.objectContaining({ kind: 'channel.close', replyCode: 311 })]);
    peer.advance(5_000);
    const [closed] = peer.eventsOf('channel-closed');
    expect(closed!.error).toBeInstanceOf(CloseTimeoutError);
    expect((closed!.error!.cause as { replyCode: number }).replyCode).toBe(311);
  });
});
