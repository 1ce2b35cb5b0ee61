/**
 * Publish timeouts (runtime/client/publish-timeout.ts) against the real broker, with a TCP proxy
 * that stalls the connection (what a broker will not do on demand): a publish still waiting for
 * room in the confirm window is never sent (`sent: false`); one sent but not confirmed in time
 * rejects (`sent: true`), its tag stays counted, and its late confirm, when the stall ends, is
 * ignored; the next publish is numbered and confirmed right. Heartbeats are off so that the stall
 * does not end the connection.
 */
import { afterEach, expect, it } from 'vitest';
import { connect, diagnostics, isPublishTimeoutError, PublishTimeoutError, type Channel } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { cleanup, connection, until } from '../retry/fixture.js';

let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function timed(ch: Channel, queue: string, body: string, timeout: number): Promise<void> {
  return ch.publish('', queue, body, { timeout });
}

it('a waiting publish times out unsent, a sent one times out and its late confirm is ignored; numbering stays right', async () => {
  const url = new URL(amqpUrl());
  proxy = await startProxy(url.hostname, Number(url.port));
  const c = await connect(proxy.url(amqpUrl()), { heartbeat: false });
  const ch = await c.channel({ confirm: { maxUnconfirmed: 1 }, publishTimeout: 300 });
  const queue = uniqueName('pub-timeout');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { durable: true });

  proxy.stall();
  const a = ch.sendToQueue(queue, 'A').catch((e: unknown) => e); // the channel's publishTimeout (300 ms)
  const b = timed(ch, queue, 'B', 300).catch((e: unknown) => e); // its own; the window (1) is full: B waits
  const [ea, eb] = (await Promise.all([a, b])) as [PublishTimeoutError, PublishTimeoutError];
  expect(isPublishTimeoutError(ea) && isPublishTimeoutError(eb)).toBe(true);
  expect(ea).toMatchObject({ sent: true, timeout: 300, routingKey: queue });
  expect(eb).toMatchObject({ sent: false, timeout: 300 });
  expect(ch.unconfirmed).toBe(1); // A's tag is still counted: the broker has not answered
  expect(ch.waitingPublishes).toBe(0); // B left the wait queue

  // The stall ends: A reaches the broker, its confirm comes late and settles tag 1 only.
  const acks: string[] = [];
  const onFrame = (f: unknown): void => {
    const frame = f as { method?: string; channel?: number };
    if (frame.method === 'basic.ack' && frame.channel === ch.id) acks.push('ack');
  };
  diagnostics.frameIn.subscribe(onFrame);
  try {
    proxy.resume();
    await until(() => ch.unconfirmed === 0);
    expect(acks).toHaveLength(1);
    // C is tag 2: it resolves on its own ack, after it.
    await ch.publish('', queue, 'C');
    expect(acks).toHaveLength(2);
  } finally {
    diagnostics.frameIn.unsubscribe(onFrame);
  }
  const got: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) got.push(m.text());
  expect(got).toEqual(['A', 'C']); // B was never sent
  await c.close();
});

it('without confirms: resolves once written; a limit that is not a positive number is a RangeError on the call', async () => {
  const conn = await connection();
  const ch = await conn.channel();
  const queue = uniqueName('pub-timeout-plain');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { durable: true });
  await ch.publish('', queue, 'x', { timeout: 5_000 });
  await expect(ch.publish('', queue, 'y', { timeout: 0 })).rejects.toThrow(RangeError);
  await expect(ch.publish('', queue, 'y', { timeout: Number.NaN })).rejects.toThrow(RangeError);
  await expect(conn.channel({ publishTimeout: -1 })).rejects.toThrow(RangeError);
  expect((await ch.checkQueue(queue)).messageCount).toBe(1);
});
