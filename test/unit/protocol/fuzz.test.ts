/**
 * Random input to the core: whatever the server sends, receive() never throws (any other
 * exception out of the protocol core is a bug); it only emits events, at most one `closed`,
 * and fails each pending call at most once. The first part fuzzes an open core; the last runs
 * the whole-connection fuzzer (core-fuzz.ts: handshake, tune, content headers, commands,
 * deadlines) on a few thousand streams; `npm run fuzz:core` runs it on a million.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { registry } from '../../../generated/index.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';
import { fuzzCore } from './core-fuzz.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;

/** An open core with two open channels and a pending call on each. */
function openPeer(): { peer: ScriptedPeer; calls: number[] } {
  const peer = new ScriptedPeer();
  peer.handshake();
  const a = peer.openChannel();
  const b = peer.openChannel();
  const calls = [a, b].map((ch) => peer.core.call(ch, m('basic.qos', { prefetchSize: 0, prefetchCount: 1, global: false })));
  peer.take();
  return { peer, calls };
}

function check(peer: ScriptedPeer, calls: number[]): void {
  expect(peer.eventsOf('closed').length).toBeLessThanOrEqual(1);
  for (const c of calls) {
    const n = peer.events.filter((e) => (e.type === 'call-failed' || e.type === 'reply') && e.call === c).length;
    expect(n).toBeLessThanOrEqual(1);
  }
  peer.take(); // whatever the core wrote is well-formed frames
}

const methodIds = registry.methods.map((d) => [d.classId, d.methodId] as const);

/** A frame with a plausible header: a real type, a small channel, a payload that starts with real method ids or is random. */
const frameArb = fc.record({
  type: fc.constantFrom(1, 1, 1, 2, 3, 8),
  channel: fc.constantFrom(0, 1, 2, 3),
  ids: fc.option(fc.constantFrom(...methodIds), { nil: undefined }),
  rest: fc.uint8Array({ maxLength: 40 }),
});

// CPU-bound: seconds on an idle machine, several times that on the shared 2-core CI box.
describe('fuzz: the open core never throws out of receive()', { timeout: 120_000 }, () => {
  it('random bytes, random chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }), (bytes, sizes) => {
        const { peer, calls } = openPeer();
        expect(() => peer.feed(bytes, sizes)).not.toThrow();
        check(peer, calls);
      }),
      { numRuns: 2_000 },
    );
  });

  it('well-framed frames with random contents', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), (frames) => {
        const { peer, calls } = openPeer();
        const bytes = ScriptedPeer.concat(
          ...frames.map((f) => {
            const head = f.ids ? Uint8Array.of(f.ids[0] >> 8, f.ids[0] & 0xff, f.ids[1] >> 8, f.ids[1] & 0xff) : new Uint8Array(0);
            return peer.frame(f.type, f.channel, f.type === 8 ? new Uint8Array(0) : ScriptedPeer.concat(head, f.rest));
          }),
        );
        expect(() => peer.feed(bytes)).not.toThrow();
        check(peer, calls);
        // And time passing afterwards never throws either.
        expect(() => peer.advance(200_000)).not.toThrow();
        check(peer, calls);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('fuzz: whole connections, from the handshake on (core-fuzz.ts)', { timeout: 120_000 }, () => {
  it('6,000 valid, mutated and random server streams: 0 crashes, 0 hangs, 0 non-warren exceptions', () => {
    const report = fuzzCore({ seed: 0x7e57, count: 6_000 });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ streams: 6_000, crashes: 0, hangs: 0, nonWarren: 0, badOutput: 0 });
    // The streams do reach deep: a good share opens (then gets content, calls, closes).
    expect(report.opened).toBeGreaterThan(1_000);
  });
});
