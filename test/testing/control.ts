/**
 * The differential project's stand-in for rabbitmqctl and erl_call: an HTTP endpoint on
 * 127.0.0.1, served by vitest's main process (where the test broker runs), through which test
 * workers do to warren/testing what test/helpers/broker.ts does to RabbitMQ (list and close
 * connections, resource alarms, users and vhosts). `call()` is the workers' side; the helpers use
 * it when the project provides `testBrokerControl`.
 */
import { createServer, type Server } from 'node:http';
import { inject } from 'vitest';
import type { FieldTable, FieldValue } from '../../runtime/codec/index.js';
import type { RunningTestBroker } from '../../runtime/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT/` of the test broker's control endpoint (warren-testing project only). */
    testBrokerControl: string | null;
  }
}

/** Field values as plain JSON, as the erl_call helper's rabbit_json gives them. */
function json(v: FieldValue): unknown {
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (Array.isArray(v)) return v.map(json);
  if (v && typeof v === 'object' && !(v instanceof Map)) return Object.fromEntries(Object.entries(v as FieldTable).map(([k, x]) => [k, json(x)]));
  return v;
}

type Op = (b: RunningTestBroker, args: Record<string, unknown>) => unknown;

/** A field table as rabbitmqctl's JSON formatter prints it: `[key, type, value]` triplets. */
function triplets(t: FieldTable): unknown[] {
  return Object.entries(t).map(([k, v]) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date) && !(v instanceof Map)) return [k, 'table', triplets(v as FieldTable)];
    return [k, typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'longstr' : typeof v === 'number' ? 'long' : 'longstr', json(v)];
  });
}

/** `rabbitmqctl -q list_connections|list_queues <columns> --formatter json`, the forms the tests use. */
function rabbitmqctl(b: RunningTestBroker, argv: string[]): string {
  const args = argv.filter((a) => a !== '-q' && a !== '--formatter' && a !== 'json');
  if (!argv.includes('json')) throw new Error(`rabbitmqctl ${argv.join(' ')}: only --formatter json is emulated`);
  const [command, ...columns] = args;
  if (command === 'list_connections') {
    const rows = b.connections().map((c): Record<string, unknown> => ({
      name: c.name, user: c.user, vhost: c.vhost, auth_mechanism: c.authMechanism, frame_max: c.frameMax, channel_max: c.channelMax,
      timeout: c.timeout, ssl: false, client_properties: triplets(c.clientProperties), channels: c.channels,
    }));
    return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((k) => [k, r[k]]))));
  }
  if (command === 'list_queues') {
    const rows = b.queues().map((q): Record<string, unknown> => ({
      name: q.name, messages: q.messages, messages_ready: q.messagesReady, messages_unacknowledged: q.messagesUnacknowledged, consumers: q.consumers, durable: q.durable,
    }));
    return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((k) => [k, r[k]]))));
  }
  throw new Error(`rabbitmqctl ${argv.join(' ')} is not emulated by warren/testing`);
}

const OPS: Record<string, Op> = {
  rabbitmqctl: (b, { args }) => rabbitmqctl(b, (args as unknown[]).map(String)),
  listConnections: (b) =>
    b.connections().map((c) => ({
      pid: String(c.id), name: c.name, user: c.user, vhost: c.vhost, state: c.state === 'running' ? 'running' : c.state,
      clientProperties: json(c.clientProperties), connectionName: c.connectionName,
    })),
  closeConnection: (b, { pidOrName, reason }) => {
    const key = String(pidOrName);
    const n = b.broker.closeConnections((c) => String(c.connection) === key || c.name === key || c.clientProperties.connection_name === key, String(reason));
    if (n === 0) throw new Error(`no broker connection matches ${JSON.stringify(key)}`);
    return n;
  },
  setMemoryAlarm: (b) => b.broker.block('low on memory'),
  clearMemoryAlarm: (b) => b.broker.unblock(),
  activeResourceAlarms: (b) => (b.broker.blockedReason === undefined ? [] : ['memory']),
  addVhost: (b, { name }) => {
    b.broker.addVhost(String(name));
    b.broker.setPermissions('guest', String(name));
  },
  deleteVhost: (b, { name }) => {
    if (!b.broker.vhosts.has(String(name))) throw new Error(`no vhost ${String(name)}`);
    b.broker.deleteVhost(String(name));
  },
  listVhosts: (b) => [...b.broker.vhosts.keys()],
  addUser: (b, { name, password, vhost }) => {
    if (b.broker.users.has(String(name))) throw new Error(`user ${String(name)} exists`);
    b.broker.addUser(String(name), String(password), { vhosts: typeof vhost === 'string' ? [vhost] : [] });
  },
  deleteUser: (b, { name }) => {
    if (!b.broker.users.has(String(name))) throw new Error(`no user ${String(name)}`);
    b.broker.deleteUser(String(name));
  },
  setPermissions: (b, { user, vhost }) => b.broker.setPermissions(String(user), String(vhost)),
  userVhosts: (b, { user }) => [...(b.broker.permissions.get(String(user)) ?? [])],
};

/** Serves OPS for `broker`; resolves to the endpoint's URL and a stop function. */
export function serveControl(broker: RunningTestBroker): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      try {
        const { op, args } = JSON.parse(body) as { op: string; args: Record<string, unknown> };
        const fn = OPS[op];
        if (!fn) throw new Error(`unknown control operation ${op}`);
        const result = fn(broker, args ?? {});
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

/** The control endpoint when the tests run against warren/testing, else undefined (a real RabbitMQ). */
export function testBrokerControl(): ((op: string, args?: Record<string, unknown>) => Promise<unknown>) | undefined {
  let url: string | null | undefined;
  try {
    url = inject('testBrokerControl');
  } catch {
    return undefined;
  }
  if (!url) return undefined;
  const endpoint = url;
  return async (op, args = {}) => {
    const res = await fetch(endpoint, { method: 'POST', body: JSON.stringify({ op, args }) });
    const answer = (await res.json()) as { result?: unknown; error?: string };
    if (answer.error !== undefined) throw new Error(`warren/testing control ${op}: ${answer.error}`);
    return answer.result;
  };
}
