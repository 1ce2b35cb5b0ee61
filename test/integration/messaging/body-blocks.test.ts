// Bodies of 65 bytes to 4 KiB are cut from shared blocks on plain TCP (protocol/body-pool.ts).
// What a user may do with one body must not reach the others: keep it, view it through
// byteOffset, or transfer its buffer to another thread (the block is untransferable, so the
// transfer copies).
import { describe, expect, it } from 'vitest';
import type { Message } from 'warren';
import { channel, queue, take } from './fixture.js';

const body = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('message bodies', () => {
  it('every body of a run keeps its bytes; transferring one body leaves the others whole', async () => {
    const ch = await channel();
    await ch.confirmSelect();
    const q = await queue(ch);
    const sent = [16, 65, 200, 1000, 4096, 5000, 300, 300].map((n, i) => body(n, i));
    for (const b of sent) await ch.sendToQueue(q, b);
    const got: Message[] = await take(await ch.consume(q, { noAck: true }), sent.length);
    // hand the first mid-sized body to "another thread": a transfer, as postMessage does
    const moved = structuredClone(got[2]!.body.buffer, { transfer: [got[2]!.body.buffer as ArrayBuffer] });
    expect(moved.byteLength).toBeGreaterThan(0);
    expect(got.map((m) => m.body)).toEqual(sent);
    for (const m of got) {
      // the documented way to view a body's memory: through its offset
      expect(new Uint8Array(m.body.buffer, m.body.byteOffset, m.body.byteLength)).toEqual(m.body);
    }
  });
});
