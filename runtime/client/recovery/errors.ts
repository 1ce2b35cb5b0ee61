/**
 * The typed errors of automatic recovery. Each sets `name` (so `err.name === '...'` works across
 * package copies) and keeps what it is about as fields, never only in the message.
 */
import { WarrenError } from '../../codec/errors.js';

/**
 * Recovery gave up: `maxAttempts` or the `deadline` was reached, or an attempt failed in a way
 * that retrying cannot fix (authentication or access refused). `cause` is the last attempt's error.
 */
export class RecoveryFailedError extends WarrenError {
  override name = 'RecoveryFailedError';
  /** Connection attempts made in this recovery. */
  readonly attempts: number;
  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.attempts = attempts;
  }
}

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

/** What a topology recovery error is about: the recorded entity, by kind and name. */
export type RecoveredEntity =
  | { kind: 'exchange'; name: string }
  | { kind: 'queue'; name: string }
  | { kind: 'binding'; source: string; destination: string; destinationKind: 'queue' | 'exchange'; routingKey: string }
  | { kind: 'consumer'; queue: string; consumerTag: string }
  | { kind: 'channel'; channel: number };

/**
 * One recorded entity could not be restored after a reconnect (e.g. a queue re-declared elsewhere
 * with other arguments: 406). The rest of the replay goes on; `entity` names what failed and
 * `cause` is the broker's error.
 */
export class TopologyRecoveryError extends WarrenError {
  override name = 'TopologyRecoveryError';
  readonly entity: RecoveredEntity;
  constructor(entity: RecoveredEntity, options: { cause: unknown }) {
    super(`could not recover ${describeEntity(entity)}: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.entity = entity;
  }
}

/** `queue 'orders'`, `binding amq.topic -> queue 'q' ('a.#')`... for messages. */
export function describeEntity(e: RecoveredEntity): string {
  switch (e.kind) {
    case 'exchange':
      return `exchange '${e.name}'`;
    case 'queue':
      return `queue '${e.name}'`;
    case 'binding':
      return `binding '${e.source}' -> ${e.destinationKind} '${e.destination}' ('${e.routingKey}')`;
    case 'consumer':
      return `consumer '${e.consumerTag}' of queue '${e.queue}'`;
    case 'channel':
      return `channel ${e.channel}`;
  }
}
