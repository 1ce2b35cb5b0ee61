/**
 * Retry policies and plans without a broker: backoff arithmetic, native delayed-retry options
 * and RabbitMQ 4.3's delay formula, the TTL ladder's entities and attempt counting from x-death.
 */
import { describe, expect, it } from 'vitest';
import { Binding, delayedRetryArguments, delaysOf, exponentialBackoff, fixedDelays, nativeRetry, nativeRetryDelay, Queue, retryPlan, retryTiers } from 'warren';

describe('backoff policies', () => {
  it('exponential: initial × factor^(n−1), capped, limited; jitter takes a random fraction off', () => {
    const p = exponentialBackoff({ initial: 1000, factor: 10, max: 60_000, limit: 4 });
    expect(delaysOf(p)).toEqual([1000, 10_000, 60_000, 60_000]);
    expect(p.delayFor(0)).toBeUndefined();
    expect(p.delayFor(5)).toBeUndefined();
    const j = exponentialBackoff({ initial: 1000, factor: 2, jitter: 0.5, random: () => 1 - Number.EPSILON });
    expect(j.delayFor(2)).toBe(1000);
    expect(exponentialBackoff({ initial: 1000, jitter: 0.5, random: () => 0 }).delayFor(1)).toBe(1000);
    expect(() => exponentialBackoff({ initial: 0 })).toThrow(RangeError);
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow(RangeError);
    expect(() => exponentialBackoff({ jitter: 2 })).toThrow(RangeError);
  });

  it('fixed delays: one retry each', () => {
    expect(delaysOf(fixedDelays([5, 7]))).toEqual([5, 7]);
    expect(() => fixedDelays([1000, 1.5])).toThrow(/delays\[1\]/);
  });
});

describe('native delayed retry (RabbitMQ 4.3)', () => {
  it('arguments, checked for what the broker would silently ignore', () => {
    expect(delayedRetryArguments({ type: 'failed', min: 1000, max: 5000 })).toEqual({ 'x-delayed-retry-type': 'failed', 'x-delayed-retry-min': 1000, 'x-delayed-retry-max': 5000 });
    expect(delayedRetryArguments({ type: 'disabled' })).toEqual({ 'x-delayed-retry-type': 'disabled' });
    expect(() => delayedRetryArguments({ type: 'all' })).toThrow(/min: is required/);
    expect(() => delayedRetryArguments({ type: 'all', min: 1000, max: 10 })).toThrow(/must not be smaller than min/);
    expect(() => delayedRetryArguments({ type: 'sometimes' as 'all', min: 1 })).toThrow(/must be one of/);
    expect(() => delayedRetryArguments({ type: 'all', min: 0 })).toThrow(/positive integer/);
    expect(() => delayedRetryArguments({ type: 'disabled', min: 5 })).toThrow(/no effect/);
  });

  it("the broker's delay: min × max(1, delivery-count after the return), capped at max (default min)", () => {
    const o = { type: 'all', min: 300, max: 5000 } as const;
    expect(nativeRetryDelay(o, 'failed', 0)).toBe(300);
    expect(nativeRetryDelay(o, 'failed', 1)).toBe(600);
    expect(nativeRetryDelay(o, 'returned', 0)).toBe(300);
    expect(nativeRetryDelay(o, 'returned', 2)).toBe(600); // a nack leaves the count as it is
    expect(nativeRetryDelay(o, 'failed', 99)).toBe(5000);
    expect(nativeRetryDelay({ type: 'failed', min: 300 }, 'failed', 6)).toBe(300);
    expect(nativeRetryDelay({ type: 'failed', min: 300 }, 'returned', 0)).toBeUndefined();
    expect(nativeRetryDelay({ type: 'returned', min: 300 }, 'failed', 0)).toBeUndefined();
  });

  it('a plan: quorum queue options, the settle outcome, dead-lettering past the limit', () => {
    const plan = nativeRetry({ min: 1000, max: 4000, limit: 3 });
    expect(plan.queueOptions).toEqual({ queueType: 'quorum', deliveryLimit: 3, delayedRetry: { type: 'failed', min: 1000, max: 4000 } });
    expect(plan.next({ deliveryCount: 0 })).toEqual({ attempt: 1, delay: 1000, outcome: 'failed' });
    expect(plan.next({ deliveryCount: 2 })).toEqual({ attempt: 3, delay: 3000, outcome: 'failed' });
    expect(plan.next({ deliveryCount: 3 })).toEqual({ deadLetter: true, outcome: 'failed' });
    expect(nativeRetry({ type: 'returned', min: 500 }).next({ deliveryCount: 7 })).toEqual({ attempt: 8, delay: 500, outcome: 'returned' });
    expect(() => nativeRetry({ min: 1000, limit: 0 })).toThrow(/limit/);
  });
});

describe('TTL retry tiers', () => {
  it('the ladder: exchanges, one TTL queue per delay re-keyed for the next, the dead-letter queue', () => {
    const plan = retryTiers('jobs', { delays: exponentialBackoff({ initial: 1000, factor: 10, limit: 3 }) });
    expect(plan.delays).toEqual([1000, 10_000, 100_000]);
    expect(plan.queueOptions).toEqual({ deadLetterExchange: 'jobs.retry' });
    const entities = plan.entities();
    const queues = entities.filter((e): e is Queue => e instanceof Queue);
    expect(queues.map((q) => [q.name, q.options.messageTtl, q.options.deadLetterExchange, q.options.deadLetterRoutingKey])).toEqual([
      ['jobs.retry.1', 1000, 'jobs.retry.return', 'jobs.retry.2'],
      ['jobs.retry.2', 10_000, 'jobs.retry.return', 'jobs.retry.3'],
      ['jobs.retry.3', 100_000, 'jobs.retry.return', 'jobs.dead'],
      ['jobs.dead', undefined, undefined, undefined],
    ]);
    const bindings = entities.filter((e): e is Binding => e instanceof Binding);
    expect(bindings.map((b) => `${b.source} -[${b.routingKey}]-> ${b.destination}`)).toEqual([
      'jobs.retry.first -[]-> jobs.retry.1',
      'jobs.retry -[jobs.retry.2]-> jobs.retry.2',
      'jobs.retry -[jobs.retry.3]-> jobs.retry.3',
      'jobs.retry -[jobs.dead]-> jobs.dead',
      'jobs.retry.return -[]-> jobs',
    ]);
  });

  it('attempts counted from x-death: the rejected entries of the work queue', () => {
    const plan = retryTiers('jobs', { delays: [1000, 2000] });
    const death = (queue: string, reason: string, count: number) => ({ queue, reason, count, exchange: '', routingKeys: [], time: undefined, originalExpiration: undefined });
    expect(plan.next({ deaths: [] })).toEqual({ attempt: 1, delay: 1000, outcome: 'discarded' });
    expect(plan.next({ deaths: [death('jobs.retry.1', 'expired', 1), death('jobs', 'rejected', 1)] })).toEqual({ attempt: 2, delay: 2000, outcome: 'discarded' });
    expect(plan.next({ deaths: [death('jobs', 'rejected', 2), death('other', 'rejected', 5)] })).toEqual({ deadLetter: true, outcome: 'discarded' });
    expect(() => retryTiers('')).toThrow(/work queue/);
    expect(() => retryTiers('jobs', { delays: [] })).toThrow(/at least one/);
    expect(() => retryTiers('jobs', { deadLetterQueue: 'jobs' })).toThrow(/another queue/);
  });
});

describe('retryPlan: the mechanism a queue on this broker supports', () => {
  const broker = (version: string) => {
    const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
    return { product: 'RabbitMQ', version, major, minor, patch, isRabbitMQ: true, capabilities: {} };
  };
  it('native for a quorum queue on 4.3+, TTL tiers otherwise', () => {
    const native = retryPlan(broker('4.3.6'), 'jobs', { queueType: 'quorum', delays: [1000, 5000, 20_000] });
    expect(native.kind).toBe('native');
    expect(native.queueOptions).toMatchObject({ queueType: 'quorum', deliveryLimit: 3, delayedRetry: { type: 'failed', min: 1000, max: 20_000 } });
    expect(retryPlan(broker('3.10.8'), 'jobs', { queueType: 'quorum' }).kind).toBe('tiers');
    expect(retryPlan(broker('4.3.6'), 'jobs', { queueType: 'classic' }).kind).toBe('tiers');
    expect(retryPlan(broker('4.3.6'), 'jobs', { queueType: 'quorum', preferNative: false }).kind).toBe('tiers');
    expect(retryPlan(broker('4.2.0'), 'jobs', { queueType: 'quorum' }).kind).toBe('tiers');
  });
});
