/**
 * Recovery from network faults through the project's TCP proxy, several endpoints, the first
 * connect, giving up, and credentials: a black-holed network is detected by heartbeats and
 * recovered once packets flow again; a cut socket is recovered; endpoints are tried in turn;
 * `retryInitialConnect`; `maxAttempts` ends in RecoveryFailedError; a credentials function is
 * called on every connect and renews an expiring secret with update-secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, HeartbeatTimeoutError, RecoveryFailedError, connect, type Connection, type DisconnectedEvent, type ReconnectingEvent } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { closedPort, nextEvent } from '../../helpers/broker-extra.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { startWorkload } from './workload.js';

const open: Connection[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
async function proxy(): Promise<TcpProxy> {
  const u = new URL(amqpUrl());
  const p = await startProxy(u.hostname, Number(u.port));
  proxies.push(p);
  return p;
}
const brokerPort = () => Number(new URL(amqpUrl()).port);

describe('recovery from network faults', () => {
  it('a black-holed network: heartbeats detect it within 2.5 intervals, recovery completes when packets flow again, nothing confirmed lost', async () => {
    const p = await proxy();
    const heartbeat = 2;
    const conn = await connect(p.url(amqpUrl()), { heartbeat, connectionTimeout: 1_500, recovery: { backoff: { initialDelay: 50, maxDelay: 500 } } });
    open.push(conn);
    const queue = uniqueName('rec-blackhole');
    await (await conn.channel()).queueDeclare(queue, { durable: true });
    const work = await startWorkload(conn, queue);
    await work.confirmedMore(300);
    const disconnected = nextEvent<[DisconnectedEvent]>(conn, 'disconnected', 15_000);
    const stalledAt = Date.now();
    p.stall();
    const [event] = await disconnected;
    const detection = Date.now() - stalledAt;
    expect(event.error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(detection).toBeLessThanOrEqual(2.5 * heartbeat * 1000);
    const attempts: ReconnectingEvent[] = [];
    conn.on('reconnecting', (e) => attempts.push(e));
    await new Promise((r) => setTimeout(r, 2_000)); // attempts meanwhile hang in the black hole and time out
    expect(conn.state).toBe('recovering');
    const recovered = nextEvent(conn, 'recovered', 20_000);
    p.resume();
    await recovered;
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    await work.confirmedMore(300);
    const report = await work.finish();
    console.info(`[recovery] black hole: detected in ${detection} ms (heartbeat ${heartbeat} s), ${attempts.length} attempts, duplicates ${report.duplicates}`);
    expect(report.unsettled).toBe(0);
    expect(report.missing).toBe(0);
    expect(report.iteratorEnded).toBe(false);
    await (await conn.channel()).queueDelete(queue);
  }, 60_000);

  it('a cut socket (RST) is a ConnectionLostError and is recovered; several endpoints are tried in turn', async () => {
    const p = await proxy();
    const dead = await closedPort();
    const conn = await connect(p.url(amqpUrl()), { hosts: [`127.0.0.1:${dead}`], recovery: { shuffle: false, backoff: { initialDelay: 10 } } });
    open.push(conn);
    expect(conn.node.endpoint.port).toBe(p.port);
    const ch = await conn.channel();
    const tried: number[] = [];
    conn.on('reconnecting', (e) => tried.push(e.endpoint.port));
    const disconnected = nextEvent<[DisconnectedEvent]>(conn, 'disconnected');
    const recovered = nextEvent(conn, 'recovered', 20_000);
    p.cut({ reset: true });
    expect((await disconnected)[0].error).toBeInstanceOf(ConnectionLostError);
    await recovered;
    expect(tried).toEqual([p.port]); // first in the list, and it answered
    expect((await ch.queueDeclare('', { exclusive: true })).queue).toMatch(/^amq\.gen-/);
    // Closing the connection while it recovers (nothing listens any more) stops the attempts.
    const disconnectedAgain = nextEvent(conn, 'disconnected');
    await p.close();
    await disconnectedAgain;
    const closed = nextEvent<[Error | undefined]>(conn, 'close');
    await conn.close();
    expect((await closed)[0]).toBeUndefined();
    expect(conn.state).toBe('closed');
  });

  it('the first connect: one pass over the endpoints, or retried with retryInitialConnect', async () => {
    const dead = await closedPort();
    let passes = 0;
    const resolve = () => (passes++ === 0 ? [{ hostname: '127.0.0.1', port: dead }] : [{ hostname: '127.0.0.1', port: brokerPort() }]);
    await expect(connect(amqpUrl(), { recovery: { resolve } })).rejects.toBeInstanceOf(ConnectionLostError);
    passes = 0;
    const conn = await connect(amqpUrl(), { recovery: { resolve, retryInitialConnect: true, backoff: { initialDelay: 10 } } });
    open.push(conn);
    expect(passes).toBe(2);
    expect(conn.node.endpoint.port).toBe(brokerPort());
  });

  it('maxAttempts reached: recoveryFailed, then error and close with RecoveryFailedError; consumers and waiting publishes end with it', async () => {
    const p = await proxy();
    const conn = await connect(p.url(amqpUrl()), { recovery: { maxAttempts: 2, backoff: { initialDelay: 10 } } });
    open.push(conn);
    const ch = await conn.channel();
    const consumer = await ch.consume((await ch.queueDeclare('', { exclusive: true })).queue);
    const iterating = (async () => {
      for await (const _ of consumer) void _;
    })().then(() => 'ended', (e: unknown) => e);
    const failed = nextEvent<[RecoveryFailedError]>(conn, 'recoveryFailed', 20_000);
    const closed = nextEvent<[Error | undefined]>(conn, 'close', 20_000);
    const disconnected = nextEvent(conn, 'disconnected');
    await p.close(); // nothing listens any more
    await disconnected;
    const waiting = ch.sendToQueue('q', 'x').then(() => 'sent', (e: unknown) => e);
    const [error] = await failed;
    expect(error).toBeInstanceOf(RecoveryFailedError);
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/maxAttempts 2/);
    expect((await closed)[0]).toBe(error);
    expect(conn.state).toBe('closed');
    expect(await iterating).toBe(error);
    expect(await waiting).toBe(error);
    await expect(conn.channel()).rejects.toThrow();
  });

  it('credentials: called on every connect; an expiring secret is renewed with update-secret before it expires', async () => {
    const name = uniqueName('rec-creds');
    const calls: number[] = [];
    const credentials = () => {
      calls.push(Date.now());
      return { username: 'guest', password: 'guest', expiresAt: Date.now() + 2_000 };
    };
    const conn = await connect(amqpUrl(), { connectionName: name, credentials, recovery: { backoff: { initialDelay: 10 } } });
    open.push(conn);
    expect(calls).toHaveLength(1);
    // Renewal a fifth of the validity early (at least 1 s): about 1 s after connecting.
    while (calls.length < 2) await new Promise((r) => setTimeout(r, 50));
    const ch = await conn.channel();
    await ch.queueDeclare('', { exclusive: true }); // update-secret went through: still open
    const recovered = nextEvent(conn, 'recovered', 20_000);
    await closeConnection(name, 'rotate');
    await recovered;
    expect(calls.length).toBeGreaterThanOrEqual(3); // the reconnect asked again
    expect(conn.isOpen).toBe(true);
  });
});

describe('the built-in DNS resolver', () => {
  it('turns a host name into its addresses at each pass, keeping the name for TLS; connects through it', async () => {
    const { dnsResolver } = await import('warren');
    const resolve = dnsResolver();
    const found = await resolve([{ hostname: 'localhost', port: brokerPort() }, { hostname: '127.0.0.1', port: 1 }, { hostname: 'no-such-host.invalid', port: 2 }]);
    expect(found).toContainEqual({ hostname: '127.0.0.1', port: brokerPort(), servername: 'localhost' });
    expect(found).toContainEqual({ hostname: '127.0.0.1', port: 1 });
    expect(found.some((e) => e.port === 2)).toBe(false);
    const conn = await connect(amqpUrl().replace('127.0.0.1', 'localhost'), { recovery: { resolve: async (eps) => (await resolve(eps)).filter((e) => e.hostname === '127.0.0.1') } });
    open.push(conn);
    expect(conn.node.endpoint).toMatchObject({ hostname: '127.0.0.1', servername: 'localhost' });
  });
});
