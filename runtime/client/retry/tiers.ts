/**
 * Delayed retry from TTL and dead-lettering, for any broker and queue type: a ladder of retry
 * tiers that the broker walks a message up by itself, so that its `x-death` history counts the
 * attempts and dates each hop with the broker's clock.
 *
 * Theory of operation, for a work queue W and delays d1..dn:
 *
 * ```
 *   W ──reject──▶ W.retry (direct; alternate exchange W.retry.first) ──▶ W.retry.k
 *   ▲                         unknown key ─▶ W.retry.first (fanout) ──▶ W.retry.1
 *   │                         key W.retry.k (k ≥ 2) ──▶ W.retry.k    key W.dead ──▶ W.dead
 *   └── W.retry.return (fanout) ◀── W.retry.k expires after dk, re-keyed W.retry.(k+1) (the last: W.dead)
 * ```
 *
 * - W dead-letters to exchange W.retry without a dead-letter routing key, so the message keeps
 *   its current routing key. The first time that is the key it was published with, which no
 *   binding of W.retry names: the alternate exchange sends it to tier 1.
 * - Tier k is a queue with `x-message-ttl` dk that dead-letters to the fanout W.retry.return
 *   (bound to W only) with routing key `W.retry.(k+1)`, or `W.dead` after the last tier. Back in
 *   W, the next rejection routes by that key to the next tier, and after the last to W.dead.
 * - So a consumer only ever rejects (without requeue); the broker moves the message, and its
 *   `x-death` holds one `rejected` entry for W (count = failures so far) and one `expired` entry
 *   per tier passed, each with the time the broker wrote. No republish: on RabbitMQ 3.13+ a
 *   republished message starts a new `x-death` history (count back to 1; seen on 4.3.6), which
 *   would make the attempt count useless.
 * - A message retried k times arrives with routing key `W.retry.(k+1)` or `W.dead`: read the
 *   original key from `x-death` (message.deaths) when it matters.
 *
 * Declaring goes through the channel's own methods (or `declare()` with the entities), so the
 * connection's topology record keeps it and recovery declares it again; declaring twice with
 * the same options is a no-op on the broker.
 */
import { WarrenError } from '../../codec/errors.js';
import type { Channel } from '../channel.js';
import { Binding, Exchange, Queue, type AnyEntity } from '../entities/entities.js';
import type { Retryable, RetryNext } from './settle.js';
import type { QueueOptions, QueueType } from '../topology.js';
import { delaysOf, fixedDelays, type BackoffPolicy } from './backoff.js';

/** Options of {@link retryTiers}. */
export interface RetryTiersOptions {
  /** The delays of the retries, ms, in order (one tier each), or a policy they are taken from. Default: 1 s, 10 s, 1 min. */
  delays?: readonly number[] | BackoffPolicy;
  /** The queue that receives messages whose retries are used up (default `<queue>.dead`). */
  deadLetterQueue?: string;
  /** Queue type of the tiers and the dead-letter queue (default classic; quorum for replication). */
  queueType?: Extract<QueueType, 'classic' | 'quorum'>;
  /** Prefix of the exchanges and tier queues (default `<queue>.retry`). */
  prefix?: string;
}

/** A retry topology was asked for with options that cannot work; nothing was declared. */
export class RetryTopologyError extends WarrenError {
  override name = 'RetryTopologyError';
}

/** The names, options and entities of a TTL retry ladder for one work queue; see the module comment. */
export class RetryTiers {
  readonly kind = 'tiers' as const;
  /** The work queue. */
  readonly queue: string;
  /** Delay of each tier, ms: `delays[k-1]` is the wait before retry k. */
  readonly delays: readonly number[];
  /** The exchange the work queue dead-letters to. */
  readonly exchange: string;
  /** Tier queue names, in order. */
  readonly tierQueues: readonly string[];
  /** Where messages go when their retries are used up. */
  readonly deadLetterQueue: string;
  /** Spread into the work queue's queueDeclare() options: its dead-letter exchange. */
  readonly queueOptions: Readonly<Pick<QueueOptions, 'deadLetterExchange'>>;
  readonly #prefix: string;
  readonly #queueType: 'classic' | 'quorum';

  constructor(queue: string, options: RetryTiersOptions = {}) {
    if (typeof queue !== 'string' || queue === '') throw new RetryTopologyError('a retry topology needs the work queue\'s name (a server-named queue changes name on every recovery)');
    const raw = options.delays ?? [1000, 10_000, 60_000];
    const delays = Array.isArray(raw) ? delaysOf(fixedDelays(raw as readonly number[])) : delaysOf(raw as BackoffPolicy);
    if (delays.length === 0) throw new RetryTopologyError('a retry topology needs at least one delay');
    const prefix = options.prefix ?? `${queue}.retry`;
    this.queue = queue;
    this.delays = Object.freeze(delays);
    this.#prefix = prefix;
    this.#queueType = options.queueType ?? 'classic';
    this.exchange = prefix;
    this.tierQueues = Object.freeze(delays.map((_, i) => `${prefix}.${i + 1}`));
    this.deadLetterQueue = options.deadLetterQueue ?? `${queue}.dead`;
    if (this.deadLetterQueue === queue || this.tierQueues.includes(this.deadLetterQueue)) throw new RetryTopologyError(`the dead-letter queue '${this.deadLetterQueue}' must be another queue than the work queue and the tiers`);
    this.queueOptions = Object.freeze({ deadLetterExchange: this.exchange });
  }

  /** Every exchange, queue and binding of the ladder (not the work queue itself), for declare() or verify(). */
  entities(): AnyEntity[] {
    const first = new Exchange(`${this.#prefix}.first`, { type: 'fanout' });
    const back = new Exchange(`${this.#prefix}.return`, { type: 'fanout' });
    const router = new Exchange(this.exchange, { type: 'direct', alternateExchange: first.name });
    const durable = { durable: true, queueType: this.#queueType } as const;
    const out: AnyEntity[] = [first, back, router];
    this.tierQueues.forEach((name, i) => {
      const next = this.tierQueues[i + 1] ?? this.deadLetterQueue;
      out.push(new Queue(name, { ...durable, messageTtl: this.delays[i]!, deadLetterExchange: back.name, deadLetterRoutingKey: next }));
      out.push(new Binding({ source: i === 0 ? first : router, destination: name, routingKey: i === 0 ? '' : name }));
    });
    out.push(new Queue(this.deadLetterQueue, durable));
    out.push(new Binding({ source: router, destination: this.deadLetterQueue, routingKey: this.deadLetterQueue }));
    out.push(new Binding({ source: back, destination: this.queue, routingKey: '' }));
    return out;
  }

  /**
   * Declares the ladder on `channel` (the work queue must exist, or be declared in the same
   * topology, with `queueOptions`): idempotent, and recorded for recovery like any declaration.
   */
  async declare(channel: Channel): Promise<void> {
    const all = this.entities();
    for (const e of all) if (!(e instanceof Binding)) await e.attach(channel).declare();
    for (const e of all) if (e instanceof Binding) await e.attach(channel).declare();
  }

  /** Failures of `message` in the work queue so far (the `rejected` count of its `x-death` entry for it). */
  failuresOf(message: Pick<Retryable, 'deaths'>): number {
    let n = 0;
    for (const d of message.deaths) if (d.queue === this.queue && d.reason === 'rejected') n += d.count;
    return n;
  }

  /**
   * What rejecting `message` now leads to: retry number `attempt` after `delay` ms, or the
   * dead-letter queue (`deadLetter`) when its retries are used up. The outcome is always
   * `discarded` (basic.reject without requeue): the work queue dead-letters it up the ladder.
   */
  next(message: Pick<Retryable, 'deaths'>): RetryNext {
    const attempt = this.failuresOf(message) + 1;
    const delay = this.delays[attempt - 1];
    return delay === undefined ? { deadLetter: true, outcome: 'discarded' } : { attempt, delay, outcome: 'discarded' };
  }
}

/**
 * A TTL retry ladder for `queue`: tiers of delays (default 1 s, 10 s, 1 min) and a final
 * dead-letter queue. Declare the work queue with `...tiers.queueOptions`, then
 * `await tiers.declare(channel)`; a consumer retries a message by rejecting it.
 */
export function retryTiers(queue: string, options?: RetryTiersOptions): RetryTiers {
  return new RetryTiers(queue, options);
}
