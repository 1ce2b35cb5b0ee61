/**
 * Recovery interrupted at its worst moments, through the project's TCP proxy: the application
 * closes the connection while a reconnect attempt hangs on a silent peer or while the replay
 * runs (the loop stops, nothing reconnects, no socket is left behind, waiting publishes
 * reject); the new connection dies in the middle of the replay (recovery starts over and
 * completes); a channel closed or a consumer cancelled during the replay is closed or cancelled
 * on the broker too; a re-consume that timed out but reached the broker later leaves no
 * consumer there; a consumer cancelled while the connection is down is not consumed again.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Connection, type ReconnectingEvent } from 'warren';
import { amqpUrl, rabbitmqctl, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const open: Connection[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
async function proxied(options: Parameters<typeof connect>[1] = {}) {
  const u = new URL(amqpUrl());
  const p = await startProxy(u.hostname, Number(u.port));
  proxies.push(p);
  const conn = await connect(p.url(amqpUrl()), { recovery: { backoff: { initialDelay: 10, maxDelay: 50 } }, ...options });
  open.push(conn);
  return { p, conn };
}
/** How many channels the broker has open on the connection named `name`. */
async function brokerChannels(name: string): Promise<number> {
  const rows = JSON.parse((await rabbitmqctl('-q', 'list_connections', 'client_properties', 'channels', '--formatter', 'json')).trim() || '[]') as Array<{ client_properties: unknown; channels: number }>;
  const row = rows.find((r) => JSON.stringify(r.client_properties).includes(name));
  if (!row) throw new Error(`the broker lists no connection named ${name}`);
  return Number(row.channels);
}
/** Polls `ok` until it holds or `ms` pass (a bound for a hung test, not a timing assertion). */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return ok();
}

describe('recovery interrupted', () => {
  it('close() while an attempt hangs on a silent peer: the attempt is dropped at once, no reconnect follows, waiting publishes reject', async () => {
    // A peer that accepts and reads but never answers: the handshake of an attempt hangs there.
    const held = new Set<Socket>();
    const silent = createServer((s) => {
      held.add(s);
      s.on('data', () => undefined);
      s.on('close', () => held.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as AddressInfo).port;
    let lost = false;
    // connectionTimeout far beyond the test's own bound: only an abandoned attempt frees the socket in time.
    const { p, conn } = await proxied({ connectionTimeout: 120_000, recovery: { backoff: { initialDelay: 10, maxDelay: 50 }, resolve: async (list) => (lost ? [{ hostname: '127.0.0.1', port: silentPort }] : [...list]) } });
    try {
      const ch = await conn.channel();
      const attempts: ReconnectingEvent[] = [];
      conn.on('reconnecting', (e) => attempts.push(e));
      lost = true;
      p.cut();
      expect(await until(() => held.size === 1, 20_000)).toBe(true); // the attempt waits on the silent peer
      const waiting = ch.publish('', 'nowhere', 'waits');
      await conn.close();
      expect(conn.state).toBe('closed');
      await expect(waiting).rejects.toThrow();
      expect(await until(() => held.size === 0, 20_000)).toBe(true);
      const seen = attempts.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(attempts.length).toBe(seen);
      expect(held.size).toBe(0);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('close() during the replay: the loop stops, the new connection is closed, no reconnect follows', async () => {
    const { p, conn } = await proxied();
    const ch = await conn.channel();
    await ch.queueDeclare('', { exclusive: true }); // its rename is a hook in the middle of the replay
    let recovered = false;
    conn.on('recovered', () => (recovered = true));
    const attempts: ReconnectingEvent[] = [];
    conn.on('reconnecting', (e) => attempts.push(e));
    let closing: Promise<void> | undefined;
    conn.once('queueRenamed', () => (closing = conn.close()));
    p.cut();
    expect(await until(() => closing !== undefined, 20_000)).toBe(true);
    await closing;
    expect(conn.state).toBe('closed');
    expect(await until(() => p.connectionCount() === 0, 20_000)).toBe(true);
    const seen = attempts.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts.length).toBe(seen);
    expect(recovered).toBe(false);
    expect(p.connectionCount()).toBe(0);
  });

  it('the new connection dies during the replay: recovery starts over and completes; the consumer and publishes work', async () => {
    const { p, conn } = await proxied();
    const ch = await conn.channel({ confirm: true });
    const queue = uniqueName('rec-replay-loss');
    await ch.queueDeclare(queue, { durable: false, autoDelete: false });
    await ch.queueDeclare('', { exclusive: true }); // its rename is a hook in the middle of the replay
    const consumer = await ch.consume(queue, { noAck: true });
    const it = consumer[Symbol.asyncIterator]();
    let renames = 0;
    conn.on('queueRenamed', () => {
      if (++renames === 1) p.cut();
    });
    const recovered = nextEvent(conn, 'recovered', 30_000);
    p.cut();
    await recovered;
    expect(renames).toBeGreaterThanOrEqual(2);
    expect(conn.state).toBe('open');
    await ch.publish('', queue, 'after');
    const next = await it.next();
    expect(next.done).toBe(false);
    expect((next.value as { text(): string }).text()).toBe('after');
    await ch.queueDelete(queue);
  });

  it('channel.close() during the replay, after its channel was re-opened: closed on the broker too, not left open there', async () => {
    const name = uniqueName('rec-chclose');
    const { p, conn } = await proxied({ connectionName: name });
    const keep = await conn.channel();
    const closed = await conn.channel({ prefetch: 5 });
    await keep.queueDeclare('', { exclusive: true }); // its rename is a hook after the channels are re-opened
    const errors: Error[] = [];
    conn.on('topologyError', (e) => errors.push(e));
    let closing: Promise<void> | undefined;
    conn.once('queueRenamed', () => (closing = closed.close()));
    const recovered = nextEvent(conn, 'recovered', 30_000);
    p.cut();
    await recovered;
    await closing;
    expect(closed.isOpen).toBe(false);
    expect(keep.isOpen).toBe(true);
    expect(errors).toEqual([]);
    expect(await brokerChannels(name)).toBe(1);
  });

  it('a consumer cancelled during the replay, once consumed again: cancelled on the broker too', async () => {
    const { p, conn } = await proxied({ connectionTimeout: 120_000, heartbeat: 0 });
    const other = await connect(amqpUrl());
    open.push(other);
    const ch = await conn.channel();
    const qa = uniqueName('rec-cancel-replay-a');
    const qb = uniqueName('rec-cancel-replay-b');
    await ch.queueDeclare(qa, { durable: false, autoDelete: false });
    await ch.queueDeclare(qb, { durable: false, autoDelete: false });
    let cancelling: Promise<void> | undefined;
    const a = await ch.consume(qa, () => {
      cancelling ??= a.cancel(); // a delivery right after its re-consume, while the replay goes on with b
    });
    await ch.consume(qb, { noAck: true });
    const disconnected = nextEvent(conn, 'disconnected', 20_000);
    p.stall();
    p.cut();
    await disconnected;
    const pub = await other.channel({ confirm: true });
    for (let i = 0; i < 3; i++) await pub.publish('', qa, `m${i}`);
    const recovered = nextEvent(conn, 'recovered', 30_000);
    p.resume();
    await recovered;
    expect(await until(() => cancelling !== undefined, 20_000)).toBe(true);
    await cancelling;
    expect((await pub.checkQueue(qa)).consumerCount).toBe(0);
    expect((await pub.checkQueue(qb)).consumerCount).toBe(1);
    await pub.queueDelete(qa);
    await pub.queueDelete(qb);
  });

  it('a re-consume that timed out (the network stalled) but reached the broker later leaves no consumer there', async () => {
    const { p, conn } = await proxied({ connectionTimeout: 120_000, heartbeat: 0, recovery: { backoff: { initialDelay: 10, maxDelay: 50 }, declarationTimeout: 300, declarationRetries: 0 } });
    const ch = await conn.channel();
    const queue = uniqueName('rec-late-consume');
    await ch.queueDeclare(queue, { durable: false, autoDelete: false });
    await ch.queueDeclare('', { exclusive: true }); // its rename is a hook in the middle of the replay
    await ch.consume(queue, () => undefined);
    conn.once('queueRenamed', () => p.stall());
    const failed = new Promise<void>((resolve) => conn.on('topologyError', (e) => e.entity.kind === 'consumer' && resolve()));
    const recovered = nextEvent(conn, 'recovered', 30_000);
    p.cut();
    await failed;
    p.resume();
    await recovered;
    const other = await connect(amqpUrl());
    open.push(other);
    const pub = await other.channel({ confirm: true });
    await pub.publish('', queue, 'late');
    let consumers = -1;
    for (let i = 0; i < 100 && consumers !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      consumers = (await pub.checkQueue(queue)).consumerCount;
    }
    expect(consumers).toBe(0);
    await pub.queueDelete(queue);
  });

  it('a consumer cancelled while the connection is down is not consumed again', async () => {
    const { p, conn } = await proxied({ connectionTimeout: 120_000, heartbeat: 0 });
    const ch = await conn.channel();
    const queue = uniqueName('rec-cancel-down');
    await ch.queueDeclare(queue, { durable: false, autoDelete: false });
    const consumer = await ch.consume(queue, { noAck: true });
    const disconnected = nextEvent(conn, 'disconnected', 20_000);
    p.stall();
    p.cut();
    await disconnected;
    await consumer.cancel();
    const recovered = nextEvent(conn, 'recovered', 30_000);
    p.resume();
    await recovered;
    expect((await ch.checkQueue(queue)).consumerCount).toBe(0);
    await ch.queueDelete(queue);
  });
});
