/**
 * An open connection's life against the real broker: heartbeat timeout through a stalled
 * network, the broker closing it (320), connection.blocked/unblocked from a memory alarm,
 * graceful and idempotent close, `await using`, and frames seen through diagnostics_channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, ConnectionForcedError, ConnectionLostError, HeartbeatTimeoutError, connect, diagnostics, type Connection } from 'warren';
import { amqpUrl, clearMemoryAlarm, closeConnection, setMemoryAlarm, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const open: Connection[] = [];
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await proxy?.close();
  proxy = undefined;
});
async function track(c: Promise<Connection>): Promise<Connection> {
  const conn = await c;
  open.push(conn);
  return conn;
}

describe('connection lifecycle', () => {
  it('heartbeat=1 and a stalled network: HeartbeatTimeoutError within ~3 s', async () => {
    const u = new URL(amqpUrl());
    proxy = await startProxy(u.hostname, Number(u.port));
    const conn = await track(connect(`${proxy.url(amqpUrl())}?heartbeat=1`, { recovery: false }));
    expect(conn.tune.heartbeat).toBe(1);
    const ch = await conn.channel();
    const closed = nextEvent<[Error | undefined]>(conn, 'close', 5_000);
    const pending = ch.call('queue.declare', { queue: '', exclusive: true });
    proxy.stall();
    const t0 = Date.now();
    const [error] = await closed;
    expect(error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(Date.now() - t0).toBeLessThan(3_500);
    await expect(pending).rejects.toBeInstanceOf(HeartbeatTimeoutError);
    expect(conn.isOpen).toBe(false);
    expect(conn.closeReason).toBe(error);
  });

  it('the network cut: ConnectionLostError, pending calls fail with it', async () => {
    const u = new URL(amqpUrl());
    proxy = await startProxy(u.hostname, Number(u.port));
    const conn = await track(connect(proxy.url(amqpUrl()), { recovery: false }));
    const ch = await conn.channel();
    const closed = nextEvent<[Error | undefined]>(conn, 'close');
    const pending = ch.call('queue.declare', { queue: '', exclusive: true });
    proxy.cut();
    const [error] = await closed;
    expect(error).toBeInstanceOf(ConnectionLostError);
    await expect(pending).rejects.toBe(error);
  });

  it('heartbeats keep an idle connection alive', async () => {
    const conn = await track(connect(`${amqpUrl()}?heartbeat=1`));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(conn.isOpen).toBe(true);
    const ch = await conn.channel();
    await ch.close();
  });

  it('closed by the broker (rabbitmqctl close_connection): ConnectionForcedError 320 on error and close', async () => {
    const name = uniqueName('forced');
    const conn = await track(connect(amqpUrl(), { connectionName: name, recovery: false }));
    const ch = await conn.channel();
    const errored = nextEvent<[Error]>(conn, 'error');
    const closed = nextEvent<[Error | undefined]>(conn, 'close');
    const chClosed = nextEvent<[Error | undefined]>(ch, 'close');
    await closeConnection(name, 'test says bye');
    const [error] = await closed;
    expect(error).toBeInstanceOf(ConnectionForcedError);
    expect(error).toMatchObject({ replyCode: 320, remote: true });
    expect(error!.message).toContain('test says bye');
    expect((await errored)[0]).toBe(error);
    expect((await chClosed)[0]).toBe(error);
    const e = await conn.channel().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionClosedError);
    expect((e as Error).cause).toBe(error);
    await conn.close(); // resolves at once, no throw
  });

  it('connection.blocked / unblocked from a memory alarm, with isBlocked', async () => {
    const conn = await track(connect(amqpUrl()));
    const ch = await conn.channel();
    const q = (await ch.queueDeclare('', { exclusive: true })).queue;
    const blocked = nextEvent<[string]>(conn, 'blocked');
    await setMemoryAlarm();
    try {
      // RabbitMQ blocks a connection once it publishes during the alarm; the alarm reaches the
      // connection's reader asynchronously, so publish until it does.
      let gotBlocked = false;
      void blocked.then(() => (gotBlocked = true), () => undefined);
      for (let i = 0; i < 50 && !gotBlocked; i++) {
        void ch.sendToQueue(q, 'x').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [reason] = await blocked;
      expect(typeof reason).toBe('string');
      expect(reason.length).toBeGreaterThan(0);
      expect(conn.isBlocked).toBe(true);
    } finally {
      const unblocked = nextEvent<[]>(conn, 'unblocked');
      await clearMemoryAlarm();
      expect(await unblocked).toEqual([]);
    }
    expect(conn.isBlocked).toBe(false);
  });

  it('close() is graceful and idempotent; await using closes', async () => {
    const conn = await connect(amqpUrl());
    const ch = await conn.channel();
    const closedEvents: (Error | undefined)[] = [];
    conn.on('close', (e) => closedEvents.push(e));
    const [c1, c2] = [ch.close(), ch.close()];
    await Promise.all([c1, c2]);
    expect(ch.isOpen).toBe(false);
    await Promise.all([conn.close(), conn.close()]);
    await conn.close();
    expect(closedEvents).toEqual([undefined]);
    expect(conn.closeReason).toBeUndefined();

    let inner: Connection | undefined;
    {
      await using scoped = await connect(amqpUrl());
      inner = scoped;
      await using scopedCh = await scoped.channel();
      expect(scopedCh.isOpen).toBe(true);
    }
    expect(inner.isOpen).toBe(false);
  });

  it('frames in and out through diagnostics_channel, never with arguments', async () => {
    const frames: { connection: string; direction: string; type: number; channel: number; method?: string }[] = [];
    const onFrame = (m: unknown) => frames.push(m as (typeof frames)[number]);
    subscribe('warren:frame-in', onFrame);
    subscribe('warren:frame-out', onFrame);
    try {
      const conn = await connect(amqpUrl());
      const ch = await conn.channel();
      await ch.call('queue.declare', { queue: '', exclusive: true });
      await conn.close();
    } finally {
      unsubscribe('warren:frame-in', onFrame);
      unsubscribe('warren:frame-out', onFrame);
    }
    expect(diagnostics.frameIn.name).toBe('warren:frame-in');
    const methods = frames.filter((f) => f.type === 1).map((f) => `${f.direction} ${f.method}`);
    expect(methods).toEqual([
      'in connection.start',
      'out connection.start-ok',
      'in connection.tune',
      'out connection.tune-ok',
      'out connection.open',
      'in connection.open-ok',
      'out channel.open',
      'in channel.open-ok',
      'out queue.declare',
      'in queue.declare-ok',
      'out connection.close',
      'in connection.close-ok',
    ]);
    expect(new Set(frames.map((f) => f.connection)).size).toBe(1);
    for (const f of frames) expect(Object.keys(f).sort()).toEqual(expect.arrayContaining(['channel', 'connection', 'direction', 'type']));
    expect(JSON.stringify(frames)).not.toContain('guest');
  });
});
