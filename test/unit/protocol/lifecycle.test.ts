/**
 * An open core over time: heartbeats both ways, the server closing the connection, our own
 * graceful close and its timeout, sticky errors, blocked/unblocked, and the transport lost.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ChannelClosedError, ConnectionClosedError, ConnectionLostError, HeartbeatTimeoutError } from '../../../runtime/errors.js';
import { ConnectionForcedError } from '../../../generated/errors.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const declare = (queue: string) => m('queue.declare', { queue, passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: {} });

function open(heartbeat = 60): ScriptedPeer {
  const peer = new ScriptedPeer({ tune: { channelMax: 2047, frameMax: 131072, heartbeat } });
  peer.handshake({ heartbeat });
  return peer;
}

describe('heartbeats', () => {
  it('a heartbeat goes out after heartbeat/2 of silence on our side, and only then', () => {
    const peer = open(10);
    expect(peer.core.nextTick(peer.now)).toBe(2_500);
    peer.advance(4_999);
    expect(peer.take()).toEqual([]);
    peer.advance(1);
    expect(peer.take()).toEqual([{ type: 8, channel: 0, payload: new Uint8Array(0) }]);
    peer.feed(peer.heartbeat());
    peer.advance(2_500);
    expect(peer.take()).toEqual([]);
    peer.advance(2_500);
    expect(peer.take().map((f) => f.type)).toEqual([8]);
  });

  it('our own traffic counts as activity', () => {
    const peer = open(10);
    const ch = peer.openChannel();
    peer.advance(4_000);
    peer.core.send(ch, m('basic.ack', { deliveryTag: 1, multiple: false }));
    peer.take();
    peer.advance(4_000);
    expect(peer.take()).toEqual([]);
  });

  it('two intervals without a frame from the server: HeartbeatTimeoutError, destroyed', () => {
    const peer = open(1);
    const ch = peer.openChannel();
    const call = peer.core.call(ch, declare('q'));
    for (let t = 0; t < 1_750; t += 250) {
      peer.advance(250);
      peer.take();
    }
    expect(peer.eventsOf('closed')).toEqual([]);
    peer.advance(250);
    const [closed] = peer.eventsOf('closed');
    expect(closed!.destroy).toBe(true);
    expect(closed!.error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(closed!.error).toBeInstanceOf(ConnectionLostError);
    expect(peer.eventsOf('call-failed')).toEqual([{ type: 'call-failed', channel: ch, call, error: closed!.error }]);
  });

  it('any frame from the server resets the timeout', () => {
    const peer = open(1);
    for (let i = 0; i < 10; i++) {
      peer.advance(1_500);
      peer.feed(peer.heartbeat());
    }
    expect(peer.core.state).toBe('open');
  });

  it('heartbeat 0: never sent, never timed out', () => {
    const peer = open(0);
    expect(peer.core.nextTick(peer.now)).toBe(Infinity);
    peer.advance(10_000_000);
    expect(peer.take()).toEqual([]);
    expect(peer.core.state).toBe('open');
  });
});

describe('closing', () => {
  it('connection.close 320 from the server: close-ok, every pending call failed once, typed error, sticky', () => {
    const peer = open();
    const a = peer.openChannel();
    const b = peer.openChannel();
    const calls = [peer.core.call(a, declare('1')), peer.core.call(a, declare('2')), peer.core.call(b, declare('3'))];
    peer.take();
    peer.feed(peer.method(0, m('connection.close', { replyCode: 320, replyText: "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'", classId: 0, methodId: 0 })));
    expect(peer.takeMethods()).toEqual([m('connection.close-ok')]);
    const [closed] = peer.eventsOf('closed');
    const e = closed!.error as ConnectionForcedError;
    expect(e).toBeInstanceOf(ConnectionForcedError);
    expect(e).toMatchObject({ name: 'ConnectionForcedError', replyCode: 320, classId: 0, methodId: 0, method: undefined, remote: true });
    expect(closed!.destroy).toBe(false);
    expect(peer.eventsOf('call-failed').map((x) => [x.call, x.error])).toEqual(calls.map((c) => [c, e]));
    expect(peer.eventsOf('channel-closed').map((x) => x.channel).sort()).toEqual([a, b]);
    expect(peer.events.at(-1)?.type).toBe('closed');

    for (const command of [() => peer.core.openChannel(), () => peer.core.call(a, declare('x')), () => peer.core.send(a, m('basic.ack', { deliveryTag: 1, multiple: false }))]) {
      try {
        command();
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConnectionClosedError);
        expect((err as Error).cause).toBe(e);
      }
    }
    peer.core.close(peer.now);
    peer.core.lost(new Error('later'));
    expect(peer.eventsOf('closed')).toHaveLength(1);
  });

  it('close(): connection.close 200, pending calls fail once at close-ok, closed without error', () => {
    const peer = open();
    const ch = peer.openChannel();
    const call = peer.core.call(ch, declare('q'));
    peer.take();
    peer.core.close(peer.now);
    peer.core.close(peer.now); // idempotent
    expect(peer.takeMethods()).toEqual([m('connection.close', { replyCode: 200, replyText: 'Goodbye', classId: 0, methodId: 0 })]);
    expect(peer.core.state).toBe('closing');
    peer.feed(peer.method(ch, declareOk()));
    expect(peer.eventsOf('reply').filter((e) => e.call === call)).toEqual([]); // discarded while closing
    peer.feed(peer.method(0, m('connection.close-ok')));
    expect(peer.eventsOf('closed')).toEqual([{ type: 'closed', error: undefined, destroy: false }]);
    expect(peer.eventsOf('call-failed').map((e) => e.call)).toEqual([call]);
    expect(peer.eventsOf('call-failed')[0]!.error).toBeInstanceOf(ConnectionClosedError);
  });

  it('close timeout: no close-ok within closeTimeout ends the connection with destroy', () => {
    const peer = new ScriptedPeer({ closeTimeout: 2_000 });
    peer.handshake();
    peer.core.close(peer.now);
    peer.advance(1_999);
    expect(peer.eventsOf('closed')).toEqual([]);
    peer.advance(1);
    expect(peer.eventsOf('closed')).toEqual([{ type: 'closed', error: undefined, destroy: true }]);
  });

  it('closeChannel(): channel.close, calls fail with ChannelClosedError, channel-closed on close-ok', () => {
    const peer = open();
    const ch = peer.openChannel();
    const call = peer.core.call(ch, declare('q'));
    peer.take();
    peer.core.closeChannel(ch);
    peer.core.closeChannel(ch);
    expect(peer.takeMethods().map((x) => x.kind)).toEqual(['channel.close']);
    expect(peer.eventsOf('call-failed')[0]).toMatchObject({ call, error: expect.any(ChannelClosedError) });
    peer.feed(peer.method(ch, declareOk())); // the late answer is discarded
    peer.feed(peer.method(ch, m('channel.close-ok')));
    expect(peer.eventsOf('channel-closed')).toEqual([{ type: 'channel-closed', channel: ch, error: undefined }]);
    expect(peer.core.state).toBe('open');
  });

  it('the transport lost: ConnectionLostError with the cause', () => {
    const peer = open();
    const cause = new Error('ECONNRESET');
    peer.core.lost(cause);
    const [closed] = peer.eventsOf('closed');
    expect(closed!.error).toBeInstanceOf(ConnectionLostError);
    expect(closed!.error!.cause).toBe(cause);
  });
});

describe('connection.blocked', () => {
  it('blocked and unblocked events, and the flag', () => {
    const peer = open();
    peer.feed(peer.method(0, m('connection.blocked', { reason: 'low on memory' })));
    expect(peer.core.blocked).toBe(true);
    peer.feed(peer.method(0, m('connection.unblocked')));
    expect(peer.core.blocked).toBe(false);
    expect(peer.events.slice(-2)).toEqual([{ type: 'blocked', reason: 'low on memory' }, { type: 'unblocked' }]);
  });
});

function declareOk(): AnyMethod {
  return m('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 });
}
