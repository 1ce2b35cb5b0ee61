/**
 * The typed errors of automatic recovery. Each sets `name` (so `err.name === '...'` works across
 * package copies) and keeps what it is about as fields, never only in the message.
 */
import { WarrenError } from '../../codec/errors.js';

export { OutcomeUnknownError, RecoveringError } from '../channel/errors.js';

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
