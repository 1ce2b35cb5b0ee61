// The in-memory transport pair (runtime/io/memory-transport.ts): what a socket guarantees, in
// process: order, asynchronous delivery, back-pressure, and one `closed()` per end.
import { describe, expect, it } from 'vitest';
import { memoryTransportPair, type MemoryTransport } from '../../../runtime/io/memory-transport.js';
import type { TransportSink } from '../../../runtime/io/transport.js';

class Recorder implements TransportSink {
  readonly events: string[] = [];
  readonly bytes: number[] = [];
  data(chunk: Uint8Array): void {
    this.events.push(`data ${chunk.length}`);
    this.bytes.push(...chunk);
  }
  drain(): void {
    this.events.push('drain');
  }
  error(e: Error): void {
    this.events.push(`error ${e.message}`);
  }
  closed(): void {
    this.events.push('closed');
  }
}

function pair(highWaterMark?: number): { a: MemoryTransport; b: MemoryTransport; ra: Recorder; rb: Recorder } {
  const [a, b] = memoryTransportPair(highWaterMark === undefined ? {} : { highWaterMark });
  const ra = new Recorder();
  const rb = new Recorder();
  a.start(ra);
  b.start(rb);
  return { a, b, ra, rb };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('memoryTransportPair', () => {
  it("delivers one end's writes to the other, in order, never inside write()", async () => {
    const { a, rb } = pair();
    a.write(Uint8Array.of(1, 2));
    a.write(Uint8Array.of(3));
    expect(rb.events).toEqual([]);
    await tick();
    expect(rb.bytes).toEqual([1, 2, 3]);
  });

  it('copies what it is given and calls `written` once delivered (the writer may then wipe it)', async () => {
    const { a, rb } = pair();
    const secret = Uint8Array.of(9, 9, 9);
    let written = false;
    a.write(secret, () => {
      written = true;
      secret.fill(0);
    });
    expect(written).toBe(false);
    await tick();
    expect(written).toBe(true);
    expect(rb.bytes).toEqual([9, 9, 9]);
  });

  it('keeps what arrives before start() and hands it over on start()', async () => {
    const [a, b] = memoryTransportPair();
    a.start(new Recorder());
    a.write(Uint8Array.of(7));
    await tick();
    const rb = new Recorder();
    b.start(rb);
    expect(rb.bytes).toEqual([7]);
  });

  it('signals back-pressure while the reader does not read, and drain once it does', async () => {
    const { a, b, ra, rb } = pair(4);
    b.pause();
    a.write(new Uint8Array(3));
    expect(a.needsDrain).toBe(false);
    a.write(new Uint8Array(3));
    expect(a.needsDrain).toBe(true);
    await tick();
    expect(rb.events).toEqual([]);
    expect(a.needsDrain).toBe(true);
    expect(a.pendingBytes).toBe(6);
    b.resume();
    await tick();
    expect(rb.bytes.length).toBe(6);
    expect(a.needsDrain).toBe(false);
    expect(ra.events).toEqual(['drain']);
  });

  it('end() delivers the pending writes, then both ends hear closed() once', async () => {
    const { a, ra, rb } = pair();
    a.write(Uint8Array.of(1));
    a.end();
    a.write(Uint8Array.of(2)); // after end: dropped, as a socket would
    a.end();
    await tick();
    expect(rb.events).toEqual(['data 1', 'closed']);
    expect(ra.events).toEqual(['closed']);
    expect(a.isClosed && a.peer.isClosed).toBe(true);
  });

  it('destroy() drops the pending writes and closes both ends, later', async () => {
    const { a, ra, rb } = pair();
    a.write(Uint8Array.of(1));
    a.destroy();
    expect(ra.events).toEqual([]);
    await tick();
    expect(ra.events).toEqual(['closed']);
    expect(rb.events).toEqual(['closed']);
  });

  it('fail() is a reset: error then closed on this end, closed on the other', async () => {
    const { a, b, ra, rb } = pair();
    b.write(Uint8Array.of(5));
    await tick();
    a.fail(new Error('ECONNRESET'));
    b.write(Uint8Array.of(6)); // the other end's writes after the reset go nowhere
    await tick();
    expect(ra.events).toEqual(['data 1', 'error ECONNRESET', 'closed']);
    expect(rb.events).toEqual(['closed']);
  });
});
