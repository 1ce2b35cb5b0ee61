/**
 * Regressions found in review, against the real broker; each was first demonstrated failing.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, UnroutableError } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { channel, connection, queue } from './fixture.js';

describe('review regressions (broker)', () => {
  it('the broker closing a channel while our close is in flight closes only that channel', async () => {
    const conn = await connection();
    const ch = await conn.channel();
    const published = ch.publish(uniqueName('no-such-exchange'), 'k', 'x').catch((e: unknown) => e);
    await ch.close(); // in the same write as the publish: the broker's 404 close crosses ours
    await published;
    await new Promise((r) => setTimeout(r, 200)); // the broker's close-ok for our close arrives
    expect(conn.isOpen).toBe(true);
    const other = await conn.channel();
    expect((await other.queueDeclare('', { exclusive: true })).queue).toMatch(/^amq\.gen/);
  });

  it('an ack after connection.close() throws at once, and nothing is thrown later from a flush', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const conn = await connection();
      const ch = await conn.channel();
      const q = await queue(ch, { exclusive: true });
      await ch.publish('', q, 'hello');
      const m = (await ch.get(q))!;
      const closing = conn.close();
      expect(() => m.ack()).toThrow(ConnectionClosedError);
      await closing;
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('publishes issued while confirm.select is in flight are tracked, so confirms stay matched', async () => {
    const ch = await channel();
    const q = await queue(ch, { exclusive: true });
    const selecting = ch.confirmSelect(); // not awaited yet
    const first = ch.publish('', q, 'x'); // broker confirm tag 1
    await selecting;
    await expect(first).resolves.toBeUndefined();
    const unroutable = ch.publish('', uniqueName('no-such-queue'), 'y', { mandatory: true });
    const routed = ch.publish('', q, 'z');
    await expect(unroutable).rejects.toBeInstanceOf(UnroutableError);
    await expect(routed).resolves.toBeUndefined();
    expect(ch.unconfirmed).toBe(0);
  });

  it('an ack given behind un-awaited calls is not lost when the channel closes', async () => {
    const conn = await connection();
    const setup = await conn.channel();
    const q = await queue(setup);
    await setup.publish('', q, 'hello');
    const ch = await conn.channel();
    const got = (await ch.get(q))!;
    void ch.prefetch(5).catch(() => undefined); // one call sent...
    void ch.prefetch(5).catch(() => undefined); // ...and one queued behind it
    got.ack(); // held behind the queued call
    await ch.close();
    expect(await setup.get(q)).toBeNull(); // the ack reached the broker: nothing redelivered
  });
});
