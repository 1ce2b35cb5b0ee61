/**
 * Declarative entities (kombu's model): Exchange, Queue and Binding as typed values, declared
 * idempotently, checked, deleted.
 *
 * Theory of operation. An entity is an immutable description (name, type, flags, typed
 * x-arguments). `attach(channel)` gives a bound copy, which can act: declare(), delete(),
 * publish or consume. An entity that is not bound says so (UnboundEntityError) instead of
 * failing somewhere deeper. Declaring goes through the Channel's own methods, so the one record
 * of the topology (recovery/recorder.ts) records it, and recovery replays it: entities keep no
 * copy of their own. A server-named queue (`new Queue('')`) gets its name on declare; the bound
 * copy that declare() returns carries it, and follows the renames of each recovery through
 * `connection.topology.currentName()`.
 */
import { WarrenError } from '../../codec/errors.js';
import type { Body } from '../body.js';
import type { CallOptions, Channel, QueueInfo } from '../channel.js';
import type { ConsumeHandler, ConsumeOptions, Consumer } from '../consumer.js';
import type { Message } from '../message.js';
import type { PublishOptions } from '../publisher.js';
import type { BindOptions, ExchangeOptions, ExchangeType, QueueOptions } from '../topology.js';

/** An entity was used for something that needs a channel, and it is not bound to one. */
export class UnboundEntityError extends WarrenError {
  override name = 'UnboundEntityError';
}

/** A copy of `entity` bound to `channel` (and with `extra` fields set: a declared queue's name). */
function boundCopy<E extends Entity>(copy: E, channel: Channel, extra: object = {}): E {
  Object.assign(copy, { channel }, extra);
  return copy;
}

abstract class Entity {
  /** The channel a bound copy acts on (undefined: not bound). */
  readonly channel: Channel | undefined = undefined;

  /** What the entity is, for messages: `exchange 'orders'`. */
  abstract describe(): string;

  /** @internal the channel, or UnboundEntityError saying how to bind */
  protected bound(action: string): Channel {
    if (this.channel) return this.channel;
    throw new UnboundEntityError(`cannot ${action} ${this.describe()}: it is not bound to a channel; use entity.attach(channel), or declare(channel, entity) which returns bound copies`);
  }
}

/** Options of an Exchange: its type and the options of exchangeDeclare(). */
export interface ExchangeSpec extends ExchangeOptions {
  /** `direct` (default), `fanout`, `topic`, `headers`, or a plugin's type. */
  type?: ExchangeType;
}

/** An exchange as a typed value; `attach(channel)` to declare it, publish to it or delete it. */
export class Exchange extends Entity {
  /** The exchange's name ('' is the default exchange). */
  readonly name: string;
  /** Its type. */
  readonly type: ExchangeType;
  /** Its flags and arguments, as given (durable by default). */
  readonly options: Readonly<ExchangeOptions>;

  /** Describes an exchange: `new Exchange('media', { type: 'topic' })`. Durable unless `durable: false`. */
  constructor(name: string, spec: ExchangeSpec = {}) {
    super();
    const { type, ...options } = spec;
    this.name = name;
    this.type = type ?? 'direct';
    this.options = Object.freeze(options);
  }

  /** A copy bound to `channel`. */
  attach(channel: Channel): Exchange {
    return boundCopy(new Exchange(this.name, { ...this.options, type: this.type }), channel);
  }

  /** `exchange 'name'`. */
  describe(): string {
    return `exchange '${this.name}'`;
  }

  /** Declares it (exchange.declare; idempotent: a no-op when it exists with the same properties, 406 when they differ). */
  async declare(): Promise<this> {
    if (this.name === '' || this.name.startsWith('amq.')) return this; // predefined: cannot be declared, always there
    await this.bound('declare').exchangeDeclare(this.name, this.type, this.options);
    return this;
  }

  /** Deletes it (with `ifUnused`, only when it has no bindings). */
  async delete(options: { ifUnused?: boolean } = {}): Promise<void> {
    await this.bound('delete').exchangeDelete(this.name, options);
  }

  /** Publishes to it (channel.publish with this exchange). */
  async publish(routingKey: string, body: Body, options?: PublishOptions): Promise<void> {
    return this.bound('publish to').publish(this.name, routingKey, body, options);
  }
}

/** Options of a Queue: queueDeclare()'s options plus kombu's exchange and routing key. */
export interface QueueSpec extends QueueOptions {
  /** An exchange to bind the queue to when it is declared (an Exchange is declared too). */
  exchange?: Exchange | string;
  /** The routing key of that binding (default: the queue's name, as kombu does). */
  routingKey?: string;
  /** Options of that binding (arguments, or headers to match for a headers exchange). */
  bindOptions?: BindOptions;
}

/** A queue as a typed value; `attach(channel)` to declare, consume, get, purge or delete it. */
export class Queue extends Entity {
  /** The name as declared ('' asks the broker to choose one; a bound copy from declare() has the chosen one). */
  readonly name: string;
  /** The flags and typed x-arguments, as given. */
  readonly options: Readonly<QueueOptions>;
  /** The exchange it is bound to on declare, if any. */
  readonly exchange: Exchange | string | undefined;
  /** The routing key of that binding. */
  readonly routingKey: string | undefined;
  /** Options of that binding. */
  readonly bindOptions: BindOptions | undefined;
  /** True when the name was left to the broker. */
  readonly serverNamed: boolean;

  /** Describes a queue: `new Queue('video', { exchange: media, routingKey: 'video', queueType: 'quorum' })`. */
  constructor(name: string, spec: QueueSpec = {}) {
    super();
    const { exchange, routingKey, bindOptions, ...options } = spec;
    this.name = name;
    this.options = Object.freeze(options);
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.bindOptions = bindOptions;
    this.serverNamed = name === '';
  }

  /** The names a server-named queue got, per connection; shared by the entity and its copies. */
  #origin: { readonly named: WeakMap<object, string> } = { named: new WeakMap() };

  /** A copy bound to `channel`. */
  attach(channel: Channel): Queue {
    const copy = boundCopy(new Queue(this.name, this.spec()), channel, { serverNamed: this.serverNamed });
    copy.#origin = this.#origin;
    return copy;
  }

  /** @internal the spec it was built from */
  spec(): QueueSpec {
    return { ...this.options, exchange: this.exchange, routingKey: this.routingKey, bindOptions: this.bindOptions };
  }

  /** `queue 'name'`. */
  describe(): string {
    return this.name === '' ? 'a server-named queue (not declared yet)' : `queue '${this.name}'`;
  }

  /** The name on the broker now: a server-named queue is renamed by each recovery. */
  get currentName(): string {
    const ch = this.channel;
    return ch && this.name !== '' ? ch.connection.topology.currentName(this.name) : this.name;
  }

  /** The binding to `exchange` that declare() makes, if the spec names an exchange. */
  binding(): Binding | undefined {
    if (this.exchange === undefined) return undefined;
    const b = new Binding({ source: this.exchange, destination: this, routingKey: this.routingKey ?? this.name, ...this.bindOptions });
    return this.channel ? boundCopy(b, this.channel) : b;
  }

  /**
   * Declares the queue (and its exchange and binding, when the spec names them); idempotent.
   * Resolves with a bound copy carrying the broker's name for a server-named queue, and the
   * counts in `info`.
   */
  async declare(): Promise<Queue & { info: QueueInfo }> {
    const ch = this.bound('declare');
    if (this.exchange instanceof Exchange) await this.exchange.attach(ch).declare();
    // A server-named queue is asked for by '' only the first time on a connection: a bound copy
    // carries the broker's name, and the entity remembers the name it got per connection, so a
    // second declare() reaches that queue (passively: RabbitMQ refuses to declare an amq.* name,
    // 403) instead of creating another.
    const named = !this.serverNamed ? undefined : this.name !== '' ? this.currentName : this.#origin.named.get(ch.connection);
    const info = named !== undefined
      ? await ch.checkQueue(ch.connection.topology.currentName(named))
      : await ch.queueDeclare(this.serverNamed ? '' : this.currentName, this.options);
    if (this.serverNamed) this.#origin.named.set(ch.connection, info.queue);
    const declared = boundCopy(new Queue(info.queue, this.spec()), ch, { serverNamed: this.serverNamed, info }) as Queue & { info: QueueInfo };
    declared.#origin = this.#origin;
    await declared.binding()?.declare();
    return declared;
  }

  /** Deletes it; resolves with how many messages it held. */
  async delete(options: { ifUnused?: boolean; ifEmpty?: boolean } = {}): Promise<number> {
    return this.bound('delete').queueDelete(this.#named('delete'), options);
  }

  /** Removes its ready messages; resolves with how many. */
  async purge(): Promise<number> {
    return this.bound('purge').queuePurge(this.#named('purge'));
  }

  /** Fetches one message (basic.get), or null when it is empty. */
  async get<T = unknown>(options: { noAck?: boolean } = {}): Promise<Message<T> | null> {
    return this.bound('get from').get(this.#named('get from'), options) as Promise<Message<T> | null>;
  }

  /** Starts a consumer on it (channel.consume): iterate it, receive() from it, or pass a handler. */
  async consume<T = unknown>(handler?: ConsumeHandler<T> | ConsumeOptions, options?: ConsumeOptions): Promise<Consumer<T>> {
    return this.bound('consume from').consume<T>(this.#named('consume from'), handler, options);
  }

  /** Publishes straight to it through the default exchange. */
  async send(body: Body, options?: PublishOptions): Promise<void> {
    return this.bound('send to').sendToQueue(this.#named('send to'), body, options);
  }

  #named(action: string): string {
    if (this.name === '') throw new UnboundEntityError(`cannot ${action} a server-named queue before it is declared: use the copy that declare() returns`);
    return this.currentName;
  }
}

/** A binding as given to `new Binding()`. */
export interface BindingSpec extends BindOptions {
  /** The exchange messages come from. */
  source: Exchange | string;
  /** Where they go: a queue (a string names a queue unless `destinationKind` says otherwise) or an exchange. */
  destination: Queue | Exchange | string;
  /** For a string destination: a queue (default) or an exchange. */
  destinationKind?: 'queue' | 'exchange';
  /** The routing key (default ''). */
  routingKey?: string;
}

/** A binding (queue.bind or RabbitMQ's exchange.bind) as a typed value. */
export class Binding extends Entity {
  /** The source exchange's name. */
  readonly source: string;
  /** The destination's name. */
  readonly destination: string;
  /** Whether the destination is a queue or an exchange. */
  readonly destinationKind: 'queue' | 'exchange';
  /** The routing key. */
  readonly routingKey: string;
  /** Arguments or headers to match. */
  readonly bindOptions: BindOptions;
  /** The spec it was built from (entities kept, so declare() can declare them first). */
  readonly spec: Readonly<BindingSpec>;

  /** Describes a binding: `new Binding({ source: media, destination: video, routingKey: 'video' })`. */
  constructor(spec: BindingSpec) {
    super();
    const { source, destination, destinationKind, routingKey, ...bindOptions } = spec;
    this.spec = Object.freeze({ ...spec });
    this.source = typeof source === 'string' ? source : source.name;
    this.destination = typeof destination === 'string' ? destination : destination.name;
    this.destinationKind = destination instanceof Exchange ? 'exchange' : destination instanceof Queue ? 'queue' : (destinationKind ?? 'queue');
    this.routingKey = routingKey ?? '';
    this.bindOptions = bindOptions;
  }

  /** A copy bound to `channel`. */
  attach(channel: Channel): Binding {
    return boundCopy(new Binding(this.spec as BindingSpec), channel);
  }

  /** `binding 'src' → queue 'dst' ('key')`. */
  describe(): string {
    return `binding '${this.source}' → ${this.destinationKind} '${this.destination}' (routing key '${this.routingKey}')`;
  }

  #destinationName(ch: Channel): string {
    if (this.destination === '' && this.destinationKind === 'queue') throw new UnboundEntityError(`cannot bind a server-named queue before it is declared: use the copy that declare() returns`);
    return this.destinationKind === 'queue' ? ch.connection.topology.currentName(this.destination) : this.destination;
  }

  /** Declares it (queue.bind or exchange.bind; idempotent). */
  async declare(): Promise<this> {
    const ch = this.bound('declare');
    if (this.destinationKind === 'queue') await ch.queueBind(this.#destinationName(ch), this.source, this.routingKey, this.bindOptions);
    else await ch.exchangeBind(this.destination, this.source, this.routingKey, this.bindOptions);
    return this;
  }

  /** Removes it (queue.unbind or exchange.unbind). */
  async delete(): Promise<void> {
    const ch = this.bound('delete');
    if (this.destinationKind === 'queue') await ch.queueUnbind(this.#destinationName(ch), this.source, this.routingKey, this.bindOptions);
    else await ch.exchangeUnbind(this.destination, this.source, this.routingKey, this.bindOptions);
  }
}

/** Any declarative entity. */
export type AnyEntity = Exchange | Queue | Binding;

/** Options of calls that wait for the broker, re-exported for entity callers. */
export type { CallOptions };
