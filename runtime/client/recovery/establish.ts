/**
 * One connection attempt: a transport to one endpoint (the `transport` option's factory, by
 * default TCP or TLS through node:net / node:tls), a fresh sans-io core, its driver, and the
 * AMQP handshake, within `connectionTimeout`. connect() uses it for the first connection
 * and recovery for every reconnect; each gives a new Link, never a reused core.
 *
 * Until the caller attaches a sink, the core's events are kept (e.g. connection.blocked read in
 * the same chunk as open-ok) and handed over by `attach()`, in order. A Link whose core the
 * connection has moved past is ignored by the connection (it compares cores), so a late event
 * of a dead core never reaches a channel of the new one.
 */
import { ConnectionClosedError } from '../../errors.js';
import { ConnectionCore } from '../../protocol/connection.js';
import type { ProtocolEvent } from '../../protocol/events.js';
import { frameTracer } from '../../io/diagnostics.js';
import { nodeTransport } from '../../io/node-transport.js';
import { Driver } from '../session/driver.js';
import { clientProperties } from '../client-properties.js';
import type { ResolvedOptions } from '../options.js';
import type { Endpoint } from './endpoints.js';

/** An open connection to one broker: its core and driver, and where it goes. */
export interface Link {
  readonly core: ConnectionCore;
  readonly driver: Driver;
  readonly endpoint: Endpoint;
  readonly id: string;
  /** When the credentials used expire (epoch ms), if the credentials function said. */
  readonly expiresAt: number | undefined;
  /** Routes the core's events to `sink` from now on, after the ones kept since the handshake. */
  attach(sink: (e: ProtocolEvent) => void): void;
}

let linkIds = 0;

/**
 * Connects to `endpoint` and completes the handshake; rejects with the typed reason. `signal`
 * (the application closed the connection during a recovery) drops the attempt at once: the
 * socket is destroyed, nothing waits for `connectionTimeout`.
 */
export async function establish(o: ResolvedOptions, endpoint: Endpoint, signal?: AbortSignal): Promise<Link> {
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
  let sink: ((e: ProtocolEvent) => void) | undefined;
  const early: ProtocolEvent[] = [];
  let opened!: () => void;
  let failed!: (e: Error) => void;
  let isOpen = false;
  const handshake = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const id = `warren-${++linkIds}`;
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
      trace: frameTracer(id),
    },
    (e) => {
      if (sink) return sink(e);
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
  return {
    core,
    driver,
    endpoint,
    id,
    expiresAt,
    attach(s) {
      sink = s;
      for (const e of early.splice(0)) s(e);
    },
  };
}
