/**
 * The tracing channels, one node:diagnostics_channel TracingChannel per client operation, and
 * how warren gets hold of node:diagnostics_channel without importing it.
 *
 * The client must load where there is no `node:diagnostics_channel` (a browser-like worker, an
 * old runtime), so nothing here imports it. The module is asked for once, when this file loads,
 * through `process.getBuiltinModule` (Node 20.16+ and 22.3+, Bun, Deno 2, Cloudflare Workers
 * with nodejs_compat): the same channel objects as `import('node:diagnostics_channel')` gives a
 * subscriber, since channels are global by name. Where it is missing every channel is inert:
 * `hasSubscribers` is always false, so no operation builds an event, and subscribing does nothing.
 */
import type { TracingChannel } from '../../io/tracing-channel.js';
import type { ConnectionEvent, GetEventOf, ProcessEventOf, PublishEvent, RpcEventOf, SettleEventOf, TracedMessage } from './events.js';

type Factory = <C extends object>(name: string) => TracingChannel<unknown, C>;

/** node:diagnostics_channel's `tracingChannel`, or undefined where the runtime has none. */
function builtinTracingChannel(): Factory | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const dc = process?.getBuiltinModule?.('node:diagnostics_channel') as { tracingChannel?: Factory } | undefined;
    return typeof dc?.tracingChannel === 'function' ? dc.tracingChannel : undefined;
  } catch {
    return undefined; // a runtime that refuses the module (a permission model) has no channels
  }
}

const noop = (): void => {};

/** A channel nobody can subscribe to: the shape of a TracingChannel, doing nothing. */
function inertChannel<C extends object>(name: string): TracingChannel<unknown, C> {
  const sub = (phase: string) => ({
    name: `tracing:${name}:${phase}`,
    hasSubscribers: false,
    publish: noop,
    subscribe: noop,
    unsubscribe: () => false,
    bindStore: noop,
    unbindStore: () => false,
    runStores: <T>(_ctx: C, fn: (...args: unknown[]) => T, thisArg?: unknown, ...args: unknown[]): T => fn.apply(thisArg, args),
  });
  return {
    start: sub('start'),
    end: sub('end'),
    asyncStart: sub('asyncStart'),
    asyncEnd: sub('asyncEnd'),
    error: sub('error'),
    hasSubscribers: false,
    subscribe: noop,
    unsubscribe: () => false,
    traceSync: <T>(fn: (...args: unknown[]) => T, _ctx?: C, thisArg?: unknown, ...args: unknown[]): T => fn.apply(thisArg, args),
    tracePromise: <T>(fn: (...args: unknown[]) => Promise<T>, _ctx?: C, thisArg?: unknown, ...args: unknown[]): Promise<T> => fn.apply(thisArg, args),
    traceCallback: <T>(fn: (...args: unknown[]) => T, _position?: number, _ctx?: C, thisArg?: unknown, ...args: unknown[]): T => fn.apply(thisArg, args),
  } as unknown as TracingChannel<unknown, C>;
}

const channel: Factory = builtinTracingChannel() ?? inertChannel;

/**
 * The TracingChannels (node:diagnostics_channel), named `warren:<operation>`, as the client
 * publishes to them: the events carry a {@link TracedMessage} here. The package exports this
 * same object typed with the client's Message (public.ts).
 */
export const tracing = {
  publish: channel<PublishEvent>('warren:publish'),
  get: channel<GetEventOf<TracedMessage>>('warren:get'),
  process: channel<ProcessEventOf<TracedMessage>>('warren:process'),
  settle: channel<SettleEventOf<TracedMessage>>('warren:settle'),
  rpc: channel<RpcEventOf<TracedMessage>>('warren:rpc'),
  connect: channel<ConnectionEvent>('warren:connect'),
  close: channel<ConnectionEvent>('warren:close'),
  recovery: channel<ConnectionEvent>('warren:recovery'),
};
