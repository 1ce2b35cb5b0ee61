// HandlerDispatcher (client/consumer-dispatch.ts) on its own: the direct start of a delivery
// when a slot is free must keep every guarantee of the queued path: order, the concurrency
// bound, no nesting from a handler that pushes, idle() once nothing runs.
import { describe, expect, it } from 'vitest';
import { HandlerDispatcher } from '../../../runtime/client/consumer-dispatch.js';

interface M {
  n: number;
  settled: boolean;
  requeue(): void;
  reject(): void;
}
const msg = (n: number): M => ({ n, settled: false, requeue() {}, reject() {} });

function dispatcher(handler: (m: M) => unknown, concurrency = 1): HandlerDispatcher<M> {
  return new HandlerDispatcher<M>(handler, { concurrency, policy: 'none', onError: () => {} });
}

describe('HandlerDispatcher', () => {
  it('synchronous handlers run at once, in order, and idle() is resolved after each', async () => {
    const seen: number[] = [];
    const d = dispatcher((m) => seen.push(m.n));
    for (let i = 0; i < 5; i++) d.push(msg(i));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(d.running).toBe(0);
    await d.idle();
  });

  it('a handler that pushes (re-entrant delivery) queues it behind itself instead of nesting', () => {
    const order: string[] = [];
    let depth = 0;
    const d = dispatcher((m) => {
      depth++;
      order.push(`start ${m.n} depth ${depth}`);
      if (m.n === 0) d.push(msg(1));
      order.push(`end ${m.n}`);
      depth--;
    });
    d.push(msg(0));
    expect(order).toEqual(['start 0 depth 1', 'end 0', 'start 1 depth 1', 'end 1']);
    expect(d.waiting).toBe(0);
  });

  it('with a slot busy, deliveries wait and start in order; thousands finishing synchronously do not nest', async () => {
    let release!: () => void;
    const seen: number[] = [];
    let maxDepth = 0;
    let depth = 0;
    const d = dispatcher((m) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      seen.push(m.n);
      depth--;
      if (m.n === 0) return new Promise<void>((r) => (release = r));
    });
    for (let i = 0; i < 20_000; i++) d.push(msg(i));
    expect(seen).toEqual([0]);
    expect(d.waiting).toBe(19_999);
    let idle = false;
    void d.idle().then(() => (idle = true));
    release();
    await d.idle();
    expect(idle).toBe(true);
    expect(seen).toHaveLength(20_000);
    expect(seen.every((n, i) => n === i)).toBe(true);
    expect(maxDepth).toBe(1);
  });

  it('a queue that never empties (pushes keep coming while slots free) keeps order and count', async () => {
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const d = dispatcher((m) => {
      started.push(m.n);
      return new Promise<void>((r) => releases.push(r));
    });
    let next = 0;
    for (; next < 1500; next++) d.push(msg(next));
    for (let round = 0; round < 3000; round++) {
      releases.shift()!();
      await Promise.resolve();
      await Promise.resolve();
      d.push(msg(next++));
      expect(d.waiting).toBe(next - started.length);
    }
    expect(started.every((n, i) => n === i)).toBe(true);
    expect(started.length).toBe(3001);
  });

  it('never runs more than `concurrency` at once, starting each as a slot frees', async () => {
    const releases: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const d = dispatcher((m) => {
      started.push(m.n);
      peak = Math.max(peak, ++running);
      return new Promise<void>((r) => releases.push(() => (running--, r())));
    }, 3);
    for (let i = 0; i < 7; i++) d.push(msg(i));
    expect(started).toEqual([0, 1, 2]);
    releases.shift()!();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    while (started.length < 7 || releases.length > 0) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await d.idle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it('after stop() nothing starts, directly or queued', () => {
    const seen: number[] = [];
    const d = dispatcher((m) => seen.push(m.n));
    d.push(msg(0));
    expect(d.stop()).toEqual([]);
    d.push(msg(1));
    expect(seen).toEqual([0]);
    expect(d.stop().map((m) => m.n)).toEqual([1]);
  });
});
