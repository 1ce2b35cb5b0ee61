/**
 * What integration tests know about the RabbitMQ node that test/helpers/global-setup.ts started,
 * and how they act on it from outside the client under test (rabbitmqctl).
 *
 * Every accessor throws with the reason when the value is unavailable (an external broker given
 * by AMQP_URL has no rabbitmqctl access or TLS files): such a test fails, it is never skipped.
 * rabbitmqctl boots an Erlang VM per call: 0.5 s idle, 5 s seen on a loaded 2-core machine, which
 * would eat a 30 s test or hook budget in a handful of calls. So every helper here goes through
 * erl_call instead (~10 ms; RabbitMQ 3.10 internals, each covered by test/infra), and
 * rabbitmqctl() stays for anything else a test needs from the CLI. In the warren-testing project
 * (the in-process test broker, test/testing/) the helpers that have an equivalent there go
 * through its control endpoint instead (test/testing/control.ts).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createErlEval, createRabbitmqctl } from '../../scripts/lib/broker.mjs';
import { testBrokerControl } from '../testing/control.js';
import type { TlsFiles } from './tls.js';

const EXTERNAL_HINT =
  'AMQP_URL points at an external broker; run the tests without AMQP_URL (a node is started for ' +
  'them) or through `node scripts/broker.mjs run -- npm test`';

/** The test broker's version as it reports it in connection.start. */
export interface BrokerVersion {
  /** e.g. `RabbitMQ` */
  product: string;
  /** e.g. `4.3.6` */
  version: string;
  /** e.g. `4.3`: what version-specific expectations key on. */
  series: string;
  major: number;
  minor: number;
}

/** The version of the broker this test project runs against (from the broker, not the config). */
export function brokerVersion(): BrokerVersion {
  const { product, version } = inject('brokerServer');
  const [major = NaN, minor = NaN] = version.split('.').map(Number);
  return { product, version, series: `${major}.${minor}`, major, minor };
}

/** True when the test broker is RabbitMQ `series` (e.g. `'4.3'`) or newer. */
export function brokerAtLeast(series: string): boolean {
  const [major = 0, minor = 0] = series.split('.').map(Number);
  const v = brokerVersion();
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * The expectation for the test broker's version, from a table keyed by release series: the entry
 * of the newest series at or below the broker's, e.g. `byBrokerVersion({ '3.10': 503, '4.3': 406 })`.
 * Where RabbitMQ versions differ, a test states each version's behaviour this way (never a skip);
 * a broker older than every key throws, so an unknown version fails rather than passing blindly.
 */
export function byBrokerVersion<T>(table: Record<string, T>): T {
  const rank = (series: string): number => {
    const [major = 0, minor = 0] = series.split('.').map(Number);
    return major * 1000 + minor;
  };
  const { series } = brokerVersion();
  const candidates = Object.keys(table)
    .filter((key) => rank(key) <= rank(series))
    .sort((a, b) => rank(b) - rank(a));
  const key = candidates[0];
  if (key === undefined) throw new Error(`no expectation for RabbitMQ ${series} (known: ${Object.keys(table).join(', ')})`);
  return table[key] as T;
}

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
  const tb = testBrokerControl();
  if (tb) return tb('rabbitmqctl', { args }) as Promise<string>;
  if (!ctl) {
    const env = inject('rabbitmqctlEnv');
    const nodeName = brokerNodeName();
    if (!env) throw new Error(`this test needs rabbitmqctl access to the broker: ${EXTERNAL_HINT}`);
    ctl = createRabbitmqctl({ nodeName, env, root: inject('brokerRoot') });
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

let erl: ((expression: string) => Promise<string>) | undefined;

/**
 * Evaluates Erlang expressions on the test node with erl_call (~10 ms a call, against 0.5-2 s for
 * rabbitmqctl) and resolves to the printed result term. RabbitMQ internals: keep uses few.
 */
export function evalErlang(expression: string): Promise<string> {
  if (!erl) {
    const env = inject('rabbitmqctlEnv');
    const nodeName = brokerNodeName();
    if (!env) throw new Error(`this test needs Erlang access to the broker: ${EXTERNAL_HINT}`);
    erl = createErlEval({ nodeName, env, root: inject('brokerRoot') });
  }
  return erl(expression);
}

/** Evaluates an Erlang expression whose value rabbit_json can encode, and decodes it. */
async function evalJson<T>(expression: string): Promise<T> {
  // Base64 of the JSON prints as a plain quoted string: nothing in it needs Erlang unescaping.
  const printed = await evalErlang(`binary_to_list(base64:encode(rabbit_json:encode(begin ${expression} end)))`);
  const match = /^"([A-Za-z0-9+/=]*)"$/.exec(printed);
  if (!match) throw new Error(`unexpected erl_call result ${printed.slice(0, 200)}`);
  return JSON.parse(Buffer.from(match[1] ?? '', 'base64').toString('utf8')) as T;
}

/** A string as an Erlang binary expression, safe for any content. */
function erlBinary(text: string): string {
  return `base64:decode("${Buffer.from(text, 'utf8').toString('base64')}")`;
}

/** One client connection as the broker sees it. */
export interface BrokerConnection {
  /** Erlang pid as the node prints it, e.g. `<0.693.0>`; closeConnection() takes it. */
  pid: string;
  /** The broker's name for it: `<client ip>:<port> -> <server ip>:<port>`. */
  name: string;
  user: string;
  vhost: string;
  /** e.g. `running`, `blocked`, `blocking`, `starting`. */
  state: string;
  /** The client-properties table the client sent in connection.start-ok, as plain JSON values. */
  clientProperties: Record<string, unknown>;
  /** `clientProperties.connection_name` when the client sent one. */
  connectionName: string | undefined;
}

/**
 * Turns a field table (`[{Key, Type, Value}]`) into a map, recursively, so rabbit_json can encode
 * it; a connection still in its handshake has no table yet. A connection that closes while we ask
 * is left out (its info call throws).
 */
const LIST_CONNECTIONS = `
  Conv = fun Conv(Entries) -> maps:from_list([{K, case T of table -> Conv(V); array -> [case Ty of table -> Conv(X); _ -> X end || {Ty, X} <- V]; _ -> V end} || {K, T, V} <- Entries]) end,
  lists:filtermap(fun(P) ->
    try rabbit_networking:connection_info(P, [name, user, vhost, state, client_properties]) of
      Info -> {true, #{pid => list_to_binary(pid_to_list(P)),
                       name => proplists:get_value(name, Info),
                       user => proplists:get_value(user, Info),
                       vhost => proplists:get_value(vhost, Info),
                       state => proplists:get_value(state, Info),
                       client_properties => case proplists:get_value(client_properties, Info) of L when is_list(L) -> Conv(L); _ -> #{} end}}
    catch _:_ -> false end end, rabbit_networking:connections())`;

/** Lists the broker's client connections (one erl_call). */
export async function listConnections(): Promise<BrokerConnection[]> {
  const tb = testBrokerControl();
  if (tb) return (await tb('listConnections')) as BrokerConnection[];
  const rows = await evalJson<Array<Record<string, unknown>>>(LIST_CONNECTIONS);
  return rows.map((row) => {
    const clientProperties = (row.client_properties ?? {}) as Record<string, unknown>;
    const connectionName = clientProperties.connection_name;
    return {
      pid: String(row.pid),
      name: String(row.name),
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
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<BrokerConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await listConnections();
    const found = seen.find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching broker connection within ${timeoutMs} ms; saw ${JSON.stringify(seen.map((c) => [c.name, c.connectionName, c.state]))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Closes client connections from the broker side, as `rabbitmqctl close_connection` does: the
 * client gets connection.close 320 (CONNECTION_FORCED) with `reason` in the reply text. Matches a
 * pid (`<0.693.0>`), the broker's connection name (`ip:port -> ip:port`) or the client's
 * `connection_name` property; resolves to how many it closed and throws when none matched.
 */
export async function closeConnection(pidOrName: string, reason = 'closed by test'): Promise<number> {
  const tb = testBrokerControl();
  if (tb) return (await tb('closeConnection', { pidOrName, reason })) as number;
  const printed = await evalErlang(`
    Key = ${erlBinary(pidOrName)},
    Matches = lists:filter(fun(P) ->
      try rabbit_networking:connection_info(P, [name, client_properties]) of
        Info ->
          CP = case proplists:get_value(client_properties, Info) of L when is_list(L) -> L; _ -> [] end,
          list_to_binary(pid_to_list(P)) =:= Key orelse proplists:get_value(name, Info) =:= Key
            orelse lists:keyfind(<<"connection_name">>, 1, CP) =:= {<<"connection_name">>, longstr, Key}
      catch _:_ -> false end end, rabbit_networking:connections()),
    [rabbit_networking:close_connection(P, binary_to_list(${erlBinary(reason)})) || P <- Matches],
    length(Matches)`);
  const closed = Number(printed);
  if (!(closed > 0)) {
    const names = (await listConnections()).map((c) => [c.pid, c.name, c.connectionName]);
    throw new Error(`no broker connection matches ${JSON.stringify(pidOrName)}; have ${JSON.stringify(names)}`);
  }
  return closed;
}

/**
 * Raises a memory alarm on the node, as if it ran out of memory: the broker sends
 * connection.blocked to clients that announced the capability and stops reading from publishers.
 * Always pair with clearMemoryAlarm() (in a finally or afterEach): the alarm is node-wide.
 */
export async function setMemoryAlarm(): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('setMemoryAlarm'));
  await evalErlang('rabbit_alarm:set_alarm({{resource_limit, memory, node()}, []})');
}

/** Clears the alarm set by setMemoryAlarm(); publishers get connection.unblocked. */
export async function clearMemoryAlarm(): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('clearMemoryAlarm'));
  await evalErlang('rabbit_alarm:clear_alarm({resource_limit, memory, node()})');
}

/** The resources (`memory`, `disk`) whose alarm is active on the node. */
export async function activeResourceAlarms(): Promise<string[]> {
  const tb = testBrokerControl();
  if (tb) return (await tb('activeResourceAlarms')) as string[];
  return evalJson<string[]>('[atom_to_binary(R) || {{resource_limit, R, _}, _} <- rabbit_alarm:get_alarms()]');
}

/** Who the broker records as having made changes through these helpers (its audit field). */
const ACTING_USER = 'warren-tests';

/**
 * Runs one rabbit_vhost / rabbit_auth_backend_internal call; `args` are Erlang expressions. A
 * failure is an exception on 3.10 and an `{error, Reason}` result on 4.x: both reject.
 */
async function adminCall(fn: string, ...args: string[]): Promise<void> {
  const printed = await evalErlang(`${fn}(${[...args, erlBinary(ACTING_USER)].join(', ')})`);
  if (printed.startsWith('{error,')) throw new Error(`${fn} failed: ${printed}`);
}

/** Creates a vhost and gives guest full permissions on it (so the default URL user can use it). */
export async function addVhost(name: string): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('addVhost', { name }));
  await adminCall('rabbit_vhost:add', erlBinary(name));
  await setPermissions('guest', { vhost: name });
}

/** Deletes a vhost (and everything in it); rejects when it does not exist. */
export async function deleteVhost(name: string): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('deleteVhost', { name }));
  await adminCall('rabbit_vhost:delete', erlBinary(name));
}

/** The names of all vhosts on the node. */
export async function listVhosts(): Promise<string[]> {
  const tb = testBrokerControl();
  if (tb) return (await tb('listVhosts')) as string[];
  return evalJson<string[]>('rabbit_vhost:list_names()');
}

/**
 * Creates a user with a password; `tags` e.g. ['administrator']. It has no permissions unless
 * `vhost` is given (then full permissions there). Rejects when the user exists.
 */
export async function addUser(
  name: string,
  password: string,
  { tags = [], vhost }: { tags?: string[]; vhost?: string } = {},
): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('addUser', { name, password, tags, vhost }));
  await adminCall('rabbit_auth_backend_internal:add_user', erlBinary(name), erlBinary(password));
  if (tags.length > 0) {
    const atoms = tags.map((tag) => `binary_to_atom(${erlBinary(tag)})`).join(', ');
    await adminCall('rabbit_auth_backend_internal:set_tags', erlBinary(name), `[${atoms}]`);
  }
  if (vhost !== undefined) await setPermissions(name, { vhost });
}

/** Deletes a user; rejects when it does not exist. */
export async function deleteUser(name: string): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('deleteUser', { name }));
  await adminCall('rabbit_auth_backend_internal:delete_user', erlBinary(name));
}

/** Sets a user's permissions on a vhost (regexes; default: everything on `/`). */
export async function setPermissions(
  user: string,
  { vhost = '/', configure = '.*', write = '.*', read = '.*' }: { vhost?: string; configure?: string; write?: string; read?: string } = {},
): Promise<void> {
  const tb = testBrokerControl();
  if (tb) return void (await tb('setPermissions', { user, vhost }));
  await adminCall(
    'rabbit_auth_backend_internal:set_permissions',
    ...[user, vhost, configure, write, read].map(erlBinary),
  );
}

/** The vhosts a user has permissions on. */
export async function userVhosts(user: string): Promise<string[]> {
  const tb = testBrokerControl();
  if (tb) return (await tb('userVhosts', { user })) as string[];
  return evalJson<string[]>(
    `[proplists:get_value(vhost, P) || P <- rabbit_auth_backend_internal:list_user_permissions(${erlBinary(user)})]`,
  );
}

/** A copy of `url` with other credentials and/or vhost (the vhost is percent-encoded). */
export function withCredentials(url: string, { user, password, vhost }: { user?: string; password?: string; vhost?: string }): string {
  const parsed = new URL(url);
  if (user !== undefined) parsed.username = encodeURIComponent(user);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  if (vhost !== undefined) parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return parsed.toString();
}
