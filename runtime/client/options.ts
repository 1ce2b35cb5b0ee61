/**
 * Connection options: the URL form (amqp:// and amqps://, RabbitMQ's URI spec and query
 * parameters) and the options object, resolved into one shape. Pure: file paths for TLS are
 * read by the I/O layer. The password never leaves this module in any inspectable form: it is
 * captured by the SASL mechanism closures and dropped from everything else.
 */
import { ConfigurationError } from './errors.js';
import type { FieldTable, ProtocolRegistry } from '../codec/index.js';
import type { TlsOptions, TransportFactory } from '../io/transport.js';
import { amqplain, external, plain, type SaslMechanism } from '../protocol/sasl.js';
import { parseHost, type Endpoint } from './recovery/endpoints.js';
import { resolveRecovery, type CredentialsProvider, type RecoveryOptions, type ResolvedRecovery } from './recovery/options.js';
import { createSerializers, type SerializerRegistry } from './serializers.js';

export type { TlsOptions, TransportFactory } from '../io/transport.js';

/** Every setting of `connect()`; all optional. */
export interface ConnectOptions {
  /** Default `localhost`. */
  hostname?: string;
  /** Default 5672, or 5671 with TLS. */
  port?: number;
  /** Default `guest`. */
  username?: string;
  /** Default `guest`. Never shown in errors, events or inspected objects. */
  password?: string;
  /** Default `/`. */
  vhost?: string;
  /**
   * Heartbeat interval to propose, seconds (default 60). Negotiated as RabbitMQ documents: the
   * lower of the two non-zero values, so `0` means "no preference" and takes the server's value
   * (heartbeats are off only when both sides say 0, as with the Java and .NET clients and the
   * URL's `heartbeat=0`). `false` disables heartbeats whatever the server proposes: warren
   * answers 0 in connection.tune-ok, which RabbitMQ accepts. Without heartbeats a dead peer is
   * only noticed by TCP (minutes or hours): keep them on unless something else watches the link.
   */
  heartbeat?: number | false;
  /** Largest frame to propose, bytes (default 131072; never below 8192). */
  frameMax?: number;
  /** Most channels to propose (default 2047). */
  channelMax?: number;
  /** Milliseconds for TCP + TLS + AMQP handshake (default 30000). */
  connectionTimeout?: number;
  /** Milliseconds to wait for close-ok on close() (default 10000). */
  closeTimeout?: number;
  /** SASL mechanisms by name (`PLAIN`, `AMQPLAIN`, `EXTERNAL`) or custom objects, in order of preference. Default PLAIN then AMQPLAIN. */
  authMechanisms?: readonly (string | SaslMechanism)[];
  /** `true` or TLS settings: use TLS (implied by amqps://). */
  tls?: boolean | TlsOptions;
  /** Shown in the management UI (client property `connection_name`). */
  connectionName?: string;
  /** Extra client properties, merged over warren's own. */
  clientProperties?: FieldTable;
  /**
   * Largest incoming message body accepted, bytes (default 128 MiB: at least the default
   * max_message_size of every RabbitMQ version, 128 MiB on 3.x and 16 MiB on 4.x; raise it with
   * the broker's). A larger delivery closes its channel with 311 content-too-large. Memory for a
   * body is taken as its bytes arrive, never up front from the size the broker announces.
   */
  maxBodySize?: number;
  /** Protocol bindings; default warren's generated spec + RabbitMQ overlay. */
  registry?: ProtocolRegistry;
  /** Receives diagnostics (never message bodies or credentials). No console output otherwise. */
  logger?: Logger;
  /**
   * RabbitMQ deprecated features your broker's operators permit (`deprecated_features.permit.<name> = true`),
   * e.g. `['queue_master_locator']`: warren then sends requests that use them instead of refusing
   * them on the call (see the broker rules in the README).
   */
  permitDeprecatedFeatures?: readonly string[];
  /**
   * More brokers (nodes of a cluster) to connect to: `host`, `host:port` or `{ hostname, port }`.
   * With `connect([url1, url2])` the URLs' hosts are used. Shuffled at each (re)connect unless
   * `recovery.shuffle` is false.
   */
  hosts?: readonly (string | Endpoint)[];
  /** Automatic recovery settings; `false` turns it off (default on: see the README's Recovery section). */
  recovery?: boolean | RecoveryOptions;
  /** Called for the user name and password on every (re)connect, instead of `username`/`password`. */
  credentials?: CredentialsProvider;
  /** Serializers by content type for publish bodies and `message.payload` (default: `createSerializers()`: JSON, text, bytes). */
  serializers?: SerializerRegistry;
  /**
   * Opens the byte stream to a broker, for each connection attempt (default: TCP, or TLS with
   * `tls`, through node:net / node:tls). Give another to run where node:net is absent or to
   * connect over something else (an in-memory pipe in tests); see runtime/io/transport.ts for
   * what a Transport must do. It is given the endpoint, the TLS settings and the time left.
   */
  transport?: TransportFactory;
}

/** An optional logging hook: warren writes nothing to the console itself. */
export interface Logger {
  /** Routine diagnostics. */
  debug?(message: string, data?: Record<string, unknown>): void;
  /** Something went wrong that the application may want to know (a connection error...). */
  warn?(message: string, data?: Record<string, unknown>): void;
}

/** Options after defaults, with the credentials folded into the SASL mechanisms. */
export interface ResolvedOptions {
  hostname: string;
  port: number;
  vhost: string;
  username: string;
  heartbeat: number;
  /** `heartbeat: false`: answer 0 in tune-ok whatever the server proposes. */
  heartbeatOff: boolean;
  frameMax: number;
  channelMax: number;
  connectionTimeout: number;
  closeTimeout: number;
  mechanisms: SaslMechanism[];
  tls: TlsOptions | undefined;
  connectionName: string | undefined;
  clientProperties: FieldTable | undefined;
  maxBodySize: number;
  registry: ProtocolRegistry | undefined;
  logger: Logger | undefined;
  permitDeprecatedFeatures: readonly string[];
  /** Every broker address to try; the first is `hostname`:`port`. */
  endpoints: Endpoint[];
  /** Undefined when recovery is off. */
  recovery: ResolvedRecovery | undefined;
  /** The SASL mechanisms for credentials a CredentialsProvider returned (the configured names, in order). */
  mechanismsFor(username: string, password: string): SaslMechanism[];
  credentials: CredentialsProvider | undefined;
  serializers: SerializerRegistry;
  /** Undefined: the Node transport. */
  transport: TransportFactory | undefined;
}

export { ConfigurationError };

const INT_PARAMS = { heartbeat: 'heartbeat', frame_max: 'frameMax', channel_max: 'channelMax', connection_timeout: 'connectionTimeout' } as const;

/** Parses an amqp:// or amqps:// URL into options (RabbitMQ URI spec). */
export function parseUrl(url: string): ConnectOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    hostPortHint(url);
    // URL's own error carries the input, password included: say it without the input.
    throw new ConfigurationError('invalid AMQP URL (expected amqp://user:password@host:port/vhost)');
  }
  const scheme = u.protocol;
  if (scheme !== 'amqp:' && scheme !== 'amqps:') {
    hostPortHint(url);
    throw new ConfigurationError(`unsupported URL scheme ${scheme} (expected amqp: or amqps:)`);
  }
  // new URL() takes 'amqp:5672' (a host named amqp, port 5672) as a URL with no authority and
  // the path '5672', which would connect to localhost's vhost '672': the AMQP URI needs '//'.
  if (!/^\s*amqps?:\/\//i.test(url)) {
    hostPortHint(url);
    throw new ConfigurationError('invalid AMQP URL (expected amqp://user:password@host:port/vhost)');
  }
  const o: ConnectOptions = {};
  if (u.hostname) o.hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (u.port) o.port = Number(u.port);
  if (u.username) o.username = decodeComponent(u.username, 'user name');
  if (u.password) o.password = decodeComponent(u.password, 'password');
  // "amqp://h" and "amqp://h/" both mean the default vhost "/", as in every mainstream client;
  // any other path is one percent-encoded segment ("%2F" is "/", "%2Fprod" is "/prod").
  const path = u.pathname;
  if (path && path !== '/') {
    const segment = path.slice(1);
    if (segment.includes('/')) throw new ConfigurationError('the vhost in an AMQP URL must be one path segment; encode "/" as %2F');
    o.vhost = decodeComponent(segment, 'vhost');
  }
  const tls: TlsOptions = {};
  const mechanisms: string[] = [];
  for (const [key, value] of u.searchParams) {
    if (key in INT_PARAMS) {
      const n = Number(value);
      // The value is not echoed: a URL is where credentials live, and a misplaced one may be here.
      if (value === '' || !Number.isInteger(n) || n < 0) throw new ConfigurationError(`URL parameter ${key} must be a non-negative integer`);
      o[INT_PARAMS[key as keyof typeof INT_PARAMS]] = n;
    } else if (key === 'auth_mechanism') mechanisms.push(value);
    else if (key === 'cacertfile' || key === 'certfile' || key === 'keyfile') tls[key] = value;
    else if (key === 'server_name_indication') tls.servername = value;
    else if (key === 'verify') tls.rejectUnauthorized = value !== 'verify_none';
    else if (key === 'password') tls.passphrase = value;
    else if (key === 'name' || key === 'connection_name') o.connectionName = value;
    else throw new ConfigurationError(/^[a-z_]{1,40}$/.test(key) ? `unknown AMQP URL parameter ${key}` : 'unknown AMQP URL parameter (name not shown: it does not look like one)');
  }
  if (mechanisms.length) o.authMechanisms = mechanisms;
  if (scheme === 'amqps:') o.tls = tls;
  else if (Object.keys(tls).length) throw new ConfigurationError('TLS parameters need an amqps:// URL');
  return o;
}

/** A bare host:port: a name or IPv4 address without '@' (so no credentials), or a bracketed IPv6 address. */
const HOST_PORT = /^((?:[^:/@\s[\]]+|\[[0-9A-Fa-f:.]+\]):\d+)\/?$/;

/**
 * Throws the host:port hint when `url` is one. `new URL()` reads 'localhost:5672' as a URL of
 * scheme 'localhost:' but refuses '127.0.0.1:5672' and '[::1]:5672' (a scheme starts with a
 * letter), so both of parseUrl's failures ask here before giving their generic message.
 */
function hostPortHint(url: string): void {
  const m = HOST_PORT.exec(url.trim());
  if (!m) return;
  // 'amqps:5671' is more likely a URL that lost its '//host' than a host named amqps: name both
  // readings, the TLS one first, rather than steer a TLS user to plain text.
  const scheme = /^(amqps?):(\d+)\/?$/i.exec(m[1]!);
  if (scheme) {
    const [, name, port] = scheme;
    const tls = name!.toLowerCase() === 'amqps';
    const s = tls ? 'amqps' : 'amqp';
    throw new ConfigurationError(`'${m[1]}' is not a URL: for ${tls ? 'TLS to ' : ''}localhost write ${s}://localhost:${port}; for a host named ${name} write ${s}://${m[1]}; or pass { hostname, port }`);
  }
  throw new ConfigurationError(`'${m[1]}' is a host:port, not a URL: write amqp://${m[1]} or pass { hostname, port }`);
}

/** decodeURIComponent whose error names the part, never its text (it may be the password). */
function decodeComponent(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigurationError(`invalid percent-encoding in the ${part} of the AMQP URL`);
  }
}

function mechanism(m: string | SaslMechanism, username: string, password: string): SaslMechanism {
  if (typeof m !== 'string') return m;
  switch (m.toUpperCase()) {
    case 'PLAIN':
      return plain(username, password);
    case 'AMQPLAIN':
      return amqplain(username, password);
    case 'EXTERNAL':
      return external();
    default:
      throw new ConfigurationError(`unknown SASL mechanism ${m}: pass an object with name and start() for a custom one`);
  }
}

function intOption(v: number | undefined, name: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new ConfigurationError(`${name} must be an integer from 0 to ${max}, got ${v}`);
  return v;
}

/**
 * Catches the usual slips before they turn into a failed DNS lookup (a ConnectionLostError that
 * says nothing about the cause): a string where the options object goes, a `host:port` or a URL
 * given as `hostname`.
 */
function checkShapes(url: unknown, options: unknown): void {
  if (url !== undefined && typeof url !== 'string') throw new ConfigurationError(`the URL must be a string, got ${typeof url}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    const hint = typeof options === 'string' && HOST_PORT.test(options) ? `; for a host:port write connect('amqp://${options}') or connect({ hostname, port })` : '';
    throw new ConfigurationError(`connection options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}${hint}`);
  }
  const hostname = (options as ConnectOptions).hostname;
  if (hostname === undefined) return;
  if (typeof hostname !== 'string' || hostname.trim() === '') throw new ConfigurationError('hostname must be a non-empty string');
  if (hostname.includes('://')) throw new ConfigurationError('hostname is a URL: pass it as the first argument of connect(), or give hostname and port separately');
  const m = /^([^:\s]+):(\d+)$/.exec(hostname);
  if (m) throw new ConfigurationError(`hostname '${hostname}' includes a port: pass { hostname: '${m[1]}', port: ${m[2]} } or the URL amqp://${hostname}`);
}

function featureNames(v: readonly string[] | undefined): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((f) => typeof f !== 'string' || !/^[a-z0-9_]+$/.test(f))) {
    throw new ConfigurationError("permitDeprecatedFeatures must be an array of RabbitMQ deprecated-feature names, e.g. ['queue_master_locator']");
  }
  return [...v];
}

/** Merges a URL (if any) and an options object (which wins), applies defaults and validates. */
export function resolveOptions(url: string | undefined, options: ConnectOptions = {}): ResolvedOptions {
  checkShapes(url, options);
  const o: ConnectOptions = { ...(url ? parseUrl(url) : {}), ...options };
  const tls = o.tls === true ? {} : o.tls === false ? undefined : o.tls;
  const username = o.username ?? 'guest';
  const password = o.password ?? 'guest';
  const names = o.authMechanisms ?? ['PLAIN', 'AMQPLAIN'];
  const mechanismsFor = (user: string, secret: string): SaslMechanism[] => names.map((m) => mechanism(m, user, secret));
  const mechanisms = mechanismsFor(username, password);
  const frameMax = intOption(o.frameMax, 'frameMax', 131072, 0xffffffff);
  if (frameMax !== 0 && frameMax < 8192) throw new ConfigurationError(`frameMax must be at least 8192 (RabbitMQ refuses less), got ${frameMax}`);
  const defaultPort = tls ? 5671 : 5672;
  const hosts = (o.hosts ?? []).map((h) => parseHost(h, defaultPort));
  // With only `hosts`, they are the endpoints; a URL or `hostname` is the first of them.
  const onlyHosts = hosts.length > 0 && url === undefined && o.hostname === undefined && o.port === undefined;
  const hostname = onlyHosts ? hosts[0]!.hostname : (o.hostname ?? 'localhost');
  const port = onlyHosts ? hosts[0]!.port : intOption(o.port, 'port', defaultPort, 65535);
  const all = [{ hostname, port }, ...hosts];
  const endpoints = all.filter((e, i) => all.findIndex((f) => f.hostname === e.hostname && f.port === e.port) === i);
  return {
    hostname,
    port,
    vhost: o.vhost ?? '/',
    username,
    heartbeat: o.heartbeat === false ? 0 : intOption(o.heartbeat, 'heartbeat', 60, 65535),
    heartbeatOff: o.heartbeat === false,
    frameMax,
    channelMax: intOption(o.channelMax, 'channelMax', 2047, 65535),
    connectionTimeout: intOption(o.connectionTimeout, 'connectionTimeout', 30_000, 2 ** 31 - 1),
    closeTimeout: intOption(o.closeTimeout, 'closeTimeout', 10_000, 2 ** 31 - 1),
    mechanisms,
    tls,
    connectionName: o.connectionName,
    clientProperties: o.clientProperties,
    maxBodySize: intOption(o.maxBodySize, 'maxBodySize', 128 * 1024 * 1024, 2 ** 53 - 1),
    registry: o.registry,
    logger: o.logger,
    permitDeprecatedFeatures: featureNames(o.permitDeprecatedFeatures),
    endpoints,
    recovery: resolveRecovery(o.recovery),
    mechanismsFor,
    credentials: o.credentials,
    serializers: o.serializers ?? createSerializers(),
    transport: transportOption(o.transport),
  };
}

function transportOption(t: TransportFactory | undefined): TransportFactory | undefined {
  if (t !== undefined && typeof t !== 'function') throw new ConfigurationError(`transport must be a function (target) => Promise<Transport>, got ${typeof t}`);
  return t;
}
