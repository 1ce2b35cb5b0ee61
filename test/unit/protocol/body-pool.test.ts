// BodyPool (protocol/body-pool.ts): copies that outlive the reused read buffer, cut from shared
// blocks for mid-sized bodies, never overlapping one another.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { BodyPool } from '../../../runtime/protocol/body-pool.js';
import type { ProtocolEvent } from '../../../runtime/protocol/events.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('BodyPool', () => {
  it('copies of every size hold the bytes after the source is overwritten, and never overlap', () => {
    const pool = new BodyPool();
    const src = new Uint8Array(10_000);
    const sizes = [0, 1, 16, 64, 65, 100, 1000, 4095, 4096, 4097, 9000];
    const kept: { copy: Uint8Array; want: Uint8Array }[] = [];
    for (let round = 0; round < 40; round++) {
      for (const [k, n] of sizes.entries()) {
        const want = bytes(n, round * 13 + k);
        src.set(want, 7);
        kept.push({ copy: pool.copy(src, 7, 7 + n), want });
        src.fill(0xee); // the transport reuses its buffer
      }
    }
    for (const { copy, want } of kept) expect(copy).toEqual(want);
    // pooled copies that share a block lie apart
    const byBlock = new Map<ArrayBufferLike, [number, number][]>();
    for (const { copy } of kept) {
      if (copy.length === 0) continue;
      const spans = byBlock.get(copy.buffer) ?? [];
      spans.push([copy.byteOffset, copy.byteOffset + copy.length]);
      byBlock.set(copy.buffer, spans);
    }
    for (const spans of byBlock.values()) {
      spans.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    }
  });

  it('pools 65..4096-byte bodies at 8-byte-aligned offsets; smaller and larger ones are copies of their own', () => {
    const pool = new BodyPool();
    const src = new Uint8Array(8192);
    for (const n of [1, 64, 4097, 8000]) {
      const c = pool.copy(src, 3, 3 + n);
      expect([c.byteOffset, c.buffer.byteLength]).toEqual([0, n]);
    }
    const a = pool.copy(src, 1, 1 + 65);
    const b = pool.copy(src, 1, 1 + 100);
    expect(b.buffer).toBe(a.buffer);
    expect(a.byteOffset % 8).toBe(0);
    expect(b.byteOffset % 8).toBe(0);
    expect(new Float64Array(b.buffer, b.byteOffset, 12)).toHaveLength(12); // aligned: any typed view works
  });

  it('tells `untransferable` of each block as it makes it, and the core passes CoreOptions.untransferable on', () => {
    const marked: ArrayBuffer[] = [];
    const pool = new BodyPool((b) => marked.push(b));
    const src = new Uint8Array(4096);
    const first = pool.copy(src, 0, 1000);
    pool.copy(src, 0, 16); // on V8's heap: no block
    expect(marked).toEqual([first.buffer]);
    for (let i = 0; i < 40; i++) pool.copy(src, 0, 1000);
    expect(marked.length).toBe(2); // 32 KiB blocks of 1000-byte bodies: a second one by now

    const viaCore: ArrayBuffer[] = [];
    const peer = new ScriptedPeer({ reusedChunks: true, untransferable: (b) => viaCore.push(b) });
    peer.handshake();
    const ch = peer.openChannel();
    peer.feed(peer.content(ch, { kind: 'basic.deliver', consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' } as unknown as AnyMethod, {}, bytes(500, 9)));
    const delivered = peer.events.find((e) => e.type === 'content') as Extract<ProtocolEvent, { type: 'content' }>;
    expect(viaCore).toEqual([delivered.content.body.buffer]);
  });

  it('with Node\'s markAsUntransferable, transferring one body copies it and its neighbours stay whole', async () => {
    const { markAsUntransferable } = await import('node:worker_threads');
    const peer = new ScriptedPeer({ reusedChunks: true, untransferable: markAsUntransferable });
    peer.handshake();
    const ch = peer.openChannel();
    const sent = [bytes(200, 1), bytes(300, 2)];
    for (const [i, b] of sent.entries()) peer.feed(peer.content(ch, { kind: 'basic.deliver', consumerTag: 'c', deliveryTag: i + 1, redelivered: false, exchange: '', routingKey: 'q' } as unknown as AnyMethod, {}, b));
    const got = peer.events.filter((e): e is Extract<ProtocolEvent, { type: 'content' }> => e.type === 'content').map((e) => e.content.body);
    expect(got[0]!.buffer).toBe(got[1]!.buffer); // one block
    structuredClone(got[0]!.buffer, { transfer: [got[0]!.buffer as ArrayBuffer] });
    expect(got).toEqual(sent);
  });

  it('the core copies bodies through it when the transport reuses its chunks', () => {
    const peer = new ScriptedPeer({ reusedChunks: true });
    peer.handshake();
    const ch = peer.openChannel();
    const bodies = [bytes(16, 1), bytes(300, 2), bytes(2000, 3), bytes(5000, 4)];
    const chunk = new Uint8Array(64 * 1024);
    for (const [i, body] of bodies.entries()) {
      const frames = peer.content(ch, { kind: 'basic.deliver', consumerTag: 'c', deliveryTag: i + 1, redelivered: false, exchange: '', routingKey: 'q' } as unknown as AnyMethod, {}, body);
      chunk.set(frames);
      peer.core.receive(chunk.subarray(0, frames.length), peer.now);
      chunk.fill(0xab); // reused for the next read
    }
    const got = peer.events.filter((e): e is Extract<ProtocolEvent, { type: 'content' }> => e.type === 'content').map((e) => e.content.body);
    expect(got).toEqual(bodies);
  });
});
