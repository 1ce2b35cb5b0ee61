/**
 * More broker-side helpers for the connection tests (test/helpers/broker.ts is shared and left
 * alone): the negotiated settings of connections as the broker reports them, a closed port,
 * and waiting for an emitter event with a deadline.
 */
import { createServer, type AddressInfo } from 'node:net';
import { rabbitmqctl } from './broker.js';

/** One connection as `rabbitmqctl list_connections` reports its negotiated settings. */
export interface ConnectionSettings {
  name: string;
  user: string;
  vhost: string;
  authMechanism: string;
  frameMax: number;
  channelMax: number;
  /** Heartbeat, seconds. */
  timeout: number;
  ssl: boolean;
  connectionName: string | undefined;
  capabilities: Record<string, unknown>;
}

/** Every client connection's negotiated settings and client properties, in one rabbitmqctl call. */
export async function connectionSettings(): Promise<ConnectionSettings[]> {
  const json = await rabbitmqctl('-q', 'list_connections', 'name', 'user', 'vhost', 'auth_mechanism', 'frame_max', 'channel_max', 'timeout', 'ssl', 'client_properties', '--formatter', 'json');
  const rows = JSON.parse(json.trim() || '[]') as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const props = table(r.client_properties);
    return {
      name: String(r.name),
      user: String(r.user),
      vhost: String(r.vhost),
      authMechanism: String(r.auth_mechanism),
      frameMax: Number(r.frame_max),
      channelMax: Number(r.channel_max),
      timeout: Number(r.timeout),
      ssl: r.ssl === true,
      connectionName: typeof props.connection_name === 'string' ? props.connection_name : undefined,
      capabilities: (props.capabilities as Record<string, unknown>) ?? {},
    };
  });
}

/** The settings of the connection whose client property `connection_name` is `name`. */
export async function settingsOf(name: string): Promise<ConnectionSettings> {
  return (await settingsOfAll([name]))[0]!;
}

/** The settings of several named connections, in order, with as few rabbitmqctl calls as possible. */
export async function settingsOfAll(names: readonly string[]): Promise<ConnectionSettings[]> {
  for (let attempt = 0; ; attempt++) {
    const all = await connectionSettings();
    const found = names.map((n) => all.find((c) => c.connectionName === n));
    if (found.every((f) => f !== undefined)) return found as ConnectionSettings[];
    if (attempt >= 20) throw new Error(`the broker lists no connection named ${names.filter((_, i) => !found[i]).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function table(entries: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!Array.isArray(e) || e.length < 3) continue;
    const [key, type, value] = e as [string, string, unknown];
    out[key] = type === 'table' ? table(value) : value;
  }
  return out;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface On {
  // Loosely typed on purpose: warren's emitters type `on` per event name.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: any, listener: any): unknown;
}

/** Resolves with the arguments of the next `event`, rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(emitter: On, event: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${ms} ms`)), ms);
    emitter.on(event, ((...args: T) => {
      clearTimeout(timer);
      resolve(args);
    }) as never);
  });
}
