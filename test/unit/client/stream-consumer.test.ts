// The stream consumer's bookkeeping without a broker: offsets a stored one says were processed,
// and what offsetStore.load may return.
import { describe, expect, it } from 'vitest';
import { StreamConsumeError, type Channel, type Message } from 'warren';
import { consumeStream, StreamConsumer } from '../../../runtime/client/rabbitmq/stream-consumer.js';

/** A delivery as admit() sees it: headers, and ack() telling the tracker as Message.ack does. */
function delivery(offset: number): Message {
  const m = {
    properties: { headers: { 'x-stream-offset': offset } },
    onSettled: undefined as ((multiple: boolean) => void) | undefined,
    streamDelivery: false,
    ack() {
      m.onSettled?.(false);
      return true;
    },
  };
  return m as unknown as Message;
}

describe('StreamConsumer', () => {
  it('processedOffset never goes back below the stored offset (deliveries before the start are dropped, not regressed to)', () => {
    const saved: (number | bigint)[] = [];
    const s = new StreamConsumer('s', { filter: undefined, matchUnfiltered: false, store: { save: (o) => void saved.push(o) }, from: 11n, processed: 10, onStoreError: () => undefined });
    // A broker that starts at the chunk holding offset 11, which begins at 8.
    for (const o of [8, 9, 10]) expect(s.admit(delivery(o))).toBe(false);
    expect(s.processedOffset).toBe(10);
    const m = delivery(11);
    expect(s.admit(m)).toBe(true);
    m.ack();
    expect(s.processedOffset).toBe(11);
    expect(saved).toEqual([11]);
  });
});

describe('consumeStream and offsetStore.load', () => {
  it('an invalid stored offset is a StreamConsumeError, before anything is sent', async () => {
    const channel = {} as Channel; // nothing may be sent
    for (const bad of [1.5, -2, Number.NaN, 'abc', {}]) {
      await expect(consumeStream(channel, 's', { offsetStore: { load: () => bad as number, save: () => undefined } })).rejects.toBeInstanceOf(StreamConsumeError);
    }
  });
});
