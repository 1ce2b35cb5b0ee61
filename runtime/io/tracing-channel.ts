/**
 * node:diagnostics_channel's TracingChannel, re-exported for the client's tracing points
 * (runtime/client/tracing.ts): runtime/io is the one layer allowed to import Node built-ins.
 */
export { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';
