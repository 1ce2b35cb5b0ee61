/**
 * Credential-carrying frames through the sans-io core: start-ok (PLAIN, AMQPLAIN), secure-ok and
 * update-secret are queued as secret chunks of their own (the driver zeroes them once written
 * and redacts them for diagnostics); the reused output buffer never holds a credential; warren's
 * own mechanisms' responses are zeroed once encoded.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { amqplain, plain, type SaslMechanism } from '../../../runtime/protocol/sasl.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const PASSWORD = 'canary-Pw-0451';
const has = (buf: Uint8Array, s: string) => Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).includes(Buffer.from(s));
const reusedBuffer = (peer: ScriptedPeer) => (peer.core as unknown as { out: { w: { buf: Uint8Array } } }).out.w.buf;

describe('credentials in the core', () => {
  for (const [name, mech] of [['PLAIN', plain('u', PASSWORD)], ['AMQPLAIN', amqplain('u', PASSWORD)]] as const) {
    it(`${name}: start-ok is a secret chunk; the reused buffer never held the password; the response is zeroed`, () => {
      const responses: Uint8Array[] = [];
      const start = mech.start.bind(mech);
      // Observe the response the core gets (same object: zeroing must reach it).
      (mech as { start: () => Uint8Array }).start = () => {
        const r = start();
        responses.push(r);
        return r;
      };
      const peer = new ScriptedPeer({ mechanisms: [mech] });
      peer.core.start(peer.now);
      peer.take();
      peer.feed(peer.start());
      const chunks = peer.core.takeOutput(peer.now);
      expect(chunks).toHaveLength(1);
      expect(peer.core.isSecret(chunks[0]!)).toBe(true);
      expect(has(chunks[0]!, PASSWORD)).toBe(true); // what goes to the socket
      expect(has(reusedBuffer(peer), PASSWORD)).toBe(false);
      expect(responses).toHaveLength(1);
      expect(responses[0]!.every((b) => b === 0)).toBe(true);
    });
  }

  it('a custom mechanism keeps its own response (it may reuse it), but the frame is still secret', () => {
    const response = utf8(`token ${PASSWORD}`);
    const custom: SaslMechanism = { name: 'PLAIN', start: () => response };
    const peer = new ScriptedPeer({ mechanisms: [custom] });
    peer.core.start(peer.now);
    peer.take();
    peer.feed(peer.start());
    const [chunk] = peer.core.takeOutput(peer.now);
    expect(peer.core.isSecret(chunk!)).toBe(true);
    expect(has(response, PASSWORD)).toBe(true);
  });

  it('update-secret: a secret chunk between ordinary ones; a queued one is validated without touching the reused buffer', () => {
    const peer = new ScriptedPeer();
    peer.handshake();
    const ch = peer.openChannel();
    peer.core.send(ch, { kind: 'basic.ack', deliveryTag: 1, multiple: false } as AnyMethod);
    peer.core.updateSecret(utf8(PASSWORD), 'rotate');
    peer.core.updateSecret(utf8(`${PASSWORD}-2`), 'rotate again'); // queued behind the first
    peer.core.send(ch, { kind: 'basic.ack', deliveryTag: 2, multiple: false } as AnyMethod);
    const chunks = peer.core.takeOutput(peer.now);
    expect(chunks.map((c) => peer.core.isSecret(c))).toEqual([false, true, false]);
    expect(has(reusedBuffer(peer), PASSWORD)).toBe(false);
    peer.feed(peer.method(0, { kind: 'connection.update-secret-ok' } as AnyMethod));
    const next = peer.core.takeOutput(peer.now);
    expect(next.map((c) => peer.core.isSecret(c))).toEqual([true]);
    expect(has(next[0]!, `${PASSWORD}-2`)).toBe(true);
    expect(has(reusedBuffer(peer), PASSWORD)).toBe(false);
  });

  it('secret chunks dropped unwritten (the connection destroyed) are zeroed', () => {
    const peer = new ScriptedPeer();
    peer.handshake();
    peer.core.updateSecret(utf8(PASSWORD), 'rotate');
    const out = (peer.core as unknown as { out: { chunks: Uint8Array[]; sealWriter(): void } }).out;
    out.sealWriter();
    const pending = [...out.chunks];
    expect(pending.some((c) => has(c, PASSWORD))).toBe(true);
    peer.core.lost(new Error('gone'));
    expect(pending.some((c) => has(c, PASSWORD))).toBe(false);
    expect(pending.length).toBeGreaterThan(0);
  });
});
