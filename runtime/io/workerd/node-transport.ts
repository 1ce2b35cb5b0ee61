/**
 * The workerd build's stand-in for ../node-transport.ts (scripts/lib/runtimes-workerd.mjs
 * resolves that module here when bundling for the `workerd` export condition): the client's
 * default transport there is the Workers transport, and node:net / node:tls are never imported.
 */
export { workersTransport as nodeTransport } from '../workers-transport.js';
