/**
 * `TestBroker`: an AMQP 0-9-1 broker in the test's own process, built from warren's generated
 * codec and frame layer, with RabbitMQ's semantics for what applications use (see
 * docs/testing.md for what it implements and where it deliberately differs).
 *
 * The broker holds users, virtual hosts and connections; each connection takes any byte
 * transport ({@link TestBroker.accept}): a TCP socket from io/tcp.ts, or one end of an in-memory
 * pair. Beside the protocol it offers what a test needs around it: fault injection (drop, close
 * with 320, freeze, confirm policy, consumer cancel, resource alarm) and inspection in the shape
 * of `rabbitmqctl list_*` (inspect.ts). Time goes through an injectable clock.
 */
import type { FieldTable } from '../codec/index.js';
import type { ChannelServices } from './channel.js';
import { ServerConnection, type ByteTransport, type ConnectionBroker } from './connection.js';
import { AmqpFault, fault } from './errors.js';
import type { Message } from './message.js';
import { VirtualHost } from './vhost.js';

/** Time as the broker sees it; tests may pass a fake one. */
export interface BrokerClock {
  /** The time, in milliseconds since the epoch (as Date.now()). */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** Options of {@link TestBroker}. */
export interface TestBrokerOptions {
  /** Users and their passwords; default `{ guest: 'guest' }`. Every user may open every vhost. */
  users?: Record<string, string>;
  /** Virtual hosts; default `['/']`. */
  vhosts?: string[];
  /** Heartbeat the broker proposes in connection.tune, seconds (RabbitMQ: 60). */
  heartbeat?: number;
  /** frame_max the broker proposes (RabbitMQ: 131072). */
  frameMax?: number;
  /** channel_max the broker proposes (RabbitMQ: 2047). */
  channelMax?: number;
  /** Largest message body accepted, bytes (RabbitMQ 3.10: 128 MiB); a larger publish is 406. */
  maxMessageSize?: number;
  /** Which RabbitMQ's answers to give where versions differ (default `'3.10'`). */
  emulate?: '3.10' | '4.3';
  clock?: BrokerClock;
}

/** Which connections a fault applies to: all, an id, a `connection_name` or the broker's name for it, or a predicate. */
export type ConnectionFilter = number | string | ((c: ServerConnection) => boolean) | undefined;

const systemClock: BrokerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.();
    return () => clearTimeout(t);
  },
};

/** What the broker announces as `platform` in connection.start: how to tell it from RabbitMQ. */
export const TEST_BROKER_PLATFORM = 'warren/testing';

/** An in-process AMQP 0-9-1 broker for tests. */
export class TestBroker implements ConnectionBroker, ChannelServices {
  readonly vhosts = new Map<string, VirtualHost>();
  readonly users = new Map<string, string>();
  /** The vhosts each user may open (RabbitMQ's permissions, all-or-nothing here). */
  readonly permissions = new Map<string, Set<string>>();
  readonly connections = new Map<number, ServerConnection>();
  readonly replyTargets = new Map<string, (message: Message) => void>();
  readonly serverProperties: FieldTable;
  readonly tune: { channelMax: number; frameMax: number; heartbeat: number };
  readonly maxMessageSize: number;
  readonly emulate: '3.10' | '4.3';
  blockedReason: string | undefined;
  private readonly clock: BrokerClock;
  private nextId = 1;
  private confirmMode: { nack: boolean; delayMs: number } = { nack: false, delayMs: 0 };

  constructor(options: TestBrokerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.emulate = options.emulate ?? '3.10';
    const vhosts = options.vhosts ?? ['/'];
    for (const v of vhosts) this.addVhost(v);
    for (const [user, password] of Object.entries(options.users ?? { guest: 'guest' })) this.addUser(user, password, { vhosts });
    this.tune = { channelMax: options.channelMax ?? 2047, frameMax: options.frameMax ?? 131072, heartbeat: options.heartbeat ?? 60 };
    this.maxMessageSize = options.maxMessageSize ?? 128 * 1024 * 1024;
    this.serverProperties = {
      // The dialect it speaks is RabbitMQ's, so clients that key RabbitMQ-specific behaviour on
      // `product` (warren's broker rules among them) treat it as the version it emulates;
      // `platform` says what it really is (docs/testing.md, "Differences").
      product: 'RabbitMQ',
      version: this.emulate === '4.3' ? '4.3.0' : '3.10.0',
      platform: TEST_BROKER_PLATFORM,
      information: 'warren/testing: an in-process AMQP 0-9-1 broker for tests',
      cluster_name: 'warren-testing',
      capabilities: {
        publisher_confirms: true, exchange_exchange_bindings: true, 'basic.nack': true, consumer_cancel_notify: true,
        'connection.blocked': true, consumer_priorities: true, authentication_failure_close: true, per_consumer_qos: true, direct_reply_to: true,
      },
    };
  }

  get unknownExchangeTypeCode(): number {
    return this.emulate === '4.3' ? 406 : 503;
  }

  /** The broker's time (its clock's), ms since the epoch. */
  now(): number {
    return this.clock.now();
  }

  /** Calls `fn` after `ms` on the broker's clock; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void {
    return this.clock.setTimer(fn, ms);
  }

  // ------------------------------------------------------------------ users and vhosts

  /** Adds a vhost (or returns the one of that name). Users open it once given permission (setPermissions). */
  addVhost(name: string): VirtualHost {
    let v = this.vhosts.get(name);
    if (!v) {
      v = new VirtualHost(name, this);
      this.vhosts.set(name, v);
    }
    return v;
  }

  /** Deletes a vhost; its connections are closed with 320, as RabbitMQ does. */
  deleteVhost(name: string): void {
    const v = this.vhosts.get(name);
    if (!v) return;
    this.vhosts.delete(name);
    this.closeConnections((c) => c.vhostName === name, `vhost '${name}' is deleted`);
    for (const q of [...v.queues.values()]) v.deleteQueue(q);
  }

  /** Adds (or changes) a user; `vhosts` are those it may open (default none, as in RabbitMQ). */
  addUser(name: string, password: string, options: { vhosts?: readonly string[] } = {}): void {
    this.users.set(name, password);
    const allowed = this.permissions.get(name) ?? new Set<string>();
    for (const v of options.vhosts ?? []) allowed.add(v);
    this.permissions.set(name, allowed);
  }

  /** Removes a user and its permissions; its open connections stay open. */
  deleteUser(name: string): void {
    this.users.delete(name);
    this.permissions.delete(name);
  }

  /** Lets `user` open `vhost` (RabbitMQ's set_permissions with `.*` for all three). */
  setPermissions(user: string, vhost: string): void {
    const allowed = this.permissions.get(user) ?? new Set<string>();
    allowed.add(vhost);
    this.permissions.set(user, allowed);
  }

  /** True when `user` exists with `password` (what authentication checks). */
  login(user: string, password: string): boolean {
    return this.users.get(user) === password;
  }

  openVhost(name: string, user: string): VirtualHost | AmqpFault {
    const v = this.vhosts.get(name);
    if (!v) return fault.notAllowed(`vhost ${name} not found`);
    if (!this.permissions.get(user)?.has(name)) return fault.notAllowed(`access to vhost '${name}' refused for user '${user}'`);
    return v;
  }

  // ------------------------------------------------------------------ transports

  /**
   * Serves one client over a byte transport. Call `receive` with every chunk the client sends
   * and `closed` when the transport ends from its side.
   */
  accept(transport: ByteTransport, options: { name?: string } = {}): {
    /** Feeds the broker a chunk the client sent. */
    receive(bytes: Uint8Array): void;
    /** Tells the broker the transport ended from the client's side. */
    closed(): void;
    connection: ServerConnection;
  } {
    const c = new ServerConnection(this.nextId++, transport, this, options.name);
    this.connections.set(c.connection, c);
    return { receive: (bytes) => c.receive(bytes), closed: () => c.transportClosed(), connection: c };
  }

  /** Forgets a connection that ended (its ServerConnection calls this). */
  closed(connection: ServerConnection): void {
    this.connections.delete(connection.connection);
  }

  // ------------------------------------------------------------------ fault injection

  private select(filter: ConnectionFilter): ServerConnection[] {
    const all = [...this.connections.values()];
    if (filter === undefined) return all;
    if (typeof filter === 'number') return all.filter((c) => c.connection === filter);
    if (typeof filter === 'string') return all.filter((c) => c.clientProperties.connection_name === filter || c.name === filter);
    return all.filter(filter);
  }

  /** Closes connections with connection.close 320 CONNECTION_FORCED, as `rabbitmqctl close_connection`; returns how many. */
  closeConnections(filter?: ConnectionFilter, reason = 'Closed via management plugin'): number {
    const chosen = this.select(filter);
    for (const c of chosen) c.closeConnection(new AmqpFault(320, reason));
    return chosen.length;
  }

  /** Ends connections' transports without any close handshake (a network failure); returns how many. */
  dropConnections(filter?: ConnectionFilter): number {
    const chosen = this.select(filter);
    for (const c of chosen) c.end();
    return chosen.length;
  }

  /** Makes connections stop answering: nothing read, nothing sent, heartbeats included. */
  freezeConnections(filter?: ConnectionFilter): number {
    const chosen = this.select(filter);
    for (const c of chosen) c.freeze();
    return chosen.length;
  }

  /** How publisher confirms go out from now on: nacked, and/or delayed by `delayMs`. */
  setConfirms(policy: { nack?: boolean; delayMs?: number }): void {
    this.confirmMode = { nack: policy.nack ?? false, delayMs: policy.delayMs ?? 0 };
  }

  confirmPolicy(): { nack: boolean; delayMs: number } {
    return this.confirmMode;
  }

  /** Cancels consumers from the broker side (basic.cancel to clients that take it); by queue name or consumer tag. */
  cancelConsumers(match: { queue?: string; tag?: string; vhost?: string }): number {
    let n = 0;
    for (const c of this.connections.values()) {
      for (const ch of c.channels.values()) {
        for (const consumer of [...ch.consumers.values()]) {
          if (match.vhost !== undefined && c.vhostName !== match.vhost) continue;
          if ((match.queue === undefined || consumer.queue.name === match.queue) && (match.tag === undefined || consumer.tag === match.tag)) {
            consumer.queue.removeConsumer(consumer);
            ch.consumerGone(consumer, true);
            n += 1;
          }
        }
      }
    }
    return n;
  }

  /** Raises a resource alarm: connection.blocked to clients that take it; publishers are held. */
  block(reason = 'low on memory'): void {
    if (this.blockedReason !== undefined) return;
    this.blockedReason = reason;
    for (const c of this.connections.values()) c.notifyBlocked(reason);
  }

  /** Clears the alarm: connection.unblocked, held publishes go on. */
  unblock(): void {
    if (this.blockedReason === undefined) return;
    this.blockedReason = undefined;
    for (const c of [...this.connections.values()]) c.notifyUnblocked();
  }

  /** Ends every connection (no handshake) and forgets all state. */
  reset(): void {
    this.dropConnections();
    const names = [...this.vhosts.keys()];
    this.vhosts.clear();
    for (const n of names) this.addVhost(n);
    this.blockedReason = undefined;
    this.confirmMode = { nack: false, delayMs: 0 };
  }
}
