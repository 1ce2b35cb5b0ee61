/**
 * Quorum queues: poison messages and retries as primitives.
 *
 * - Typed x-arguments of quorum queues (dead-letter strategy, initial group size, leader
 *   locator) and their validation, merged into queue.declare by topology.ts.
 * - The counters RabbitMQ puts on deliveries: `x-delivery-count` (failed deliveries; on 4.x only
 *   those returned with basic.reject + requeue, on 3.x every requeue) and `x-acquired-count`
 *   (4.x: every earlier acquisition, whatever ended it), and the `x-death` history that
 *   dead-lettering adds, parsed into {@link DeathRecord}s.
 * - Settle outcomes named for what they do on a quorum queue ({@link SettleOutcome}).
 * - {@link deadLetterSetup}: a valid at-least-once dead-lettering configuration, or an error on
 *   the call saying why it would not be one. RabbitMQ accepts an invalid combination and quietly
 *   falls back to at-most-once (its docs: "Quorum queues: dead lettering"), so checking here is
 *   the only place the mistake can be caught.
 *
 * Facts from https://www.rabbitmq.com/docs/quorum-queues (poison message handling, dead
 * lettering) and the 4.0 release notes (default delivery limit 20), checked against 3.10.8 and
 * 4.3.6 by test/integration/rabbitmq4/quorum.test.ts.
 */
import { EncodeError, WarrenError } from '../../codec/errors.js';
import type { FieldTable, FieldValue } from '../../codec/index.js';

/** The quorum-queue x-arguments of queueDeclare() (part of QueueOptions). */
export interface QuorumQueueArguments {
  /**
   * How a quorum queue dead-letters (`x-dead-letter-strategy`): `at-most-once` (default; lost if
   * the target cannot take it) or `at-least-once` (kept until the target queue confirms; needs
   * `overflow: 'reject-publish'` and a dead-letter exchange: use {@link deadLetterSetup}).
   */
  deadLetterStrategy?: 'at-most-once' | 'at-least-once';
  /** Quorum queues: how many replicas to start with (`x-quorum-initial-group-size`). */
  initialGroupSize?: number;
  /** Where the queue's leader goes (`x-queue-leader-locator`; replaces the deprecated x-queue-master-locator): quorum queues and streams, and from RabbitMQ 4.0 on classic queues too (3.x refuses it on a classic queue: broker rule `leader-locator-classic`). */
  leaderLocator?: 'client-local' | 'balanced';
}

/** The subset of QueueOptions that quorum validation reads. */
interface QueueShape extends QuorumQueueArguments {
  queueType?: string;
  overflow?: string;
  deadLetterExchange?: string;
}

/** x-arguments for the quorum options of `o`; throws EncodeError for an invalid combination. */
export function quorumArguments(o: QueueShape): FieldTable {
  const args: FieldTable = {};
  if (o.deadLetterStrategy !== undefined) {
    if (o.deadLetterStrategy !== 'at-most-once' && o.deadLetterStrategy !== 'at-least-once') {
      throw new EncodeError('queue.declare', 'deadLetterStrategy', `must be 'at-most-once' or 'at-least-once', got ${String(o.deadLetterStrategy)}`);
    }
    needsQuorum(o, 'deadLetterStrategy');
    if (o.deadLetterStrategy === 'at-least-once') checkAtLeastOnce(o);
    args['x-dead-letter-strategy'] = o.deadLetterStrategy;
  }
  if (o.initialGroupSize !== undefined) {
    if (!(Number.isInteger(o.initialGroupSize) && o.initialGroupSize >= 1)) throw new EncodeError('queue.declare', 'initialGroupSize', `must be a positive integer, got ${String(o.initialGroupSize)}`);
    needsQuorum(o, 'initialGroupSize');
    args['x-quorum-initial-group-size'] = o.initialGroupSize;
  }
  if (o.leaderLocator !== undefined) {
    if (o.leaderLocator !== 'client-local' && o.leaderLocator !== 'balanced') throw new EncodeError('queue.declare', 'leaderLocator', `must be 'client-local' or 'balanced', got ${String(o.leaderLocator)}`);
    args['x-queue-leader-locator'] = o.leaderLocator;
  }
  return args;
}

function needsQuorum(o: QueueShape, option: string): void {
  if (o.queueType !== 'quorum') throw new EncodeError('queue.declare', option, `applies to quorum queues: set queueType: 'quorum' (got ${o.queueType ?? 'no queueType'})`);
}

function checkAtLeastOnce(o: QueueShape): void {
  const problem =
    o.overflow !== 'reject-publish'
      ? `needs overflow: 'reject-publish' (got ${o.overflow ?? 'the default drop-head'}); otherwise RabbitMQ silently dead-letters at most once`
      : o.deadLetterExchange === undefined
        ? 'needs a deadLetterExchange (the default exchange is \'\'); without one nothing is dead-lettered'
        : undefined;
  if (problem) throw new DeadLetterSetupError(problem);
}

/** A dead-lettering configuration that would not do what it says; nothing was sent. */
export class DeadLetterSetupError extends WarrenError {
  override name = 'DeadLetterSetupError';
  constructor(problem: string) {
    super(`at-least-once dead-lettering ${problem}`);
  }
}

/** Options of {@link deadLetterSetup}. */
export interface DeadLetterSetupOptions {
  /** Where dead letters go: an exchange (`''` with `routingKey` = a queue name, for the default exchange). */
  exchange: string;
  /** Routing key for dead letters (default: the message's own). */
  routingKey?: string;
  /** `at-least-once` (default) or `at-most-once`. */
  strategy?: 'at-most-once' | 'at-least-once';
  /** Deliveries that end in basic.reject + requeue before the message is dead-lettered (`x-delivery-limit`; RabbitMQ 4.x defaults to 20). */
  deliveryLimit?: number;
  /** Queue length limits; at-least-once refuses publishes beyond them (reject-publish). */
  maxLength?: number;
  maxLengthBytes?: number;
}

/**
 * QueueOptions for a quorum queue that dead-letters as asked: `queueType: 'quorum'`, the
 * dead-letter exchange and routing key, the strategy, and for at-least-once the
 * `overflow: 'reject-publish'` it requires. Spread them into queueDeclare()'s options. Throws a
 * DeadLetterSetupError (or EncodeError) on the call for a configuration that would not work.
 */
export function deadLetterSetup(options: DeadLetterSetupOptions): {
  queueType: 'quorum';
  deadLetterExchange: string;
  deadLetterRoutingKey?: string;
  deadLetterStrategy: 'at-most-once' | 'at-least-once';
  overflow?: 'reject-publish';
  deliveryLimit?: number;
  maxLength?: number;
  maxLengthBytes?: number;
} {
  if (typeof options.exchange !== 'string') throw new DeadLetterSetupError('needs an exchange name (\'\' for the default exchange)');
  const strategy = options.strategy ?? 'at-least-once';
  if (options.routingKey !== undefined && typeof options.routingKey !== 'string') throw new DeadLetterSetupError(`needs a string routingKey, got ${String(options.routingKey)}`);
  if (options.exchange === '' && !options.routingKey) {
    throw new DeadLetterSetupError("through the default exchange ('') needs routingKey: the dead-letter queue's name");
  }
  const o = {
    queueType: 'quorum' as const,
    deadLetterExchange: options.exchange,
    deadLetterStrategy: strategy,
    ...(options.routingKey !== undefined && { deadLetterRoutingKey: options.routingKey }),
    ...(strategy === 'at-least-once' && { overflow: 'reject-publish' as const }),
    ...(options.deliveryLimit !== undefined && { deliveryLimit: options.deliveryLimit }),
    ...(options.maxLength !== undefined && { maxLength: options.maxLength }),
    ...(options.maxLengthBytes !== undefined && { maxLengthBytes: options.maxLengthBytes }),
  };
  quorumArguments(o); // validates
  return o;
}

/**
 * How to settle a delivery, named for what it does on a quorum queue (RabbitMQ 4.x; see
 * https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling):
 * - `accepted`: done (basic.ack).
 * - `failed`: processing failed; requeued, and counts toward the delivery limit (basic.reject
 *   with requeue): after `x-delivery-limit` of these the message is dead-lettered or dropped.
 * - `returned`: given back without blame (basic.nack with requeue), e.g. on shutdown; on 4.x it
 *   does not count toward the delivery limit (only `x-acquired-count` grows). On 3.x it counts
 *   like `failed`.
 * - `discarded`: dead-lettered now, or dropped without a dead-letter exchange (basic.reject
 *   without requeue).
 * On classic queues `failed` and `returned` both simply requeue.
 */
export type SettleOutcome = 'accepted' | 'failed' | 'returned' | 'discarded';

/** The basic method and requeue flag of each outcome. */
export const SETTLE_OUTCOMES: Readonly<Record<SettleOutcome, { how: 'ack' | 'nack' | 'reject'; requeue: boolean }>> = {
  accepted: { how: 'ack', requeue: false },
  failed: { how: 'reject', requeue: true },
  returned: { how: 'nack', requeue: true },
  discarded: { how: 'reject', requeue: false },
};

/** Why a message was dead-lettered (`x-death` reason). */
export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit' | (string & {});

/** One entry of a message's `x-death` history: a queue it was dead-lettered from, and why. */
export interface DeathRecord {
  /** The queue it left. */
  queue: string;
  reason: DeathReason;
  /** How many times it was dead-lettered from this queue for this reason. */
  count: number;
  /** The exchange it had been published to. */
  exchange: string;
  /** The routing keys it had (CC and BCC included). */
  routingKeys: string[];
  /** When it was first dead-lettered from this queue for this reason (whole seconds). */
  time: Date | undefined;
  /** Its per-message TTL (`expiration`), when it had one. */
  originalExpiration: string | undefined;
}

function str(v: FieldValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return v === undefined || v === null ? '' : String(v);
}

function count(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** `x-delivery-count` of a delivery's headers (0 when absent: a first delivery on 4.x, or not a quorum queue). */
export function deliveryCountOf(headers: FieldTable | undefined): number {
  return count(headers?.['x-delivery-count']) ?? 0;
}

/** `x-acquired-count` (RabbitMQ 4.x quorum queues), or undefined where the broker does not send it. */
export function acquiredCountOf(headers: FieldTable | undefined): number | undefined {
  return count(headers?.['x-acquired-count']);
}

/** The parsed `x-death` history, most recent first (RabbitMQ's order); empty when never dead-lettered. */
export function deathsOf(headers: FieldTable | undefined): DeathRecord[] {
  const raw = headers?.['x-death'];
  if (!Array.isArray(raw)) return [];
  const out: DeathRecord[] = [];
  for (const entry of raw) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry) || entry instanceof Uint8Array || entry instanceof Date) continue;
    const t = entry as FieldTable;
    const keys = t['routing-keys'];
    out.push({
      queue: str(t.queue),
      reason: str(t.reason),
      count: count(t.count) ?? 0,
      exchange: str(t.exchange),
      routingKeys: Array.isArray(keys) ? keys.map((k) => str(k)) : [],
      time: t.time instanceof Date ? t.time : undefined,
      originalExpiration: t['original-expiration'] === undefined ? undefined : str(t['original-expiration']),
    });
  }
  return out;
}
