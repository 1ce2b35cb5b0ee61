// The core fed as each runtime's sockets feed it (issue 16). Node's 'data' chunks are views into
// a larger pooled buffer at non-zero offsets (Buffer.poolSize, enlarged in Node 24; another Node
// client broke on exactly this), Bun's and Deno's may be too, and a read can end anywhere: a frame
// header may arrive over three or more reads. Whatever the layout, the deliveries must be the
// messages sent, for fresh chunks (views kept) and for a reused read buffer (reusedChunks: the
// memory is scribbled over after each receive()).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../runtime/codec/index.js';
import { ScriptedPeer } from '../helpers/scripted-peer.js';
import { walkFrames } from '../vectors/harness.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as unknown as AnyMethod;

/** An open connection with one open channel, the handshake fed plainly. */
function openPeer(reusedChunks: boolean): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer({ reusedChunks });
  peer.core.start(peer.now);
  peer.take();
  peer.feed(peer.start());
  peer.feed(peer.tune());
  peer.feed(peer.method(0, m('connection.open-ok')));
  peer.take();
  return { peer, ch: peer.openChannel() };
}

/** The byte offsets where each frame of `bytes` starts. */
function frameStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  let p = 0;
  for (const f of walkFrames(bytes)) {
    starts.push(p);
    p += 8 + f.payload.length;
  }
  return starts;
}

/** Cut points that split every frame header over at least three reads, plus the random ones. */
function headerCuts(bytes: Uint8Array, split: readonly [number, number], extra: readonly number[]): number[] {
  const cuts = new Set<number>(extra.map((c) => c % (bytes.length + 1)));
  for (const s of frameStarts(bytes)) {
    // header bytes s..s+6: cut after s+a and after s+a+b (1 <= a, 1 <= b, a + b <= 6): 3 reads
    cuts.add(s + split[0]);
    cuts.add(s + split[0] + split[1]);
  }
  return [...cuts].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
}

/**
 * Lays `pieces` one after another in pooled ArrayBuffers of `poolSize` bytes (a new pool when the
 * next piece does not fit, as Node's Buffer pool does), after `gap` bytes of garbage each, and
 * returns the views. The garbage around each view is 0x5a: a parser reading past a view's end or
 * from offset 0 of its buffer would see it.
 */
function pooledViews(pieces: readonly Uint8Array[], poolSize: number, gap: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pool = new Uint8Array(0);
  let at = 0;
  for (const piece of pieces) {
    if (at + gap + piece.length > pool.length) {
      pool = new Uint8Array(Math.max(poolSize, gap + piece.length)).fill(0x5a);
      at = 0;
    }
    at += gap;
    pool.set(piece, at);
    out.push(pool.subarray(at, at + piece.length));
    at += piece.length;
  }
  return out;
}

const bodiesArb = fc.array(fc.uint8Array({ maxLength: 2500 }), { minLength: 1, maxLength: 8 });
const splitArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }));

function deliveries(bodies: readonly Uint8Array[], layout: (peer: ScriptedPeer, bytes: Uint8Array) => void, reusedChunks: boolean): { bodies: Uint8Array[]; tags: unknown[] } {
  const { peer, ch } = openPeer(reusedChunks);
  const deliver = (tag: number) => m('basic.deliver', { consumerTag: 'ct', deliveryTag: tag, redelivered: false, exchange: 'ex', routingKey: 'rk' });
  const bytes = ScriptedPeer.concat(...bodies.map((b, i) => peer.content(ch, deliver(i + 1), { contentType: 'application/octet-stream', headers: { n: i } }, b)));
  layout(peer, bytes);
  const events = peer.eventsOf('content');
  return { bodies: events.map((e) => Uint8Array.from(e.content.body)), tags: events.map((e) => Number((e.method as unknown as { deliveryTag: number }).deliveryTag)) };
}

describe('chunks as the runtimes deliver them', () => {
  it('views into pooled buffers at non-zero offsets, with frame headers split over three or more reads, give the messages sent', () => {
    fc.assert(
      fc.property(bodiesArb, splitArb, fc.array(fc.nat(), { maxLength: 10 }), fc.constantFrom(8192, 65536, 1024), fc.integer({ min: 1, max: 64 }), (bodies, split, extra, poolSize, gap) => {
        const got = deliveries(
          bodies,
          (peer, bytes) => {
            const cuts = headerCuts(bytes, split, extra);
            const pieces = cuts.map((c, i) => bytes.subarray(i === 0 ? 0 : cuts[i - 1]!, c)).concat(bytes.subarray(cuts.at(-1) ?? 0));
            for (const view of pooledViews(pieces, poolSize, gap)) {
              expect(view.byteOffset).toBeGreaterThan(0);
              peer.core.receive(view, peer.now);
            }
          },
          false,
        );
        expect(got.bodies).toEqual(bodies.map((b) => Uint8Array.from(b)));
        expect(got.tags).toEqual(bodies.map((_, i) => i + 1));
      }),
      { numRuns: 100 },
    );
  });

  it('the same through one reused pooled read buffer, scribbled over after every receive()', () => {
    fc.assert(
      fc.property(bodiesArb, splitArb, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 1, max: 64 }), (bodies, split, extra, gap) => {
        const got = deliveries(
          bodies,
          (peer, bytes) => {
            const cuts = [...headerCuts(bytes, split, extra), bytes.length];
            const pool = new Uint8Array(gap + bytes.length).fill(0x5a);
            let from = 0;
            for (const c of cuts) {
              const view = pool.subarray(gap, gap + c - from);
              view.set(bytes.subarray(from, c));
              peer.core.receive(view, peer.now);
              pool.fill(0xee);
              from = c;
            }
          },
          true,
        );
        expect(got.bodies).toEqual(bodies.map((b) => Uint8Array.from(b)));
      }),
      { numRuns: 100 },
    );
  });
});
