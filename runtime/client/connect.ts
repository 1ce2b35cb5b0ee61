/**
 * How a connection is opened: `connect()` takes a URL, several URLs (nodes of a cluster), an
 * options object or a URL and an object, resolves them (options.ts), walks the endpoints for the
 * first session (recovery/endpoints.ts, with backoff when `recovery.retryInitialConnect` is set)
 * and hands the session to a new Connection, the facade that outlives it (connection.ts).
 */
import { Connection } from './connection.js';
import { parseUrl, resolveOptions, type ConnectOptions, type ResolvedOptions } from './options.js';
import { EndpointWalk } from './recovery/endpoints.js';
import { reconnect, sleep } from './recovery/supervisor.js';
import { openSession } from './session/open.js';
import type { Session } from './session/session.js';
import { traceConnect, tracing } from './tracing/index.js';

/**
 * Opens a connection: TCP (or TLS), the AMQP handshake, authentication and vhost, within
 * `connectionTimeout`. Accepts an amqp:// or amqps:// URL, several URLs (nodes of a cluster:
 * the first gives the credentials and settings, the others their hosts), an options object, or
 * a URL and an object (the object wins). With several endpoints they are tried in a shuffled
 * order; the first connect tries each once, or retries with backoff when
 * `recovery.retryInitialConnect` is set.
 */
export async function connect(url?: string | readonly string[] | ConnectOptions, options?: ConnectOptions): Promise<Connection> {
  let o: ResolvedOptions;
  if (typeof url === 'string') o = resolveOptions(url, options);
  else if (Array.isArray(url)) {
    const [first, ...rest] = url as readonly string[];
    const hosts = rest.map((u) => {
      const p = parseUrl(u);
      return { hostname: p.hostname ?? 'localhost', port: p.port ?? (p.tls ? 5671 : 5672) };
    });
    o = resolveOptions(first, { ...options, hosts: [...hosts, ...(options?.hosts ?? [])] });
  } else o = resolveOptions(undefined, (url as ConnectOptions | undefined) ?? options);
  if (tracing.connect.start.hasSubscribers) return traceConnect(o, () => open(o));
  return open(o);
}

/** connect() once its options are resolved. */
async function open(o: ResolvedOptions): Promise<Connection> {
  const r = o.recovery;
  const walk = new EndpointWalk(o.endpoints, { shuffle: r?.shuffle ?? true, random: r?.random ?? Math.random, resolve: r?.resolve });
  let session: Session;
  if (r?.retryInitialConnect) {
    session = await reconnect(walk, r, { establish: (ep) => openSession(o, ep), sleep, now: Date.now }, { attempts: 0, startedAt: Date.now(), lastError: undefined }, new AbortController().signal);
  } else {
    // One pass over the endpoints; the last error is the one the application sees.
    for (;;) {
      const endpoint = await walk.next();
      try {
        session = await openSession(o, endpoint);
        break;
      } catch (e) {
        if (walk.startsPass) throw e;
      }
    }
  }
  return new Connection(session, o);
}
