/**
 * A consumer: basic.consume's deliveries, as an async iterator, through receive(), or through
 * a callback.
 *
 * Iterator mode buffers deliveries until the loop asks for them; with manual acks the
 * channel's prefetch bounds that buffer. Leaving the loop (break, return, throw) cancels the
 * consumer and requeues (nack) the deliveries that were buffered but never handed out, so they
 * are not stuck unacknowledged on a channel that stays open. When the broker cancels the
 * consumer (its queue was deleted: consumer_cancel_notify) or the channel closes with an error,
 * the loop first gets the buffered messages, then the iterator throws that reason; after an
 * orderly cancel() or close() it just ends.
 *
 * No delivery is lost to a caller that stopped waiting. `receive({ timeout, signal })` removes
 * its waiter synchronously when it gives up, so a delivery arriving after that goes to the
 * buffer (a waiter is resolved at most once: a delivery and a timeout in the same turn cannot
 * both win). The iterator's `next()` does not queue calls: a `next()` made while an earlier one
 * is still waiting returns that same pending result, so an abandoned `next()` (raced against a
 * timer and given up) cannot swallow a delivery that its successor would not also see. (It
 * does take one that arrives before the successor is called, and concurrent next() calls see
 * the same delivery: receive() queues its callers and is the polling API.)
 *
 * Callback mode runs the handler through a HandlerDispatcher (consumer-dispatch.ts): up to
 * `concurrency` at once (default 1, in order); a failing handler is settled by policy and
 * reported as `handlerError`. `close()` drains: it stops handing out deliveries (those not yet
 * started are requeued), cancels at the broker, waits for the handlers in flight (at most its
 * `timeout`: consumer-close.ts), then sends their acks.
 *
 * Recovery: a lost connection that will be recovered does not end the consumer. `suspend()`
 * drops the buffered deliveries that await an ack, and a callback consumer's not yet started
 * (the broker requeues them with the old channel, and will redeliver them), keeps the no-ack
 * ones (the broker already let them go), and the replay consumes again under a new tag, on the queue's current name; the loop just
 * goes on.
 */
import { WarrenError } from '../codec/errors.js';
import type { RetryMechanism } from './retry/settle.js';
import type { FieldTable } from '../codec/index.js';
import { OperationAbortedError } from '../errors.js';
import { closeTimeout, ConsumerCloseTimeoutError, within, type ConsumerCloseOptions } from './consumer-close.js';
import { HandlerDispatcher, type HandlerErrorPolicy } from './consumer-dispatch.js';
import { Emitter } from './emitter.js';
import type { Message } from './message.js';
import { isPayloadError, type PayloadError } from './serializers.js';
import { consumerEnded, traceIterator, traceProcess, traceReceive, tracing } from './tracing/index.js';

/** Options of channel.consume(). */
export interface ConsumeOptions {
  /** Deliveries need no acknowledgement (default false: manual acks are the safe default). */
  noAck?: boolean;
  /** Only this consumer may consume from the queue. */
  exclusive?: boolean;
  /** Consumer priority (RabbitMQ `x-priority`). */
  priority?: number;
  /** Your own consumer tag (default: the broker makes one). */
  consumerTag?: string;
  /** Set a prefetch (basic.qos) before consuming: per consumer, or for the channel with `globalPrefetch`. */
  prefetch?: number;
  /** Apply `prefetch` to the whole channel (RabbitMQ's `global` qos; not for quorum queues). */
  globalPrefetch?: boolean;
  /** Consumer arguments, e.g. `{ 'x-stream-offset': 'first' }` for streams. */
  arguments?: FieldTable;
  /**
   * Callback mode: how many handlers may run at once (default 1: one message at a time, in
   * delivery order; the next starts when the previous handler's promise settles). Set a
   * prefetch of at least this much, or the broker will not send enough to run in parallel.
   * `Infinity` starts every delivery at once (then bound the work with `prefetch`).
   */
  concurrency?: number;
  /**
   * Callback mode: what happens to a message whose handler throws or rejects and left it
   * unsettled. `reject` (default): basic.reject without requeue, so it goes to the queue's
   * dead-letter exchange (or is dropped); `requeue`: back to the queue (beware of loops);
   * `none`: left to the application. The error is emitted as `handlerError` either way.
   */
  onHandlerError?: HandlerErrorPolicy;
  /**
   * Callback mode: retry a message whose handler throws or rejects (and left it unsettled) with
   * this plan (nativeRetry(), retryTiers(), retryPlan(); made for this queue), up to its limit,
   * then dead-letter it; `message.retry()` uses it too. See docs/retries.md.
   */
  retry?: RetryMechanism;
  /**
   * How long this consumer may keep a delivery unsettled, ms (consumer argument
   * `x-consumer-timeout`; RabbitMQ 4.3 quorum queues, refused before 4.3). Past it the broker
   * takes the delivery back and the consumer ends with a ConsumerTimeoutError.
   */
  consumerTimeout?: number;
  /**
   * A delivery whose body its content type's serializer cannot read: `deliver` (default)
   * hands it out, and `message.payload` throws a PayloadError; `reject` decodes each delivery
   * on arrival and rejects an unreadable one without requeue (to the dead-letter exchange),
   * emitting `undecodable` instead of handing it out.
   */
  undecodable?: 'deliver' | 'reject';
  /** @internal a delivery is handed out only when this returns true (a stream consumer's checks; it settles what it drops) */
  admit?: (message: Message) => boolean;
}

/**
 * A consumer's callback. With the default concurrency of 1 the next delivery waits until the
 * promise it returns settles. A handler that throws or rejects never becomes an unhandled
 * rejection: see `onHandlerError` and the `handlerError` event.
 */
export type ConsumeHandler<T = unknown> = (message: Message<T>) => unknown;

/** Events of a Consumer. */
export interface ConsumerEvents {
  /** A callback handler threw or rejected; the message was settled by `onHandlerError` first. */
  handlerError: [error: unknown, message: Message];
  /** A delivery could not be decoded and was rejected (`undecodable: 'reject'`). */
  undecodable: [error: PayloadError, message: Message];
}

/** Options of consumer.receive(). */
export interface ReceiveOptions {
  /** Give up after this many milliseconds: resolves with null. */
  timeout?: number;
  /** Give up when this aborts: rejects with OperationAbortedError (cause: the signal's reason). */
  signal?: AbortSignal;
}

/** The broker cancelled the consumer (e.g. its queue was deleted). */
export class ConsumerCancelledError extends WarrenError {
  override name = 'ConsumerCancelledError';
  readonly consumerTag: string;
  constructor(consumerTag: string) {
    super(`the broker cancelled consumer ${consumerTag} (was its queue deleted?)`);
    this.consumerTag = consumerTag;
  }
}

/** What a Consumer needs from its channel. */
export interface ConsumerOwner {
  cancelConsumer(consumer: Consumer): Promise<void>;
  requeue(messages: readonly Message[]): void;
  /** Sends acks held for batching now (optional: a test double may have none). */
  flushAcks?(): void;
}

// Internals hold Message<any> so that Consumer<T> stays covariant in T (a Consumer<Order> is a Consumer<unknown>).
type Delivery = Message<any>;

interface Waiter {
  resolve(r: IteratorResult<Delivery>): void;
  reject(e: unknown): void;
}

/** A consumer of one queue (basic.consume): iterate it with `for await`, receive() from it, or created with a handler. */
export class Consumer<T = unknown> extends Emitter<ConsumerEvents> implements AsyncIterable<Message<T>> {
  /** The queue consumed: a server-named queue's new name after a recovery. */
  queue: string;
  /** @internal set once consume-ok arrives (again after each recovery) */ tag = '';
  /** @internal identifies the consumer in the topology record */ readonly key = ++consumerKeys;
  /** @internal the consumer that takes this one's deliveries instead (a MultiConsumer over several queues) */ forward: Consumer | undefined;
  readonly #owner: ConsumerOwner;
  readonly #dispatch: HandlerDispatcher<Delivery> | undefined; // Message<any>: keeps Consumer<T> covariant in T
  readonly #rejectUndecodable: boolean;
  #buffer: Delivery[] = [];
  #head = 0;
  /** receive() and next() calls waiting for a delivery, oldest first. */
  #waiters: Waiter[] = [];
  /** The iterator's waiting next(), shared by further next() calls until it settles. */
  #pendingNext: Promise<IteratorResult<Delivery>> | undefined;
  #ended = false;
  #error: Error | undefined;
  #cancelling: Promise<void> | undefined;
  readonly #admit: ((message: Message) => boolean) | undefined;
  /** @internal the arguments to consume again with after a recovery (a stream consumer resumes after its processed offset) */ resumeArguments: ((recorded: FieldTable) => FieldTable) | undefined;
  #closing: Promise<void> | undefined;
  /** The retry plan given to consume() (`retry`), used by message.retry(). */
  retryPlan: RetryMechanism | undefined;
  /** The consumer timeout given to consume() (`consumerTimeout`), ms. */
  consumerTimeout: number | undefined;

  /** @internal */
  constructor(owner: ConsumerOwner, queue: string, handler?: ConsumeHandler<T>, options: Pick<ConsumeOptions, 'concurrency' | 'onHandlerError' | 'undecodable' | 'admit'> = {}) {
    super();
    this.#owner = owner;
    this.queue = queue;
    this.#admit = options.admit;
    this.#rejectUndecodable = options.undecodable === 'reject';
    if (handler) {
      const h = handler as ConsumeHandler;
      const traced = (m: Message): unknown => (tracing.process.start.hasSubscribers ? traceProcess(this.#owner, this.queue, this.tag, m, h) : h(m));
      this.#dispatch = new HandlerDispatcher(traced, {
        concurrency: options.concurrency ?? 1,
        policy: options.onHandlerError ?? 'reject',
        onError: (e, m) => this.#report('handlerError', e, m),
      });
    }
  }

  /** Events emitted before anyone listened (deliveries can precede consume()'s answer to the caller), kept for the first listener. */
  #unheard: { [K in keyof ConsumerEvents]?: ConsumerEvents[K][] } = {};

  /** Calls `listener` on every `event`; events that fired before the first listener are replayed to it (at most 1,000 each). */
  override on<K extends keyof ConsumerEvents>(event: K, listener: (...args: ConsumerEvents[K]) => void): this {
    super.on(event, listener);
    const missed = this.#unheard[event];
    if (missed) {
      delete this.#unheard[event];
      for (const args of missed) this.emit(event, ...args);
    }
    return this;
  }

  #report<K extends keyof ConsumerEvents>(event: K, ...args: ConsumerEvents[K]): void {
    if (this.listenerCount(event) > 0) return this.emit(event, ...args);
    const missed = (this.#unheard[event] ??= []) as ConsumerEvents[K][];
    if (missed.length < 1000) missed.push(args);
  }

  /** The consumer tag. */
  get consumerTag(): string {
    return this.tag;
  }

  /** True once cancelled (by either side) or its channel closed. */
  get isEnded(): boolean {
    return this.#ended;
  }

  /** Why the consumer ended, when it ended because of the broker or an error. */
  get endReason(): Error | undefined {
    return this.#error;
  }

  /** Callback mode: handlers running now. */
  get inFlight(): number {
    return this.#dispatch?.running ?? 0;
  }

  /** Stops deliveries (basic.cancel, waits for cancel-ok); idempotent. Handlers already running go on. */
  cancel(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#cancelling ??= this.#owner.cancelConsumer(this as unknown as Consumer).finally(() => this.end(undefined));
    return this.#cancelling;
  }

  /**
   * Graceful stop: hands out nothing more (deliveries not yet handed out are requeued),
   * cancels at the broker, waits for the handlers in flight, and sends their acks. Resolves
   * when every ack the handlers made is on its way. Idempotent (each call waits its own
   * `timeout` for the same drain). A handler must not await its own consumer's close() (close
   * waits for that handler): call it without awaiting there.
   *
   * The wait is bounded by `timeout` (default 30,000 ms): past it close() sends the acks made so
   * far and rejects with ConsumerCloseTimeoutError; the handlers still running go on, and each
   * one's message stays unacknowledged until it settles it, or until the channel closes and the
   * broker requeues it (see consumer-close.ts).
   */
  close(options: ConsumerCloseOptions = {}): Promise<void> {
    const timeout = closeTimeout(options);
    return within(this.#drain(), timeout, () => {
      this.#owner.flushAcks?.();
      return new ConsumerCloseTimeoutError(timeout, this.inFlight);
    });
  }

  #drain(): Promise<void> {
    return (this.#closing ??= (async () => {
      const unstarted: Message[] = this.#dispatch?.stop() ?? [];
      await this.cancel().catch(() => undefined);
      const unread = [...unstarted, ...(this.#buffer.slice(this.#head) as Message[])];
      this.#buffer = [];
      this.#head = 0;
      if (unread.length) this.#owner.requeue(unread);
      await this.#dispatch?.idle();
      this.#owner.flushAcks?.();
    })());
  }

  /** Closes the consumer gracefully (for `await using`), with close()'s default timeout. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The next delivery, or null when `timeout` elapses first (or when the consumer ended
   * without an error). Rejects with OperationAbortedError when `signal` aborts, and with the
   * reason when the consumer ended because of the broker or an error. A receive() that gives
   * up never takes a message: the next one stays for the next call.
   */
  receive(options: ReceiveOptions = {}): Promise<Message<T> | null> {
    if (tracing.process.start.hasSubscribers) return traceReceive(this.#owner, this, () => this.#receive(options));
    return this.#receive(options);
  }

  #receive(options: ReceiveOptions): Promise<Message<T> | null> {
    if (this.#dispatch) return Promise.reject(new TypeError('this consumer was created with a callback; it cannot also receive()'));
    const ready = this.#take();
    if (ready) return Promise.resolve(ready);
    if (this.#ended) return this.#error ? Promise.reject(this.#error) : Promise.resolve(null);
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(new OperationAbortedError('receive() was aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (r) => (cleanup(), resolve(r.done ? null : r.value)),
        reject: (e) => (cleanup(), reject(e)),
      };
      const giveUp = (): boolean => {
        const i = this.#waiters.indexOf(waiter);
        if (i < 0) return false; // already served in this turn: the message wins
        this.#waiters.splice(i, 1);
        cleanup();
        return true;
      };
      const onAbort = () => {
        if (giveUp()) reject(new OperationAbortedError('receive() was aborted', { cause: signal!.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) timer = setTimeout(() => giveUp() && resolve(null), timeout);
      this.#waiters.push(waiter);
    });
  }

  /** @internal a delivery */
  push(m: Delivery): void {
    if (this.forward) return this.forward.push(m);
    if (this.#admit && !this.#admit(m as Message)) return;
    if (this.#rejectUndecodable && !this.#decodes(m)) return;
    if (this.#dispatch) {
      if (this.#closing) this.#owner.requeue([m as Message]);
      else this.#dispatch.push(m as Message);
      return;
    }
    if (this.#closing) this.#owner.requeue([m as Message]);
    else if (this.#waiters.length > 0) this.#waiters.shift()!.resolve({ value: m, done: false });
    else this.#buffer.push(m);
  }

  #decodes(m: Delivery): boolean {
    try {
      void m.payload;
      return true;
    } catch (e) {
      if (!isPayloadError(e)) throw e;
      if (!m.settled) {
        try {
          m.reject();
        } catch {
          // the channel is closing: the broker requeues it
        }
      }
      this.#report('undecodable', e, m);
      return false;
    }
  }

  /** @internal from now on `target` takes this consumer's deliveries, starting with those buffered */
  forwardTo(target: Consumer): void {
    this.forward = target;
    const buffered = this.#buffer.slice(this.#head);
    this.#buffer = [];
    this.#head = 0;
    for (const m of buffered) target.push(m);
  }

  /** @internal the connection was lost: deliveries that await an ack will come again, drop them */
  suspend(): void {
    this.forward?.suspend();
    this.#dispatch?.discard((m) => !m.settled); // callback mode: those not started yet, likewise
    const kept = this.#buffer.slice(this.#head).filter((m) => m.settled);
    this.#buffer = kept;
    this.#head = 0;
  }

  #take(): Delivery | undefined {
    if (this.#head >= this.#buffer.length) return undefined;
    const m = this.#buffer[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    return m;
  }

  /** @internal no more deliveries; `error` makes the iterator throw after the buffer drains */
  end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    consumerEnded(this); // a receive() hand-over still open completes (tracing)
    this.forward?.end(error); // one queue of a MultiConsumer ended: all of it ends
    for (const w of this.#waiters.splice(0)) {
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** The deliveries, in order; leaving the loop cancels the consumer and requeues unread ones. */
  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    if (this.#dispatch) throw new TypeError('this consumer was created with a callback; it cannot also be iterated');
    const it: AsyncIterator<Message<T>> = {
      next: () => {
        if (this.#pendingNext) return this.#pendingNext;
        const m = this.#take();
        if (m) return Promise.resolve({ value: m, done: false });
        if (this.#ended) return this.#error ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
        // Cleared synchronously as the waiter is served, so no later next() sees this result again.
        const p = new Promise<IteratorResult<Delivery>>((resolve, reject) =>
          this.#waiters.push({
            resolve: (r) => ((this.#pendingNext = undefined), resolve(r)),
            reject: (e) => ((this.#pendingNext = undefined), reject(e)),
          }),
        );
        this.#pendingNext = p;
        return p;
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
    return tracing.process.start.hasSubscribers ? (traceIterator(this.#owner, this, it as AsyncIterator<Message>) as AsyncIterator<Message<T>>) : it;
  }
}

let consumerKeys = 0;
