/**
 * One queue of the test broker: ready messages, consumers, and the limits RabbitMQ's classic
 * queues apply (TTL, max-length, priorities, dead-lettering, auto-delete, x-expires).
 *
 * Theory of operation. Ready entries sit in one {@link EntryList} per priority level (one level
 * without x-max-priority); the highest non-empty level is the head. Every change that may let a
 * message move (a publish, a requeue, a settle, a new consumer, a qos change) ends in
 * {@link Queue.dispatch}, which first expires entries at the head (RabbitMQ expires only at the
 * head), then hands messages to consumers round-robin while one of them can take one. Entries
 * given out are `unacked` until their channel settles them: {@link Queue.settled} (acked or
 * dropped), {@link Queue.requeue} (back to their place, `redelivered`), or
 * {@link Queue.deadLetter}. A timer runs only while the head has a finite expiry, so an
 * expiring message is dead-lettered when it is due even with nobody consuming.
 * A deleted queue ignores everything; its consumers have been told.
 */
import type { FieldTable } from '../codec/index.js';
import type { Message, Entry, DeathReason } from './message.js';
import { EntryList } from './entry-list.js';
import { fault, resource } from './errors.js';

/** What a queue hands messages to (a channel's consumer). */
export interface QueueConsumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** x-priority: higher goes first while it can take messages. */
  readonly priority: number;
  /** True when prefetch and flow let it take one more message now. */
  canTake(): boolean;
  /** Takes an entry (now unacked in the queue unless the consumer is no-ack). */
  deliver(queue: Queue, entry: Entry): void;
  /** The queue was deleted under it (consumer cancel notification). */
  queueDeleted(queue: Queue): void;
}

/** What a queue needs from its virtual host. */
export interface QueueHost {
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  /** Republishes a dead message through the queue's dead-letter exchange. */
  deadLetter(queue: Queue, message: Message, reason: DeathReason): void;
  /** Removes the queue (auto-delete, x-expires). */
  remove(queue: Queue): void;
}

/** Declared properties of a queue. */
export interface QueueOptions {
  name: string;
  vhost: string;
  durable: boolean;
  autoDelete: boolean;
  /** Id of the owning connection of an exclusive queue, else null. */
  owner: number | null;
  arguments: FieldTable;
}

/** The outcome of offering a message to a queue. */
export type EnqueueResult = 'queued' | 'rejected';

type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

function intArg(args: FieldTable, key: string, where: string, min: number): number | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw fault.preconditionFailed(`invalid arg '${key}' for ${where}: {unacceptable_type,${typeof v}}`);
  if (n < min) throw fault.preconditionFailed(`invalid arg '${key}' for ${where}: {value_${min > 0 ? 'zero' : 'negative'},${n}}`);
  return n;
}

/** A queue and its consumers. */
export class Queue {
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly owner: number | null;
  readonly arguments: FieldTable;
  readonly consumers: QueueConsumer[] = [];
  /** Entries delivered and not yet settled. */
  unacked = 0;
  deleted = false;
  private readonly levels: EntryList[];
  private readonly ttl: number | undefined;
  private readonly expires: number | undefined;
  private readonly maxLength: number | undefined;
  private readonly maxLengthBytes: number | undefined;
  private readonly overflow: Overflow;
  private readonly deliveryLimit: number | undefined;
  private readyBytes = 0;
  private seq = 0;
  private next = 0;
  private hadConsumer = false;
  private cancelExpiry: (() => void) | undefined;
  private expiryAt = Infinity;
  private cancelUnused: (() => void) | undefined;
  private dispatching = false;
  private readonly host: QueueHost;

  constructor(options: QueueOptions, host: QueueHost) {
    const args = options.arguments;
    const where = resource('queue', options.name, options.vhost);
    this.name = options.name;
    this.vhost = options.vhost;
    this.durable = options.durable;
    this.autoDelete = options.autoDelete;
    this.owner = options.owner;
    this.arguments = args;
    this.host = host;
    this.ttl = intArg(args, 'x-message-ttl', where, 0);
    this.expires = intArg(args, 'x-expires', where, 1);
    this.maxLength = intArg(args, 'x-max-length', where, 0);
    this.maxLengthBytes = intArg(args, 'x-max-length-bytes', where, 0);
    this.deliveryLimit = intArg(args, 'x-delivery-limit', where, 0);
    const maxPriority = Math.min(intArg(args, 'x-max-priority', where, 0) ?? 0, 255);
    this.levels = Array.from({ length: maxPriority + 1 }, () => new EntryList());
    const overflow = args['x-overflow'] ?? 'drop-head';
    if (overflow !== 'drop-head' && overflow !== 'reject-publish' && overflow !== 'reject-publish-dlx') {
      throw fault.preconditionFailed(`invalid arg 'x-overflow' for ${where}: {unacceptable_value,${String(overflow)}}`);
    }
    this.overflow = overflow;
    this.touch();
  }

  /** x-dead-letter-exchange, when set. */
  get deadLetterExchange(): string | undefined {
    const v = this.arguments['x-dead-letter-exchange'];
    return typeof v === 'string' ? v : undefined;
  }

  get deadLetterRoutingKey(): string | undefined {
    const v = this.arguments['x-dead-letter-routing-key'];
    return typeof v === 'string' ? v : undefined;
  }

  /** Ready messages (what queue.declare-ok and basic.get-ok report). */
  get messageCount(): number {
    let n = 0;
    for (const l of this.levels) n += l.length;
    return n;
  }

  /** The ready entries, highest priority first, in queue order. */
  ready(): Entry[] {
    return this.levels.slice().reverse().flatMap((l) => l.toArray());
  }

  /** Offers a published message; `messageTtl` is its own expiration in ms, if any. */
  enqueue(message: Message, messageTtl: number | undefined): EnqueueResult {
    if (this.deleted) return 'queued';
    if (this.overflow !== 'drop-head' && this.isFull(message.body.length)) {
      if (this.overflow === 'reject-publish-dlx') this.host.deadLetter(this, message, 'maxlen');
      return 'rejected';
    }
    const now = this.host.now();
    const ttl = Math.min(this.ttl ?? Infinity, messageTtl ?? Infinity);
    const top = this.levels.length - 1;
    const p = message.properties.priority;
    const priority = top === 0 ? 0 : Math.min(typeof p === 'number' ? p : 0, top);
    const entry: Entry = { message, seq: this.seq++, redelivered: false, returns: 0, expiresAt: now + ttl, priority };
    (this.levels[priority] as EntryList).insert(entry);
    this.readyBytes += message.body.length;
    if (this.overflow === 'drop-head') {
      while (this.messageCount > 0 && this.isFull(0)) {
        const dropped = this.take() as Entry;
        this.host.deadLetter(this, dropped.message, 'maxlen');
      }
    }
    // A TTL of 0 lets a message through only to a consumer that can take it at once.
    this.dispatch(ttl === 0 ? entry : undefined);
    return 'queued';
  }

  private isFull(incoming: number): boolean {
    const count = this.messageCount + (incoming > 0 ? 1 : 0);
    if (this.maxLength !== undefined && count > this.maxLength) return true;
    return this.maxLengthBytes !== undefined && this.readyBytes + incoming > this.maxLengthBytes;
  }

  /** Removes the head entry (highest priority level first). */
  private take(): Entry | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const e = (this.levels[i] as EntryList).shift();
      if (e) {
        this.readyBytes -= e.message.body.length;
        return e;
      }
    }
    return undefined;
  }

  private head(): Entry | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const e = (this.levels[i] as EntryList).peek();
      if (e) return e;
    }
    return undefined;
  }

  /** Dead-letters expired entries at the head; `fresh` may still go to a waiting consumer. */
  private expireHead(fresh?: Entry): void {
    const now = this.host.now();
    for (let e = this.head(); e && e !== fresh && e.expiresAt <= now; e = this.head()) {
      this.take();
      this.host.deadLetter(this, e.message, 'expired');
    }
    const head = this.head();
    const due = head ? head.expiresAt : Infinity;
    if (due !== this.expiryAt) {
      this.cancelExpiry?.();
      this.cancelExpiry = undefined;
      this.expiryAt = due;
      if (due !== Infinity) {
        this.cancelExpiry = this.host.setTimer(() => {
          this.expiryAt = Infinity;
          this.cancelExpiry = undefined;
          this.dispatch();
        }, Math.max(0, due - now));
      }
    }
  }

  /** Hands ready messages to consumers that can take them. Re-entrant calls fold into one. */
  dispatch(fresh?: Entry): void {
    if (this.deleted || this.dispatching) return;
    this.dispatching = true;
    try {
      this.expireHead(fresh);
      while (this.consumers.length > 0 && this.messageCount > 0) {
        const consumer = this.pickConsumer();
        if (!consumer) break;
        const entry = this.take() as Entry;
        if (!consumer.noAck) this.unacked += 1;
        consumer.deliver(this, entry);
        this.expireHead();
      }
      if (fresh && this.ready().includes(fresh)) this.expireHead();
    } finally {
      this.dispatching = false;
    }
  }

  private pickConsumer(): QueueConsumer | undefined {
    const n = this.consumers.length;
    let best: QueueConsumer | undefined;
    let bestAt = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.next + i) % n;
      const c = this.consumers[at] as QueueConsumer;
      if (c.canTake() && (!best || c.priority > best.priority)) {
        best = c;
        bestAt = at;
      }
    }
    if (best) this.next = (bestAt + 1) % n;
    return best;
  }

  /** basic.get: the head entry, now unacked unless `noAck`. */
  get(noAck: boolean): Entry | undefined {
    this.touch();
    this.expireHead();
    const e = this.take();
    if (e && !noAck) this.unacked += 1;
    this.expireHead();
    return e;
  }

  /** Entries given out were acked (or dropped without dead-lettering). */
  settled(count: number): void {
    if (this.deleted) return;
    this.unacked -= count;
    this.dispatch();
  }

  /** True for `x-queue-type: quorum` (run as a classic queue plus delivery counts and limit). */
  get quorum(): boolean {
    return this.arguments['x-queue-type'] === 'quorum';
  }

  /** Puts unacked entries back at their places, marked redelivered. */
  requeue(entries: readonly Entry[]): void {
    if (this.deleted) return;
    const limit = this.quorum ? this.deliveryLimit : undefined;
    for (const e of entries) {
      e.redelivered = true;
      e.returns += 1;
      if (limit !== undefined && e.returns > limit) {
        this.unacked -= 1;
        this.host.deadLetter(this, e.message, 'delivery_limit');
        continue;
      }
      (this.levels[e.priority] as EntryList).insert(e);
      this.readyBytes += e.message.body.length;
    }
    this.unacked -= entries.filter((e) => limit === undefined || e.returns <= limit).length;
    this.dispatch();
  }

  /** An unacked entry was rejected without requeue: dead-letter it if the queue says so. */
  rejected(entry: Entry): void {
    if (this.deleted) return;
    this.unacked -= 1;
    this.host.deadLetter(this, entry.message, 'rejected');
    this.dispatch();
  }

  /** Drops every ready message; returns how many. */
  purge(): number {
    const n = this.messageCount;
    for (const l of this.levels) l.drain();
    this.readyBytes = 0;
    this.expireHead();
    return n;
  }

  /** 403 when an exclusive consumer holds the queue, or `consumer` wants it exclusive and others hold it. */
  checkConsumer(consumer: QueueConsumer): void {
    if ((consumer.exclusive && this.consumers.length > 0) || this.consumers.some((c) => c.exclusive)) {
      throw fault.accessRefused(`${resource('queue', this.name, this.vhost)} in exclusive use`);
    }
  }

  addConsumer(consumer: QueueConsumer): void {
    this.checkConsumer(consumer);
    this.consumers.push(consumer);
    this.hadConsumer = true;
    this.cancelUnused?.();
    this.cancelUnused = undefined;
    this.dispatch();
  }

  /** Removes a consumer; an auto-delete queue goes with its last one. */
  removeConsumer(consumer: QueueConsumer): void {
    const at = this.consumers.indexOf(consumer);
    if (at < 0) return;
    this.consumers.splice(at, 1);
    if (this.next > at) this.next -= 1;
    if (this.consumers.length === 0) {
      if (this.autoDelete && this.hadConsumer) this.host.remove(this);
      else this.touch();
    }
  }

  /** Restarts the x-expires clock (a declare, a get, the last consumer gone). */
  touch(): void {
    if (this.expires === undefined || this.consumers.length > 0 || this.deleted) return;
    this.cancelUnused?.();
    this.cancelUnused = this.host.setTimer(() => this.host.remove(this), this.expires);
  }

  /** Marks the queue deleted: timers stop, consumers are told. Returns the ready count dropped. */
  delete(): number {
    if (this.deleted) return 0;
    const n = this.messageCount;
    this.deleted = true;
    this.cancelExpiry?.();
    this.cancelUnused?.();
    for (const l of this.levels) l.drain();
    for (const c of this.consumers.splice(0)) c.queueDeleted(this);
    return n;
  }
}
