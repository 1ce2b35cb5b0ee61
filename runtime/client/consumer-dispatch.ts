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
  /** Waiting deliveries are `#queue[#head..]`: shift() on a long array is a copy per call. */
  #queue: M[] = [];
  #head = 0;
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
    return this.#queue.length - this.#head;
  }

  /** A delivery: run it now if there is room, else queue it. */
  push(m: M): void {
    // The common case, a free slot and nothing waiting ahead of it: run it without the queue
    // (order is kept: the queue is empty; inside #pump's loop the loop starts it instead).
    if (!this.#pumping && !this.#stopped && this.#running < this.#limit && this.#queue.length === this.#head) {
      this.#pumping = true;
      try {
        this.#run(m);
      } finally {
        this.#pumping = false;
      }
      return this.#drained();
    }
    this.#queue.push(m);
    this.#pump();
  }

  /** Starts nothing more; returns the deliveries that were never started. */
  stop(): M[] {
    this.#stopped = true;
    const left = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    return left;
  }

  /** Forgets the queued deliveries (not yet started) that `drop` picks. */
  discard(drop: (m: M) => boolean): void {
    this.#queue = this.#queue.slice(this.#head).filter((m) => !drop(m));
    this.#head = 0;
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
      while (!this.#stopped && this.#running < this.#limit && this.#head < this.#queue.length) {
        const m = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined as unknown as M; // started: not kept alive by the queue
        if (this.#head === this.#queue.length) {
          this.#queue.length = 0;
          this.#head = 0;
        } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
          // a queue that never empties (a steady flow behind slow handlers) drops its started part
          this.#queue.splice(0, this.#head);
          this.#head = 0;
        }
        this.#run(m);
      }
    } finally {
      this.#pumping = false;
    }
    this.#drained();
  }

  /** Wakes idle() waiters once no handler runs (and starts what a handler finishing in #run left queued). */
  #drained(): void {
    if (this.#head < this.#queue.length && !this.#stopped && this.#running < this.#limit) return this.#pump();
    if (this.#running === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
