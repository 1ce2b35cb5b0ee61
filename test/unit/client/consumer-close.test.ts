// consumer.close()'s bounded wait (issue 20 item 10): a handler that never settles no longer
// holds close() for ever. Fake timers: the default is checked without waiting 30 s.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Consumer, type ConsumerOwner } from '../../../runtime/client/consumer.js';
import { drainThenClose, type DrainableChannel } from '../../../runtime/client/shutdown.js';
import { Message, type MessageOwner } from '../../../runtime/client/message.js';
import { ConsumerCloseTimeoutError, isConsumerCloseTimeoutError } from 'warren';

const messageOwner: MessageOwner = {
  settle: (m) => {
    m.settled = true;
    return true;
  },
  isStale: () => false,
  reply: async () => undefined,
};
const msg = (tag: number) =>
  new Message(messageOwner, { deliveryTag: tag, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'c', messageCount: undefined, needsAck: true }, {}, new Uint8Array(0));

function owner() {
  const log: string[] = [];
  const o: ConsumerOwner = {
    cancelConsumer: async () => void log.push('cancel'),
    requeue: (ms) => void log.push(`requeue ${ms.map((m) => m.deliveryTag).join(',')}`),
    flushAcks: () => void log.push('flush'),
  };
  return { o, log };
}

afterEach(() => void vi.useRealTimers());

describe('consumer.close({ timeout })', () => {
  it('by default gives up after 30,000 ms with ConsumerCloseTimeoutError, leaving the handler running and its message unsettled', async () => {
    vi.useFakeTimers();
    const { o, log } = owner();
    const c = new Consumer(o, 'q', () => new Promise(() => undefined)); // never settles
    const m = msg(1);
    c.push(m);
    expect(c.inFlight).toBe(1);
    let outcome: unknown;
    c.close().then(
      () => (outcome = 'resolved'),
      (e: unknown) => (outcome = e),
    );
    await vi.advanceTimersByTimeAsync(29_999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBeInstanceOf(ConsumerCloseTimeoutError);
    expect(isConsumerCloseTimeoutError(outcome)).toBe(true);
    expect(outcome).toMatchObject({ handlersRunning: 1 });
    expect((outcome as Error).message).toMatch(/1 handler\(s\) still running after 30000 ms/);
    expect(log).toEqual(['cancel', 'flush']); // cancelled at the broker; acks made so far sent
    expect(m.settled).toBe(false); // not requeued or rejected by warren: the broker requeues it with the channel
    expect(c.isEnded).toBe(true);
  });

  it('resolves when the handlers finish within the timeout; each call waits its own timeout for the same drain', async () => {
    vi.useFakeTimers();
    const { o, log } = owner();
    let finish!: () => void;
    const c = new Consumer(o, 'q', (m) => new Promise<void>((resolve) => (finish = () => (m.ack(), resolve()))));
    c.push(msg(1));
    const short = c.close({ timeout: 100 });
    const long = c.close({ timeout: 10_000 });
    const shortFailed = expect(short).rejects.toBeInstanceOf(ConsumerCloseTimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await shortFailed;
    finish();
    await expect(long).resolves.toBeUndefined();
    expect(log.filter((l) => l === 'cancel')).toHaveLength(1); // one drain
    expect(vi.getTimerCount()).toBe(0); // the long wait's timer cleared
  });

  it('timeout: Infinity sets no timer; bad values are a RangeError before anything is sent', async () => {
    vi.useFakeTimers();
    const { o, log } = owner();
    const c = new Consumer(o, 'q', () => new Promise(() => undefined));
    c.push(msg(1));
    for (const timeout of [-1, Number.NaN, 2 ** 31, '5' as unknown as number]) {
      expect(() => c.close({ timeout })).toThrow(RangeError);
    }
    expect(log).toEqual([]);
    void c.close({ timeout: Infinity });
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(log).toEqual(['cancel']);
  });

  it("connection.close({ drain }) gives each consumer its deadline, and one that gave up means drained: false", async () => {
    const seen: unknown[] = [];
    const consumer = {
      inFlight: 1,
      close: (options?: { timeout?: number }) => (seen.push(options), Promise.reject(new ConsumerCloseTimeoutError(options?.timeout ?? 0, 1))),
    };
    const channel: DrainableChannel = { isOpen: true, unconfirmed: 0, waitingPublishes: 0, consumers: new Map([['c', consumer]]) };
    let closed = false;
    // The deadline is long: the report comes from the consumer giving up, not from the deadline.
    const report = await drainThenClose([channel], async () => void (closed = true), { drain: true, deadline: 2 ** 31 - 1 });
    expect(seen).toEqual([{ timeout: 2 ** 31 - 1 }]);
    expect(report).toMatchObject({ drained: false, consumers: 1, handlersRunning: 1 });
    expect(closed).toBe(true);
  });
});
