// Adapter: warren with a subscriber on every tracing channel (node:diagnostics_channel) whose
// handlers do nothing: the cost of warren's tracing points themselves (building the events,
// publishing them). Compare with `warren` (no subscriber) and `warren-otel` (spans and metrics).
import { tracingChannel } from 'node:diagnostics_channel';

const nothing = () => {};
for (const op of ['publish', 'get', 'process', 'settle', 'rpc', 'connect', 'close', 'recovery']) {
  tracingChannel(`warren:${op}`).subscribe({ start: nothing, end: nothing, asyncStart: nothing, asyncEnd: nothing, error: nothing });
}

export * from './warren.mjs';
export const name = 'warren-traced';
