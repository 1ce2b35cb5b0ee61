/**
 * A consumer: basic.consume's deliveries, as an async iterator or through a callback.
 *
 * Iterator mode buffers deliveries until the loop asks for them; with manual acks the
 * channel's prefetch bounds that buffer. Leaving the loop (break, return, throw) cancels the
 * consumer and requeues (nack) the deliveries that were buffered but never handed out, so they
 * are not stuck unacknowledged on a channel that stays open. When the broker cancels the
 * consumer (its queue was deleted: consumer_cancel_notify) or the channel closes with an error,
 * the loop first gets the buffered messages, then the iterator throws that reason; after an
 * orderly cancel() or close() it just ends.
 *
 * Recovery: a lost connection that will be recovered does not end the consumer. `suspend()`
 * drops the buffered deliveries that await an ack (the broker requeues them with the old
 * channel, and will redeliver them), keeps the no-ack ones (the broker already let them go),
 * and the replay consumes again under a new tag, on the queue's current name; the loop just
 * goes on.
 */
import { WarrenError } from '../codec/errors.js';
import type { FieldTable } from '../codec/index.js';
import type { Message } from './message.js';
import { traceIterator, traceProcess, tracing } from './tracing.js';

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
}

/**
 * A consumer's callback. It runs synchronously as each delivery is read; an async handler is
 * not awaited (bound concurrency with `prefetch`). A handler that throws does not disturb the
 * connection: the error is rethrown on a later tick, like an uncaught exception.
 */
export type ConsumeHandler = (message: Message) => unknown;

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
}

/** A consumer of one queue (basic.consume): iterate it with `for await`, or created with a handler. */
export class Consumer implements AsyncIterable<Message> {
  /** The queue consumed: a server-named queue's new name after a recovery. */
  queue: string;
  /** @internal set once consume-ok arrives (again after each recovery) */ tag = '';
  /** @internal identifies the consumer in the topology record */ readonly key = ++consumerKeys;
  readonly #owner: ConsumerOwner;
  readonly #handler: ConsumeHandler | undefined;
  #buffer: Message[] = [];
  #head = 0;
  /** next() calls waiting for a delivery, oldest first (the iterator protocol allows several). */
  #waiters: { resolve(r: IteratorResult<Message>): void; reject(e: unknown): void }[] = [];
  #ended = false;
  #error: Error | undefined;
  #cancelling: Promise<void> | undefined;
  /** @internal told when the consumer ends (a stream consumer built on this one) */ onEnd: ((error: Error | undefined) => void) | undefined;
  /** @internal the arguments to consume again with after a recovery (a stream consumer resumes after its processed offset) */ resumeArguments: ((recorded: FieldTable) => FieldTable) | undefined;

  /** @internal */
  constructor(owner: ConsumerOwner, queue: string, handler?: ConsumeHandler) {
    this.#owner = owner;
    this.queue = queue;
    this.#handler = handler;
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

  /** Stops deliveries (basic.cancel, waits for cancel-ok); idempotent. */
  cancel(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#cancelling ??= this.#owner.cancelConsumer(this).finally(() => this.end(undefined));
    return this.#cancelling;
  }

  /** @internal a delivery */
  push(m: Message): void {
    if (this.#handler) {
      try {
        void (tracing.process.start.hasSubscribers ? traceProcess(this.#owner, this.queue, this.tag, m, this.#handler) : this.#handler(m));
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
      return;
    }
    if (this.#waiters.length > 0) this.#waiters.shift()!.resolve({ value: m, done: false });
    else this.#buffer.push(m);
  }

  /** @internal the connection was lost: deliveries that await an ack will come again, drop them */
  suspend(): void {
    const kept = this.#buffer.slice(this.#head).filter((m) => m.settled);
    this.#buffer = kept;
    this.#head = 0;
  }

  /** @internal no more deliveries; `error` makes the iterator throw after the buffer drains */
  end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.onEnd?.(error);
    for (const w of this.#waiters.splice(0)) {
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

/** The deliveries, in order; leaving the loop cancels the consumer and requeues unread ones. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    if (this.#handler) throw new TypeError('this consumer was created with a callback; it cannot also be iterated');
    const it: AsyncIterator<Message> = {
      next: () => {
        if (this.#head < this.#buffer.length) {
          const m = this.#buffer[this.#head++]!;
          if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
            this.#buffer = this.#buffer.slice(this.#head);
            this.#head = 0;
          }
          return Promise.resolve({ value: m, done: false });
        }
        if (this.#ended) return this.#error ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
      },
      return: async () => {
        await this.cancel().catch(() => undefined);
        const unread = this.#buffer.slice(this.#head);
        this.#buffer = [];
        this.#head = 0;
        if (unread.length) this.#owner.requeue(unread);
        return { value: undefined, done: true };
      },
    };
    return tracing.process.start.hasSubscribers ? traceIterator(this.#owner, this, it) : it;
  }
}

let consumerKeys = 0;
