/**
 * A server that breaks the rules never crashes the client: a connection.tune outside the spec's
 * limits is answered with connection.close 502 and a typed error; a content header announcing a
 * huge body costs memory only as the body's bytes arrive, and one over maxBodySize (or over what
 * can be allocated) closes its channel with 311. Nothing throws out of receive().
 */
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { FrameParser } from '../../../runtime/frame/index.js';
import { growBody } from '../../../runtime/protocol/channel-frames.js';
import { DEFAULT_MAX_BODY_SIZE } from '../../../runtime/protocol/connection.js';
import { AmqpSyntaxError, ContentTooLargeError } from '../../../generated/errors.js';
import { ScriptedPeer } from '../../helpers/scripted-peer.js';

const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const deliver = m('basic.deliver', { consumerTag: 'ct', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' });

/** Start and start-ok done; the next server frame is connection.tune. */
function awaitingTune(): ScriptedPeer {
  const peer = new ScriptedPeer();
  peer.core.start(peer.now);
  peer.feed(peer.start());
  peer.take();
  return peer;
}

describe('connection.tune that breaks the rules', () => {
  for (const frameMax of [1, 7, 8, 9, 100, 4095]) {
    it(`frame_max ${frameMax}: connection.close 502 naming connection.tune, typed error at once`, () => {
      const peer = awaitingTune();
      expect(() => peer.feed(peer.tune(2047, frameMax, 60))).not.toThrow();
      const [close, ...rest] = peer.takeMethods();
      expect(rest).toEqual([]); // no tune-ok, no open
      expect(close).toMatchObject({ kind: 'connection.close', replyCode: 502, classId: 10, methodId: 30 });
      expect(peer.core.state).toBe('closing');
      const [failed] = peer.eventsOf('error');
      expect(failed!.error).toBeInstanceOf(AmqpSyntaxError);
      expect(failed!.error).toMatchObject({ replyCode: 502, method: 'connection.tune', remote: false });
      expect(failed!.error.message).toContain(`frame-max ${frameMax}`);
      // The server's close-ok ends it with the same error; nothing was ever tuned.
      peer.feed(peer.method(0, m('connection.close-ok')));
      expect(peer.eventsOf('closed')).toEqual([{ type: 'closed', error: failed!.error, destroy: false }]);
    });
  }

  it('a server that never answers the close: closeTimeout ends it', () => {
    const peer = awaitingTune();
    peer.feed(peer.tune(0, 1, 0));
    peer.advance(5_000);
    expect(peer.eventsOf('closed')).toHaveLength(1);
    expect(peer.eventsOf('closed')[0]!.error).toBeInstanceOf(AmqpSyntaxError);
  });

  for (const frameMax of [0, 4096, 8191]) {
    it(`frame_max ${frameMax} is legal: taken as the server's limit`, () => {
      const peer = new ScriptedPeer();
      const sent = peer.handshake({ frameMax });
      expect(sent.find((x) => x.kind === 'connection.tune-ok')).toMatchObject({ frameMax: frameMax === 0 ? 131072 : frameMax });
    });
  }
});

/** An open core with one open channel and a content header announcing `size` bytes on it. */
function announcing(size: number | bigint, maxBodySize?: number): { peer: ScriptedPeer; ch: number } {
  const peer = new ScriptedPeer(maxBodySize === undefined ? {} : { maxBodySize });
  peer.handshake();
  const ch = peer.openChannel();
  const header = peer.frame(2, ch, ScriptedPeer.concat(
    Uint8Array.of(0, 60, 0, 0), // class basic, weight 0
    (() => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(size)); return b; })(),
    Uint8Array.of(0, 0), // no properties
  ));
  expect(() => peer.feed(ScriptedPeer.concat(peer.method(ch, deliver), header))).not.toThrow();
  return { peer, ch };
}

describe('content headers announcing huge bodies', () => {
  it('the default limit is 128 MiB: 512 MiB - 1 is refused with 311 on its channel, the connection goes on', () => {
    expect(DEFAULT_MAX_BODY_SIZE).toBe(128 * 1024 * 1024);
    const { peer, ch } = announcing(512 * 1024 * 1024 - 1);
    expect(peer.takeMethods()).toEqual([expect.objectContaining({ kind: 'channel.close', replyCode: 311 })]);
    expect(peer.core.channelState(ch)?.state).toBe('closing');
    expect(peer.core.state).toBe('open');
  });

  it('512 MiB - 1 under a raised limit: memory follows the bytes that arrive', () => {
    const { peer, ch } = announcing(512 * 1024 * 1024 - 1, 1024 * 1024 * 1024);
    expect(peer.core.channelState(ch)?.assembly?.body).toBeUndefined(); // nothing before a body byte
    peer.feed(peer.frame(3, ch, new Uint8Array(1000).fill(1)));
    const body = peer.core.channelState(ch)!.assembly!.body!;
    expect(body.length).toBeLessThanOrEqual(1024 * 1024);
    expect(peer.takeMethods()).toEqual([]);
  });

  it('2^40 bytes with maxBodySize 2^53 - 1: no RangeError, the bytes that come are kept', () => {
    const { peer, ch } = announcing(2 ** 40, Number.MAX_SAFE_INTEGER);
    expect(() => peer.feed(peer.frame(3, ch, new Uint8Array(5000).fill(2)))).not.toThrow();
    const a = peer.core.channelState(ch)!.assembly!;
    expect(a.received).toBe(5000);
    expect(a.body!.length).toBeLessThanOrEqual(1024 * 1024);
    expect(peer.core.state).toBe('open');
  });

  it('above 2^53 (a bigint size): 311', () => {
    const { peer } = announcing(2n ** 63n, Number.MAX_SAFE_INTEGER);
    expect(peer.takeMethods()).toEqual([expect.objectContaining({ kind: 'channel.close', replyCode: 311 })]);
    const [closedWith] = peer.eventsOf('channel-closed');
    expect(closedWith).toBeUndefined(); // closing: reported when close-ok comes
  });

  it('a body buffer that cannot be allocated is refused (311 by the caller), never a RangeError', () => {
    expect(growBody(undefined, 0, 10, 2 ** 40)?.length).toBe(1024 * 1024);
    expect(growBody(undefined, 0, 10, 300)?.length).toBe(300);
    const old = new Uint8Array(1024 * 1024).fill(3);
    const next = growBody(old, 100, 1024 * 1024 + 1, 2 ** 40)!;
    expect(next.length).toBe(2 * 1024 * 1024);
    expect(next.subarray(0, 100).every((b) => b === 3)).toBe(true);
    expect(next[100]).toBe(0); // only the kept bytes are copied
    // Beyond the engine's largest typed array (2^32 on Node 20): undefined, not a throw.
    expect(growBody(undefined, 0, 2 ** 32 + 1, 2 ** 40)).toBeUndefined();
  });

  it('a body that cannot be allocated closes its channel with ContentTooLargeError', () => {
    // Drive the real path: an announced size past the engine's limit whose first body frame
    // asks for more than can be had. The frame itself is small; `need` is what overflows.
    const { peer, ch } = announcing(2 ** 40, Number.MAX_SAFE_INTEGER);
    const a = peer.core.channelState(ch)!.assembly!;
    a.received = 2 ** 32; // as if 4 GiB had arrived (the test cannot send them)
    a.body = new Uint8Array(1);
    expect(() => peer.feed(peer.frame(3, ch, new Uint8Array(10)))).not.toThrow();
    expect(peer.takeMethods()).toEqual([expect.objectContaining({ kind: 'channel.close', replyCode: 311 })]);
    peer.feed(peer.method(ch, m('channel.close-ok')));
    expect(peer.eventsOf('channel-closed')[0]!.error).toBeInstanceOf(ContentTooLargeError);
  });
});

describe('frame parser: a spanning frame costs memory as its bytes arrive', () => {
  it('a 256 MiB method frame header with no frame limit allocates nothing up front', () => {
    const p = new FrameParser({ frameMax: 0 });
    const before = process.memoryUsage().arrayBuffers;
    const head = Uint8Array.of(1, 0, 1, 0x10, 0, 0, 0, 1, 2, 3); // 256 MiB payload announced, 3 bytes of it
    p.push(head);
    expect(p.advance()).toBe(false);
    p.push(new Uint8Array(100_000));
    expect(p.advance()).toBe(false);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(p.buffered).toBe(7 + 3 + 100_000);
  });

  it('a huge spanning frame does not pin its buffer: the scratch is dropped after it (kept up to 1 MiB)', () => {
    const scratch = (p: FrameParser) => (p as unknown as { scratch: Uint8Array | null }).scratch;
    for (const [size, kept] of [[200_000, true], [2_000_000, false]] as const) {
      const p = new FrameParser({ frameMax: 0 });
      const frame = new Uint8Array(8 + size);
      frame[0] = 1;
      new DataView(frame.buffer).setUint32(3, size);
      frame[7 + size] = 0xce;
      p.push(frame.subarray(0, 100));
      expect(p.next()).toBeUndefined();
      p.push(frame.subarray(100));
      expect(p.next()?.payload.length).toBe(size);
      expect(scratch(p) !== null).toBe(kept);
    }
  });

  it('grown frames still parse whole and in pieces', () => {
    for (const piece of [1, 999, 5000, 70_000]) {
      const size = 200_000;
      const frame = new Uint8Array(8 + size);
      frame.set([1, 0, 1, 0, 3, 0x0d, 0x40]);
      for (let i = 0; i < size; i++) frame[7 + i] = i & 0xff;
      frame[7 + size] = 0xce;
      const p = new FrameParser({ frameMax: 0 });
      let got: Uint8Array | undefined;
      for (let off = 0; off < frame.length; off += piece) {
        p.push(frame.subarray(off, off + piece));
        const f = p.next();
        if (f) got = f.payload;
      }
      expect(got?.length).toBe(size);
      expect(got!.every((b, i) => b === (i & 0xff))).toBe(true);
    }
  });
});
