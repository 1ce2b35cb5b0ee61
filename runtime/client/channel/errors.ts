/**
 * The typed errors a channel raises about its connection's outage (recovery/errors.ts re-exports
 * them with recovery's own). Each sets `name` and keeps its cause.
 */
import { WarrenError } from '../../codec/errors.js';

/**
 * A confirmed publish, or an RPC call, was in flight when the connection was lost: the broker may
 * or may not have the message (or have handled the request). Republish or retry only if the
 * consumer side is idempotent; `cause` is why the connection was lost.
 */
export class OutcomeUnknownError extends WarrenError {
  override name = 'OutcomeUnknownError';
}

/**
 * The channel is waiting for the connection to recover and does not take this operation now:
 * its `publishWhileRecovering` is `'fail'`, or the buffer of waiting publishes is full
 * (`recoveryBuffer`). Nothing of the message was sent.
 */
export class RecoveringError extends WarrenError {
  override name = 'RecoveringError';
}
