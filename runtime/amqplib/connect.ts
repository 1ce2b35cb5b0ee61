/**
 * amqplib's connect arguments → warren's ConnectOptions: the URL (amqp:// or amqps://, with
 * amqplib's camelCase query parameters `heartbeat`, `frameMax`, `channelMax`, `locale`,
 * `maxFrameSize`) or the object form, and the socket options (timeout, credentials, TLS,
 * clientProperties), with amqplib's defaults: guest/guest, vhost `/`, frameMax 131072, the
 * server's heartbeat and channel limit unless given, `heartbeat: 0` turning heartbeats off
 * (amqplib 2.0), and no recovery unless the `recovery` option asks for it (amqplib's default,
 * which code built around amqplib's `close` event, amqp-connection-manager's, relies on).
 * `socketOptions.warren` is merged last: any of warren's own options.
 *
 * Also amqplib's `credentials` helpers, as amqplib shapes them (`{ mechanism, response() }`).
 */
import { amqplain as warrenAmqplain, isWarrenError, type ConnectOptions, type SaslMechanism, type TlsOptions } from '../index.js';
import { toWireTable } from './args.js';
import { plainError } from './errors.js';
import type { AmqplibCredentials, ConnectObject, SocketOptions } from './types.js';

/** amqplib's `credentials`: PLAIN (its default), AMQPLAIN and EXTERNAL (a TLS client certificate). */
export const credentials = {
  /** PLAIN with `username` and `password`: amqplib's default mechanism. */
  plain(username: string, password: string): AmqplibCredentials & { username: string; password: string } {
    return { mechanism: 'PLAIN', response: () => Buffer.from(`\u0000${username}\u0000${password}`), username, password };
  },
  /** AMQPLAIN (RabbitMQ's older mechanism) with `username` and `password`. */
  amqplain(username: string, password: string): AmqplibCredentials & { username: string; password: string } {
    return { mechanism: 'AMQPLAIN', response: () => Buffer.from(warrenAmqplain(username, password).start()), username, password };
  },
  /** EXTERNAL: the broker takes the identity from the TLS client certificate. */
  external(): AmqplibCredentials {
    return { mechanism: 'EXTERNAL', response: () => Buffer.alloc(0) };
  },
};

/** What connect() resolved: warren's options, and the locale asked for (RabbitMQ knows only en_US). */
export interface Resolved {
  options: ConnectOptions;
  locale: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return unescape(s);
  }
}

/** An integer option: the wrong type is amqplib's error, as its encoder words it. */
function int(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v)) ? parseInt(String(v), 10) : NaN;
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`Field '${name}' is the wrong type; must be a number (but not NaN)`);
  return n;
}

function mechanismOf(c: AmqplibCredentials): SaslMechanism {
  if (!c || typeof c.mechanism !== 'string' || typeof c.response !== 'function') throw new TypeError('credentials must be { mechanism: string, response(): Buffer } (amqplib.credentials.plain(user, password)...)');
  return { name: c.mechanism, start: () => new Uint8Array(c.response()) };
}

/**
 * Translates connect(url, socketOptions) as amqplib reads them. Throws amqplib's error for a URL
 * that is not amqp: or amqps:, and for options of the wrong type.
 */
export function resolveConnect(url: string | ConnectObject | undefined | null | false, socketOptions: SocketOptions = {}): Resolved {
  let protocol: string;
  let hostname: string;
  let port: number | undefined;
  let username: string;
  let password: string;
  let vhost: string;
  let query: Record<string, unknown>;
  if (url && typeof url === 'object') {
    protocol = `${url.protocol || 'amqp'}:`.replace(/::$/, ':');
    hostname = url.hostname ?? 'localhost';
    port = url.port;
    if (url.username === undefined && url.password === undefined) [username, password] = ['guest', 'guest'];
    else [username, password] = [url.username || '', url.password || ''];
    vhost = url.vhost ? decode(url.vhost) : '/';
    query = { heartbeat: url.heartbeat, frameMax: url.frameMax, channelMax: url.channelMax, locale: url.locale, maxFrameSize: url.maxFrameSize };
  } else {
    let parts: URL | undefined;
    try {
      parts = new URL(url || 'amqp://localhost');
    } catch {
      parts = undefined;
    }
    protocol = parts?.protocol ?? '';
    if (protocol !== 'amqp:' && protocol !== 'amqps:') throw new Error(`Expected amqp: or amqps: as the protocol; got ${protocol}`);
    hostname = (parts!.hostname || '').replace(/^\[|\]$/g, '') || 'localhost';
    port = parts!.port ? parseInt(parts!.port, 10) : undefined;
    if (parts!.username !== '' || parts!.password !== '') [username, password] = [decode(parts!.username), decode(parts!.password)];
    else [username, password] = ['guest', 'guest'];
    vhost = parts!.pathname.length > 1 ? decode(parts!.pathname.slice(1)) : '/';
    query = {};
    // amqplib keeps the first value of a repeated parameter.
    for (const [k, v] of parts!.searchParams) if (!(k in query)) query[k] = v;
  }
  if (protocol !== 'amqp:' && protocol !== 'amqps:') throw new Error(`Expected amqp: or amqps: as the protocol; got ${protocol}`);
  const heartbeat = int('heartbeat', query.heartbeat);
  const frameMax = int('frameMax', query.frameMax) ?? 131072;
  const channelMax = int('channelMax', query.channelMax);
  int('maxFrameSize', query.maxFrameSize);
  const o: ConnectOptions = {
    hostname,
    port: port ?? (protocol === 'amqps:' ? 5671 : 5672),
    username,
    password,
    vhost,
    frameMax,
    // amqplib 2.0: 0 turns heartbeats off; absent takes the server's proposal (warren's 0).
    heartbeat: heartbeat === undefined ? 0 : heartbeat === 0 ? false : heartbeat,
    recovery: false,
  };
  if (channelMax) o.channelMax = channelMax;
  const s = socketOptions;
  if (s.timeout !== undefined) o.connectionTimeout = s.timeout;
  if (s.credentials) o.authMechanisms = [mechanismOf(s.credentials)];
  if (s.clientProperties) o.clientProperties = toWireTable(s.clientProperties);
  if (protocol === 'amqps:') {
    const tls: TlsOptions = {};
    if (s.ca !== undefined) tls.ca = s.ca;
    if (s.cert !== undefined) tls.cert = s.cert;
    if (s.key !== undefined) tls.key = s.key;
    if (s.passphrase !== undefined) tls.passphrase = s.passphrase;
    if (s.servername !== undefined) tls.servername = s.servername;
    if (s.rejectUnauthorized !== undefined) tls.rejectUnauthorized = s.rejectUnauthorized;
    o.tls = tls;
  }
  const locale = typeof query.locale === 'string' && query.locale ? query.locale : 'en_US';
  return { options: { ...o, ...s.warren }, locale };
}

/**
 * A failed connect in amqplib's words where amqplib's callers match on them (a SASL mechanism the
 * server lacks, a refused login), keeping warren's error as `cause` and a socket error's `code`.
 */
export function connectError(e: unknown, mechanism: string | undefined): Error {
  if (isWarrenError(e) && (e as Error).name === 'AuthMechanismError') {
    return new Error(`SASL mechanism ${mechanism ?? 'PLAIN'} is not provided by the server`, { cause: e });
  }
  if (isWarrenError(e) && (e as Error).name === 'ConnectTimeoutError') {
    return Object.assign(new Error('connect ETIMEDOUT', { cause: e }), { code: 'ETIMEDOUT' });
  }
  const r = e as { name?: string; replyCode?: number; replyText?: string };
  if (r && typeof r.replyCode === 'number' && (r.replyCode === 403 || r.replyCode === 530 || r.replyCode === 320)) {
    const err = new Error(`Handshake terminated by server: ${r.replyCode} (${r.replyCode === 403 ? 'ACCESS-REFUSED' : r.replyCode === 530 ? 'NOT-ALLOWED' : 'CONNECTION-FORCED'}) with message "${r.replyText}"`, { cause: e }) as Error & { code?: number };
    err.code = r.replyCode;
    return err;
  }
  return plainError(e);
}
