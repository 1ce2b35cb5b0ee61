/**
 * The bound on `consumer.close()`'s wait. close() drains: basic.cancel, then it waits for the
 * handlers in flight and sends their acks. A handler that never settles (a hung request, a lost
 * promise) would make that wait, and any shutdown built on it, last for ever; so the wait has a
 * limit, by default the same 30 s as `connection.close({ drain: true })`'s deadline (shutdown.ts).
 *
 * At the limit close() rejects with ConsumerCloseTimeoutError. Nothing is taken from the
 * handler: it goes on, its message stays unacknowledged on the channel, and what it settles
 * later is still sent. If the channel or connection closes first, the broker requeues that
 * message (redelivered), as it does every unacknowledged delivery of a closed channel
 * (AMQP 0-9-1 spec 1.8.3.13; https://www.rabbitmq.com/docs/confirms). The consumer itself is
 * cancelled at the broker and hands out nothing more either way.
 */
import { WarrenError } from '../codec/errors.js';

/** Options of consumer.close(). */
export interface ConsumerCloseOptions {
  /**
   * How long to wait for the handlers in flight (and the broker's cancel-ok), ms; default
   * 30,000, as `connection.close({ drain: true })`. `Infinity` waits as long as they take. Past
   * it close() rejects with ConsumerCloseTimeoutError and the handlers go on.
   */
  timeout?: number;
}

/** consumer.close()'s default wait for its handlers, ms: the connection's drain deadline. */
export const DEFAULT_CONSUMER_CLOSE_TIMEOUT = 30_000;

/**
 * consumer.close() gave up waiting: handlers were still running after `timeout` ms (or the
 * broker had not answered basic.cancel). The consumer is stopped; each running handler's message
 * stays unacknowledged until the handler settles it, or until its channel closes and the broker
 * requeues it.
 */
export class ConsumerCloseTimeoutError extends WarrenError {
  override name = 'ConsumerCloseTimeoutError';
  /** Handlers still running when close() gave up. */
  readonly handlersRunning: number;
  constructor(timeout: number, handlersRunning: number) {
    super(
      handlersRunning > 0
        ? `consumer.close(): ${handlersRunning} handler(s) still running after ${timeout} ms; their messages stay unacknowledged until settled, or are requeued by the broker when the channel closes`
        : `consumer.close(): no basic.cancel-ok within ${timeout} ms`,
    );
    this.handlersRunning = handlersRunning;
  }
}

/** The wait close() allows, checked before it does anything. */
export function closeTimeout(options: ConsumerCloseOptions): number {
  const t = options.timeout ?? DEFAULT_CONSUMER_CLOSE_TIMEOUT;
  if (!(typeof t === 'number' && ((t >= 0 && t <= 2 ** 31 - 1) || t === Infinity))) {
    throw new RangeError(`consumer.close(): timeout must be a number of milliseconds from 0 to 2^31-1, or Infinity, got ${String(t)}`);
  }
  return t;
}

/** `drain`, or the error `timedOut()` makes after `timeout` ms, whichever comes first. */
export function within(drain: Promise<void>, timeout: number, timedOut: () => Error): Promise<void> {
  if (timeout === Infinity) return drain;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), timeout);
    drain.then(
      () => (clearTimeout(timer), resolve()),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** True for a {@link ConsumerCloseTimeoutError} (checks `name`). */
export function isConsumerCloseTimeoutError(e: unknown): e is ConsumerCloseTimeoutError {
  return e instanceof Error && e.name === 'ConsumerCloseTimeoutError';
}
