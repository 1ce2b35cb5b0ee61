/**
 * Topology recovery against the real broker: a server-named exclusive queue comes back under a
 * new name with its bindings and consumer; stale delivery tags are never sent; deletes,
 * unbinds and cancels are not replayed; a declaration that now fails is reported by name while
 * the rest comes back; the RPC client's calls across a loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, OutcomeUnknownError, PreconditionFailedError, TopologyRecoveryError, connect, createRpcClient, serveRpc, type Connection, type Message, type QueueRenamedEvent } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
async function named(prefix: string) {
  const name = uniqueName(prefix);
  const conn = await connect(amqpUrl(), { connectionName: name, recovery: { backoff: { initialDelay: 10 } } });
  open.push(conn);
  const kill = async () => {
    const recovered = nextEvent(conn, 'recovered', 20_000);
    expect(await closeConnection(name, 'topology test')).toBe(1);
    await recovered;
  };
  return { conn, kill };
}

describe('topology recovery', () => {
  it('a server-named exclusive queue with two bindings and a consumer comes back under a new name', async () => {
    const { conn, kill } = await named('rec-rename');
    const ch = await conn.channel();
    const exchange = uniqueName('rec-rename-x');
    await ch.exchangeDeclare(exchange, 'direct', { durable: false, autoDelete: false });
    const before = (await ch.queueDeclare()).queue;
    await ch.queueBind(before, exchange, 'a');
    await ch.queueBind(before, exchange, 'b');
    const consumer = await ch.consume(before, { noAck: true });
    const it = consumer[Symbol.asyncIterator]();
    const renamed = nextEvent<[QueueRenamedEvent]>(conn, 'queueRenamed', 20_000);
    await kill();
    const [event] = await renamed;
    expect(event.from).toBe(before);
    expect(event.to).not.toBe(before);
    expect(event.to).toMatch(/^amq\.gen-/);
    expect(consumer.queue).toBe(event.to);
    expect(conn.topology.currentName(before)).toBe(event.to);
    expect(conn.topology.bindings().filter((b) => b.source === exchange).map((b) => [b.destination, b.routingKey])).toEqual([[event.to, 'a'], [event.to, 'b']]);
    await expect(ch.checkQueue(before)).rejects.toBeInstanceOf(NotFoundError); // the old one died with its connection
    await ch.publish(exchange, 'a', 'via a');
    await ch.publish(exchange, 'b', 'via b');
    const got = [((await it.next()).value as Message).text(), ((await it.next()).value as Message).text()];
    expect(got).toEqual(['via a', 'via b']);
    await ch.exchangeDelete(exchange);
  });

  it('stale tags: a message delivered before a kill and acked after it sends nothing; the broker redelivers it', async () => {
    const { conn, kill } = await named('rec-stale');
    const ch = await conn.channel();
    const queue = uniqueName('rec-stale-q');
    await ch.queueDeclare(queue, { durable: true });
    await ch.confirmSelect();
    await ch.sendToQueue(queue, 'only one', { persistent: true });
    const consumer = await ch.consume(queue, { prefetch: 10 });
    const it = consumer[Symbol.asyncIterator]();
    const first = (await it.next()).value as Message;
    expect(first.redelivered).toBe(false);
    await kill();
    expect(first.isStale).toBe(true);
    expect(first.ack()).toBe(false); // a no-op: tag 1 on the new channel is the redelivery, not this
    const again = (await it.next()).value as Message;
    expect(again.text()).toBe('only one');
    expect(again.redelivered).toBe(true);
    expect(again.isStale).toBe(false);
    expect(again.ack()).toBe(true);
    await ch.confirmSelect();
    await ch.sendToQueue(queue, 'after', { persistent: true }); // round trip: the channel is alive
    const after = (await it.next()).value as Message;
    expect(after.text()).toBe('after');
    after.ack();
    await consumer.cancel();
    expect(ch.isOpen).toBe(true);
    expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    await ch.queueDelete(queue);
  });

  it('a callback consumer: deliveries queued behind a busy handler at the loss are dropped, not handled stale', async () => {
    const { conn, kill } = await named('rec-stale-cb');
    const ch = await conn.channel();
    const queue = uniqueName('rec-stale-cb-q');
    await ch.queueDeclare(queue, { durable: true });
    await ch.confirmSelect();
    await Promise.all(['one', 'two', 'three'].map((t) => ch.sendToQueue(queue, t, { persistent: true })));
    let release: (() => void) | undefined;
    const handled: string[] = [];
    let done!: () => void;
    const allDone = new Promise<void>((r) => (done = r));
    await ch.consume(queue, async (m: Message) => {
      handled.push(`${m.text()}${m.isStale ? ' stale' : ''}${m.redelivered ? ' again' : ''}`);
      if (handled.length === 1) await new Promise<void>((r) => (release = r));
      m.ack();
      if (handled.filter((h) => h.endsWith('again')).length === 3) done();
    }, { prefetch: 10 });
    while (!release) await new Promise((r) => setTimeout(r, 10));
    await kill();
    release();
    await allDone;
    expect(handled).toEqual(['one', 'one again', 'two again', 'three again']);
    await ch.queueDelete(queue);
  });

  it('deletes, unbinds and cancels are not replayed; a declaration refused now is an event naming it, the rest comes back', async () => {
    const { conn, kill } = await named('rec-prune');
    const other = await connect(amqpUrl());
    open.push(other);
    const ch = await conn.channel();
    await ch.confirmSelect();
    const x = uniqueName('rec-prune-x');
    const gone = uniqueName('rec-prune-gone');
    const changed = uniqueName('rec-prune-changed');
    await ch.exchangeDeclare(x, 'direct', { durable: false });
    await ch.exchangeDeclare(gone, 'fanout', { durable: false });
    await ch.exchangeDelete(gone);
    const deletedQueue = (await ch.queueDeclare(uniqueName('rec-prune-dq'), { exclusive: true })).queue;
    await ch.queueDelete(deletedQueue);
    await ch.queueDeclare(changed, { durable: false, exclusive: false, autoDelete: false });
    const kept = (await ch.queueDeclare('', { exclusive: true })).queue;
    await ch.queueBind(kept, x, 'kept');
    await ch.queueBind(kept, x, 'unbound');
    await ch.queueUnbind(kept, x, 'unbound');
    const cancelled = await ch.consume(kept, { noAck: true });
    await cancelled.cancel();
    const live = await ch.consume(kept, { noAck: true });
    // Someone else re-declares `changed` with other arguments: our declaration will be refused.
    const och = await other.channel();
    await och.queueDelete(changed);
    await och.queueDeclare(changed, { durable: false, maxLength: 5 });
    const errors: TopologyRecoveryError[] = [];
    conn.on('topologyError', (e) => errors.push(e));
    await kill();
    expect(errors.map((e) => e.entity)).toEqual([{ kind: 'queue', name: changed }]);
    expect(errors[0]!.cause).toBeInstanceOf(PreconditionFailedError);
    await expect(ch.checkExchange(gone)).rejects.toBeInstanceOf(NotFoundError);
    await expect(ch.checkQueue(deletedQueue)).rejects.toBeInstanceOf(NotFoundError);
    const renamed = live.queue; // the rest came back: the exclusive queue, its binding, its one consumer
    expect((await ch.checkQueue(renamed)).consumerCount).toBe(1);
    const it = live[Symbol.asyncIterator]();
    await ch.publish(x, 'kept', 'routed');
    expect(((await it.next()).value as Message).text()).toBe('routed');
    await expect(ch.publish(x, 'unbound', 'nowhere', { mandatory: true })).rejects.toMatchObject({ name: 'UnroutableError' });
    expect(cancelled.isEnded).toBe(true);
    expect(conn.topology.consumers()).toHaveLength(1);
    await och.queueDelete(changed);
    await ch.exchangeDelete(x);
  });

  it('RPC: a call in flight at the loss rejects with OutcomeUnknownError; the reply consumer comes back and new calls work', async () => {
    const { conn, kill } = await named('rec-rpc');
    const server = await connect(amqpUrl());
    open.push(server);
    const sch = await server.channel();
    const queue = uniqueName('rec-rpc-q');
    await sch.queueDeclare(queue, { durable: false });
    let release: (() => void) | undefined;
    await serveRpc(sch, queue, async (req) => {
      if (req.text() === 'slow') await new Promise<void>((r) => (release = r));
      return `re: ${req.text()}`;
    });
    const rpc = await createRpcClient(await conn.channel(), { timeout: 20_000 });
    expect((await rpc.call(queue, 'hello')).text()).toBe('re: hello');
    const slow = rpc.call(queue, 'slow').then(() => 'resolved', (e: unknown) => e);
    while (!release) await new Promise((r) => setTimeout(r, 10));
    await kill();
    expect(await slow).toBeInstanceOf(OutcomeUnknownError);
    release();
    expect((await rpc.call(queue, 'again')).text()).toBe('re: again');
    await sch.queueDelete(queue);
  });
});
