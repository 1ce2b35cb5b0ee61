/**
 * A time limit on one publish: it rejects with a PublishTimeoutError when the broker has not
 * confirmed it (or, without confirms, the socket has not taken it) in time.
 *
 * Theory of operation. A publish is in one of two places when its time runs out:
 * - still waiting to be sent (blocked connection, full confirm window, recovery): it leaves the
 *   wait queue (through the AbortSignal the wait already honours) and nothing of it is ever
 *   written: `sent: false`, safe to publish again;
 * - sent, waiting for its confirm: nothing can call it back. Its delivery tag stays in the
 *   confirm tracker, so the numbering of later publishes stays right and the broker's late ack
 *   or nack settles that tag, and only that tag, into a promise nobody listens to any more:
 *   ignored, never attributed to another publish. It still counts against `maxUnconfirmed`
 *   until the broker answers (it is in flight). `sent: true`: the broker may yet take it.
 * The timer tells the two apart without reaching into the channel: it aborts the wait first; a
 * publish that was waiting rejects with the abort reason within the same turn (promise jobs),
 * so a check after the turn (a zero-delay timer) finds it settled; otherwise it was sent.
 */
import { WarrenError } from '../codec/errors.js';

/** A publish was not confirmed (or not written) within its `timeout`. */
export class PublishTimeoutError extends WarrenError {
  override name = 'PublishTimeoutError';
  /** The limit that passed, ms. */
  readonly timeout: number;
  /**
   * False: it was still waiting and was never written (publish it again if you want it sent).
   * True: it was written; the broker may still take it, and its late confirm is ignored.
   */
  readonly sent: boolean;
  readonly exchange: string;
  readonly routingKey: string;
  constructor(where: { exchange: string; routingKey: string }, timeout: number, sent: boolean) {
    super(
      sent
        ? `publish to exchange '${where.exchange}' with routing key '${where.routingKey}' was sent but not confirmed within ${timeout} ms; the broker may still take it (its late confirm will be ignored)`
        : `publish to exchange '${where.exchange}' with routing key '${where.routingKey}' could not be sent within ${timeout} ms (blocked connection, full confirm window or recovery); nothing was sent`,
    );
    this.timeout = timeout;
    this.sent = sent;
    this.exchange = where.exchange;
    this.routingKey = where.routingKey;
  }
}

/** True for a {@link PublishTimeoutError} (checks `name`). */
export function isPublishTimeoutError(e: unknown): e is PublishTimeoutError {
  return e instanceof Error && e.name === 'PublishTimeoutError';
}

/** Throws a RangeError unless `timeout` is a usable number of milliseconds. */
export function checkPublishTimeout(timeout: unknown): number {
  if (!(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0 && timeout <= 2 ** 31 - 1)) {
    throw new RangeError(`publish timeout must be a positive number of milliseconds (at most 2^31-1), got ${String(timeout)}`);
  }
  return timeout;
}

/**
 * Runs `start(signal)` (a publish that honours `signal` while it waits to be sent) with a time
 * limit; see the module comment. `userSignal`, if given, still aborts the wait as before.
 */
export function withPublishTimeout(
  timeout: number,
  where: { exchange: string; routingKey: string },
  userSignal: AbortSignal | undefined,
  start: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  checkPublishTimeout(timeout);
  if (userSignal?.aborted) return Promise.reject(userSignal.reason);
  const controller = new AbortController();
  const onUserAbort = (): void => controller.abort(userSignal!.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  // A plain token, not an Error: building an error (its stack) for every publish cost more than the publish.
  const notSent = { timedOut: true };
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      userSignal?.removeEventListener('abort', onUserAbort);
      settle();
    };
    let publishing: Promise<void>;
    try {
      publishing = start(controller.signal);
    } catch (e) {
      finish(() => reject(e));
      return;
    }
    // Attached at once: a late nack or a channel closing after the timeout is not an unhandled rejection.
    publishing.then(() => finish(resolve), (e: unknown) => finish(() => reject(e === notSent ? new PublishTimeoutError(where, timeout, false) : e)));
    timer = setTimeout(() => {
      controller.abort(notSent);
      timer = setTimeout(() => finish(() => reject(new PublishTimeoutError(where, timeout, true))), 0);
    }, timeout);
  });
}
