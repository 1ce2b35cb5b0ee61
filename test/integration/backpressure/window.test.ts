/**
 * `maxUnconfirmed` is a cap on what is on the wire: reading the connection's own bytes (the
 * `warren:bytes-out` / `warren:bytes-in` diagnostics channels, parsed with warren/codec), never
 * more than that many basic.publish frames are written on the channel without their basic.ack
 * having been read, however many publishes the application starts at once; the rest wait, in
 * order, and are all confirmed.
 */
import { expect, it } from 'vitest';
import { decodeMethod, FrameParser, registry } from 'warren/codec';
import { diagnostics } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { cleanup, connection } from '../retry/fixture.js';

const AMQP = [0x41, 0x4d, 0x51, 0x50];

/** Parses a byte stream from the diagnostics channel into method frames. */
function methods(onMethod: (channel: number, kind: string, m: Record<string, unknown>) => void): (message: unknown) => void {
  const parser = new FrameParser({ frameMax: 0 });
  let first = true;
  return (message) => {
    let bytes = (message as { bytes: Uint8Array }).bytes;
    if (first && AMQP.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(8);
    first = false;
    parser.push(bytes.slice()); // the read buffer is reused after the call
    for (let f = parser.next(); f; f = parser.next()) {
      if (f.type !== 1) continue;
      const m = decodeMethod(registry, f.payload) as unknown as Record<string, unknown> & { kind: string };
      onMethod(f.channel, m.kind, m);
    }
  };
}

for (const [cap, given] of [[1, 1], [16, 16], [128, undefined]] as const) {
  it(`maxUnconfirmed ${given ?? 'not given (the default, 128)'}: never more publishes on the wire than that without their confirm`, async () => {
    const conn = await connection();
    const ch = await conn.channel();
    await ch.confirmSelect(given === undefined ? {} : { maxUnconfirmed: given });
    const queue = uniqueName('window');
    cleanup({ queues: [queue] });
    await ch.queueDeclare(queue, { durable: false, exclusive: true });
    let published = 0;
    const confirmed = new Set<number>();
    let through = 0; // every tag up to this one is confirmed
    let most = 0;
    const out = methods((channel, kind) => {
      if (channel !== ch.id || kind !== 'basic.publish') return;
      published += 1;
      most = Math.max(most, published - through - confirmed.size);
    });
    const inbound = methods((channel, kind, m) => {
      if (channel !== ch.id || (kind !== 'basic.ack' && kind !== 'basic.nack')) return;
      const tag = Number(m.deliveryTag);
      if (m.multiple) {
        through = Math.max(through, tag);
        for (const t of confirmed) if (t <= through) confirmed.delete(t);
      } else if (tag > through) confirmed.add(tag);
      while (confirmed.delete(through + 1)) through += 1;
    });
    diagnostics.bytesOut.subscribe(out);
    diagnostics.bytesIn.subscribe(inbound);
    const n = cap === 1 ? 300 : 2000; // one round trip per publish at cap 1
    let seenAbove = 0;
    try {
      const all = Array.from({ length: n }, (_, i) => {
        const p = ch.sendToQueue(queue, `m${i}`);
        if (ch.unconfirmed > cap) seenAbove += 1;
        return p;
      });
      await Promise.all(all);
    } finally {
      diagnostics.bytesOut.unsubscribe(out);
      diagnostics.bytesIn.unsubscribe(inbound);
    }
    expect(published).toBe(n);
    expect(most).toBeLessThanOrEqual(cap);
    expect(most).toBe(cap); // and the window is used: 2,000 publishes started at once fill it
    expect(seenAbove).toBe(0);
    expect((await ch.checkQueue(queue)).messageCount).toBe(n);
    const first = await ch.get(queue, { noAck: true });
    expect(first?.text()).toBe('m0');
  }, 60_000);
}
