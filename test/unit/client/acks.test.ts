import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckBatcher, type Settle } from '../../../runtime/client/acks.js';

function batcher() {
  const sent: Settle[] = [];
  const b = new AckBatcher((m) => sent.push(m));
  return { b, sent, wire: () => sent.map((m) => `${m.kind.slice(6)} ${m.deliveryTag}${'multiple' in m && m.multiple ? ' m' : ''}`) };
}

describe('AckBatcher', () => {
  it('holds an in-order run and sends it as one multiple ack on flush', () => {
    const { b, wire } = batcher();
    for (let t = 1; t <= 5; t++) b.ack(t, false);
    expect(wire()).toEqual([]);
    expect(b.pending).toBe(true);
    b.flush();
    expect(wire()).toEqual(['ack 5 m']);
    b.ack(6, false);
    b.flush();
    expect(wire()).toEqual(['ack 5 m', 'ack 6']);
    b.flush();
    expect(wire()).toHaveLength(2);
  });

  it('keeps the order of the application: a nack flushes the held run first; out-of-order acks go as they are', () => {
    const { b, wire } = batcher();
    b.ack(1, false);
    b.ack(2, false);
    b.nack(4, false, true);
    b.ack(3, false);
    b.ack(6, false);
    b.ack(5, false);
    b.flush();
    expect(wire()).toEqual(['ack 2 m', 'nack 4', 'ack 3', 'ack 6', 'ack 5']);
  });

  it('no-ack tags (skip) let the run go on past them and leave nothing behind', () => {
    const { b, wire } = batcher();
    b.skip(1);
    b.ack(2, false);
    b.skip(3);
    b.ack(4, false);
    b.flush();
    expect(wire()).toEqual(['ack 4 m']);
    for (let t = 5; t < 1000; t += 2) {
      b.skip(t + 1); // arrives before the ack of t: still absorbed
      b.ack(t, false);
    }
    b.flush();
    expect(b.isSettled(999)).toBe(true);
    expect(b.isSettled(1001)).toBe(false);
  });

  it('isSettled sees multiple settlements and out-of-order ones', () => {
    const { b } = batcher();
    b.ack(3, true);
    expect([1, 2, 3].every((t) => b.isSettled(t))).toBe(true);
    b.reject(7, false);
    expect(b.isSettled(7)).toBe(true);
    expect(b.isSettled(5)).toBe(false);
  });

  // A model of RabbitMQ's side: a single settlement must name an outstanding tag (else 406
  // PRECONDITION_FAILED "unknown delivery tag"); a multiple one settles every outstanding tag up to
  // it. Whatever the application does, each tag it settles is settled on the broker exactly as
  // asked, nothing it did not settle is, and nothing ever makes the broker close the channel.
  it('property: the broker ends with exactly the unsettled deliveries outstanding, without a 406', () => {
    type Op = { kind: 'deliver'; noAck: boolean } | { kind: 'settle'; pick: number; how: 'ack' | 'nack' | 'reject'; multiple: boolean } | { kind: 'flush' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('deliver' as const), noAck: fc.boolean() }),
      fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(1000), how: fc.constantFrom('ack' as const, 'nack' as const, 'reject' as const), multiple: fc.boolean() }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const outstanding = new Set<number>();
        const needsAck = new Set<number>(); // as the application sees it
        const b = new AckBatcher((m) => {
          const tag = Number(m.deliveryTag);
          if (!outstanding.has(tag)) throw new Error(`406: unknown delivery tag ${tag} in ${m.kind}`);
          if ('multiple' in m && m.multiple) for (const t of outstanding) if (t <= tag) outstanding.delete(t);
          outstanding.delete(tag);
        });
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'deliver') {
            const tag = next++;
            if (o.noAck) b.skip(tag);
            else {
              outstanding.add(tag);
              needsAck.add(tag);
            }
          } else if (o.kind === 'flush') b.flush();
          else {
            const candidates = [...needsAck];
            if (candidates.length === 0) continue;
            const tag = candidates[o.pick % candidates.length]!;
            if (b.isSettled(tag)) continue;
            const multiple = o.how !== 'reject' && o.multiple;
            if (o.how === 'ack') b.ack(tag, multiple);
            else if (o.how === 'nack') b.nack(tag, multiple, false);
            else b.reject(tag, false);
            if (multiple) for (const t of needsAck) if (t <= tag) needsAck.delete(t);
            needsAck.delete(tag);
          }
        }
        b.flush();
        expect([...outstanding].sort((x, y) => x - y)).toEqual([...needsAck].sort((x, y) => x - y));
      }),
      { numRuns: 500 },
    );
  });
});
