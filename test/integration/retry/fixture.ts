/**
 * Shared setup of the retry, back-pressure and shutdown tests: connections opened here are
 * closed after each test, and queues and exchanges named here are deleted (on a fresh
 * connection). `brokerNow()` reads the broker's clock (erl_call), so that delays are measured
 * against the times the broker itself writes (x-death `time`, a quorum queue's
 * `next_delayed_at`), never against the test's own speed.
 */
import { afterEach } from 'vitest';
import { connect, type Connection, type ConnectOptions } from 'warren';
import { amqpUrl, evalErlang, rabbitmqctl } from '../../helpers/broker.js';

const connections: Connection[] = [];
const queues: string[] = [];
const exchanges: string[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
  if (queues.length + exchanges.length === 0) return;
  const c = await connect(amqpUrl());
  const ch = await c.channel();
  for (const q of queues.splice(0)) await ch.queueDelete(q);
  for (const x of exchanges.splice(0)) await ch.exchangeDelete(x);
  await c.close();
});

/** A connection closed after the test. */
export async function connection(options: ConnectOptions = {}): Promise<Connection> {
  const c = await connect(amqpUrl(), options);
  c.on('error', () => undefined);
  connections.push(c);
  return c;
}

/** Names of queues and exchanges to delete after the test. */
export function cleanup(names: { queues?: readonly string[]; exchanges?: readonly string[] }): void {
  queues.push(...(names.queues ?? []));
  exchanges.push(...(names.exchanges ?? []));
}

/** The broker's clock, ms since the epoch (os:system_time on the node). */
export async function brokerNow(): Promise<number> {
  const printed = await evalErlang('os:system_time(millisecond).');
  const n = Number(printed.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`unexpected broker time ${printed}`);
  return n;
}

/** Polls `f` until it returns true (every 50 ms, at most `ms`). */
export async function until(f: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `rabbitmqctl list_queues name messages` for these queues: what the broker shows. */
export async function queueCounts(names: readonly string[]): Promise<Record<string, number>> {
  const out = await rabbitmqctl('list_queues', '-q', '--formatter', 'json', 'name', 'messages');
  const rows = JSON.parse(out) as Array<{ name: string; messages: number }>;
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = rows.find((r) => r.name === name)?.messages ?? -1;
  return counts;
}

/**
 * A RabbitMQ 4.3 quorum queue's delayed set, from its state machine (rabbit_fifo:overview, read
 * on the node): how many messages wait, and when the next is due (broker clock, ms; 0: none).
 */
export async function delayedSet(queue: string): Promise<{ delayed: number; nextAt: number }> {
  const q = Buffer.from(queue, 'utf8').toString('base64');
  const printed = await evalErlang(
    `begin {ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, base64:decode("${q}"))), ` +
      `{ok, {_, O}, _} = ra:local_query(amqqueue:get_pid(Q), fun rabbit_fifo:overview/1), ` +
      `N = maps:get(next_delayed_at, O, undefined), ` +
      `{maps:get(num_delayed_messages, O, 0), case N of undefined -> 0; _ -> N end} end.`,
  );
  const m = /^\{(\d+),\s*(\d+)\}$/.exec(printed.trim());
  if (!m) throw new Error(`unexpected overview ${printed.slice(0, 200)}`);
  return { delayed: Number(m[1]), nextAt: Number(m[2]) };
}

/**
 * Lets `connection` send what the broker rules refuse (runtime/client/broker-rules.ts), so that a
 * test can show what the broker itself does with it: the reason a rule exists.
 */
export function withoutBrokerRules(connection: Connection): Connection {
  (connection as unknown as { rules: { check(m: unknown): void } }).rules.check = () => undefined;
  return connection;
}
