/**
 * Timer functions for the workerd build, injected by the bundler in place of the globals of the
 * same names (esbuild `inject`; scripts/lib/runtimes-workerd.mjs): without `nodejs_compat`,
 * workerd has no `setImmediate` and its `setTimeout` returns a number with no `unref()`. These
 * give the client what it expects from Node's timers, without touching the Worker's globals.
 * `unref()` does nothing: a Worker's lifetime is its request's, not its timers'.
 */

/** A timer handle with Node's `unref()`/`ref()` (no-ops here). */
export interface WorkerdTimer {
  readonly id: unknown;
  unref(): WorkerdTimer;
  ref(): WorkerdTimer;
  hasRef(): boolean;
}

const platformSetTimeout = globalThis.setTimeout;
const platformClearTimeout = globalThis.clearTimeout;

function handle(id: unknown): WorkerdTimer {
  const t: WorkerdTimer = { id, unref: () => t, ref: () => t, hasRef: () => false };
  return t;
}

export function setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): WorkerdTimer {
  return handle(platformSetTimeout(fn, ms, ...args));
}

export function clearTimeout(timer: WorkerdTimer | undefined): void {
  if (timer !== undefined && timer !== null) platformClearTimeout((typeof timer === 'object' ? timer.id : timer) as number);
}

/** Runs `fn` after the current turn's I/O callbacks: a zero timeout is the closest a Worker has. */
export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): WorkerdTimer {
  return handle(platformSetTimeout(fn, 0, ...args));
}

export function clearImmediate(timer: WorkerdTimer | undefined): void {
  clearTimeout(timer);
}
