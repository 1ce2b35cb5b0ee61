/**
 * Retry delays as data: a backoff policy is a pure function from an attempt number to a delay,
 * with chance injected (as recovery/backoff.ts does), so that a policy can be unit-tested and a
 * TTL retry topology can be derived from it once, at declaration time.
 *
 * Attempts count from 1: attempt 1 is the first retry, after the first failure. A policy
 * answers `undefined` past its limit: the message is then dead-lettered, not retried.
 */

/** Delay before each retry, in milliseconds; `undefined` when the attempt is past the limit. */
export interface BackoffPolicy {
  /** The delay before retry number `attempt` (1 = the first retry), or undefined: give up. */
  delayFor(attempt: number): number | undefined;
  /** How many retries the policy allows (the first delivery not counted). */
  readonly limit: number;
}

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, ms (default 1000). */
  initial?: number;
  /** Each retry waits this many times longer than the one before (default 10: 1 s, 10 s, 100 s). */
  factor?: number;
  /** No delay is longer than this, ms (default 3,600,000: an hour). */
  max?: number;
  /** Retries before giving up (default 3). */
  limit?: number;
  /**
   * Fraction of each delay drawn at random and taken off (0 to 1; default 0): spreads the
   * retries of messages that failed together. With a TTL topology the delays become the tiers
   * once, so jitter there only shifts the tiers; it is for client-timed retries.
   */
  jitter?: number;
  /** Random source in [0, 1) (default Math.random), injectable for tests. */
  random?: () => number;
}

function positiveInteger(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${name} must be a positive integer of milliseconds, got ${String(v)}`);
  return v;
}

/** initial × factor^(attempt−1), capped at `max`, for attempts 1..limit. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffPolicy {
  const initial = positiveInteger('initial', options.initial ?? 1000);
  const max = positiveInteger('max', options.max ?? 3_600_000);
  const factor = options.factor ?? 10;
  const limit = options.limit ?? 3;
  const jitter = options.jitter ?? 0;
  const random = options.random ?? Math.random;
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`factor must be a number >= 1, got ${String(factor)}`);
  if (!(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, got ${String(jitter)}`);
  return {
    limit,
    delayFor(attempt) {
      if (!Number.isInteger(attempt) || attempt < 1 || attempt > limit) return undefined;
      const full = Math.min(max, Math.round(initial * factor ** (attempt - 1)));
      return jitter === 0 ? full : Math.max(1, Math.round(full * (1 - jitter * random())));
    },
  };
}

/** The given delays, one per retry, in order: `fixedDelays([1000, 10_000, 60_000])` allows 3 retries. */
export function fixedDelays(delays: readonly number[]): BackoffPolicy {
  const list = delays.map((d, i) => positiveInteger(`delays[${i}]`, d));
  return {
    limit: list.length,
    delayFor: (attempt) => (Number.isInteger(attempt) && attempt >= 1 ? list[attempt - 1] : undefined),
  };
}

/** The delays of every retry a policy allows, in order (the tiers of a TTL retry topology). */
export function delaysOf(policy: BackoffPolicy): number[] {
  const out: number[] = [];
  for (let attempt = 1; attempt <= policy.limit; attempt++) {
    const d = policy.delayFor(attempt);
    if (d === undefined) break;
    out.push(d);
  }
  return out;
}
