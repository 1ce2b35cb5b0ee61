// The core's trace hook and its on-switch (CoreOptions.trace / traceActive): frames in and out
// are traced while traceActive() says someone listens, and not at all otherwise (the delivery
// path then builds no frame records).
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import type { FrameTrace } from '../../../runtime/protocol/events.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const deliver = { kind: 'basic.deliver', consumerTag: 'c1', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' } as unknown as AnyMethod;
const publish = { kind: 'basic.publish', exchange: '', routingKey: 'q', mandatory: false, immediate: false } as unknown as AnyMethod;

function traced(traceActive?: () => boolean): { peer: ScriptedPeer; frames: FrameTrace[]; ch: number } {
  const frames: FrameTrace[] = [];
  const peer = new ScriptedPeer({ trace: (f) => frames.push(f), ...(traceActive ? { traceActive } : {}) });
  peer.handshake();
  const ch = peer.openChannel();
  return { peer, frames, ch };
}

const summary = (fs: FrameTrace[]): string[] => fs.map((f) => `${f.direction} ${f.type}${f.method ? ` ${f.method}` : ''}`);

describe('trace hook', () => {
  it('without traceActive traces every frame, both ways', () => {
    const { peer, frames, ch } = traced();
    expect(summary(frames)).toContain('in 1 connection.start');
    expect(summary(frames)).toContain('out 1 channel.open');
    frames.length = 0;
    peer.feed(peer.content(ch, deliver, {}, utf8('hello')));
    peer.core.publish(ch, publish, {}, utf8('hi'));
    expect(summary(frames)).toEqual(['in 1 basic.deliver', 'in 2', 'in 3', 'out 1 basic.publish', 'out 2', 'out 3']);
  });

  it('builds no record while traceActive() is false, and traces again once it is true', () => {
    let active = false;
    const { peer, frames, ch } = traced(() => active);
    peer.feed(peer.content(ch, deliver, {}, utf8('hello')));
    peer.core.publish(ch, publish, {}, utf8('hi'));
    expect(frames).toEqual([]);
    expect(peer.events.filter((e) => e.type === 'content')).toHaveLength(1); // the delivery itself was not affected

    active = true;
    peer.feed(peer.content(ch, { ...deliver, deliveryTag: 2 } as AnyMethod, {}, utf8('again')));
    peer.core.publish(ch, publish, {}, utf8('hi'));
    expect(summary(frames)).toEqual(['in 1 basic.deliver', 'in 2', 'in 3', 'out 1 basic.publish', 'out 2', 'out 3']);
  });
});
