/**
 * Channels on one real connection: a soft error closes only its channel, thousands of channels
 * opened and closed with ids reused within channel_max, the limit as a clear error, and calls
 * abandoned by AbortSignal or timeout with the channel usable afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelClosedError, NotFoundError, OperationAbortedError, connect, type Channel, type Connection } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
async function track(c: Promise<Connection>): Promise<Connection> {
  const conn = await c;
  open.push(conn);
  return conn;
}

describe('channels', () => {
  it('a soft error (passive declare of a missing queue) closes only that channel', async () => {
    const conn = await track(connect(amqpUrl()));
    const [bad, good] = await Promise.all([conn.channel(), conn.channel()]);
    const closed = nextEvent<[Error | undefined]>(bad, 'close');
    const missing = uniqueName('missing');
    const e = await bad.call('queue.declare', { queue: missing, passive: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ replyCode: 404, method: 'queue.declare', classId: 50, methodId: 10, severity: 'soft' });
    expect((e as Error).message).toContain(missing);
    expect((await closed)[0]).toBe(e);
    expect(bad.isOpen).toBe(false);
    expect(bad.closeReason).toBe(e);
    await expect(bad.queueDeclare('')).rejects.toBeInstanceOf(ChannelClosedError);

    const q = await good.queueDeclare('', { exclusive: true });
    expect(q.queue).toMatch(/^amq\.gen-/);
    const again = await conn.channel();
    expect((await again.checkQueue(q.queue)).queue).toBe(q.queue);
    expect(conn.isOpen).toBe(true);
  });

  it('2,000 channels opened and closed on one connection, ids reused within channel_max', async () => {
    const conn = await track(connect(`${amqpUrl()}?channel_max=64`));
    expect(conn.tune.channelMax).toBe(64);
    const ids = new Set<number>();
    for (let round = 0; round < 50; round++) {
      const chans = await Promise.all(Array.from({ length: 40 }, () => conn.channel()));
      for (const ch of chans) {
        ids.add(ch.id);
        expect(ch.id).toBeGreaterThanOrEqual(1);
        expect(ch.id).toBeLessThanOrEqual(64);
      }
      await Promise.all(chans.map((ch) => ch.close()));
    }
    expect(ids.size).toBe(64);
    const ch = await conn.channel();
    await ch.prefetch(1);
    expect(conn.isOpen).toBe(true);
  });

  it('2,000 channels open at once within the default channel_max 2047', async () => {
    const conn = await track(connect(amqpUrl()));
    const chans = await Promise.all(Array.from({ length: 2000 }, () => conn.channel()));
    expect(new Set(chans.map((c) => c.id)).size).toBe(2000);
    expect(Math.max(...chans.map((c) => c.id))).toBeLessThanOrEqual(2047);
    await Promise.all(chans.map((c) => c.close()));
    const ch = await conn.channel();
    await ch.prefetch(1);
  });

  it('more than channel_max channels: a clear error, the connection stays usable', async () => {
    const conn = await track(connect(`${amqpUrl()}?channel_max=5`));
    const chans = await Promise.all(Array.from({ length: 5 }, () => conn.channel()));
    const e = await conn.channel().catch((x: unknown) => x);
    expect((e as Error).name).toBe('ChannelLimitError');
    expect((e as Error).message).toMatch(/all 5 channels .*channel_max.* in use/);
    await chans[0]!.close();
    const next = await conn.channel();
    expect(next.id).toBe(chans[0]!.id);
    await next.prefetch(1);
  });

  describe('abandoned calls', () => {
    async function usable(ch: Channel): Promise<void> {
      const q = await ch.queueDeclare('', { exclusive: true });
      expect(q.queue).toMatch(/^amq\.gen-/);
    }

    it('by AbortSignal: OperationAbortedError, and the channel answers the next call correctly', async () => {
      const conn = await track(connect(amqpUrl()));
      const ch = await conn.channel();
      const ac = new AbortController();
      const p = ch.call('queue.declare', { queue: '', exclusive: true }, { signal: ac.signal });
      ac.abort(new Error('changed my mind'));
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OperationAbortedError);
      expect((e as Error).cause).toEqual(new Error('changed my mind'));
      // The abandoned declare-ok still arrives; it must not be taken for the next call's answer.
      const named = uniqueName('after-abort');
      const ok = await ch.call('queue.declare', { queue: named, exclusive: true });
      expect(ok.queue).toBe(named);
      await usable(ch);
    });

    it('already aborted: rejects without sending', async () => {
      const conn = await track(connect(amqpUrl()));
      const ch = await conn.channel();
      await expect(ch.call('basic.qos', { prefetchCount: 1 }, { signal: AbortSignal.abort() })).rejects.toThrow();
      await usable(ch);
    });

    it('by timeout: OperationAbortedError, channel still usable', async () => {
      const conn = await track(connect(amqpUrl()));
      const ch = await conn.channel();
      // Queue several calls so the last cannot be answered within 1 ms.
      const calls = Array.from({ length: 20 }, () => ch.call('queue.declare', { queue: '', exclusive: true }));
      const late = ch.call('queue.declare', { queue: '', exclusive: true }, { timeout: 1 });
      const e = await late.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OperationAbortedError);
      expect((await Promise.all(calls)).every((r) => r.queue.startsWith('amq.gen-'))).toBe(true);
      const named = uniqueName('after-timeout');
      expect((await ch.call('queue.declare', { queue: named, exclusive: true })).queue).toBe(named);
    });
  });
});
