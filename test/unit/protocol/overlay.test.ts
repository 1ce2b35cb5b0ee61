/**
 * A registry generated with a test overlay plugs into the core: the overlay's new methods and
 * content properties are encoded on the way out and decoded, matched and assembled on the way in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyMethod, ProtocolRegistry } from '../../../runtime/codec/index.js';
import { toHex } from '../../helpers/hex.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';
import { overlayRegistry } from './overlay-registry.js';

let registry: ProtocolRegistry;
let cleanup = () => {};

beforeAll(async () => {
  ({ registry, cleanup } = await overlayRegistry());
}, 60_000);
afterAll(() => cleanup());

describe('an overlay registry in the core', () => {
  it('the handshake and the standard methods still work', () => {
    const peer = new ScriptedPeer({ registry });
    peer.handshake();
    expect(peer.openChannel()).toBe(1);
  });

  it('a new synchronous method goes out encoded and its answer comes back as the reply', () => {
    const peer = new ScriptedPeer({ registry });
    peer.handshake();
    const ch = peer.openChannel();
    const call = peer.core.call(ch, { kind: 'probe.ask', question: 'why', urgent: true, after: 2n ** 60n } as AnyMethod);
    const [frame] = peer.take();
    // class 200 (0x00c8), method 10; "why"; bit; longlong 2^60
    expect(toHex(frame!.payload)).toBe('00c8000a' + '03' + toHex(utf8('why')) + '01' + '1000000000000000');
    expect(frame!.method).toEqual({ kind: 'probe.ask', question: 'why', urgent: true, after: 2n ** 60n });
    peer.feed(peer.method(ch, { kind: 'probe.ask-ok', answer: utf8('because') } as AnyMethod));
    expect(peer.events.at(-1)).toEqual({ type: 'reply', channel: ch, call, method: { kind: 'probe.ask-ok', answer: utf8('because') } });
  });

  it('answers with long strings, one after another through a reused read buffer, each keep their own bytes', () => {
    // the core reuses the last method's definition while the ids repeat: the copy that long
    // strings need (they would be views of the reused buffer) must be made for every one
    const peer = new ScriptedPeer({ registry, reusedChunks: true });
    peer.handshake();
    const ch = peer.openChannel();
    const read = new Uint8Array(256);
    const answers: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      const call = peer.core.call(ch, { kind: 'probe.ask', question: text, urgent: false, after: 0 } as AnyMethod);
      peer.take();
      const frame = peer.method(ch, { kind: 'probe.ask-ok', answer: utf8(text) } as AnyMethod);
      read.set(frame);
      peer.core.receive(read.subarray(0, frame.length), peer.now);
      read.fill(0x21); // the transport reuses its buffer
      const reply = peer.events.find((e) => e.type === 'reply' && e.call === call);
      answers.push(reply?.type === 'reply' ? new TextDecoder().decode((reply.method as unknown as { answer: Uint8Array }).answer) : '');
    }
    const kept = peer.events.flatMap((e) => (e.type === 'reply' && e.method.kind === 'probe.ask-ok' ? [new TextDecoder().decode((e.method as unknown as { answer: Uint8Array }).answer)] : []));
    expect(answers).toEqual(['first', 'second', 'third']);
    expect(kept).toEqual(['first', 'second', 'third']);
  });

  it("a new content method from the server is assembled with the class's own properties", () => {
    const peer = new ScriptedPeer({ registry });
    peer.handshake();
    const ch = peer.openChannel();
    peer.feed(peer.content(ch, { kind: 'probe.push', seq: 7 } as AnyMethod, { traceId: 't-1' }, utf8('record')), 'bytes');
    const [e] = peer.eventsOf('content');
    expect(e!.method).toEqual({ kind: 'probe.push', seq: 7 });
    expect(e!.content.properties).toEqual({ traceId: 't-1' });
    expect(Buffer.from(e!.content.body).toString()).toBe('record');
  });

  it('the default registry does not know them: 540 not-implemented', () => {
    const withOverlay = new ScriptedPeer({ registry });
    const plain = new ScriptedPeer();
    plain.handshake();
    const ch = plain.openChannel();
    plain.take();
    plain.feed(withOverlay.method(ch, { kind: 'probe.ask-ok', answer: utf8('?') } as AnyMethod));
    expect(plain.takeMethods()).toEqual([expect.objectContaining({ kind: 'connection.close', replyCode: 540 })]);
  });
});
