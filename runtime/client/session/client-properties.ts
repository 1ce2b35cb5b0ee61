/**
 * The client-properties table sent in connection.start-ok, and which JavaScript runtime this is.
 *
 * The broker shows `platform` in its management UI and `rabbitmqctl list_connections`; an operator
 * reads it to tell clients apart, so it must name the runtime that really runs. `process.version`
 * alone does not: Bun and Deno provide a `process` object for Node compatibility whose `version`
 * is a Node version they imitate (Bun 1.4.5 and Deno 2.9.6 both say v26.3.0), and workerd with
 * `nodejs_compat` has one too. So each runtime is recognised by its own global first (`Bun.version`,
 * `Deno.version.deno`, workerd's fixed `navigator.userAgent`), and Node last, by
 * `process.release.name`.
 */
import type { FieldTable } from '../../codec/index.js';

/** warren's version, kept in step with package.json by a test. */
export const VERSION = '0.1.0';

/** Capabilities RabbitMQ looks for (PROTOCOL-NOTES.md): warren implements each of them. */
export const CAPABILITIES: FieldTable = {
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  authentication_failure_close: true,
  per_consumer_qos: true,
  direct_reply_to: true,
};

/** The runtime running warren: `name` is one of these, `version` as that runtime spells it. */
export interface RuntimeInfo {
  name: 'node' | 'bun' | 'deno' | 'workerd' | 'unknown';
  /** e.g. `v20.20.2` (Node), `1.4.5` (Bun), `2.9.6` (Deno); undefined where none is exposed (workerd). */
  version: string | undefined;
  /** What goes into client-properties `platform`, e.g. `Node.js v20.20.2`, `Bun 1.4.5`. */
  platform: string;
}

/** The globals each runtime is recognised by (all optional: any may be missing). */
interface RuntimeGlobals {
  Bun?: { version?: unknown };
  Deno?: { version?: { deno?: unknown } };
  navigator?: { userAgent?: unknown };
  process?: { version?: unknown; release?: { name?: unknown } };
}

/** Recognises the runtime from `globals` (globalThis by default; tests pass their own). */
export function detectRuntime(globals: object = globalThis): RuntimeInfo {
  const g = globals as RuntimeGlobals;
  const bun = g.Bun?.version;
  if (typeof bun === 'string') return { name: 'bun', version: bun, platform: `Bun ${bun}` };
  const deno = g.Deno?.version?.deno;
  if (typeof deno === 'string') return { name: 'deno', version: deno, platform: `Deno ${deno}` };
  // workerd has no version of its own at run time (its releases are dated builds); the user
  // agent is fixed by the Workers runtime whatever the compatibility date.
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return { name: 'workerd', version: undefined, platform: 'Cloudflare Workers (workerd)' };
  const node = g.process?.version;
  if (g.process?.release?.name === 'node' && typeof node === 'string') return { name: 'node', version: node, platform: `Node.js ${node}` };
  return { name: 'unknown', version: undefined, platform: 'JavaScript' };
}

export function clientProperties(connectionName: string | undefined, extra: FieldTable | undefined): FieldTable {
  const props: FieldTable = {
    product: 'warren',
    version: VERSION,
    platform: detectRuntime().platform,
    capabilities: CAPABILITIES,
  };
  if (connectionName !== undefined) props.connection_name = connectionName;
  return { ...props, ...extra };
}
