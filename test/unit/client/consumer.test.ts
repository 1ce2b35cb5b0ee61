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
  it('serves concurrent next() calls in order, then the buffer', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q');
    c.tag = 'c';
    const it = c[Symbol.asyncIterator]();
    const waiting = [it.next(), it.next()];
    c.push(msg(1));
    c.push(msg(2));
    c.push(msg(3));
    expect((await Promise.all(waiting)).map((r) => r.value?.deliveryTag)).toEqual([1, 2]);
    expect((await it.next()).value?.deliveryTag).toBe(3);
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

  it('a callback consumer cannot be iterated; a throwing callback does not throw into the caller', async () => {
    const { o } = owner();
    const c = new Consumer(o, 'q', () => {
      throw new Error('handler bug');
    });
    expect(() => c[Symbol.asyncIterator]()).toThrow(TypeError);
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      expect(() => c.push(msg(1))).not.toThrow();
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(errors).toEqual([new Error('handler bug')]);
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
