import { describe, expect, it } from 'vitest';
import { Consumer, ConsumerCancelledError, type ConsumerOwner } from '../../../runtime/client/consumer.js';
import { Message, type MessageOwner } from '../../../runtime/client/message.js';

const settleLog: string[] = [];
const messageOwner: MessageOwner = {
  settle: (m, how) => {
    m.checkSettle(); // as Channel.settle does
    m.settled = true;
    settleLog.push(`${how} ${m.deliveryTag}`);
    return true;
  },
  isStale: () => false,
  reply: async () => undefined,
};
const msg = (tag: number, text = String(tag)) =>
  new Message(messageOwner, { deliveryTag: tag, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'c', messageCount: undefined, needsAck: true }, {}, new TextEncoder().encode(text));

function owner() {
  const log: string[] = [];
  const o: ConsumerOwner = {
    cancelConsumer: async (c) => void log.push(`cancel ${c.tag}`),
    requeue: (ms) => void log.push(`requeue ${ms.map((m) => m.deliveryTag).join(',')}`),
  };
  return { o, log };
}

describe('Consumer', () => {
  it('a next() made while one waits shares its result, so an abandoned next() cannot swallow a delivery', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q');
    c.tag = 'c';
    const it = c[Symbol.asyncIterator]();
    const abandoned = it.next(); // e.g. raced against a timer that won
    const again = it.next();
    c.push(msg(1));
    c.push(msg(2));
    c.push(msg(3));
    expect((await again).value?.deliveryTag).toBe(1);
    expect((await abandoned).value?.deliveryTag).toBe(1); // the same delivery, not a lost one
    expect((await it.next()).value?.deliveryTag).toBe(2);
    expect((await it.next()).value?.deliveryTag).toBe(3);
  });

  it('receive(): a timeout resolves null and takes nothing; the next delivery waits for the next call', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q');
    expect(await c.receive({ timeout: 1 })).toBeNull();
    c.push(msg(1));
    expect((await c.receive({ timeout: 1 }))?.deliveryTag).toBe(1);
    const ac = new AbortController();
    const aborted = c.receive({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toMatchObject({ name: 'OperationAbortedError' });
    c.push(msg(2)); // nobody waits: buffered, not given to the aborted receive
    expect((await c.receive())?.deliveryTag).toBe(2);
    // Served and timed out in the same turn: the delivery wins, exactly once.
    const served = c.receive({ timeout: 0 });
    c.push(msg(3));
    await new Promise((r) => setTimeout(r, 5));
    expect((await served)?.deliveryTag).toBe(3);
    expect(await c.receive({ timeout: 1 })).toBeNull();
  });

  it('a broker cancel: buffered messages first, then the iterator throws; waiting next() calls reject', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q');
    const it = c[Symbol.asyncIterator]();
    c.push(msg(1));
    c.end(new ConsumerCancelledError('c'));
    expect((await it.next()).value?.deliveryTag).toBe(1);
    await expect(it.next()).rejects.toBeInstanceOf(ConsumerCancelledError);

    const c2 = new Consumer(o, 'q');
    const it2 = c2[Symbol.asyncIterator]();
    const pending = [it2.next(), it2.next()];
    c2.end(new ConsumerCancelledError('c2'));
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(ConsumerCancelledError);
  });

  it('leaving the loop cancels and requeues what was buffered but never handed out', async () => {
    const { o, log } = owner();
    const c = new Consumer(o, 'q');
    c.tag = 'ctag';
    for (const t of [1, 2, 3]) c.push(msg(t));
    for await (const m of c) {
      expect(m.deliveryTag).toBe(1);
      break;
    }
    expect(log).toEqual(['cancel ctag', 'requeue 2,3']);
    expect(c.isEnded).toBe(true);
  });

  it('a callback consumer cannot be iterated; a throwing callback is settled by policy and emitted, never uncaught', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q', () => {
      throw new Error('handler bug');
    });
    expect(() => c[Symbol.asyncIterator]()).toThrow(TypeError);
    const errors: unknown[] = [];
    const uncaught: unknown[] = [];
    c.on('handlerError', (e) => errors.push(e));
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    process.prependListener('unhandledRejection', onUncaught);
    settleLog.length = 0;
    try {
      expect(() => c.push(msg(1))).not.toThrow();
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    expect(errors).toEqual([new Error('handler bug')]);
    expect(uncaught).toEqual([]);
    expect(settleLog).toEqual(['reject 1']);
  });

  it('callback concurrency: at most N handlers at once, started in delivery order; close() waits for them', async () => {
    const { o, log } = owner();
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const release: (() => void)[] = [];
    const c = new Consumer(o, 'q', async (m) => {
      started.push(Number(m.deliveryTag));
      most = Math.max(most, ++running);
      await new Promise<void>((r) => release.push(r));
      running--;
    }, { concurrency: 2 });
    c.tag = 'ct';
    for (const t of [1, 2, 3, 4]) c.push(msg(t));
    expect(started).toEqual([1, 2]);
    release.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([1, 2, 3]);
    let closed = false;
    const closing = c.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['cancel ct', 'requeue 4']); // never started: requeued
    expect(closed).toBe(false); // 2 and 3 still running
    while (release.length) release.shift()!();
    await closing;
    expect(most).toBe(2);
    expect(started).toEqual([1, 2, 3]);
  });
});

describe('Message', () => {
  it('text() honours contentEncoding unless told otherwise; json(); settle once', () => {
    const latin = new Message(messageOwner, { deliveryTag: 9, redelivered: true, exchange: 'x', routingKey: 'k', consumerTag: undefined, messageCount: 0, needsAck: true }, { contentEncoding: 'latin1' }, new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    expect(latin.text()).toBe('café');
    expect(latin.text('utf-8')).not.toBe('café');
    expect(msg(1, '{"a":[1]}').json()).toEqual({ a: [1] });
    latin.ack();
    expect(() => latin.reject()).toThrow(/already settled/);
  });
});
