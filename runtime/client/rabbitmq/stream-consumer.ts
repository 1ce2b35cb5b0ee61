/**
 * A stream consumer (RabbitMQ 3.9+; filtering 3.13+): a Consumer with the rules the broker
 * enforces kept, and the offset the application has processed tracked. The typed arguments and
 * offsets are in stream-arguments.ts, the delivery header readers in stream-headers.ts.
 *
 * Theory of operation
 * - A stream consumer is a basic.consume with `x-stream-offset`, manual acks and a per-consumer
 *   prefetch (the broker refuses the consume without one: 406, and answers no-ack with 540, which
 *   closes the connection). {@link consumeStream} sets both; the offset is typed
 *   ({@link StreamOffset}) and encoded as the broker parses it: a number as int64, a Date as a
 *   field-table timestamp (whole seconds), an interval such as `1h` as a string.
 * - Deliveries carry their offset in the `x-stream-offset` header (`streamOffsetOf`).
 *   Each goes through two checks before the application sees it: with `filter`, a message whose
 *   `x-stream-filter-value` is not one of the filter's values (the broker filters per chunk with
 *   a Bloom filter, so it lets some through; 3.10 does not filter at all) and a message before
 *   the offset asked for (3.10.8 and 4.3.6 skip those themselves, inside the chunk that holds the
 *   offset; the check keeps the resume invariant whatever the broker does) are acked and dropped
 *   here.
 * - Processed offset: a delivery counts as processed when it is settled (ack, nack or reject;
 *   dropped ones count at once). `processedOffset` is the highest offset up to which every
 *   delivery is processed, so an out-of-order ack never skips an unfinished message. Each
 *   advance is handed to the `offsetStore.save` hook; `offsetStore.load` says where to resume
 *   after a restart (the next offset), and a connection recovery resumes after `processedOffset`
 *   (a consumer started at `next` that has seen nothing: at the second it started).
 * - Settling: on a stream, ack, nack and reject all just release the delivery (nothing is
 *   requeued or dead-lettered), and RabbitMQ 3.10 answers basic.nack or basic.reject of a stream
 *   delivery with 540 NOT_IMPLEMENTED, closing the whole connection (4.3 accepts them). So every
 *   settlement of a stream consumer's delivery goes out as basic.ack, whatever the application,
 *   the handler error policy or a left loop asked for; each still counts as processed.
 * - The checks run in the Consumer's `admit` hook, before its buffer or handler: a dropped
 *   delivery never reaches the application, and everything else (iteration, receive(), handler
 *   concurrency and error policy, recovery's suspend and replay) is the Consumer's own.
 */
import { WarrenError } from '../../codec/errors.js';
import { field, type FieldTable, type Long } from '../../codec/index.js';
import type { Channel } from '../channel.js';
import type { ConsumeHandler, ConsumeOptions, Consumer } from '../consumer.js';
import type { Message } from '../message.js';
import { offsetArgument, type StreamOffset } from './stream-arguments.js';
import { streamFilterValueOf, streamOffsetOf } from './stream-headers.js';

/** Where an application keeps a stream consumer's offset (a database row, a file...). */
export interface StreamOffsetStore {
  /** The last offset processed in an earlier run; the consumer resumes at the next one. Undefined: start at `offset`. */
  load?(): Long | undefined | Promise<Long | undefined>;
  /** Every delivery up to `offset` is processed: keep it (called in order; debounce as needed). */
  save(offset: Long): void | Promise<void>;
}

/** Options of `channel.consumeStream()`. */
export interface StreamConsumeOptions {
  /** Where to start when `offsetStore` has nothing (default `next`). */
  offset?: StreamOffset;
  /** Unacknowledged deliveries at a time (per-consumer basic.qos, required by streams; default 100). */
  prefetch?: number;
  /** Only messages published with one of these `streamFilterValue`s (RabbitMQ 3.13+); checked again here. */
  filter?: string | readonly string[];
  /** With `filter`: also messages published without a filter value (`x-stream-match-unfiltered`). */
  matchUnfiltered?: boolean;
  /** Load and save the processed offset (resume after a restart). */
  offsetStore?: StreamOffsetStore;
  /** Called for each delivery instead of iterating; settle each message (ack). Runs as a Consumer's handler (concurrency, error policy). */
  handler?: ConsumeHandler;
  /** Handler mode: how many handlers at once (default 1, in order). */
  concurrency?: number;
  /** Handler mode: what happens to a message whose handler fails (see ConsumeOptions; default reject). */
  onHandlerError?: ConsumeOptions['onHandlerError'];
  /** Your own consumer tag. */
  consumerTag?: string;
  /** Single active consumer of this stream (basic.consume exclusive). */
  exclusive?: boolean;
  /** Consumer priority (`x-priority`). */
  priority?: number;
  /** More consumer arguments, merged last. */
  arguments?: FieldTable;
  /** Refused: streams need manual acknowledgement (the broker closes the connection otherwise). */
  noAck?: false;
}

/** A stream consumer cannot be set up as asked; nothing was sent. */
export class StreamConsumeError extends WarrenError {
  override name = 'StreamConsumeError';
}

/**
 * The connected node has no running replica of the stream (a cluster where the stream's members
 * live on other nodes, or its local member is down): the broker answers basic.consume with 406
 * PRECONDITION_FAILED and closes the channel (verified on 3.10.8 and 4.3.6 clusters). Connect to a node that holds a replica (or grow the
 * stream onto this one: `rabbitmq-streams add_replica`). `cause` is the broker's error.
 */
export class StreamReplicaUnavailableError extends WarrenError {
  override name = 'StreamReplicaUnavailableError';
  /** The stream. */
  readonly queue: string;
  /** 406 */
  readonly replyCode: number;
  constructor(queue: string, cause: Error & { replyCode: number }) {
    super(`stream '${queue}' has no running replica on the connected node: consume through a node that holds one (${cause.message})`, { cause });
    this.queue = queue;
    this.replyCode = cause.replyCode;
  }
}

// 4.x: "stream queue ... does not have a running replica on the local node"; 3.10: "queue ... does not have a replica on the local node".
const NO_REPLICA = /does not have a (?:running )?replica on the local node/;

interface Pending {
  offset: Long;
  /** The delivery tag (a multiple settlement on the channel covers it). */
  tag: number;
  settled: boolean;
}

/**
 * A consumer of a stream, from `channel.consumeStream()`: the checks and the offset tracking in
 * front of an ordinary Consumer (`consumer`), which does the rest (iteration, receive(), handler
 * concurrency and error policy, recovery). Iterate it, or pass `handler`.
 */
export class StreamConsumer implements AsyncIterable<Message> {
  /** The stream. */
  readonly queue: string;
  readonly #filter: ReadonlySet<string> | undefined;
  readonly #matchUnfiltered: boolean;
  readonly #store: StreamOffsetStore | undefined;
  readonly #onStoreError: (e: unknown) => void;
  #consumer: Consumer | undefined;
  #from: bigint | undefined;
  #pending: Pending[] = [];
  #byMessage = new WeakMap<Message, Pending>();
  #processed: Long | undefined;
  readonly #startedAt: Date | undefined;
  #dropped = 0;

  /** @internal use channel.consumeStream() */
  constructor(queue: string, init: { filter: ReadonlySet<string> | undefined; matchUnfiltered: boolean; store: StreamOffsetStore | undefined; from: bigint | undefined; processed: Long | undefined; startedAt?: Date | undefined; onStoreError: (e: unknown) => void }) {
    this.queue = queue;
    this.#filter = init.filter;
    this.#matchUnfiltered = init.matchUnfiltered;
    this.#store = init.store;
    this.#from = init.from;
    this.#processed = init.processed;
    this.#startedAt = init.startedAt;
    this.#onStoreError = init.onStoreError;
  }

  /** The underlying basic.consume consumer (events, receive(), close()). */
  get consumer(): Consumer {
    if (!this.#consumer) throw new StreamConsumeError('the stream consumer is not set up yet');
    return this.#consumer;
  }

  /** @internal the Consumer once basic.consume succeeded */
  attach(c: Consumer): void {
    this.#consumer = c;
    c.resumeArguments = (recorded) => this.resumeArguments(recorded);
  }

  /** The consumer tag. */
  get consumerTag(): string {
    return this.consumer.consumerTag;
  }

  /** True once cancelled or its channel closed. */
  get isEnded(): boolean {
    return this.consumer.isEnded;
  }

  /** The highest offset up to which every delivery has been processed (settled), or undefined. */
  get processedOffset(): Long | undefined {
    return this.#processed;
  }

  /** Deliveries acked and dropped here: before the start offset, or rejected by the client-side filter. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Stops deliveries (basic.cancel). */
  cancel(): Promise<void> {
    return this.consumer.cancel();
  }

  /** The deliveries that passed the checks, in order; leaving the loop cancels the consumer. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.consumer[Symbol.asyncIterator]();
  }

  /**
   * @internal the consumer arguments after a connection recovery: resume after the processed
   * offset (or at the first delivery not processed yet). The Consumer drops the deliveries it
   * buffered from before the loss (they come again). A consumer that started at `next` and has
   * seen nothing yet resumes at the second it started (sending `next` again would skip what was
   * written during the outage); messages written in that second just before it may come too.
   */
  resumeArguments(recorded: FieldTable): FieldTable {
    const first = this.#pending[0]?.offset;
    this.#pending = [];
    const next = this.#processed !== undefined ? BigInt(this.#processed) + 1n : first !== undefined ? BigInt(first) : undefined;
    if (next === undefined) return this.#startedAt ? { ...recorded, 'x-stream-offset': field.timestamp(this.#startedAt) } : recorded;
    this.#from = next;
    return { ...recorded, 'x-stream-offset': field.int64(next) };
  }

  /** @internal each delivery, before the Consumer hands it out: tracks its offset; false (after acking it) to drop it */
  admit(m: Message): boolean {
    m.streamDelivery = true;
    const headers = m.properties.headers;
    const offset = streamOffsetOf(headers);
    if (offset !== undefined) {
      const p: Pending = { offset, tag: Number(m.deliveryTag), settled: false };
      this.#pending.push(p);
      this.#byMessage.set(m, p);
      m.onSettled = (multiple) => this.#settled(m, multiple);
    }
    if (this.#wanted(offset, headers)) return true;
    this.#dropped++;
    m.ack();
    return false;
  }

  #wanted(offset: Long | undefined, headers: FieldTable | undefined): boolean {
    if (offset !== undefined && this.#from !== undefined && BigInt(offset) < this.#from) return false;
    if (!this.#filter) return true;
    const value = streamFilterValueOf(headers);
    return value === undefined ? this.#matchUnfiltered : this.#filter.has(value);
  }

  /**
   * @internal a multiple settlement went out on the channel (this consumer's or another's): the
   * deliveries up to `tag` are settled too.
   */
  settledThrough(tag: number): void {
    let any = false;
    for (const q of this.#pending) if (q.tag <= tag && !q.settled) any = q.settled = true;
    if (any) this.#advance();
  }

  /** @internal true when a delivery with a tag up to `through` is not settled yet */
  holdsThrough(through: number): boolean {
    return this.#pending.some((q) => !q.settled && q.tag <= through);
  }

  /** True once ended with nothing left to track (channel.multipleSettled may let go of it). */
  get done(): boolean {
    return this.#consumer !== undefined && this.#consumer.isEnded && this.#pending.length === 0;
  }

  #settled(m: Message, multiple: boolean): void {
    const p = this.#byMessage.get(m);
    if (!p) return;
    p.settled = true;
    if (multiple) for (const q of this.#pending) if (BigInt(q.offset) <= BigInt(p.offset)) q.settled = true;
    this.#advance();
  }

  #advance(): void {
    let i = 0;
    while (i < this.#pending.length && this.#pending[i]!.settled) i++;
    if (i === 0) return;
    const reached = this.#pending[i - 1]!.offset;
    this.#pending.splice(0, i);
    // Deliveries before the start (dropped) were processed in an earlier run: never go back.
    if (this.#processed !== undefined && BigInt(reached) <= BigInt(this.#processed)) return;
    this.#processed = reached;
    if (!this.#store) return;
    try {
      const r = this.#store.save(this.#processed);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(this.#onStoreError);
    } catch (e) {
      this.#onStoreError(e);
    }
  }
}

/**
 * Consumes from a stream: sets the per-consumer prefetch streams require, sends the typed offset
 * (or resumes after `offsetStore.load()`), enforces manual acks, and checks each delivery against
 * the start offset and the filter (see the file comment). Rejects with StreamConsumeError for
 * options the broker would refuse, and with StreamReplicaUnavailableError when the connected node
 * holds no replica of the stream.
 */
export async function consumeStream(channel: Channel, queue: string, options: StreamConsumeOptions = {}): Promise<StreamConsumer> {
  if ((options as { noAck?: boolean }).noAck === true) {
    throw new StreamConsumeError('streams need manual acknowledgement: RabbitMQ answers a no-ack consume on a stream with 540 NOT_IMPLEMENTED and closes the connection');
  }
  const prefetch = options.prefetch ?? 100;
  if (!(Number.isInteger(prefetch) && prefetch >= 1 && prefetch <= 0xffff)) throw new StreamConsumeError(`prefetch must be an integer from 1 to 65535 (streams need one), got ${String(prefetch)}`);
  const filter = options.filter === undefined ? undefined : new Set(typeof options.filter === 'string' ? [options.filter] : options.filter);
  if (filter && filter.size === 0) throw new StreamConsumeError('filter needs at least one value');
  if (options.matchUnfiltered !== undefined && !filter) throw new StreamConsumeError('matchUnfiltered needs a filter');
  const stored = options.offsetStore?.load ? await options.offsetStore.load() : undefined;
  if (stored !== undefined && !(typeof stored === 'bigint' ? stored >= 0n : Number.isSafeInteger(stored) && stored >= 0)) {
    throw new StreamConsumeError(`offsetStore.load() must return a non-negative integer offset (a number or bigint) or undefined, got ${typeof stored === 'object' ? JSON.stringify(stored) : String(stored)}`);
  }
  const offset: StreamOffset = stored !== undefined ? BigInt(stored) + 1n : (options.offset ?? 'next');
  const args: FieldTable = { 'x-stream-offset': offsetArgument(offset) };
  if (filter) {
    args['x-stream-filter'] = [...filter];
    args['x-stream-match-unfiltered'] = options.matchUnfiltered ?? false;
  }
  Object.assign(args, options.arguments);
  const logger = channel.connection.rules.logger;
  const stream = new StreamConsumer(queue, {
    filter,
    matchUnfiltered: options.matchUnfiltered ?? false,
    store: options.offsetStore,
    from: typeof offset === 'number' || typeof offset === 'bigint' ? BigInt(offset) : undefined,
    processed: stored,
    // `next` has no offset to resume from: the time of the consume, to the second (the broker's timestamps are whole seconds).
    startedAt: offset === 'next' ? new Date(Math.floor(Date.now() / 1000) * 1000) : undefined,
    onStoreError: (err) => logger?.warn?.(`stream ${queue}: offsetStore.save failed`, { error: String(err) }),
  });
  try {
    const consumer = await channel.consume(queue, options.handler, {
      prefetch,
      arguments: args,
      admit: (m) => stream.admit(m),
      ...(options.consumerTag !== undefined && { consumerTag: options.consumerTag }),
      ...(options.exclusive !== undefined && { exclusive: options.exclusive }),
      ...(options.priority !== undefined && { priority: options.priority }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.onHandlerError !== undefined && { onHandlerError: options.onHandlerError }),
    });
    stream.attach(consumer);
    // A multiple ack by another consumer of the channel settles this one's deliveries too.
    const onMultiple = (through: number): void => {
      if (stream.done) channel.multipleSettled.delete(onMultiple);
      else stream.settledThrough(through);
    };
    channel.multipleSettled.add(onMultiple);
    const guard = (through: number): boolean => {
      if (stream.done) channel.streamDeliveryThrough.delete(guard);
      return stream.holdsThrough(through);
    };
    channel.streamDeliveryThrough.add(guard);
  } catch (e) {
    const err = e as Error & { replyCode?: number; replyText?: string };
    if (err.replyCode === 406 && NO_REPLICA.test(err.replyText ?? '')) throw new StreamReplicaUnavailableError(queue, err as Error & { replyCode: number });
    throw e;
  }
  return stream;
}
