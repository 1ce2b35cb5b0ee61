/**
 * Errors reach the application promptly and nothing hangs, over real sockets against a scripted
 * server (a broker will not send an oversized frame or ignore channel.close on demand):
 * - after a framing error the `error` event fires at once, while warren's connection.close
 *   waits for its answer in the background (`close` comes later);
 * - a connection.tune below frame-min-size fails connect() with 502, the server gets our close;
 * - a channel.close that is never answered ends after closeTimeout with CloseTimeoutError, its
 *   consumer is ended, and the connection goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpFrameError, AmqpSyntaxError, CloseTimeoutError, connect, type Connection } from 'warren';
import { startFakeServer, type FakeServer } from '../../helpers/fake-server.js';

let server: FakeServer | undefined;
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => undefined);
  await server?.close();
  server = undefined;
});

describe('prompt errors', () => {
  it('an oversized frame after open: `error` at once, `close` after the close handshake', async () => {
    server = await startFakeServer();
    const conn = await connect(server.url, { closeTimeout: 5_000, recovery: false });
    conns.push(conn);
    const ch = await conn.channel();
    const seen: string[] = [];
    const errored = new Promise<{ error: Error; ms: number; state: string }>((resolve) =>
      conn.on('error', (error) => {
        seen.push('error');
        resolve({ error, ms: performance.now() - t0, state: conn.core.state });
      }),
    );
    conn.on('close', () => seen.push('close'));
    const t0 = performance.now();
    server.send(Uint8Array.of(3, 0, ch.id, 0, 0x10, 0, 0)); // a body frame of 1 MiB: over frame_max 131072
    const { error, ms, state } = await errored;
    expect(error).toBeInstanceOf(AmqpFrameError);
    expect(error).toMatchObject({ replyCode: 501, remote: false });
    // The close handshake is still going on: the event did not wait for it (or for closeTimeout).
    expect(state).toBe('closing');
    expect(seen).toEqual(['error']);
    expect(ms).toBeLessThan(5_000);
    await server.waitFor('connection.close');
    expect(server.received.at(-1)!.method).toMatchObject({ kind: 'connection.close', replyCode: 501 });
    // The server ends the socket after its close-ok: `close` follows with the same error.
    const closed = await new Promise<Error | undefined>((resolve) => (conn.isOpen || conn.core.state !== 'closed' ? conn.once('close', resolve) : resolve(conn.closeReason)));
    expect(closed).toBe(error);
    expect(seen).toEqual(['error', 'close']);
    console.info(`framing error → application's error event: ${ms.toFixed(1)} ms`);
  });

  it('a connection.tune with frame_max 100: connect() rejects with 502, the server gets connection.close', async () => {
    server = await startFakeServer({ frameMax: 100 });
    const error = await connect(server.url, { closeTimeout: 10_000, recovery: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmqpSyntaxError);
    expect(error).toMatchObject({ replyCode: 502, method: 'connection.tune' });
    await server.waitFor('connection.close');
    expect(server.received.map((r) => r.method.kind)).toEqual(['connection.start-ok', 'connection.close']);
  });

  it('channel.close never answered: CloseTimeoutError after closeTimeout, consumer ended, connection usable', async () => {
    server = await startFakeServer();
    const conn = await connect(server.url, { closeTimeout: 1_000, recovery: false });
    conns.push(conn);
    const ch = await conn.channel();
    const consumer = await ch.consume('q');
    const chError = new Promise<Error>((resolve) => ch.once('error', resolve));
    server.answerChannelClose = false;
    await ch.close(); // resolves: the wait is bounded
    expect(await chError).toBeInstanceOf(CloseTimeoutError);
    expect(ch.closeReason).toBeInstanceOf(CloseTimeoutError);
    const iterated = await (async () => {
      try {
        for await (const _ of consumer) return 'message';
        return 'ended';
      } catch (e) {
        return (e as Error).name;
      }
    })();
    expect(['ended', 'CloseTimeoutError']).toContain(iterated);
    expect(conn.isOpen).toBe(true);
    const other = await conn.channel();
    expect(other.id).not.toBe(ch.id); // the abandoned id is not reused
  });
});
