/**
 * Time for recovery, injected: the supervisor, the backoff and the replay take a clock rather
 * than calling Date.now, setTimeout or AbortSignal.timeout, so that tests drive them with fakes.
 * This file is the one place recovery reads the real time.
 */

/** Time as recovery uses it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts after `ms` milliseconds. */
  timeout(ms: number): AbortSignal;
}

/** The clock of the running process. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  timeout: (ms) => AbortSignal.timeout(ms),
};
