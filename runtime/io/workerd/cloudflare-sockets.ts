/**
 * The workerd build's stand-in for ../cloudflare-sockets.ts: `cloudflare:sockets` imported
 * statically (left external by the bundler, provided by workerd).
 */
// @ts-expect-error: workerd's module, not known to this project's TypeScript settings.
import { connect } from 'cloudflare:sockets';
import type { WorkerdConnect } from '../cloudflare-sockets.js';

export type { WorkerdConnect, WorkerdSocket } from '../cloudflare-sockets.js';

/** `connect` of `cloudflare:sockets`. */
export async function workerdConnect(): Promise<WorkerdConnect> {
  return connect as WorkerdConnect;
}
