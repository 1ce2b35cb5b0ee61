/**
 * Shared setup of the RabbitMQ 4 tests: connections opened here are closed after each test and
 * queues declared here are deleted (on a fresh connection). `is43` tells which behaviour to
 * assert: a 4.3-only behaviour is asserted on 4.3 and its absence on 3.10, never skipped.
 */
import { afterEach } from 'vitest';
import { connect, type Channel, type Connection, type ConnectOptions, type QueueOptions } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

const connections: Connection[] = [];
const queues: string[] = [];

/** A connection closed after the test. */
export async function connection(options: ConnectOptions = {}): Promise<Connection> {
  const c = await connect(amqpUrl(), options);
  c.on('error', () => undefined);
  connections.push(c);
  return c;
}

/** A channel on a new connection closed after the test. */
export async function channel(options: ConnectOptions = {}): Promise<Channel> {
  return (await connection(options)).channel();
}

/** True when the test broker is RabbitMQ 4.3 or later (from connection.start). */
export function is43(c: Connection): boolean {
  const b = c.broker;
  return b.major > 4 || (b.major === 4 && b.minor >= 3);
}

/** Declares a uniquely named durable queue (transient non-exclusive queues are deprecated), deleted after the test. */
export async function queue(ch: Channel, options: QueueOptions = {}, prefix = 'rmq4'): Promise<string> {
  const name = uniqueName(prefix);
  queues.push(name);
  await ch.queueDeclare(name, options);
  return name;
}

/** A name deleted after the test (for queues declared by hand). */
export function cleanupQueue(name: string): string {
  queues.push(name);
  return name;
}

/** A logger that keeps its warnings. */
export function recordingLogger(): { warnings: string[]; logger: { warn(message: string): void } } {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => void warnings.push(message) } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `f` until it returns true (every 50 ms, at most `ms`). */
export async function until(f: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(50);
  }
}

afterEach(async () => {
  const open = connections.splice(0);
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  const q = queues.splice(0);
  if (q.length === 0) return;
  const c = await connect(amqpUrl());
  try {
    const ch = await c.channel();
    for (const n of q) await ch.queueDelete(n);
  } finally {
    await c.close();
  }
});
