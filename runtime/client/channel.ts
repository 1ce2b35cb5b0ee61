/**
 * A channel's Promise API: typed synchronous calls with AbortSignal/timeout, close, flow, and
 * the routing of the server's methods to the messaging features (publisher confirms,
 * consumers, returns) that live in their own files.
 */
import type { AnyMethod, FieldDef, FieldType } from '../codec/index.js';
import type { MethodMap, ResponseMap } from '../../generated/index.js';
import { ChannelClosedError, OperationAbortedError } from '../errors.js';
import type { Content } from '../protocol/events.js';
import type { Connection } from './connection.js';
import { Emitter } from './emitter.js';

/** The arguments of a method as a caller gives them: `kind` implied, every field optional (spec defaults: false, 0, '', empty). */
export type CallArgs<K extends keyof MethodMap> = Partial<Omit<MethodMap[K], 'kind'>>;

/** Options of any call that waits for the broker. */
export interface CallOptions {
  /** Give up waiting when this signal aborts (the request may still take effect on the broker). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds. */
  timeout?: number;
}

export interface ChannelEvents {
  /** The channel closed; `error` is the broker's channel.close (e.g. NotFoundError) or the connection's end, undefined after close(). */
  close: [error: Error | undefined];
  /** The channel closed because of an error (emitted just before `close`). */
  error: [error: Error];
  /** The broker asked to pause (false) or resume (true) publishing on this channel (channel.flow). */
  flow: [active: boolean];
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

export class Channel extends Emitter<ChannelEvents> {
  /** The channel number on the connection. */
  readonly id: number;
  readonly connection: Connection;
  #closing: Promise<void> | undefined;
  #closedResolve: (() => void) | undefined;
  #error: Error | undefined;
  #open = true;

  /** @internal use connection.channel() */
  constructor(connection: Connection, id: number) {
    super();
    this.connection = connection;
    this.id = id;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Why the channel closed, when it closed because of an error. */
  get closeReason(): Error | undefined {
    return this.#error;
  }

  /**
   * Sends any client-sent synchronous method of the registry and resolves with its answer,
   * e.g. `await ch.call('queue.declare', { queue: 'q', durable: true })`. Omitted arguments take
   * the spec's zero values. Rejects with the broker's error class (NotFoundError...) when the
   * broker closes the channel instead.
   */
  async call<K extends keyof ResponseMap & keyof MethodMap>(kind: K, args?: CallArgs<K>, options?: CallOptions): Promise<ResponseMap[K]> {
    const r = await this.request(this.method(kind, args), options);
    return r.method as ResponseMap[K];
  }

  /** @internal builds a full method of `kind` from partial arguments */
  method(kind: string, args: object | undefined): AnyMethod {
    const def = this.connection.core.registry.byKind(kind);
    if (!def) throw new TypeError(`no method ${kind} in this connection's protocol registry`);
    return withDefaults(kind, def.fields, args);
  }

  /** @internal sends a synchronous method and waits for the reply (with content for get-ok). */
  async request(m: AnyMethod, options?: CallOptions): Promise<{ method: AnyMethod; content?: Content | undefined }> {
    this.assertOpen();
    const signal = callSignal(options);
    signal?.throwIfAborted();
    const call = this.connection.core.call(this.id, m);
    try {
      return await this.connection.reply(this.id, call, signal);
    } catch (e) {
      if (signal?.aborted && e === signal.reason) {
        throw new OperationAbortedError(`${m.kind} on channel ${this.id} was abandoned: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
  }

  /** @internal sends an asynchronous method */
  send(m: AnyMethod): void {
    this.assertOpen();
    this.connection.core.send(this.id, m);
    this.connection.driver.scheduleFlush();
  }

  /** Asks the broker to pause or resume deliveries on this channel (channel.flow). */
  async flow(active: boolean, options?: CallOptions): Promise<boolean> {
    return (await this.call('channel.flow', { active }, options)).active;
  }

  /** Closes the channel (waits for close-ok); idempotent. Pending acks are sent first. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise((resolve) => (this.#closedResolve = resolve));
    if (!this.#open) this.#closedResolve!();
    else {
      this.flushAcks();
      this.connection.core.closeChannel(this.id);
      this.connection.driver.scheduleFlush();
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal acks batched for the wire go out now (see consumer code) */
  flushAcks(): void {}

  /** @internal an asynchronous method from the broker */
  onMethod(m: AnyMethod): void {
    if (m.kind === 'channel.flow') this.emit('flow', (m as unknown as { active: boolean }).active);
  }

  /** @internal a delivery or return */
  onContent(_m: AnyMethod, _content: Content): void {}

  /** @internal the channel is gone */
  onClosed(error: Error | undefined): void {
    this.#open = false;
    this.#error = error;
    if (error) this.emit('error', error);
    this.emit('close', error);
    this.#closing ??= Promise.resolve();
    this.#closedResolve?.();
  }

  /** @internal */
  assertOpen(): void {
    if (!this.#open || this.#closing) throw new ChannelClosedError(`channel ${this.id} is closed`, { cause: this.#error });
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Channel { id: ${this.id}, open: ${this.#open} }`;
  }
}

function callSignal(o: CallOptions | undefined): AbortSignal | undefined {
  if (!o) return undefined;
  if (o.timeout === undefined) return o.signal;
  const t = AbortSignal.timeout(o.timeout);
  return o.signal ? AbortSignal.any([o.signal, t]) : t;
}
