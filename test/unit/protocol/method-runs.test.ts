// The core reuses the last method frame's definition while the class and method ids repeat
// (deliveries come in runs): a frame that breaks the run must still be decoded, and refused,
// exactly as the first of its kind would be.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const deliver = (tag: number): AnyMethod => ({ kind: 'basic.deliver', consumerTag: 'c', deliveryTag: tag, redelivered: false, exchange: 'x', routingKey: `k${tag}` }) as unknown as AnyMethod;

function closeCode(peer: ScriptedPeer): number | undefined {
  const close = peer.takeMethods().find((x) => x.kind === 'connection.close') as { replyCode?: number } | undefined;
  return close?.replyCode;
}

describe('runs of one method', () => {
  it('each delivery of a run is decoded from its own bytes; another method in between changes nothing', () => {
    const peer = new ScriptedPeer({ reusedChunks: true });
    peer.handshake();
    const ch = peer.openChannel();
    peer.feed(peer.content(ch, deliver(1), {}, utf8('a')));
    peer.feed(peer.method(ch, { kind: 'basic.cancel', consumerTag: 'other', noWait: true } as unknown as AnyMethod));
    peer.feed(peer.content(ch, deliver(2), {}, utf8('b')));
    peer.feed(peer.content(ch, deliver(3), {}, utf8('c')));
    const got = peer.events.flatMap((e) => (e.type === 'content' || e.type === 'method' ? [e.method] : []));
    expect(got.map((m) => `${m.kind} ${(m as { routingKey?: string }).routingKey ?? ''}`)).toEqual(['basic.deliver k1', 'basic.cancel ', 'basic.deliver k2', 'basic.deliver k3']);
  });

  it('a run split across reads of any size (frames in the parser\'s scratch), with a reused read buffer, decodes each delivery from its own bytes', () => {
    const peer = new ScriptedPeer({ reusedChunks: true });
    peer.handshake();
    const ch = peer.openChannel();
    const stream = ScriptedPeer.concat(...Array.from({ length: 12 }, (_, i) => peer.content(ch, deliver(i + 1), {}, utf8(`body ${i + 1}`))));
    const read = new Uint8Array(64);
    for (let off = 0, k = 0; off < stream.length; k++) {
      const n = Math.min(1 + ((k * 7) % 23), stream.length - off);
      read.set(stream.subarray(off, off + n));
      peer.core.receive(read.subarray(0, n), peer.now);
      read.fill(0x5a); // the transport reuses its buffer
      off += n;
    }
    const got = peer.events.filter((e) => e.type === 'content');
    expect(got.map((e) => `${(e.method as unknown as { routingKey: string }).routingKey}:${new TextDecoder().decode(e.type === 'content' ? e.content.body : undefined)}`)).toEqual(
      Array.from({ length: 12 }, (_, i) => `k${i + 1}:body ${i + 1}`),
    );
  });

  for (const [what, payload, code] of [
    ['a 2-byte method payload', new Uint8Array([0, 60]), 502],
    ['the same ids with truncated arguments', new Uint8Array([0, 60, 0, 60, 1, 99]), 502],
    ['unknown ids', new Uint8Array([0, 60, 0, 99]), 540],
  ] as const) {
    it(`after a run of deliveries, ${what} is refused with ${code}`, () => {
      const peer = new ScriptedPeer();
      peer.handshake();
      const ch = peer.openChannel();
      for (let tag = 1; tag <= 3; tag++) peer.feed(peer.content(ch, deliver(tag), {}, utf8('x')));
      peer.takeMethods();
      peer.feed(peer.frame(1, ch, payload));
      expect(closeCode(peer)).toBe(code);
    });
  }
});
