import { describe, expect, it } from 'vitest';
import { createRpcClient, serveRpc, RpcTimeoutError, UnroutableError, type Message } from 'warren';
import { uniqueName } from '../../helpers/broker.js';
import { channel, connection, queue, sleep } from './fixture.js';

describe('RPC over direct reply-to', () => {
  it('1,000 concurrent calls on one channel each get their own reply', async () => {
    const server = await channel();
    const q = await queue(server);
    await serveRpc(server, q, (req) => ({ n: req.json<{ n: number }>().n * 2 }), { prefetch: 100 });
    const ch = await channel();
    const rpc = await createRpcClient(ch);
    const replies = await Promise.all(Array.from({ length: 1000 }, (_, n) => rpc.call(q, { n })));
    expect(replies.map((r) => r.json<{ n: number }>().n)).toEqual(Array.from({ length: 1000 }, (_, n) => n * 2));
    expect(rpc.inFlight).toBe(0);
    expect((await server.checkQueue(q)).messageCount).toBe(0);
  });

  it('replies carry the request correlation id and the server reply options; the request is acked after the reply', async () => {
    const c = await connection();
    const server = await c.channel();
    await server.confirmSelect(); // the reply is confirmed before the request is acked
    const q = await queue(server);
    let seen: Message | undefined;
    await serveRpc(server, q, async (req) => {
      seen = req;
      await sleep(5);
      return `echo:${req.text()}`;
    }, { replyOptions: { headers: { server: 'warren' } } });
    const client = await c.channel();
    await client.confirmSelect(); // works with a confirm-mode client channel too
    const rpc = await createRpcClient(client);
    const reply = await rpc.call(q, 'hi', { messageId: 'req-1' });
    expect(reply.text()).toBe('echo:hi');
    expect(reply.properties.correlationId).toBe(seen!.properties.correlationId);
    expect(reply.properties.headers?.server).toBe('warren');
    expect(seen!.properties.messageId).toBe('req-1');
    // The broker rewrites the pseudo-queue name into a routable reply address for this channel.
    expect(seen!.properties.replyTo).toMatch(/^amq\.rabbitmq\.reply-to\../);
    await sleep(20);
    expect((await server.checkQueue(q)).messageCount).toBe(0);
  });

  it('timeout, abort and an unroutable request reject the call; late replies are dropped', async () => {
    const server = await channel();
    const q = await queue(server);
    await serveRpc(server, q, async (req) => {
      await sleep(Number(req.text()));
      return 'late';
    });
    const ch = await channel();
    await ch.confirmSelect();
    const rpc = await createRpcClient(ch, { timeout: 5_000 });
    await expect(rpc.call(q, '200', { timeout: 30 })).rejects.toBeInstanceOf(RpcTimeoutError);
    const ac = new AbortController();
    const aborted = rpc.call(q, '200', { signal: ac.signal });
    ac.abort(new Error('no longer needed'));
    await expect(aborted).rejects.toThrow('no longer needed');
    await expect(rpc.call(uniqueName('no-such-queue'), 'x', { mandatory: true })).rejects.toBeInstanceOf(UnroutableError);
    expect(rpc.inFlight).toBe(0);
    await sleep(250); // the late replies arrive and are ignored
    expect((await rpc.call(q, '0')).text()).toBe('late');
    expect(ch.isOpen).toBe(true);
  });

  it('a handler error rejects the request without requeue (dead-lettered) and the caller times out', async () => {
    const server = await channel();
    const dead = await queue(server);
    const q = await queue(server, { deadLetterExchange: '', deadLetterRoutingKey: dead });
    const errors: unknown[] = [];
    await serveRpc(server, q, () => {
      throw new Error('bad request');
    }, { onError: (e) => errors.push(e) });
    const rpc = await createRpcClient(await channel());
    await expect(rpc.call(q, 'x', { timeout: 200 })).rejects.toBeInstanceOf(RpcTimeoutError);
    expect(errors).toHaveLength(1);
    const m = await server.get(dead, { noAck: true });
    expect(m?.text()).toBe('x');
  });

  it('closing the client channel rejects calls in flight; cancelling the server stops serving', async () => {
    const server = await channel();
    const q = await queue(server);
    const consumer = await serveRpc(server, q, async () => {
      await sleep(100);
      return 'ok';
    });
    const ch = await channel();
    const rpc = await createRpcClient(ch);
    const pending = rpc.call(q, 'x');
    await sleep(10);
    await ch.close();
    await expect(pending).rejects.toBeTruthy();
    await expect(rpc.call(q, 'y')).rejects.toBeTruthy();
    await consumer.cancel();
    const rpc2 = await createRpcClient(await channel());
    await expect(rpc2.call(q, 'z', { timeout: 150 })).rejects.toBeInstanceOf(RpcTimeoutError);
  });
});
