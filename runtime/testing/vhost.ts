/**
 * A virtual host of the test broker: its exchanges, queues and bindings, the declare/delete/bind
 * rules with RabbitMQ's refusals (rabbit_channel, rabbit_exchange, rabbit_amqqueue), and routing
 * (exchange types, exchange-to-exchange bindings, alternate exchanges, dead-lettering).
 *
 * Everything here is synchronous and in memory. Channels call in with what the client asked;
 * a refusal is an {@link AmqpFault}. Queues call back through {@link QueueHost} to dead-letter a
 * message or to remove themselves.
 */
import type { FieldTable } from '../codec/index.js';
import { fault, resource } from './errors.js';
import { bindingMatches, EXCHANGE_TYPES, sameValue, type ExchangeType } from './matching.js';
import { deadLettered, isDeathCycle, messageTtl, type DeathReason, type Message } from './message.js';
import { Queue, type QueueHost } from './queue.js';

/** An exchange. */
export interface Exchange {
  readonly name: string;
  readonly type: ExchangeType;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
}

/** A binding from an exchange to a queue or another exchange. */
export interface Binding {
  readonly source: string;
  readonly destination: string;
  readonly destinationKind: 'queue' | 'exchange';
  readonly routingKey: string;
  readonly arguments: FieldTable;
}

/** What the host broker gives a vhost. */
export interface VhostHost {
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  /** RabbitMQ's reply code for an unknown exchange type differs by version. */
  readonly unknownExchangeTypeCode: number;
}

/** Where a message went: the queues, and those that refused it (reject-publish). */
export interface Routed {
  queues: Queue[];
  rejected: boolean;
}

const PREDECLARED: Array<[string, ExchangeType, boolean]> = [
  ['', 'direct', false],
  ['amq.direct', 'direct', false],
  ['amq.fanout', 'fanout', false],
  ['amq.topic', 'topic', false],
  ['amq.headers', 'headers', false],
  ['amq.match', 'headers', false],
  ['amq.rabbitmq.trace', 'topic', true],
];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `amq.gen-` and 22 URL-safe base64 characters, as RabbitMQ names server-named queues. */
export function generatedName(prefix = 'amq.gen-'): string {
  let s = prefix;
  for (let i = 0; i < 22; i++) s += ALPHABET[Math.floor(Math.random() * 64)];
  return s;
}

const flag = (b: boolean): string => `'${String(b)}'`;

/** A virtual host. */
export class VirtualHost {
  readonly name: string;
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly bindings: Binding[] = [];
  private readonly host: VhostHost;
  private readonly queueHost: QueueHost;

  constructor(name: string, host: VhostHost) {
    this.name = name;
    this.host = host;
    for (const [n, type, internal] of PREDECLARED) {
      this.exchanges.set(n, { name: n, type, durable: true, autoDelete: false, internal, arguments: {} });
    }
    this.queueHost = {
      now: () => host.now(),
      setTimer: (fn, ms) => host.setTimer(fn, ms),
      deadLetter: (queue, message, reason) => this.deadLetter(queue, message, reason),
      remove: (queue) => void this.deleteQueue(queue),
    };
  }

  exchange(name: string): Exchange {
    const x = this.exchanges.get(name);
    if (!x) throw fault.notFound(`no ${resource('exchange', name, this.name)}`);
    return x;
  }

  /** The queue, checking exclusive ownership (405 for another connection's exclusive queue). */
  queue(name: string, connection: number): Queue {
    const q = this.queues.get(name);
    if (!q) throw fault.notFound(`no ${resource('queue', name, this.name)}`);
    if (q.owner !== null && q.owner !== connection) {
      throw fault.resourceLocked(`cannot obtain exclusive access to locked ${resource('queue', name, this.name)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`);
    }
    return q;
  }

  declareExchange(d: { exchange: string; type: string; passive: boolean; durable: boolean; autoDelete: boolean; internal: boolean; arguments: FieldTable }): Exchange {
    if (d.exchange === '') throw fault.accessRefused("operation not permitted on the default exchange");
    if (d.passive) return this.exchange(d.exchange);
    if (!(EXCHANGE_TYPES as readonly string[]).includes(d.type)) {
      const detail = `invalid exchange type '${d.type}'`;
      throw d.type === '' || this.host.unknownExchangeTypeCode === 503 ? fault.commandInvalid(detail) : fault.preconditionFailed(detail);
    }
    const found = this.exchanges.get(d.exchange);
    if (found) {
      const where = resource('exchange', d.exchange, this.name);
      const check = (arg: string, received: string, current: string): void => {
        if (received !== current) throw fault.preconditionFailed(`inequivalent arg '${arg}' for ${where}: received ${received} but current is ${current}`);
      };
      check('type', `'${d.type}'`, `'${found.type}'`);
      check('durable', flag(d.durable), flag(found.durable));
      check('auto_delete', flag(d.autoDelete), flag(found.autoDelete));
      check('internal', flag(d.internal), flag(found.internal));
      const ae = (t: FieldTable): string => (t['alternate-exchange'] === undefined ? 'none' : `'${String(t['alternate-exchange'])}'`);
      check('alternate-exchange', ae(d.arguments), ae(found.arguments));
      return found;
    }
    if (d.exchange.startsWith('amq.')) throw fault.accessRefused(`exchange name '${d.exchange}' contains reserved prefix 'amq.*'`);
    const x: Exchange = { name: d.exchange, type: d.type as ExchangeType, durable: d.durable, autoDelete: d.autoDelete, internal: d.internal, arguments: d.arguments };
    this.exchanges.set(x.name, x);
    return x;
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '' || name.startsWith('amq.')) throw fault.accessRefused(name === '' ? 'operation not permitted on the default exchange' : `exchange '${name}' in vhost '${this.name}' is reserved`);
    if (!this.exchanges.has(name)) return;
    if (ifUnused && this.bindings.some((b) => b.source === name)) throw fault.preconditionFailed(`${resource('exchange', name, this.name)} in use`);
    this.exchanges.delete(name);
    this.unbindWhere((b) => b.source === name || (b.destinationKind === 'exchange' && b.destination === name));
  }

  declareQueue(d: { queue: string; passive: boolean; durable: boolean; exclusive: boolean; autoDelete: boolean; arguments: FieldTable }, connection: number): Queue {
    if (d.passive) {
      const q = this.queue(d.queue, connection);
      q.touch();
      return q;
    }
    const found = this.queues.get(d.queue);
    if (found) {
      const q = this.queue(d.queue, connection);
      if ((found.owner !== null) !== d.exclusive) {
        throw fault.resourceLocked(`cannot obtain exclusive access to locked ${resource('queue', d.queue, this.name)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`);
      }
      const where = resource('queue', d.queue, this.name);
      if (found.durable !== d.durable) throw fault.preconditionFailed(`inequivalent arg 'durable' for ${where}: received ${flag(d.durable)} but current is ${flag(found.durable)}`);
      if (found.autoDelete !== d.autoDelete) throw fault.preconditionFailed(`inequivalent arg 'auto_delete' for ${where}: received ${flag(d.autoDelete)} but current is ${flag(found.autoDelete)}`);
      const keys = new Set([...Object.keys(d.arguments), ...Object.keys(found.arguments)].filter((k) => k.startsWith('x-')));
      for (const k of keys) {
        const a = d.arguments[k];
        const b = found.arguments[k];
        if (a === undefined || b === undefined ? a !== b : !sameValue(a, b)) {
          const show = (v: unknown): string => (v === undefined ? 'none' : `the value '${String(v)}'`);
          throw fault.preconditionFailed(`inequivalent arg '${k}' for ${where}: received ${show(a)} but current is ${show(b)}`);
        }
      }
      q.touch();
      return q;
    }
    const name = d.queue === '' ? generatedName() : d.queue;
    if (d.queue.startsWith('amq.')) throw fault.accessRefused(`queue name '${d.queue}' contains reserved prefix 'amq.*'`);
    const type = d.arguments['x-queue-type'];
    if (type !== undefined && type !== 'classic' && type !== 'quorum') {
      throw fault.preconditionFailed(`invalid arg 'x-queue-type' for ${resource('queue', name, this.name)}: warren/testing implements classic queues (and quorum queues as classic ones), not '${String(type)}'`);
    }
    if (type === 'quorum' && (d.exclusive || !d.durable || d.autoDelete)) {
      const what = d.exclusive ? 'exclusive' : !d.durable ? 'durable' : 'auto_delete';
      throw fault.preconditionFailed(`invalid property '${what}' for ${resource('queue', name, this.name)}`);
    }
    const q = new Queue({ name, vhost: this.name, durable: d.durable, autoDelete: d.autoDelete, owner: d.exclusive ? connection : null, arguments: d.arguments }, this.queueHost);
    this.queues.set(name, q);
    return q;
  }

  /** Deletes a queue and its bindings; returns the ready count it held. */
  deleteQueue(q: Queue): number {
    if (this.queues.get(q.name) !== q) return 0;
    this.queues.delete(q.name);
    this.unbindWhere((b) => b.destinationKind === 'queue' && b.destination === q.name);
    return q.delete();
  }

  bind(b: Binding, connection: number): void {
    if (b.source === '' || (b.destinationKind === 'exchange' && b.destination === '')) throw fault.accessRefused(`operation not permitted on the default exchange`);
    if (b.destinationKind === 'queue') this.queue(b.destination, connection);
    else this.exchange(b.destination);
    this.exchange(b.source);
    if (!this.bindings.some((x) => sameBinding(x, b))) this.bindings.push(b);
  }

  unbind(b: Binding, connection: number): void {
    if (b.source === '' || (b.destinationKind === 'exchange' && b.destination === '')) throw fault.accessRefused(`operation not permitted on the default exchange`);
    if (b.destinationKind === 'queue') this.queue(b.destination, connection);
    this.unbindWhere((x) => sameBinding(x, b));
  }

  /** Removes bindings; an auto-delete exchange left without any (as source) goes too. */
  private unbindWhere(match: (b: Binding) => boolean): void {
    const sources = new Set<string>();
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const b = this.bindings[i] as Binding;
      if (match(b)) {
        this.bindings.splice(i, 1);
        sources.add(b.source);
      }
    }
    for (const s of sources) {
      const x = this.exchanges.get(s);
      if (x?.autoDelete && !this.bindings.some((b) => b.source === s)) this.deleteExchange(s, false);
    }
  }

  /** The queues a message published to `exchange` with `keys` reaches (e2e and alternate exchanges followed). */
  route(exchange: string, keys: readonly string[], headers: FieldTable | undefined): Set<Queue> {
    const out = new Set<Queue>();
    if (exchange === '') {
      for (const k of keys) {
        const q = this.queues.get(k);
        if (q) out.add(q);
      }
      return out;
    }
    const seen = new Set<string>();
    const work = [exchange];
    while (work.length > 0) {
      const name = work.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const x = this.exchanges.get(name);
      if (!x) continue;
      let matched = 0;
      for (const b of this.bindings) {
        if (b.source !== name || !bindingMatches(x.type, b, keys, headers)) continue;
        matched += 1;
        if (b.destinationKind === 'exchange') work.push(b.destination);
        else {
          const q = this.queues.get(b.destination);
          if (q) out.add(q);
        }
      }
      const ae = x.arguments['alternate-exchange'];
      if (matched === 0 && typeof ae === 'string') work.push(ae);
    }
    return out;
  }

  /** Offers a message to each queue; `rejected` when a full reject-publish queue refused it. */
  deliver(queues: Iterable<Queue>, message: Message): Routed {
    const ttl = messageTtl(message.properties);
    const routed: Routed = { queues: [], rejected: false };
    for (const q of queues) {
      if (q.enqueue(message, ttl) === 'rejected') routed.rejected = true;
      else routed.queues.push(q);
    }
    return routed;
  }

  private deadLetter(queue: Queue, message: Message, reason: DeathReason): void {
    const dlx = queue.deadLetterExchange;
    if (dlx === undefined || !this.exchanges.has(dlx)) return;
    const dead = deadLettered(message, { queue: queue.name, reason, now: this.host.now(), exchange: dlx, routingKey: queue.deadLetterRoutingKey });
    const targets = [...this.route(dlx, dead.keys, dead.message.properties.headers)].filter((q) => !isDeathCycle(dead.message, q.name));
    this.deliver(targets, dead.message);
  }
}

function sameBinding(a: Binding, b: Binding): boolean {
  return a.source === b.source && a.destination === b.destination && a.destinationKind === b.destinationKind && a.routingKey === b.routingKey && sameValue(a.arguments, b.arguments);
}
