/**
 * Shared setup of the messaging tests: connections opened through these helpers are closed after
 * each test, and queues/exchanges declared through them are deleted (on a fresh connection, so
 * that a test that closed its own channel still cleans up).
 */
import { afterEach } from 'vitest';
import { connect, type Channel, type Connection, type ExchangeOptions, type ExchangeType, type QueueOptions } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

const connections: Connection[] = [];
const queues: string[] = [];
const exchanges: string[] = [];

/** A connection closed after the test. */
export async function connection(): Promise<Connection> {
  const c = await connect(amqpUrl());
  connections.push(c);
  return c;
}

/** A channel on a new connection closed after the test. */
export async function channel(): Promise<Channel> {
  return (await connection()).channel();
}

/** Declares a uniquely named queue, deleted after the test. */
export async function queue(ch: Channel, options: QueueOptions = {}, prefix = 'msg'): Promise<string> {
  const name = uniqueName(prefix);
  queues.push(name);
  await ch.queueDeclare(name, { durable: false, ...options });
  return name;
}

/** Declares a uniquely named exchange, deleted after the test. */
export async function exchange(ch: Channel, type: ExchangeType, options: ExchangeOptions = {}, prefix = 'msg-x'): Promise<string> {
  const name = uniqueName(prefix);
  exchanges.push(name);
  await ch.exchangeDeclare(name, type, { durable: false, ...options });
  return name;
}

/** Registers a name for deletion after the test (for names declared by hand). */
export function cleanupQueue(name: string): void {
  queues.push(name);
}
export function cleanupExchange(name: string): void {
  exchanges.push(name);
}

afterEach(async () => {
  const open = connections.splice(0);
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  const q = queues.splice(0);
  const x = exchanges.splice(0);
  if (q.length + x.length === 0) return;
  const c = await connect(amqpUrl());
  try {
    const ch = await c.channel();
    await Promise.all([...q.map((n) => ch.queueDelete(n)), ...x.map((n) => ch.exchangeDelete(n))]);
  } finally {
    await c.close();
  }
});

/** Collects `n` messages from an async iterable (then leaves the loop, cancelling a consumer). */
export async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const m of it) {
    out.push(m);
    if (out.length >= n) break;
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
