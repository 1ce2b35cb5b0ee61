/**
 * The event emitter of the amqplib compat objects: the part of node:events' EventEmitter that
 * code written for amqplib and the libraries over it (amp-connection-manager, rascal) call:
 * `on`/`addListener`, `once`, `off`/`removeListener`, `prependListener`, `removeAllListeners`,
 * `listeners`, `listenerCount`, `eventNames`, `setMaxListeners`, `emit`. The runtime imports no
 * node:* module outside runtime/io, so this is a small copy of those semantics rather than a
 * subclass: listeners run synchronously in order; a `once` listener is removed before it runs;
 * removing a listener while an event is being emitted does not affect that emission.
 *
 * `safeEmit` is amqplib's (1.0.7+) rule for listeners that throw: when the emitter has a
 * `handler-error` listener, the error goes there (on the next turn, with the event's name);
 * otherwise it propagates to whoever emitted, as it does in amqplib.
 */

/** Any listener. */
export type EventListener = (...args: any[]) => void;

interface Entry {
  readonly listener: EventListener;
  readonly once: boolean;
}

/** The subset of node:events' EventEmitter that amqplib's users rely on (see the file comment). */
export class EventEmitter {
  #events = new Map<string | symbol, Entry[]>();
  #max = 10;

  /** Adds `listener` for `event`, after the ones already there. */
  on(event: string | symbol, listener: EventListener): this {
    return this.#add(event, { listener, once: false }, false);
  }

  /** The same as `on`. */
  addListener(event: string | symbol, listener: EventListener): this {
    return this.on(event, listener);
  }

  /** Adds `listener` for `event`, before the ones already there. */
  prependListener(event: string | symbol, listener: EventListener): this {
    return this.#add(event, { listener, once: false }, true);
  }

  /** Adds `listener` for the next `event` only (removed before it runs). */
  once(event: string | symbol, listener: EventListener): this {
    return this.#add(event, { listener, once: true }, false);
  }

  /** `once`, before the listeners already there. */
  prependOnceListener(event: string | symbol, listener: EventListener): this {
    return this.#add(event, { listener, once: true }, true);
  }

  #add(event: string | symbol, entry: Entry, first: boolean): this {
    if (typeof entry.listener !== 'function') throw new TypeError(`The "listener" argument must be of type function. Received ${typeof entry.listener}`);
    const list = this.#events.get(event);
    if (!list) this.#events.set(event, [entry]);
    else if (first) this.#events.set(event, [entry, ...list]);
    else this.#events.set(event, [...list, entry]); // copy on write: an emit in progress keeps its list
    return this;
  }

  /** Removes `listener` from `event` (the last one added, if it was added twice). */
  off(event: string | symbol, listener: EventListener): this {
    const list = this.#events.get(event);
    if (!list) return this;
    // The last matching one, as node:events does.
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.listener === listener) {
        const rest = list.slice(0, i).concat(list.slice(i + 1));
        if (rest.length === 0) this.#events.delete(event);
        else this.#events.set(event, rest);
        break;
      }
    }
    return this;
  }

  /** The same as `off`. */
  removeListener(event: string | symbol, listener: EventListener): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event when none is given. */
  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.#events.clear();
    else this.#events.delete(event);
    return this;
  }

  /** A copy of the listeners of `event`, in the order they run. */
  listeners(event: string | symbol): EventListener[] {
    return (this.#events.get(event) ?? []).map((e) => e.listener);
  }

  /** The same as `listeners` (no `once` wrappers here to unwrap). */
  rawListeners(event: string | symbol): EventListener[] {
    return this.listeners(event);
  }

  /** How many listeners `event` has. */
  listenerCount(event: string | symbol): number {
    return this.#events.get(event)?.length ?? 0;
  }

  /** The events that have listeners. */
  eventNames(): (string | symbol)[] {
    return [...this.#events.keys()];
  }

  /** Stored for `getMaxListeners` only: no leak warning is printed (a library prints nothing). */
  setMaxListeners(n: number): this {
    this.#max = n;
    return this;
  }

  /** The value given to `setMaxListeners` (default 10). */
  getMaxListeners(): number {
    return this.#max;
  }

  /**
   * Calls the listeners of `event` in order; true when there were any. An `error` event with no
   * listener throws its argument, as node:events does.
   */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.#events.get(event);
    if (!list) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${String(args[0])})`);
      return false;
    }
    for (const e of list) {
      if (e.once) this.off(event, e.listener);
      e.listener.apply(this, args);
    }
    return true;
  }
}

/**
 * Emits as amqplib does: a listener that throws is reported on `handler-error` (next turn) when
 * someone listens there, else the error propagates to the caller.
 */
export function safeEmit(emitter: EventEmitter, event: string, ...args: unknown[]): void {
  try {
    emitter.emit(event, ...args);
  } catch (e) {
    if (emitter.listenerCount('handler-error') === 0) throw e;
    setImmediate(() => emitter.emit('handler-error', e, event));
  }
}
