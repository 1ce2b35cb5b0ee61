// Wire order follows command order on a channel, even while synchronous calls queue: an
// asynchronous method or publish given after an un-awaited call must not overtake it.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as unknown as AnyMethod;
const publish = (routingKey: string) => m('basic.publish', { exchange: 'ex', routingKey, mandatory: false, immediate: false });

function open(): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer();
  peer.handshake();
  const ch = peer.openChannel();
  peer.take();
  return { peer, ch };
}

const kinds = (peer: ScriptedPeer) => peer.take().map((f) => (f.method ? `${f.method.kind}${(f.method as { routingKey?: string }).routingKey ? ':' + (f.method as { routingKey?: string }).routingKey : ''}` : `frame${f.type}`));

describe('command order on the wire', () => {
  it('a publish after a queued call waits for that call to be sent, then follows it at once', () => {
    const { peer, ch } = open();
    const core = peer.core;
    core.call(ch, m('queue.declare', { queue: 'q', passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: {} }));
    core.call(ch, m('queue.bind', { queue: 'q', exchange: 'ex', routingKey: 'k', noWait: false, arguments: {} }));
    core.publish(ch, publish('k'), {}, utf8('hello'));
    core.send(ch, m('basic.ack', { deliveryTag: 1, multiple: false }));
    expect(kinds(peer)).toEqual(['queue.declare']); // bind waits for declare-ok; the publish and the ack wait behind the bind
    peer.feed(peer.method(ch, m('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 })));
    expect(kinds(peer)).toEqual(['queue.bind:k', 'basic.publish:k', 'frame2', 'frame3', 'basic.ack']);
    peer.feed(peer.method(ch, m('queue.bind-ok')));
    core.publish(ch, publish('k2'), {}, utf8('x'));
    expect(kinds(peer)).toEqual(['basic.publish:k2', 'frame2', 'frame3']); // nothing queued: straight out
  });

  it('frames queued behind a call that is abandoned before it was sent still go out, in order', () => {
    const { peer, ch } = open();
    const core = peer.core;
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 10, global: false }));
    const second = core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 20, global: false }));
    core.publish(ch, publish('a'), {}, utf8('a'));
    core.abandon(ch, second);
    expect(kinds(peer)).toEqual(['basic.qos']);
    peer.feed(peer.method(ch, m('basic.qos-ok')));
    expect(kinds(peer)).toEqual(['basic.publish:a', 'frame2', 'frame3']);
  });

  it('a queued publish is validated at once: bad input throws and nothing is queued', () => {
    const { peer, ch } = open();
    const core = peer.core;
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 10, global: false }));
    core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 20, global: false }));
    expect(() => core.publish(ch, publish('x'.repeat(300)), {}, utf8('a'))).toThrow(/routingKey/);
    peer.feed(peer.method(ch, m('basic.qos-ok')));
    expect(kinds(peer)).toEqual(['basic.qos', 'basic.qos']);
  });
});
