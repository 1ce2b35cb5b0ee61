/**
 * A small typed event emitter (the client layer imports no node:* module). Listeners run
 * synchronously in registration order; one that throws does not stop the others and is
 * reported through `onListenerError` rather than breaking the protocol core that emitted.
 */
/** A listener of an event whose payload is the tuple `A`. */
export type Listener<A extends unknown[]> = (...args: A) => void;

/** Typed events: `on`, `once`, `off`, `listenerCount`. */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  /** Called with an error thrown by a listener; default: rethrown on a later tick (like an uncaught exception). */
  protected onListenerError(e: unknown): void {
    queueMicrotask(() => {
      throw e;
    });
  }

  /** Calls `listener` on every `event`. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const wrapped: Listener<Events[K]> = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }

  /** Removes a listener added with on() or once(). */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const list = this.listeners[event];
    if (list) {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners[event]?.length ?? 0;
  }

  /** Calls the listeners of `event`. */
  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (const l of [...list]) {
      try {
        l(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
