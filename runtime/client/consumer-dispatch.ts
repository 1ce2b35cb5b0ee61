/**
 * How a callback consumer runs its handler: at most `concurrency` deliveries at once, started
 * in delivery order, and a handler that throws or rejects is never an unhandled rejection.
 *
 * Theory of operation. Deliveries wait in `queue` while `running` is at the limit; each one
 * that finishes (its promise settles, or the handler returns synchronously) starts the next.
 * With the default concurrency of 1 the handler sees one message at a time, in order, as
 * kombu's and aioamqp's callbacks do. A handler failure is caught here: the message, if its
 * handler left it unsettled, is settled by the consumer's policy (`onHandlerError`), then the
 * owner is told (the Consumer emits `handlerError`). `stop()` hands back the deliveries not
 * yet started (the consumer requeues them) and `idle()` resolves when none is running: that is
 * the drain of `consumer.close()`. Queued deliveries are started by one loop (`#pump`), never by
 * a finishing handler calling into the next: thousands queued behind a slow handler, then
 * handled synchronously, would otherwise nest one stack frame deep per message until the
 * stack overflows.
 */

/** What a callback consumer does with a message whose handler threw or rejected. */
export type HandlerErrorPolicy = 'reject' | 'requeue' | 'none';

/** What the dispatcher needs of a delivery (a Message): whether it is settled, and how to give it back. */
export interface Dispatched {
  readonly settled: boolean;
  requeue(): unknown;
  reject(): unknown;
}

/** Runs a handler over deliveries (`M`, a Message) with bounded concurrency; see the theory above. */
export class HandlerDispatcher<M extends Dispatched> {
  readonly #handler: (message: M) => unknown;
  readonly #limit: number;
  readonly #policy: HandlerErrorPolicy;
  readonly #onError: (error: unknown, message: M) => void;
  #queue: M[] = [];
  #running = 0;
  #stopped = false;
  #idle: (() => void)[] = [];
  /** True while #pump's loop runs: a handler finishing inside it leaves the next start to that loop. */
  #pumping = false;

  constructor(handler: (message: M) => unknown, options: { concurrency: number; policy: HandlerErrorPolicy; onError: (error: unknown, message: M) => void }) {
    const c = options.concurrency;
    if (!(Number.isInteger(c) || c === Infinity) || c < 1) throw new RangeError(`concurrency must be a positive integer (or Infinity), got ${c}`);
    this.#handler = handler;
    this.#limit = options.concurrency;
    this.#policy = options.policy;
    this.#onError = options.onError;
  }

  /** Handlers running now. */
  get running(): number {
    return this.#running;
  }

  /** Deliveries waiting for a free slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** A delivery: run it now if there is room, else queue it. */
  push(m: M): void {
    this.#queue.push(m);
    this.#pump();
  }

  /** Starts nothing more; returns the deliveries that were never started. */
  stop(): M[] {
    this.#stopped = true;
    return this.#queue.splice(0);
  }

  /** Forgets the queued deliveries (not yet started) that `drop` picks. */
  discard(drop: (m: M) => boolean): void {
    this.#queue = this.#queue.filter((m) => !drop(m));
  }

  /** Resolves when no handler is running. */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #run(m: M): void {
    this.#running++;
    let result: unknown;
    try {
      result = this.#handler(m);
    } catch (e) {
      this.#failed(e, m);
      return this.#done();
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      // Through a real promise: a thenable whose then() throws, or settles twice, is a handler
      // error like any other and frees its slot exactly once.
      Promise.resolve(result as PromiseLike<unknown>).then(
        () => this.#done(),
        (e: unknown) => {
          this.#failed(e, m);
          this.#done();
        },
      );
    } else this.#done();
  }

  #failed(e: unknown, m: M): void {
    if (!m.settled && this.#policy !== 'none') {
      try {
        if (this.#policy === 'requeue') m.requeue();
        else m.reject();
      } catch {
        // The channel closed meanwhile: the broker requeues what was unacknowledged.
      }
    }
    this.#onError(e, m);
  }

  #done(): void {
    this.#running--;
    this.#pump();
  }

  /** Starts queued deliveries, in order, while there is room; re-entered calls return at once. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#stopped && this.#running < this.#limit && this.#queue.length > 0) this.#run(this.#queue.shift()!);
    } finally {
      this.#pumping = false;
    }
    if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
