// With `reusedChunks` (plain TCP reading into one node:net `onread` buffer), every chunk's memory
// is overwritten after receive() returns. Whatever the core hands out must not be a view of it.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { ScriptedPeer, utf8 } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as unknown as AnyMethod;

/** Feeds `bytes` as a socket with one reused read buffer would: then scribbles over the buffer. */
function feedReused(peer: ScriptedPeer, bytes: Uint8Array, size: number): void {
  const buffer = new Uint8Array(size);
  for (let off = 0; off < bytes.length; off += size) {
    const n = Math.min(size, bytes.length - off);
    buffer.set(bytes.subarray(off, off + n));
    peer.core.receive(buffer.subarray(0, n), peer.now);
    buffer.fill(0xee);
  }
}

describe('reused receive buffers', () => {
  for (const reusedChunks of [true, false]) {
    it(`bodies, properties and longstr arguments survive the buffer being overwritten (reusedChunks: ${reusedChunks})`, () => {
      const peer = new ScriptedPeer({ reusedChunks });
      // the handshake through a reused buffer too: connection.start carries longstrs
      peer.core.start(peer.now);
      peer.take();
      feedReused(peer, peer.start(), 16);
      expect(peer.takeMethods()[0]).toMatchObject({ kind: 'connection.start-ok', mechanism: 'PLAIN' });
      peer.feed(peer.tune());
      peer.feed(peer.method(0, m('connection.open-ok')));
      peer.take();
      expect(peer.core.state).toBe('open');
      const ch = peer.openChannel();
      const bodies = Array.from({ length: 30 }, (_, i) => `message ${i} `.repeat(i + 1));
      const deliver = (tag: number) => m('basic.deliver', { consumerTag: 'ct', deliveryTag: tag, redelivered: false, exchange: 'ex', routingKey: 'rk' });
      const bytes = ScriptedPeer.concat(...bodies.map((b, i) => peer.content(ch, deliver(i + 1), { contentType: 'text/plain', headers: { n: i, blob: new Uint8Array([i, 1, 2]) } }, utf8(b))));
      feedReused(peer, bytes, 4096);
      const got = peer.eventsOf('content').map((e) => ({
        body: new TextDecoder().decode(e.content.body),
        contentType: e.content.properties.contentType,
        headers: e.content.properties.headers,
      }));
      if (!reusedChunks) {
        // Without the flag the core keeps views (fresh chunks are the contract): the scribble shows.
        expect(got.map((g) => g.body)).not.toEqual(bodies);
        return;
      }
      expect(got.map((g) => g.body)).toEqual(bodies);
      expect(got.map((g) => g.contentType)).toEqual(bodies.map(() => 'text/plain'));
      expect(got.map((g) => g.headers)).toEqual(bodies.map((_, i) => ({ n: i, blob: new Uint8Array([i, 1, 2]) })));
    });
  }
});
