/**
 * The record of what the application declared through warren, as plain data, kept so that it
 * can be declared again on a new connection (replay.ts).
 *
 * Theory of operation. The record is fed the methods that *succeeded*, exactly as they went on
 * the wire (`onMethod(method, reply)` from the recording link of each of the application's
 * channels, recording-link.ts, whatever API sent them: channel helpers,
 * `ch.call('queue.declare', ...)`, or entity objects built on top), plus consumers from
 * Channel.consume (channel/consuming.ts). One connection has one record, shared by its channels, kept in maps by name
 * in declaration order (Map insertion order), which is the replay order within each kind.
 * - Recorded: exchange.declare (not passive, not the predefined `amq.*` and default exchange),
 *   queue.declare (not passive; under the name the broker answered), queue.bind, exchange.bind,
 *   consumers with all their options.
 * - Pruned: exchange.delete (with the bindings from or to it), queue.delete (with its bindings
 *   and consumers), unbinds, consumer cancels (by the application or the broker); the lifetimes
 *   the broker enforces: an auto-delete queue goes with its last recorded consumer, an auto-delete
 *   exchange with its last binding as source. The whole record goes when the application closes
 *   the connection (exclusive queues die with it).
 * - Renamed: a server-named queue (declared with name '') gets a new name on each recovery;
 *   `renameQueue` moves the queue record and rewrites the bindings and consumers that name it.
 *   `currentName(name)` follows a chain of renames, so an application (or an entity object)
 *   holding an old name can ask for today's.
 * Invariant: every binding and consumer names a queue or exchange by its current name.
 *
 * Design note for layers above (issue 9 entities, tracing): there is one record. An Exchange,
 * Queue or Binding object declares through a Channel, whose link records here; it keeps no copy of
 * the topology of its own, and learns of renames from the connection's `queueRenamed` event or
 * `connection.topology.currentName()`. What is recovered is chosen with the `topologyFilter`
 * recovery option (plain predicates on the records below), not by subclassing.
 */
import type { AnyMethod, FieldTable } from '../../codec/index.js';

/** A recorded exchange.declare. */
export interface RecordedExchange {
  readonly name: string;
  readonly type: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
}

/** A recorded queue.declare; `serverNamed` when the application let the broker choose the name. */
export interface RecordedQueue {
  readonly name: string;
  readonly serverNamed: boolean;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
}

/** A recorded queue.bind (`destinationKind` 'queue') or exchange.bind ('exchange'). */
export interface RecordedBinding {
  readonly destinationKind: 'queue' | 'exchange';
  readonly destination: string;
  readonly source: string;
  readonly routingKey: string;
  readonly arguments: FieldTable;
}

/** A recorded consumer: `key` identifies the Consumer object, `channel` its Channel (see Channel.key). */
export interface RecordedConsumer {
  readonly key: number;
  readonly channel: number;
  readonly queue: string;
  /** The tag the application chose, or '' to let the broker choose on every consume. */
  readonly consumerTag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly arguments: FieldTable;
}

/** Chooses what is recovered: each predicate returns false to leave an entity out (default: all). */
export interface TopologyFilter {
  /** False leaves the exchange out of the replay. */
  exchange?(e: RecordedExchange): boolean;
  /** False leaves the queue out (its bindings and consumers are still tried: filter them too). */
  queue?(q: RecordedQueue): boolean;
  /** False leaves the binding out. */
  binding?(b: RecordedBinding): boolean;
  /** False leaves the consumer out: it ends (its iterator finishes) at the recovery. */
  consumer?(c: RecordedConsumer): boolean;
}

/** What a replay declares, in order: exchanges, queues, bindings, then consumers. */
export interface ReplayPlan {
  exchanges: RecordedExchange[];
  queues: RecordedQueue[];
  bindings: RecordedBinding[];
  consumers: RecordedConsumer[];
}

/** True for the exchanges every vhost has and nobody may declare: '' and `amq.*`. */
export function isPredefinedExchange(name: string): boolean {
  return name === '' || name.startsWith('amq.');
}

type Args = Record<string, unknown>;

/** The topology record of one connection; see the module comment. */
export class TopologyRecorder {
  readonly #exchanges = new Map<string, RecordedExchange>();
  readonly #queues = new Map<string, RecordedQueue>();
  readonly #bindings = new Map<string, RecordedBinding>();
  readonly #consumers = new Map<number, RecordedConsumer>();
  /** Old server-generated name → the name it was renamed to. */
  readonly #renamed = new Map<string, string>();

  /** Records a method that succeeded; `reply` is its answer (queue.declare-ok carries the name). */
  onMethod(m: AnyMethod, reply?: AnyMethod): void {
    const a = m as unknown as Args;
    switch (m.kind) {
      case 'exchange.declare': {
        const name = a.exchange as string;
        if (a.passive || isPredefinedExchange(name)) return;
        this.#exchanges.set(name, { name, type: a.type as string, durable: !!a.durable, autoDelete: !!a.autoDelete, internal: !!a.internal, arguments: (a.arguments as FieldTable) ?? {} });
        return;
      }
      case 'exchange.delete':
        return this.deleteExchange(a.exchange as string);
      case 'queue.declare': {
        if (a.passive) return;
        const asked = a.queue as string;
        const name = (reply as unknown as Args | undefined)?.queue as string | undefined ?? asked;
        if (name === '') return; // nowait with a server-named queue: the name is unknowable
        const prior = this.#queues.get(name);
        this.#queues.set(name, { name, serverNamed: asked === '' || (prior?.serverNamed ?? false), durable: !!a.durable, exclusive: !!a.exclusive, autoDelete: !!a.autoDelete, arguments: (a.arguments as FieldTable) ?? {} });
        return;
      }
      case 'queue.delete':
        return this.deleteQueue(a.queue as string);
      case 'queue.bind':
      case 'exchange.bind':
      case 'queue.unbind':
      case 'exchange.unbind': {
        const toQueue = m.kind.startsWith('queue.');
        const b: RecordedBinding = {
          destinationKind: toQueue ? 'queue' : 'exchange',
          destination: (toQueue ? a.queue : a.destination) as string,
          source: (toQueue ? a.exchange : a.source) as string,
          routingKey: (a.routingKey as string) ?? '',
          arguments: (a.arguments as FieldTable) ?? {},
        };
        if (m.kind.endsWith('.bind')) this.#bindings.set(bindingKey(b), b);
        else {
          this.#bindings.delete(bindingKey(b));
          this.#maybeDeleteAutoDeleteExchange(b.source);
        }
        return;
      }
    }
  }

  /** Records a consumer (after consume-ok). */
  addConsumer(c: RecordedConsumer): void {
    this.#consumers.set(c.key, c);
  }

  /** Forgets a consumer (cancelled by either side); an auto-delete queue goes with its last one. */
  deleteConsumer(key: number): void {
    const c = this.#consumers.get(key);
    if (!c) return;
    this.#consumers.delete(key);
    const q = this.#queues.get(c.queue);
    if (q?.autoDelete && ![...this.#consumers.values()].some((o) => o.queue === c.queue)) this.deleteQueue(c.queue);
  }

  /** Forgets an exchange and every binding from or to it. */
  deleteExchange(name: string): void {
    this.#exchanges.delete(name);
    for (const [k, b] of this.#bindings) {
      if (b.source === name || (b.destinationKind === 'exchange' && b.destination === name)) this.#bindings.delete(k);
    }
  }

  /** Forgets a queue, its bindings and its consumers. */
  deleteQueue(name: string): void {
    this.#queues.delete(name);
    const sources = new Set<string>();
    for (const [k, b] of this.#bindings) {
      if (b.destinationKind === 'queue' && b.destination === name) {
        this.#bindings.delete(k);
        sources.add(b.source);
      }
    }
    for (const [k, c] of this.#consumers) if (c.queue === name) this.#consumers.delete(k);
    for (const s of sources) this.#maybeDeleteAutoDeleteExchange(s);
  }

  #maybeDeleteAutoDeleteExchange(name: string): void {
    if (!this.#exchanges.get(name)?.autoDelete) return;
    for (const b of this.#bindings.values()) if (b.source === name) return;
    this.deleteExchange(name);
  }

  /**
   * A server-named queue came back as `to`: moves its record (keeping its place in the order)
   * and points its bindings and consumers at the new name. Returns the consumers that moved.
   */
  renameQueue(from: string, to: string): RecordedConsumer[] {
    if (from === to) return [];
    const entries = [...this.#queues];
    this.#queues.clear();
    for (const [name, q] of entries) {
      if (name === from) this.#queues.set(to, { ...q, name: to });
      else this.#queues.set(name, q);
    }
    const bindings = [...this.#bindings.values()];
    this.#bindings.clear();
    for (const b of bindings) {
      const nb = b.destinationKind === 'queue' && b.destination === from ? { ...b, destination: to } : b;
      this.#bindings.set(bindingKey(nb), nb);
    }
    const moved: RecordedConsumer[] = [];
    for (const [k, c] of this.#consumers) {
      if (c.queue !== from) continue;
      const nc = { ...c, queue: to };
      this.#consumers.set(k, nc);
      moved.push(nc);
    }
    this.#renamed.set(from, to);
    return moved;
  }

  /** The current name of a queue known by `name` (follows renames of server-named queues). */
  currentName(name: string): string {
    const seen = new Set<string>();
    while (this.#renamed.has(name) && !seen.has(name)) {
      seen.add(name);
      name = this.#renamed.get(name)!;
    }
    return name;
  }

  /** The recorded exchanges, in declaration order. */
  exchanges(): RecordedExchange[] {
    return [...this.#exchanges.values()];
  }

  /** The recorded queues, in declaration order, under their current names. */
  queues(): RecordedQueue[] {
    return [...this.#queues.values()];
  }

  /** The recorded bindings (queue and exchange-to-exchange), in declaration order. */
  bindings(): RecordedBinding[] {
    return [...this.#bindings.values()];
  }

  /** The recorded consumers, in the order they started. */
  consumers(): RecordedConsumer[] {
    return [...this.#consumers.values()];
  }

  /** The consumer recorded under `key`. */
  consumer(key: number): RecordedConsumer | undefined {
    return this.#consumers.get(key);
  }

  /** What to declare again, in order, with `filter` applied. */
  plan(filter: TopologyFilter = {}): ReplayPlan {
    return {
      exchanges: this.exchanges().filter((e) => filter.exchange?.(e) ?? true),
      queues: this.queues().filter((q) => filter.queue?.(q) ?? true),
      bindings: this.bindings().filter((b) => filter.binding?.(b) ?? true),
      consumers: this.consumers().filter((c) => filter.consumer?.(c) ?? true),
    };
  }

  /** Forgets everything (the application closed the connection). */
  clear(): void {
    this.#exchanges.clear();
    this.#queues.clear();
    this.#bindings.clear();
    this.#consumers.clear();
    this.#renamed.clear();
  }
}

function bindingKey(b: RecordedBinding): string {
  return JSON.stringify([b.destinationKind, b.destination, b.source, b.routingKey, b.arguments], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
}
