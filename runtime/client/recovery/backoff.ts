/**
 * Reconnect timing as pure functions: how long to wait before the next connection attempt, and
 * when to give up. Nothing here reads a clock or a random source of its own: `now` and `random`
 * are passed in, so tests drive them by hand (test/unit/client/recovery/backoff.test.ts).
 *
 * Attempts are grouped in passes over the endpoint list (endpoints.ts): within a pass the next
 * endpoint is tried at once (another node of the cluster is likely up); before each new pass the
 * delay grows exponentially, `initialDelay · multiplier^(pass−1)`, capped at `maxDelay`, and a
 * `jitter` fraction of it is randomised so that many clients cut off together do not come back
 * in step (RabbitMQ's advice against reconnect storms).
 */

/** Reconnect delays (all in milliseconds). */
export interface BackoffOptions {
  /** Delay before the first pass over the endpoints (default 100). */
  initialDelay?: number;
  /** Largest delay between passes (default 10,000). */
  maxDelay?: number;
  /** Growth per pass (default 2). */
  multiplier?: number;
  /** Fraction of each delay that is random, 0 to 1 (default 0.5: a delay lies in [d/2, d]). */
  jitter?: number;
}

/** BackoffOptions with defaults applied. */
export type Backoff = Required<BackoffOptions>;

/** Applies defaults and checks ranges. */
export function resolveBackoff(o: BackoffOptions = {}): Backoff {
  const b = { initialDelay: o.initialDelay ?? 100, maxDelay: o.maxDelay ?? 10_000, multiplier: o.multiplier ?? 2, jitter: o.jitter ?? 0.5 };
  if (!(b.initialDelay >= 0) || !(b.maxDelay >= b.initialDelay)) throw new RangeError('backoff: need 0 <= initialDelay <= maxDelay');
  if (!(b.multiplier >= 1)) throw new RangeError('backoff: multiplier must be at least 1');
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new RangeError('backoff: jitter must be between 0 and 1');
  return b;
}

/** The delay before pass `pass` (1 = the first), with `random()` in [0, 1). */
export function passDelay(pass: number, b: Backoff, random: () => number): number {
  const base = Math.min(b.maxDelay, b.initialDelay * b.multiplier ** Math.max(0, pass - 1));
  return Math.round(base * (1 - b.jitter + b.jitter * random()));
}

/** When to stop trying. */
export interface GiveUp {
  /** Most connection attempts in one recovery (default Infinity). */
  maxAttempts: number;
  /** Most milliseconds from the loss to the last attempt (default Infinity). */
  deadline: number;
}

/**
 * Why the next attempt must not be made (a sentence for RecoveryFailedError), or undefined.
 * `attempts` made so far, `elapsed` ms since the loss, `delay` before the next attempt.
 */
export function giveUpReason(attempts: number, elapsed: number, delay: number, g: GiveUp): string | undefined {
  if (attempts >= g.maxAttempts) return `gave up after ${attempts} connection attempt${attempts === 1 ? '' : 's'} (maxAttempts ${g.maxAttempts})`;
  if (elapsed + delay > g.deadline) return `gave up after ${attempts} connection attempt${attempts === 1 ? '' : 's'} in ${elapsed} ms (deadline ${g.deadline} ms)`;
  return undefined;
}
