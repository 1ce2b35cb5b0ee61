/**
 * Opens the TCP or TLS socket for a connection. The only place (with driver.ts) that touches
 * node:net / node:tls / node:fs. Errors come back typed: ConnectionLostError for a refused or
 * failed connection (with the system `code` in `cause`), ConnectTimeoutError when nothing
 * happened in time.
 */
import { readFileSync } from 'node:fs';
import { isIP, Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { TlsOptions } from '../client/options.js';
import { ConnectTimeoutError, ConnectionLostError } from '../errors.js';
import { diagnostics } from './driver.js';

export interface SocketTarget {
  hostname: string;
  port: number;
  tls: TlsOptions | undefined;
  /** Milliseconds until the attempt is abandoned. */
  timeout: number;
  signal?: AbortSignal | undefined;
  /**
   * For plain TCP: receive data through this callback, read into one reused buffer (node:net
   * `onread`) instead of a fresh Buffer per read; the bytes are valid only during the call.
   * TLS sockets do not support it and emit 'data' as usual.
   */
  onRead?: ((chunk: Buffer) => void) | undefined;
  /** The logger's `warn`: told when TLS certificate verification is off. */
  warn?: ((message: string, data?: Record<string, unknown>) => void) | undefined;
}

/**
 * Certificate verification off is loud, once per connection: a warning to the logger and an
 * event on `warren:tls-insecure`. Without verification anyone on the path can pose as the
 * broker and read everything, the credentials first.
 */
function warnInsecure(t: SocketTarget): void {
  const where = { hostname: t.hostname, port: t.port };
  t.warn?.('TLS certificate verification is off (rejectUnauthorized: false or verify=verify_none): the broker is not authenticated, and a man in the middle can read everything, credentials included', where);
  if (diagnostics.tlsInsecure.hasSubscribers) diagnostics.tlsInsecure.publish(where);
}

/** Size of the reused read buffer: what one read() may return. */
const READ_BUFFER = 64 * 1024;

function pem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function tlsSettings(t: SocketTarget): ConnectionOptions {
  const o = t.tls!;
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const ca = o.ca !== undefined ? (Array.isArray(o.ca) ? o.ca.map(pem) : [pem(o.ca)]) : read(o.cacertfile);
  const settings: ConnectionOptions = {
    host: t.hostname,
    port: t.port,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  };
  if (ca !== undefined) settings.ca = ca;
  const cert = o.cert !== undefined ? pem(o.cert) : read(o.certfile);
  const key = o.key !== undefined ? pem(o.key) : read(o.keyfile);
  if (cert !== undefined) settings.cert = cert;
  if (key !== undefined) settings.key = key;
  if (o.passphrase !== undefined) settings.passphrase = o.passphrase;
  // SNI must not be an IP address (RFC 6066 3); node then checks the IP against the certificate.
  const servername = o.servername ?? (isIP(t.hostname) ? undefined : t.hostname);
  if (servername !== undefined) settings.servername = servername;
  return settings;
}

/** Resolves with a connected (and, for TLS, verified) socket. */
export function openSocket(t: SocketTarget): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    if (t.tls && t.tls.rejectUnauthorized === false) warnInsecure(t);
    try {
      const onRead = t.onRead;
      socket = t.tls
        ? tlsConnect(tlsSettings(t))
        : netConnect(
            onRead
              ? { host: t.hostname, port: t.port, onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array): boolean => (onRead((buf as Buffer).subarray(0, n)), true) } }
              : { host: t.hostname, port: t.port },
          );
    } catch (e) {
      reject(new ConnectionLostError(`cannot connect to ${t.hostname}:${t.port}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const ready = t.tls ? 'secureConnect' : 'connect';
    const done = (err?: Error) => {
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onAbort);
      socket.off(ready, onReady);
      socket.off('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onReady = () => done();
    const onError = (e: Error) =>
      done(new ConnectionLostError(`cannot connect to ${t.hostname}:${t.port}: ${e.message}`, { cause: e }));
    const onAbort = () => done(new ConnectTimeoutError(`connecting to ${t.hostname}:${t.port} was aborted`, { cause: t.signal?.reason }));
    const timer = setTimeout(() => done(new ConnectTimeoutError(`no connection to ${t.hostname}:${t.port} within ${t.timeout} ms`)), t.timeout);
    socket.once(ready, onReady);
    socket.once('error', onError);
    t.signal?.addEventListener('abort', onAbort, { once: true });
    if (t.signal?.aborted) onAbort();
  });
}
