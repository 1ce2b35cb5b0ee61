/**
 * Shared by the interop tests: a warren connection and a confirm channel for the file, queues
 * named per test and deleted afterwards, and a basic.get that waits for the message (what another
 * client published is confirmed to it, not to us: wait for the condition, never a fixed time).
 */
import { afterAll, afterEach } from 'vitest';
import { connect, type Channel, type Connection, type FieldTable, type Message } from 'warren';
import { WIRE, type WireInfo } from 'warren/codec';
import { amqpUrl, uniqueName } from '../helpers/broker.js';

let conn: Connection | undefined;
let ch: Channel | undefined;
const queues: string[] = [];

/** The file's confirm channel. */
export async function channel(): Promise<Channel> {
  conn ??= await connect(amqpUrl());
  if (!ch) {
    ch = await conn.channel();
    await ch.confirmSelect();
  }
  return ch;
}

/** The file's connection (another channel on it: `(await connection()).channel()`). */
export async function connection(): Promise<Connection> {
  await channel();
  return conn!;
}

/** A queue for this test (not exclusive: the Python client uses it too), deleted after it. */
export async function queue(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  queues.push(name);
  await (await channel()).queueDeclare(name, { durable: false });
  return name;
}

/** The next message of `q`, waiting (polling basic.get) until there is one. */
export async function getMessage(q: string): Promise<Message> {
  const c = await channel();
  for (;;) {
    const m = await c.get(q, { noAck: true });
    if (m) return m;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The wire tags warren remembered for a decoded table, by key, as letters (`{ big: 'L' }`). */
export function tagsOf(t: FieldTable): Record<string, string> {
  const tags = ((t as Record<symbol, WireInfo | undefined>)[WIRE]?.tags ?? {}) as Record<string, number>;
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String.fromCharCode(v)]));
}

afterEach(async () => {
  const c = await channel();
  await Promise.all(queues.splice(0).map((q) => c.queueDelete(q)));
});

afterAll(async () => {
  await conn?.close();
});
