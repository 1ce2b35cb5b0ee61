// Regressions found in review, each once demonstrated failing: crossed channel closes, frames
// queued behind calls on an application close, and reused read buffers after a violation or
// across a split protocol header.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as unknown as AnyMethod;

function open(options: ConstructorParameters<typeof ScriptedPeer>[0] = {}): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer(options);
  peer.handshake();
  const ch = peer.openChannel();
  peer.take();
  return { peer, ch };
}

/** Feeds bytes through one buffer that is scribbled over after every receive (node:net onread). */
function feedReused(peer: ScriptedPeer, bytes: Uint8Array): void {
  const buffer = new Uint8Array(65536);
  buffer.set(bytes);
  peer.core.receive(buffer.subarray(0, bytes.length), peer.now);
  buffer.fill(0xaa);
}

describe('review regressions', () => {
  it('both sides close a channel at once: only the channel closes; its id waits for our close-ok', () => {
    const { peer, ch } = open();
    peer.core.closeChannel(ch);
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['channel.close']);
    peer.feed(peer.method(ch, m('channel.close', { replyCode: 404, replyText: 'NOT_FOUND - no exchange', classId: 60, methodId: 40 })));
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['channel.close-ok']);
    expect(peer.eventsOf('channel-closed').at(-1)).toMatchObject({ channel: ch, error: { name: 'NotFoundError' } });
    expect(peer.core.channelState(ch)).toBeDefined(); // id still held
    peer.feed(peer.method(ch, m('channel.close-ok'))); // the broker's answer to our close
    expect(peer.core.state).toBe('open');
    expect(peer.eventsOf('closed')).toEqual([]);
    expect(peer.core.channelState(ch)).toBeUndefined(); // now free
  });

  it('an application close writes the acks and publishes queued behind unsent calls before channel.close', () => {
    const { peer, ch } = open();
    const core = peer.core;
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 5, global: false }));
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 6, global: false }));
    core.send(ch, m('basic.ack', { deliveryTag: 1, multiple: false }));
    core.publish(ch, m('basic.publish', { exchange: '', routingKey: 'q', mandatory: false, immediate: false }), {}, utf8('x'));
    core.closeChannel(ch);
    expect(peer.take().map((f) => f.method?.kind ?? `frame${f.type}`)).toEqual(['basic.qos', 'basic.ack', 'basic.publish', 'frame2', 'frame3', 'channel.close']);
  });

  it('connection.close also writes what was queued behind unsent calls first', () => {
    const { peer, ch } = open();
    const core = peer.core;
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 5, global: false }));
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 6, global: false }));
    core.send(ch, m('basic.ack', { deliveryTag: 7, multiple: true }));
    core.close(peer.now);
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['basic.qos', 'basic.ack', 'connection.close']);
  });

  it('a violation mid-chunk with a reused read buffer still closes gracefully (the rest of the chunk is consumed at once)', () => {
    const { peer, ch } = open({ reusedChunks: true });
    feedReused(peer, ScriptedPeer.concat(peer.method(ch, m('basic.qos-ok')), peer.heartbeat())); // unasked: 503
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['connection.close']);
    feedReused(peer, peer.method(0, m('connection.close-ok')));
    expect(peer.eventsOf('closed')).toEqual([expect.objectContaining({ destroy: false, error: expect.objectContaining({ replyCode: 503 }) })]);
  });

  it('a protocol header split across two reuses of one read buffer is still recognised', () => {
    const peer = new ScriptedPeer({ reusedChunks: true });
    peer.core.start(peer.now);
    peer.take();
    const buffer = Buffer.alloc(64);
    for (const part of [Buffer.from('AMQP'), Uint8Array.of(1, 1, 0, 10)]) {
      buffer.set(part);
      peer.core.receive(buffer.subarray(0, part.length), peer.now);
      buffer.fill(0xaa);
    }
    expect(peer.eventsOf('closed')[0]?.error).toMatchObject({ name: 'ProtocolVersionError', message: expect.stringContaining('1.1.0.10') });
  });
});
