/**
 * The reconnect loop: after a recoverable loss, attempts connections (endpoints.ts for where,
 * backoff.ts for when) until one succeeds, replays onto it (replay.ts), and starts again if the
 * new connection dies during the replay, until recovery succeeds, is given up (RecoveryFailedError)
 * or is cancelled (the application closed the connection: the AbortSignal).
 *
 * What is retried and what is not: a refused or reset socket, a timeout, a 320 from a node on
 * its way down are retried; an authentication or access failure (403 access-refused, 530
 * not-allowed for the vhost), a missing SASL mechanism or a peer that does not speak AMQP 0-9-1
 * are not (retrying cannot fix them): recovery fails at once with that cause.
 */
import { isReplyError } from '../../codec/errors.js';
import { AuthMechanismError, ConnectionLostError, ProtocolVersionError } from '../../errors.js';
import { giveUpReason, passDelay } from './backoff.js';
import { systemClock } from './clock.js';
import type { EndpointWalk, Endpoint } from './endpoints.js';
import { RecoveryFailedError } from './errors.js';
import type { ReconnectingEvent } from './events.js';
import type { ResolvedRecovery } from './options.js';
import type { Session } from '../session/session.js';

/** Reply codes of a connection.close that a reconnect may get past: 320 connection-forced (a node stopping, an operator's close). */
const RETRYABLE_CLOSE = new Set([320]);

/** True when losing the connection with `error` starts a recovery (see the module comment). */
export function isRecoverable(error: Error | undefined): boolean {
  if (error === undefined) return false; // the application's own close
  if (error instanceof ConnectionLostError) return true; // socket error, EOF, heartbeat timeout
  return isReplyError(error) && RETRYABLE_CLOSE.has(error.replyCode);
}

/** True when a failed connection attempt must not be retried. */
export function isFatalAttemptError(error: unknown): boolean {
  if (error instanceof AuthMechanismError || error instanceof ProtocolVersionError) return true;
  return isReplyError(error) && (error.replyCode === 403 || error.replyCode === 530);
}

/** What the loop needs from the outside world (injected so that tests can drive it). */
export interface ReconnectHooks {
  /** Opens a connection to `endpoint`; `signal` drops the attempt. */
  establish(endpoint: Endpoint, signal: AbortSignal): Promise<Session>;
  onAttempt?(e: ReconnectingEvent): void;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}

/** Progress of one recovery, carried across attempts. */
export interface AttemptState {
  attempts: number;
  /** When the loss happened (hooks.now() scale). */
  readonly startedAt: number;
  lastError: Error | undefined;
}

/**
 * Attempts connections until one opens; rejects with RecoveryFailedError when the limits are
 * reached or an attempt fails fatally, or with the signal's reason when aborted.
 */
export async function reconnect(walk: EndpointWalk, r: Pick<ResolvedRecovery, 'backoff' | 'maxAttempts' | 'deadline' | 'random'>, hooks: ReconnectHooks, state: AttemptState, signal: AbortSignal): Promise<Session> {
  for (;;) {
    signal.throwIfAborted();
    const delay = walk.startsPass ? passDelay(walk.pass + 1, r.backoff, r.random) : 0;
    const reason = giveUpReason(state.attempts, hooks.now() - state.startedAt, delay, r);
    if (reason) throw new RecoveryFailedError(`${reason}${state.lastError ? `; last error: ${state.lastError.message}` : ''}`, state.attempts, { cause: state.lastError });
    if (delay > 0) await hooks.sleep(delay, signal);
    const endpoint = await walk.next();
    signal.throwIfAborted();
    state.attempts++;
    hooks.onAttempt?.({ attempt: state.attempts, delay, endpoint, lastError: state.lastError });
    try {
      const session = await hooks.establish(endpoint, signal);
      if (signal.aborted) {
        session.destroy();
        signal.throwIfAborted();
      }
      return session;
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      state.lastError = e as Error;
      if (isFatalAttemptError(e)) throw new RecoveryFailedError(`connecting to ${endpoint.hostname}:${endpoint.port} failed in a way a retry cannot fix: ${(e as Error).message}`, state.attempts, { cause: e });
    }
  }
}

/** A sleep that an AbortSignal cuts short (rejecting with its reason): the system clock's. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> => systemClock.sleep(ms, signal);
