/**
 * What integration tests know about the RabbitMQ node that test/helpers/global-setup.ts started,
 * and how they act on it from outside the client under test (rabbitmqctl).
 *
 * Every accessor throws with the reason when the value is unavailable (an external broker given
 * by AMQP_URL has no rabbitmqctl access or TLS files): such a test fails, it is never skipped.
 * rabbitmqctl boots an Erlang VM per call (about 0.5 s): prefer one call that lists much over
 * many small ones, and do not poll it in tight loops.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createRabbitmqctl } from '../../scripts/lib/broker.mjs';
import type { TlsFiles } from './tls.js';

const EXTERNAL_HINT =
  'AMQP_URL points at an external broker; run the tests without AMQP_URL (a node is started for ' +
  'them) or through `node scripts/broker.mjs run -- npm test`';

/** `amqp://guest:guest@127.0.0.1:<port>/` of the test broker. */
export function amqpUrl(): string {
  return inject('amqpUrl');
}

/** `amqps://guest:guest@127.0.0.1:<port>/` of the test broker's TLS listener. */
export function amqpsUrl(): string {
  const url = inject('amqpsUrl');
  if (!url) throw new Error(`no TLS listener is known for the test broker: ${EXTERNAL_HINT}, or set AMQPS_URL`);
  return url;
}

/** The certificate files of the test broker's TLS listener (CA, server, client, self-signed). */
export function tlsFiles(): TlsFiles {
  const files = inject('tlsFiles');
  if (!files) throw new Error(`no TLS certificate files are known for the test broker: ${EXTERNAL_HINT}`);
  return files;
}

/** The test broker's Erlang node name, e.g. `warren-1234-a1b2c3@localhost`. */
export function brokerNodeName(): string {
  const name = inject('brokerNodeName');
  if (!name) throw new Error(`this test needs rabbitmqctl access to the broker: ${EXTERNAL_HINT}`);
  return name;
}

let ctl: ((...args: Array<string | number>) => Promise<string>) | undefined;

/** Runs `rabbitmqctl -n <test node> ...args`; resolves to stdout, rejects with stderr and code. */
export function rabbitmqctl(...args: Array<string | number>): Promise<string> {
  if (!ctl) {
    const env = inject('rabbitmqctlEnv');
    const nodeName = brokerNodeName();
    if (!env) throw new Error(`this test needs rabbitmqctl access to the broker: ${EXTERNAL_HINT}`);
    ctl = createRabbitmqctl({ nodeName, env });
  }
  return ctl(...args);
}

let counter = 0;

/**
 * A queue, exchange, vhost or user name no other test (in this run, a parallel worker, or an
 * earlier run against the same broker) uses: `<prefix>-<pid>-<counter>-<random>`.
 */
export function uniqueName(prefix = 'warren'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`;
}

/** One client connection as the broker sees it. */
export interface BrokerConnection {
  /** Erlang pid as rabbitmqctl close_connection takes it, e.g. `<node.1795341452.746.0>`. */
  pid: string;
  /** The broker's name for it: `<client ip>:<port> -> <server ip>:<port>`. */
  name: string;
  user: string;
  vhost: string;
  /** e.g. `running`, `blocked`, `blocking`, `starting`. */
  state: string;
  /** The client-properties table the client sent in connection.start-ok, decoded. */
  clientProperties: Record<string, unknown>;
  /** `clientProperties.connection_name` when the client sent one. */
  connectionName: string | undefined;
}

/** rabbitmqctl's JSON renders a field table as `[[key, type, value], ...]`. */
function decodeTable(entries: unknown): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  if (!Array.isArray(entries)) return table;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length < 3) continue;
    const [key, type, value] = entry as [string, string, unknown];
    table[key] = decodeValue(type, value);
  }
  return table;
}

function decodeValue(type: string, value: unknown): unknown {
  if (type === 'table') return decodeTable(value);
  if (type === 'array' && Array.isArray(value)) {
    return value.map((item) => (Array.isArray(item) && item.length === 2 ? decodeValue(String(item[0]), item[1]) : item));
  }
  return value;
}

/**
 * Lists the broker's client connections. Two rabbitmqctl calls run in parallel, because the JSON
 * formatter prints pids in a form (`#PID<...>`) that close_connection does not accept.
 */
export async function listConnections(): Promise<BrokerConnection[]> {
  const [json, plain] = await Promise.all([
    rabbitmqctl('-q', 'list_connections', 'name', 'user', 'vhost', 'state', 'client_properties', '--formatter', 'json'),
    rabbitmqctl('-q', '--no-table-headers', 'list_connections', 'name', 'pid'),
  ]);
  const pids = new Map<string, string>();
  for (const line of plain.split('\n')) {
    const [name, pid] = line.split('\t');
    if (name && pid) pids.set(name, pid.trim());
  }
  const rows = JSON.parse(json.trim() || '[]') as Array<Record<string, unknown>>;
  return rows.map((row) => {
    const clientProperties = decodeTable(row.client_properties);
    const name = String(row.name);
    const connectionName = clientProperties.connection_name;
    return {
      pid: pids.get(name) ?? '',
      name,
      user: String(row.user),
      vhost: String(row.vhost),
      state: String(row.state),
      clientProperties,
      connectionName: typeof connectionName === 'string' ? connectionName : undefined,
    };
  });
}

/**
 * Waits until the broker lists a connection that matches (connections appear a moment after the
 * client's handshake), polling every `intervalMs`.
 */
export async function waitForConnection(
  match: (connection: BrokerConnection) => boolean,
  { timeoutMs = 10_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<BrokerConnection> {
  const deadline = Date.now() + timeoutMs;
  let seen: BrokerConnection[] = [];
  for (;;) {
    seen = await listConnections();
    const found = seen.find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching broker connection within ${timeoutMs} ms; saw ${JSON.stringify(seen.map((c) => [c.name, c.connectionName, c.state]))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Closes a client connection from the broker side: the client gets connection.close 320
 * (CONNECTION_FORCED) with `reason` in the reply text. Takes a pid (`<...>`), the broker's
 * connection name (`ip:port -> ip:port`) or the client's `connection_name` property.
 */
export async function closeConnection(pidOrName: string, reason = 'closed by test'): Promise<void> {
  let pid = pidOrName;
  if (!pidOrName.startsWith('<')) {
    const connections = await listConnections();
    const found = connections.find((c) => c.name === pidOrName || c.connectionName === pidOrName);
    if (!found) throw new Error(`no broker connection named ${JSON.stringify(pidOrName)}; have ${JSON.stringify(connections.map((c) => c.name))}`);
    pid = found.pid;
  }
  await rabbitmqctl('close_connection', pid, reason);
}

/**
 * Raises a memory alarm on the node, as if it ran out of memory: the broker sends
 * connection.blocked to clients that announced the capability and stops reading from publishers.
 * Always pair with clearMemoryAlarm() (in a finally or afterEach): the alarm is node-wide.
 */
export async function setMemoryAlarm(): Promise<void> {
  await rabbitmqctl('eval', 'rabbit_alarm:set_alarm({{resource_limit, memory, node()}, []}).');
}

/** Clears the alarm set by setMemoryAlarm(); publishers get connection.unblocked. */
export async function clearMemoryAlarm(): Promise<void> {
  await rabbitmqctl('eval', 'rabbit_alarm:clear_alarm({resource_limit, memory, node()}).');
}

/** Creates a vhost and gives guest full permissions on it (so the default URL user can use it). */
export async function addVhost(name: string): Promise<void> {
  await rabbitmqctl('add_vhost', name);
  await setPermissions('guest', { vhost: name });
}

/** Deletes a vhost (and everything in it). */
export async function deleteVhost(name: string): Promise<void> {
  await rabbitmqctl('delete_vhost', name);
}

/** Creates a user; `tags` e.g. ['administrator']. Without `vhost` it has no permissions at all. */
export async function addUser(
  name: string,
  password: string,
  { tags = [], vhost }: { tags?: string[]; vhost?: string } = {},
): Promise<void> {
  await rabbitmqctl('add_user', name, password);
  if (tags.length > 0) await rabbitmqctl('set_user_tags', name, ...tags);
  if (vhost !== undefined) await setPermissions(name, { vhost });
}

/** Deletes a user. */
export async function deleteUser(name: string): Promise<void> {
  await rabbitmqctl('delete_user', name);
}

/** Sets a user's permissions on a vhost (regexes; default: everything on `/`). */
export async function setPermissions(
  user: string,
  { vhost = '/', configure = '.*', write = '.*', read = '.*' }: { vhost?: string; configure?: string; write?: string; read?: string } = {},
): Promise<void> {
  await rabbitmqctl('set_permissions', '-p', vhost, user, configure, write, read);
}

/** A copy of `url` with other credentials and/or vhost (the vhost is percent-encoded). */
export function withCredentials(url: string, { user, password, vhost }: { user?: string; password?: string; vhost?: string }): string {
  const parsed = new URL(url);
  if (user !== undefined) parsed.username = encodeURIComponent(user);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  if (vhost !== undefined) parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return parsed.toString();
}
