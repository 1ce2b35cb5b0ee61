/**
 * Graceful shutdown: `connection.close({ drain: true, deadline })`.
 *
 * Theory of operation, in order, on every channel of the connection at once:
 * 1. consumers: each consumer closes gracefully (consumer.close()): basic.cancel so the broker
 *    sends nothing more, deliveries received but not handed to a handler go back to the broker
 *    (basic.nack with requeue), the handlers running are awaited (each consumer for as long as
 *    the deadline), and their acks are flushed;
 * 2. publishes: the channels' publishes still waiting to be sent are sent, and the broker's
 *    confirms of every publish in flight are awaited;
 * 3. the connection closes (connection.close, whose close-ok comes after the broker has read
 *    everything written before it).
 * At the deadline, whatever is still going is left: the connection closes anyway (the broker
 * requeues every unacknowledged delivery; publishes without a confirm reject with the close),
 * and the report says what was left. The report is the result either way: `drained` tells.
 * Waiting for confirms polls the channels' counters (every 10 ms): shutdown is rare and short,
 * and the channels need no hook for it.
 */

/** What draining needs of a channel (a Channel has it; structural, so that this file imports none of the client). */
export interface DrainableChannel {
  readonly isOpen: boolean;
  readonly unconfirmed: number;
  readonly waitingPublishes: number;
  readonly consumers: ReadonlyMap<string, DrainableConsumer>;
}

/** What draining needs of a consumer. */
interface DrainableConsumer {
  close(options?: { timeout?: number }): Promise<void>;
  readonly inFlight: number;
  /** The consumer whose handlers take this one's deliveries (a consumeMany()), if another. */
  readonly forward?: DrainableConsumer | undefined;
}

/** Options of a draining close. */
export interface DrainOptions {
  /** Drain first (stop consumers, let handlers finish, send acks, await confirms); default false: close at once. */
  drain?: boolean;
  /** Give up draining after this many ms and close anyway (default 30,000). */
  deadline?: number;
}

/** What a draining close did. */
export interface ShutdownReport {
  /** True when everything finished before the deadline. */
  drained: boolean;
  /** Time spent draining, ms. */
  elapsed: number;
  /** Consumers stopped. */
  consumers: number;
  /** Handlers still running when the connection closed (their deliveries go back to the queue). */
  handlersRunning: number;
  /** Publishes sent but not confirmed when the connection closed (they reject; the broker may have them). */
  unconfirmed: number;
  /** Publishes still waiting to be sent when the connection closed (never sent; they reject). */
  unsent: number;
}

const POLL_MS = 10;

/** Waits until no publish of `channels` waits or lacks its confirm (or the channel closed). */
async function publishesSettled(channels: readonly DrainableChannel[], stop: { stopped: boolean }): Promise<void> {
  const busy = (): boolean => channels.some((ch) => ch.isOpen && (ch.unconfirmed > 0 || ch.waitingPublishes > 0));
  while (busy() && !stop.stopped) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

/**
 * Drains `channels` (stop consumers, let handlers finish, flush acks, await confirms) for at
 * most `deadline` ms, then calls `close()` and resolves with what was left; see the module comment.
 */
export async function drainThenClose(channels: readonly DrainableChannel[], close: () => Promise<void>, options: DrainOptions = {}): Promise<ShutdownReport> {
  const deadline = options.deadline ?? 30_000;
  if (!(typeof deadline === 'number' && deadline >= 0 && deadline <= 2 ** 31 - 1)) throw new RangeError(`deadline must be a number of milliseconds from 0 to 2^31-1, got ${String(deadline)}`);
  const started = Date.now();
  // A queue's consumer of a consumeMany() hands its deliveries to the consumer the application
  // holds, whose handlers run them: that one is drained (once), or they would not be awaited.
  const consumers = [...new Set(channels.flatMap((ch) => [...ch.consumers.values()].map((c) => c.forward ?? c)))];
  const stop = { stopped: false };
  const work = (async () => {
    // Each consumer waits as long as the deadline (not its own 30 s default), and one that gave
    // up with handlers still running means the drain did not finish, whatever the publishes do.
    const closed = await Promise.all(consumers.map((c) => c.close({ timeout: deadline }).then(() => true, () => false)));
    await publishesSettled(channels, stop);
    return closed.every(Boolean);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    work,
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadline))),
  ]);
  clearTimeout(timer);
  stop.stopped = true;
  const report: ShutdownReport = {
    drained,
    elapsed: Date.now() - started,
    consumers: consumers.length,
    handlersRunning: consumers.reduce((n, c) => n + c.inFlight, 0),
    unconfirmed: channels.reduce((n, ch) => n + (ch.isOpen ? ch.unconfirmed : 0), 0),
    unsent: channels.reduce((n, ch) => n + (ch.isOpen ? ch.waitingPublishes : 0), 0),
  };
  await close();
  return report;
}
