/**
 * Opens a session (session.ts): one connection attempt: a transport to one endpoint (the `transport` option's factory, by
 * default TCP or TLS through node:net / node:tls), a fresh sans-io core, its driver, and the
 * AMQP handshake, within `connectionTimeout`. connect() uses it for the first connection
 * and recovery for every reconnect; each gives a new Session, never a reused core. The events
 * after the handshake wait in the session until its host attaches.
 */
import { ConnectionClosedError } from '../../errors.js';
import { frameTracer } from '../../io/diagnostics.js';
import { nodeTransport } from '../../io/node-transport.js';
import type { TlsOptions, TransportFactory } from '../../io/transport.js';
import type { ProtocolRegistry } from '../../codec/index.js';
import type { FieldTable } from '../../codec/index.js';
import { ConnectionCore } from '../../protocol/connection.js';
import type { ProtocolEvent } from '../../protocol/events.js';
import type { SaslMechanism } from '../../protocol/sasl.js';
import { clientProperties } from './client-properties.js';
import { Driver } from './driver.js';
import { Session, type SessionEndpoint } from './session.js';

/** What opening a session needs from the connection options (options.ts ResolvedOptions has it all). */
export interface SessionOptions {
  vhost: string;
  username: string;
  mechanisms: SaslMechanism[];
  mechanismsFor(username: string, password: string): SaslMechanism[];
  credentials: (() => { username?: string | undefined; password: string; expiresAt?: number | Date | undefined } | Promise<{ username?: string | undefined; password: string; expiresAt?: number | Date | undefined }>) | undefined;
  tls: TlsOptions | undefined;
  transport: TransportFactory | undefined;
  registry: ProtocolRegistry | undefined;
  connectionName: string | undefined;
  clientProperties: FieldTable | undefined;
  channelMax: number;
  frameMax: number;
  heartbeat: number;
  heartbeatOff: boolean;
  connectionTimeout: number;
  closeTimeout: number;
  maxBodySize: number;
  logger: { warn?(message: string, data?: Record<string, unknown>): void } | undefined;
}

let sessionIds = 0;

/**
 * Connects to `endpoint` and completes the handshake; rejects with the typed reason. `signal`
 * (the application closed the connection during a recovery) drops the attempt at once: the
 * socket is destroyed, nothing waits for `connectionTimeout`.
 */
export async function openSession(o: SessionOptions, endpoint: SessionEndpoint, signal?: AbortSignal): Promise<Session> {
  const started = Date.now();
  let mechanisms = o.mechanisms;
  let expiresAt: number | undefined;
  if (o.credentials) {
    const c = await o.credentials();
    mechanisms = o.mechanismsFor(c.username ?? o.username, c.password);
    expiresAt = c.expiresAt === undefined ? undefined : +c.expiresAt;
  }
  const tls = o.tls && endpoint.servername !== undefined && o.tls.servername === undefined ? { ...o.tls, servername: endpoint.servername } : o.tls;
  const warn = o.logger?.warn ? (message: string, data?: Record<string, unknown>) => o.logger?.warn?.(message, data) : undefined;
  const transport = await (o.transport ?? nodeTransport)({ hostname: endpoint.hostname, port: endpoint.port, tls, timeout: o.connectionTimeout, signal, warn });
  let session: Session | undefined;
  const early: ProtocolEvent[] = [];
  let opened!: () => void;
  let failed!: (e: Error) => void;
  let isOpen = false;
  const handshake = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const id = `warren-${++sessionIds}`;
  const core = new ConnectionCore(
    {
      registry: o.registry,
      vhost: o.vhost,
      mechanisms,
      clientProperties: clientProperties(o.connectionName, o.clientProperties),
      tune: { channelMax: o.channelMax, frameMax: o.frameMax, heartbeat: o.heartbeat, ...(o.heartbeatOff ? { heartbeatOff: true } : {}) },
      connectionTimeout: Math.max(1, o.connectionTimeout - (Date.now() - started)),
      closeTimeout: o.closeTimeout,
      maxBodySize: o.maxBodySize,
      // A transport that reads into one reused buffer: the core copies what it keeps.
      reusedChunks: transport.reusesChunks,
      untransferable: transport.untransferable?.bind(transport),
      ...frameTracer(id),
    },
    (e) => {
      if (session) return session.onEvent(e);
      if (!isOpen) {
        if (e.type === 'open') return ((isOpen = true), opened());
        if (e.type === 'error') return failed(e.error); // at once: the close handshake goes on in the background
        if (e.type === 'closed') {
          driver.end(e.destroy);
          return failed(e.error ?? new ConnectionClosedError('the connection closed during the handshake'));
        }
      }
      early.push(e);
    },
  );
  const driver = new Driver(core, transport, id);
  driver.start();
  const onAbort = () => {
    driver.end(true);
    failed(signal!.reason instanceof Error ? signal!.reason : new ConnectionClosedError('the connection attempt was abandoned'));
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await handshake;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  session = new Session({ core, driver, endpoint, id, expiresAt, early });
  return session;
}
