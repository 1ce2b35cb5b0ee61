/**
 * Fuzzing: random and mutated byte streams through FrameParser, and every frame it yields
 * through decodeMethod / decodeContentHeader with the generated registry; random and mutated
 * tables through readTable. Only DecodeError may escape, and nothing may hang or overflow the
 * stack. A seeded PRNG keeps failures reproducible (the seed and case index are in the message).
 */
import { describe, expect, it } from 'vitest';
import { DecodeError, Reader, Writer, readTable } from '../../../runtime/codec/index.js';
import { FrameParser, decodeContentHeader, decodeMethod, writeContentFrames, writeHeartbeat, writeMethodFrame } from '../../../runtime/frame/index.js';
import { basicDeliver, basicProperties, basicPublish, connectionStart, registry } from '../../../generated/registry.js';
import { tableVectors } from '../codec/field-table-vectors.js';

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed;

function seedStream(): Uint8Array {
  const w = new Writer();
  writeMethodFrame(w, 0, connectionStart, {
    kind: 'connection.start', versionMajor: 0, versionMinor: 9,
    serverProperties: { product: 'RabbitMQ', capabilities: { publisher_confirms: true, 'consumer_priorities': true }, n: [1, 2.5, null] },
    mechanisms: new TextEncoder().encode('PLAIN AMQPLAIN'), locales: new TextEncoder().encode('en_US'),
  });
  writeMethodFrame(w, 1, basicDeliver, { kind: 'basic.deliver', consumerTag: 'ctag', deliveryTag: 42, redelivered: false, exchange: 'ex', routingKey: 'rk' });
  writeContentFrames(w, 1, basicPublish, { kind: 'basic.publish', exchange: 'ex', routingKey: 'rk', mandatory: false, immediate: false }, basicProperties,
    { contentType: 'application/json', headers: { 'x-death': [{ count: 1, time: new Date(0) }], big: 2n ** 60n }, timestamp: new Date(0), priority: 3 },
    new Uint8Array(600).fill(7), 256); // body split over three frames
  writeHeartbeat(w);
  return w.toBytes();
}

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = Array.from(src);
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (b.length + 1));
    const op = rnd();
    if (op < 0.5) b[at % Math.max(1, b.length)] = Math.floor(rnd() * 256);
    else if (op < 0.65) b.splice(at, 0, Math.floor(rnd() * 256));
    else if (op < 0.8) b.splice(at, 1);
    else if (op < 0.9) b.length = at;
    else b[at % Math.max(1, b.length)] = [0, 1, 0xff, 0x7f, 0x80, 0xce][Math.floor(rnd() * 6)]!;
  }
  return Uint8Array.from(b);
}

function randomBytes(rnd: () => number, max: number): Uint8Array {
  const b = new Uint8Array(Math.floor(rnd() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  // Often make it look like a frame so that parsing gets past the first checks.
  if (b.length >= 7 && rnd() < 0.7) {
    b[0] = [1, 2, 3, 8][Math.floor(rnd() * 4)]!;
    b[3] = 0;
    b[4] = 0;
    if (rnd() < 0.8) b[5] = 0;
    b[6] = Math.min(b[6]!, b.length);
  }
  return b;
}

/** Feeds `bytes` in random chunks; decodes every frame; returns the error thrown, if any. */
function feed(bytes: Uint8Array, rnd: () => number, frameMax: number): unknown {
  const p = new FrameParser({ frameMax });
  try {
    let pos = 0;
    while (pos < bytes.length) {
      const n = 1 + Math.floor(rnd() * (rnd() < 0.3 ? 4 : bytes.length));
      p.push(bytes.subarray(pos, pos + n));
      pos += n;
      let f;
      while ((f = p.next())) {
        if (f.type === 1) decodeMethod(registry, f.payload);
        else if (f.type === 2) decodeContentHeader(registry, f.payload);
      }
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

// CPU-bound: seconds on an idle machine, several times that on the shared 2-core CI box.
describe('fuzz', { timeout: 120_000 }, () => {
  it('120,000 random and mutated frame streams: only DecodeErrors', () => {
    const rnd = prng(SEED);
    const seed = seedStream();
    expect(feed(seed, rnd, 4096)).toBeUndefined(); // the seed itself is valid
    let errors = 0;
    for (let i = 0; i < 120_000; i++) {
      const bytes = i % 2 === 0 ? mutate(seed, rnd) : randomBytes(rnd, 64);
      const frameMax = rnd() < 0.5 ? 4096 : 9 + Math.floor(rnd() * 200);
      const e = feed(bytes, rnd, frameMax);
      if (e !== undefined) {
        errors++;
        if (!(e instanceof DecodeError)) throw new Error(`case ${i} (seed ${SEED}): ${String(e)}`, { cause: e });
      }
    }
    expect(errors).toBeGreaterThan(10_000); // the fuzzer does reach the error paths
  });

  it('40,000 random and mutated tables through readTable: only DecodeErrors', () => {
    const rnd = prng(SEED + 1);
    const seeds = tableVectors.map((v) => v.hex);
    let ok = 0;
    for (let i = 0; i < 40_000; i++) {
      const bytes = i % 2 === 0 ? mutate(seeds[i % seeds.length]!, rnd) : randomBytes(rnd, 48);
      if (i % 2 === 1 && bytes.length >= 4) {
        bytes[0] = 0;
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = Math.min(bytes.length - 4, Math.floor(rnd() * 64));
      }
      try {
        readTable(new Reader(bytes));
        ok++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`table case ${i} (seed ${SEED + 1}): ${String(e)}`, { cause: e });
      }
    }
    expect(ok).toBeGreaterThan(1000); // and reaches the success paths too
  });
});
