/**
 * Heartbeats against the real broker with the event loop blocked (Atomics.wait), heartbeat 1 s.
 * Data that arrived while the loop was blocked is read before warren's timer gives its verdict,
 * so a block of 2 to 3 intervals is never a HeartbeatTimeoutError of warren's.
 *
 * RabbitMQ has its own verdict: it drops a client it heard nothing from for 2 to 3 intervals
 * (rabbit_heartbeat checks once per interval and gives up after two silent checks), and a
 * blocked client sends nothing. A block of 2 intervals right after a frame was sent stays within
 * the broker's tolerance, so there the connection must survive and work; for 2.5 and 3 intervals
 * the broker usually closes the socket, and warren must then report that (ConnectionLostError),
 * not a heartbeat timeout of its own. A peer that is really gone (a black-holed proxy) is still
 * found within 2.5 intervals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, HeartbeatTimeoutError, type Connection } from 'warren';
import { amqpUrl } from '../../helpers/broker.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const HEARTBEAT_S = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let conns: Connection[] = [];
let proxy: TcpProxy | undefined;
afterEach(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  conns = [];
  await proxy?.close();
  proxy = undefined;
});

/** Blocks the loop for `factor` intervals right after a round trip; what warren reports after. */
async function trial(factor: number): Promise<{ open: boolean; works: boolean; error: Error | undefined }> {
  const conn = await connect(amqpUrl(), { heartbeat: HEARTBEAT_S, recovery: false });
  conns.push(conn);
  expect(conn.tune.heartbeat).toBe(HEARTBEAT_S);
  let error: Error | undefined;
  conn.on('error', (e) => (error ??= e));
  const ch = await conn.channel();
  await sleep(300);
  await ch.prefetch(1); // in the poll phase, with fresh traffic both ways: the harder case
  block(factor * HEARTBEAT_S * 1000);
  await sleep(1.5 * HEARTBEAT_S * 1000); // several more timer checks
  const works = conn.isOpen && (await ch.prefetch(2).then(() => true, () => false));
  return { open: conn.isOpen, works, error };
}

describe('heartbeats after a blocked event loop', () => {
  for (const n of [1, 2, 3]) {
    it(`block of 2 intervals, trial ${n}: the connection survives and works`, async () => {
      const r = await trial(2);
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ open: true, works: true });
    });
  }

  for (const factor of [2.5, 3, 3]) {
    it(`block of ${factor} intervals: never a HeartbeatTimeoutError of warren's`, async () => {
      const r = await trial(factor);
      if (r.open) expect(r.works).toBe(true);
      else expect(r.error?.name).toBe('ConnectionLostError'); // the broker's verdict: it closed the socket
      expect(r.error).not.toBeInstanceOf(HeartbeatTimeoutError);
    });
  }

  it('a black-holed peer is still found within 2.5 intervals', async () => {
    const u = new URL(amqpUrl());
    proxy = await startProxy(u.hostname, Number(u.port));
    const conn = await connect(proxy.url(amqpUrl()), { heartbeat: 2, recovery: false });
    conns.push(conn);
    expect(conn.tune.heartbeat).toBe(2);
    const failed = new Promise<Error>((resolve) => conn.once('error', resolve));
    await sleep(500);
    proxy.stall();
    const t0 = performance.now();
    const error = await failed;
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(HeartbeatTimeoutError);
    console.info(`black-holed peer found after ${ms.toFixed(0)} ms (heartbeat 2000 ms)`);
    expect(ms).toBeLessThan(2.5 * 2000);
  });
});
