/**
 * Automatic recovery against the real broker, the basic cases: a forced close (320) is
 * recovered with the same Connection, Channel and Consumer objects; what does not trigger a
 * recovery; recovery off keeps the typed close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccessRefusedError, ChannelClosedError, ConnectionForcedError, NotFoundError, RecoveringError, connect, type Connection, type Message, type RecoveredEvent, type RecoveryFailedError } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
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

describe('recovery basics', () => {
  it('a forced close: the same objects work again, the consumer keeps yielding, events tell the story', async () => {
    const name = uniqueName('rec-basic');
    const conn = await track(connect(amqpUrl(), { connectionName: name }));
    const ch = await conn.channel();
    await ch.prefetch(5);
    await ch.confirmSelect();
    const q = (await ch.queueDeclare(uniqueName('rec-q'), { durable: false, autoDelete: false })).queue;
    const consumer = await ch.consume(q);
    const it = consumer[Symbol.asyncIterator]();
    await ch.sendToQueue(q, 'before');
    const m1 = (await it.next()).value as Message;
    expect(m1.text()).toBe('before');
    m1.ack();
    // Acks are batched: a round trip on the same channel makes sure the broker has taken this one
    // before the kill, or 'before' would rightly be redelivered (at-least-once) instead of 'after'.
    await ch.prefetch(5);
    const events: string[] = [];
    conn.on('disconnected', (e) => events.push(`disconnected ${e.error.name}`));
    conn.on('reconnecting', (e) => events.push(`reconnecting ${e.attempt}`));
    const recovered = nextEvent<[RecoveredEvent]>(conn, 'recovered');
    await closeConnection(name, 'recovery test');
    const [info] = await recovered;
    expect(events).toEqual(['disconnected ConnectionForcedError', 'reconnecting 1']);
    expect(conn.state).toBe('open');
    expect(info).toMatchObject({ attempts: 1, product: 'RabbitMQ' });
    expect(info.endpoint.port).toBe(new URL(amqpUrl()).port === '' ? 5672 : Number(new URL(amqpUrl()).port));
    expect(info.outage).toBeGreaterThanOrEqual(0);
    expect(typeof info.serverVersion).toBe('string');
    expect(conn.node.endpoint).toEqual(info.endpoint);
    expect(ch.isOpen).toBe(true);
    expect(ch.confirmMode).toBe(true);
    expect(ch.id).toBeGreaterThan(0); // whatever number the new connection gave it
    await ch.sendToQueue(q, 'after'); // confirmed on the new connection
    const m2 = (await it.next()).value as Message;
    expect(m2.text()).toBe('after');
    expect(m2.ack()).toBe(true);
    await ch.queueDelete(q);
  });

  it('publishes made while recovering wait and go out after recovery', async () => {
    const name = uniqueName('rec-wait');
    const conn = await track(connect(amqpUrl(), { connectionName: name }));
    const ch = await conn.channel();
    const q = (await ch.queueDeclare(uniqueName('rec-q'), { durable: false })).queue;
    const disconnected = nextEvent(conn, 'disconnected');
    await closeConnection(name, 'recovery test');
    await disconnected;
    expect(conn.state).toBe('recovering');
    expect(ch.isRecovering).toBe(true);
    const sent = Promise.all([ch.sendToQueue(q, 'a'), ch.sendToQueue(q, 'b')]);
    expect(ch.waitingPublishes).toBe(2);
    await sent;
    const info = await ch.checkQueue(q);
    expect(info.messageCount).toBe(2);
    await ch.queueDelete(q);
  });

  it('channel errors and the application close do not trigger recovery', async () => {
    const conn = await track(connect(amqpUrl()));
    let disconnected = 0;
    conn.on('disconnected', () => disconnected++);
    const ch = await conn.channel();
    await expect(ch.call('queue.declare', { queue: uniqueName('nope'), passive: true })).rejects.toBeInstanceOf(NotFoundError);
    expect(ch.isOpen).toBe(false);
    await expect(ch.sendToQueue('x', 'y')).rejects.toBeInstanceOf(ChannelClosedError);
    const closed = nextEvent<[Error | undefined]>(conn, 'close');
    await conn.close();
    expect((await closed)[0]).toBeUndefined();
    expect(disconnected).toBe(0);
    expect(conn.state).toBe('closed');
  });

  it('recovery off: a forced close ends the connection with the typed 320 error', async () => {
    const name = uniqueName('rec-off');
    const conn = await track(connect(amqpUrl(), { connectionName: name, recovery: false }));
    const ch = await conn.channel();
    const closed = nextEvent<[Error | undefined]>(conn, 'close');
    await closeConnection(name, 'no recovery');
    const [error] = await closed;
    expect(error).toBeInstanceOf(ConnectionForcedError);
    expect(ch.isOpen).toBe(false);
    expect(conn.state).toBe('closed');
  });
});

describe('publishing across an outage', () => {
  it('in-flight confirms: OutcomeUnknownError by default; with republishUnconfirmed the same promises resolve after recovery', async () => {
    const { startProxy } = await import('../../helpers/tcp-proxy.js');
    const u = new URL(amqpUrl());
    const proxy = await startProxy(u.hostname, Number(u.port));
    try {
      const conn = await track(connect(proxy.url(amqpUrl()), { recovery: { backoff: { initialDelay: 10 } } }));
      const plain = await conn.channel();
      const republishing = await conn.channel({ republishUnconfirmed: true });
      const queue = (await plain.queueDeclare(uniqueName('rec-inflight'), { durable: true })).queue;
      await plain.confirmSelect();
      await republishing.confirmSelect();
      proxy.stall(); // the publishes reach no broker, so no confirm can come back
      const outcome = (p: Promise<void>) => p.then(() => 'confirmed', (e: Error) => e.name);
      const lost = Array.from({ length: 5 }, (_, i) => outcome(plain.sendToQueue(queue, `p${i}`, { persistent: true })));
      const kept = Array.from({ length: 5 }, (_, i) => outcome(republishing.sendToQueue(queue, `r${i}`, { persistent: true })));
      await new Promise((r) => setTimeout(r, 100));
      const recovered = nextEvent(conn, 'recovered', 20_000);
      proxy.cut({ reset: true });
      proxy.resume();
      expect(await Promise.all(lost)).toEqual(Array(5).fill('OutcomeUnknownError'));
      await recovered;
      expect(await Promise.all(kept)).toEqual(Array(5).fill('confirmed'));
      // Whatever the stalled first attempt delivered, the republished five are in the queue.
      const texts: string[] = [];
      for (let m = await plain.get(queue, { noAck: true }); m; m = await plain.get(queue, { noAck: true })) texts.push(m.text());
      for (let i = 0; i < 5; i++) expect(texts).toContain(`r${i}`);
      await plain.queueDelete(queue);
    } finally {
      await proxy.close();
    }
  });

  it("publishWhileRecovering 'fail' rejects at once; the wait is bounded by recoveryBuffer and aborted by the publish's signal", async () => {
    const name = uniqueName('rec-modes');
    const conn = await track(connect(amqpUrl(), { connectionName: name, recovery: { backoff: { initialDelay: 300 } } }));
    const failing = await conn.channel({ publishWhileRecovering: 'fail' });
    const bounded = await conn.channel({ recoveryBuffer: { messages: 3, bytes: 1_000 } });
    const q = (await failing.queueDeclare('', { exclusive: true })).queue;
    const disconnected = nextEvent(conn, 'disconnected');
    const recovered = nextEvent(conn, 'recovered', 20_000);
    await closeConnection(name, 'modes');
    await disconnected;
    await expect(failing.sendToQueue(q, 'x')).rejects.toBeInstanceOf(RecoveringError);
    const waiting = [bounded.sendToQueue('', 'a'), bounded.sendToQueue('', 'b')];
    const abort = new AbortController();
    const aborted = bounded.sendToQueue('', 'x'.repeat(10), { signal: abort.signal }).catch((e: Error) => e.message);
    await expect(bounded.sendToQueue('', 'c')).rejects.toBeInstanceOf(RecoveringError); // a 4th message: over 3
    abort.abort(new Error('gave up'));
    expect(await aborted).toBe('gave up');
    await expect(bounded.sendToQueue('', 'y'.repeat(2_000))).rejects.toBeInstanceOf(RecoveringError); // over 1,000 bytes
    expect(bounded.waitingPublishes).toBe(2);
    await recovered;
    await Promise.all(waiting);
    await expect(failing.sendToQueue(q, 'after')).resolves.toBeUndefined();
  });

  it('a failed authentication while reconnecting ends recovery with RecoveryFailedError (cause AccessRefusedError), without retrying', async () => {
    const name = uniqueName('rec-auth');
    let calls = 0;
    const conn = await track(connect(amqpUrl(), { connectionName: name, credentials: () => ({ username: 'guest', password: calls++ === 0 ? 'guest' : 'wrong' }), recovery: { backoff: { initialDelay: 10 } } }));
    const failed = nextEvent<[RecoveryFailedError]>(conn, 'recoveryFailed', 20_000);
    await closeConnection(name, 'auth');
    const [error] = await failed;
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(AccessRefusedError);
    expect(conn.state).toBe('closed');
  });
});
