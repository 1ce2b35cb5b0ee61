/**
 * The vocabulary of a channel's calls and events: the arguments a caller gives (`CallArgs`, with
 * the spec's zero values filled in by `withDefaults`), the options of a call that waits
 * (`CallOptions`, turned into one AbortSignal by `callSignal`), and the events a Channel emits.
 */
import type { MethodMap } from '../../../generated/index.js';
import type { AnyMethod, FieldDef, FieldType } from '../../codec/index.js';
import type { ReturnedMessage } from '../returned.js';

/** The arguments of a method as a caller gives them: `kind` implied, every field optional (spec defaults: false, 0, '', empty). */
export type CallArgs<K extends keyof MethodMap> = Partial<Omit<MethodMap[K], 'kind'>>;

/** Options of any call that waits for the broker. */
export interface CallOptions {
  /** Give up waiting when this signal aborts (the request may still take effect on the broker). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds. */
  timeout?: number;
}

/** Events of a Channel, with their payloads. */
export interface ChannelEvents {
  /** The channel closed; `error` is the broker's channel.close (e.g. NotFoundError) or the connection's end, undefined after close(). */
  close: [error: Error | undefined];
  /** The channel closed because of an error (emitted just before `close`). */
  error: [error: Error];
  /** The broker asked to pause (false) or resume (true) publishing on this channel (channel.flow). */
  flow: [active: boolean];
  /** A mandatory publish could not be routed (basic.return). */
  return: [message: ReturnedMessage];
  /** The broker cancelled a consumer (its queue was deleted). */
  cancel: [consumerTag: string];
  /** The connection was lost and is being recovered: the channel waits (see ChannelOptions); `error` is why. */
  disconnected: [error: Error];
  /** The channel is back on a new connection (new `id`), with its settings and consumers. */
  recovered: [];
}

const DEFAULTS: Record<FieldType, () => unknown> = {
  bit: () => false,
  octet: () => 0,
  short: () => 0,
  long: () => 0,
  longlong: () => 0,
  shortstr: () => '',
  longstr: () => new Uint8Array(0),
  table: () => ({}),
  timestamp: () => new Date(0),
};

/** Builds a full method from partial arguments, filling the spec's zero values. */
export function withDefaults(kind: string, fields: readonly FieldDef[], args: object | undefined): AnyMethod {
  const m: Record<string, unknown> = { kind };
  const a = (args ?? {}) as Record<string, unknown>;
  for (const f of fields) m[f.name] = a[f.name] ?? DEFAULTS[f.type]();
  return m as unknown as AnyMethod;
}

/** One signal for a call's `signal` and `timeout`. */
export function callSignal(o: CallOptions | undefined): AbortSignal | undefined {
  if (!o) return undefined;
  if (o.timeout === undefined) return o.signal;
  const t = AbortSignal.timeout(o.timeout);
  return o.signal ? AbortSignal.any([o.signal, t]) : t;
}
