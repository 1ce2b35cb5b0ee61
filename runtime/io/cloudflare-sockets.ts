/**
 * How the Workers transport reaches workerd's `cloudflare:sockets`. In this (the Node, Bun and
 * Deno) build it is imported when connecting, by a specifier no bundler resolves, so that the
 * module loads everywhere and only a connect outside workerd fails, with a TypeError that says
 * why. The workerd build (scripts/lib/runtimes-workerd.mjs) swaps in ./workerd/cloudflare-sockets.ts,
 * which imports it statically, as Workers code does.
 */

/** The part of workerd's `cloudflare:sockets` Socket the Workers transport uses. */
export interface WorkerdSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** `connect` of `cloudflare:sockets`. */
export type WorkerdConnect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: 'off' | 'on' | 'starttls'; allowHalfOpen?: boolean },
) => WorkerdSocket;

/** Loads `connect` from `cloudflare:sockets`; rejects with a TypeError outside workerd. */
export async function workerdConnect(): Promise<WorkerdConnect> {
  const specifier = 'cloudflare:sockets';
  try {
    return ((await import(/* @vite-ignore */ specifier)) as { connect: WorkerdConnect }).connect;
  } catch (e) {
    throw new TypeError('the Workers transport needs cloudflare:sockets: it runs on Cloudflare Workers (workerd) only', { cause: e });
  }
}
