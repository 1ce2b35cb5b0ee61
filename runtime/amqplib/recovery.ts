/**
 * amqplib 1.1+'s opt-in `recovery` option, mapped onto warren's recovery.
 *
 * amqplib's recovering model reconnects with exponential backoff and runs `setup(model)` after
 * every (re)connect: the application declares its topology and opens its channels and
 * consumers again each time, and the channels from before the loss are dead. warren restores
 * them itself: the same Channel objects come back on the new connection with their prefetch,
 * confirm mode, consumers (same callbacks) and the topology declared through them. So `setup`
 * runs once, when the first connection is open, and after a recovery everything it set up is
 * back without running it again (running it again would duplicate its consumers).
 *
 * Options: initialDelay, maxDelay, factor (warren's multiplier), jitter, maxRetries (warren's
 * maxAttempts), initialMaxRetries (> 0: the first connect is retried too). Events, as amqplib
 * names them: `connect` (the model, after the first connect and each recovery), `disconnect`
 * (the error), `reconnect-scheduled` ({ attempt, delay, error }), `connect-failed` (an attempt's
 * error), `reconnect-failed` (recovery gave up).
 */
import type { Connection, RecoveryOptions as WarrenRecovery } from '../index.js';
import { safeEmit, type EventEmitter } from './events.js';
import type { RecoveryOptions } from './types.js';

/** The option, resolved. */
export interface RecoveryState {
  warren: WarrenRecovery;
  setup: RecoveryOptions['setup'] | undefined;
  ready: Promise<void>;
}

function num(v: unknown, fallback: number): number {
  const n = Number(v);
  return v !== undefined && v !== null && Number.isFinite(n) ? n : fallback;
}

/** amqplib's `recovery` option → warren's; undefined when recovery is off (absent, false, `enabled: false`). */
export function recoveryOptions(r: RecoveryOptions | boolean | undefined): RecoveryState | undefined {
  if (!r || (typeof r === 'object' && r.enabled === false)) return undefined;
  const o: RecoveryOptions = r === true ? {} : r;
  const initialDelay = Math.max(0, num(o.initialDelay, 100));
  const maxDelay = Math.max(initialDelay, num(o.maxDelay, 30_000));
  const maxRetries = o.maxRetries === Infinity || o.maxRetries == null ? Infinity : Math.max(0, num(o.maxRetries, Infinity));
  const initial = o.initialMaxRetries == null ? maxRetries : Math.max(0, num(o.initialMaxRetries, maxRetries));
  const warren: WarrenRecovery = {
    backoff: { initialDelay, maxDelay, multiplier: Math.max(1, num(o.factor, 2)), jitter: Math.min(1, Math.max(0, num(o.jitter, 0.2))) },
    maxAttempts: maxRetries,
    retryInitialConnect: initial > 0,
  };
  return { warren, setup: typeof o.setup === 'function' ? o.setup : undefined, ready: Promise.resolve() };
}

function runSetup(setup: NonNullable<RecoveryOptions['setup']>, model: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    try {
      if (setup.length >= 2) (setup as (m: unknown, cb: (e?: Error) => void) => void)(model, done);
      else Promise.resolve((setup as (m: unknown) => unknown)(model)).then(() => done(), done);
    } catch (e) {
      done(e);
    }
  });
}

/**
 * What wireRecovery needs of the ChannelModel: its warren Connection and where its events go
 * (a narrow view, so that this file does not import channel-model.ts, which imports it).
 */
export interface RecoveringModel {
  readonly warren: Connection;
  readonly events: EventEmitter;
}

/** Runs `setup` on the open model (closing it when setup fails) and forwards warren's recovery events in amqplib's names. */
export async function wireRecovery(model: RecoveringModel, r: RecoveryState): Promise<void> {
  const c = model.warren;
  const to = model.events;
  c.on('disconnected', ({ error }) => safeEmit(to, 'disconnect', error));
  c.on('reconnecting', ({ attempt, delay, lastError }) => {
    if (attempt > 1 && lastError) safeEmit(to, 'connect-failed', lastError);
    safeEmit(to, 'reconnect-scheduled', { attempt, delay, error: lastError });
  });
  c.on('recovered', () => safeEmit(to, 'connect', to));
  c.on('recoveryFailed', (e) => safeEmit(to, 'reconnect-failed', e));
  if (r.setup) {
    try {
      await runSetup(r.setup, to);
    } catch (e) {
      await c.close().catch(() => undefined);
      throw e;
    }
  }
  // Listeners are attached after connect() resolves, so the first `connect` comes a turn later, as amqplib's does.
  setImmediate(() => safeEmit(to, 'connect', to));
}
