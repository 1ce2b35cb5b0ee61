/**
 * The workerd build's stand-in for `node:diagnostics_channel` (which workerd has only with
 * `nodejs_compat`): the same few functions warren calls, with channels private to the bundle.
 * Nothing outside can subscribe to them, so every `hasSubscribers` stays false and tracing and
 * the frame/byte diagnostics cost one property read, as with no subscriber on Node.
 */

/** A channel with no subscribers: what warren's tracing points check before publishing. */
export interface Channel<T = unknown> {
  readonly name: string;
  readonly hasSubscribers: boolean;
  publish(message: T): void;
  subscribe(handler: (message: T, name: string) => void): void;
  unsubscribe(handler: (message: T, name: string) => void): boolean;
  runStores<R>(context: T, fn: () => R): R;
}

class QuietChannel<T> implements Channel<T> {
  readonly hasSubscribers = false;
  constructor(readonly name: string) {}
  publish(): void {}
  subscribe(): void {}
  unsubscribe(): boolean {
    return false;
  }
  runStores<R>(_context: T, fn: () => R): R {
    return fn();
  }
}

/** node:diagnostics_channel `channel(name)`. */
export function channel<T = unknown>(name: string): Channel<T> {
  return new QuietChannel<T>(name);
}

/** node:diagnostics_channel's TracingChannel, reduced to what warren uses. */
export interface TracingChannel<S = unknown, C = unknown> {
  readonly start: Channel<C>;
  readonly end: Channel<C>;
  readonly asyncStart: Channel<C>;
  readonly asyncEnd: Channel<C>;
  readonly error: Channel<C>;
  readonly hasSubscribers: boolean;
  /** Type-only: the store type of the Node API. */
  readonly __store?: S;
}

/** node:diagnostics_channel `tracingChannel(name)`. */
export function tracingChannel<S = unknown, C = unknown>(name: string): TracingChannel<S, C> {
  return {
    start: channel<C>(`tracing:${name}:start`),
    end: channel<C>(`tracing:${name}:end`),
    asyncStart: channel<C>(`tracing:${name}:asyncStart`),
    asyncEnd: channel<C>(`tracing:${name}:asyncEnd`),
    error: channel<C>(`tracing:${name}:error`),
    hasSubscribers: false,
  };
}
