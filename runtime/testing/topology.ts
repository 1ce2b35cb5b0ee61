/**
 * The exchange.* and queue.* methods of a channel: each turns a client method into a change of
 * the virtual host and the reply RabbitMQ sends (none with no-wait). Refusals are thrown as
 * {@link AmqpFault}s by the vhost. Kept apart from channel.ts, which owns per-channel state:
 * nothing here depends on the channel beyond the connection that owns exclusive queues.
 */
import type { AnyMethod } from '../codec/index.js';
import type {
  ExchangeBind, ExchangeDeclare, ExchangeDelete, ExchangeUnbind, QueueBind, QueueDeclare, QueueDelete, QueuePurge, QueueUnbind,
} from '../../generated/index.js';
import { fault, resource } from './errors.js';
import type { VirtualHost } from './vhost.js';

/** What a topology method needs to know about who asks. */
export interface TopologyContext {
  readonly vhost: VirtualHost;
  /** The connection's id: owner of the exclusive queues it declares. */
  readonly connection: number;
  /** Called for a queue declared exclusive, so the connection deletes it when it closes. */
  exclusiveDeclared(queue: string): void;
}

/** Methods this file handles. */
export const TOPOLOGY_KINDS = new Set([
  'exchange.declare', 'exchange.delete', 'exchange.bind', 'exchange.unbind',
  'queue.declare', 'queue.bind', 'queue.unbind', 'queue.purge', 'queue.delete',
]);

const reply = (noWait: boolean, m: AnyMethod): AnyMethod | undefined => (noWait ? undefined : m);

/** Applies one exchange.* or queue.* method; returns the reply to send, if any. */
export function topologyMethod(ctx: TopologyContext, m: AnyMethod): AnyMethod | undefined {
  const { vhost, connection } = ctx;
  switch (m.kind) {
    case 'exchange.declare': {
      const d = m as ExchangeDeclare;
      vhost.declareExchange(d);
      return reply(d.noWait, { kind: 'exchange.declare-ok' });
    }
    case 'exchange.delete': {
      const d = m as ExchangeDelete;
      vhost.deleteExchange(d.exchange, d.ifUnused);
      return reply(d.noWait, { kind: 'exchange.delete-ok' });
    }
    case 'exchange.bind':
    case 'exchange.unbind': {
      const d = m as ExchangeBind | ExchangeUnbind;
      const b = { source: d.source, destination: d.destination, destinationKind: 'exchange' as const, routingKey: d.routingKey, arguments: d.arguments };
      if (m.kind === 'exchange.bind') {
        vhost.bind(b, connection);
        return reply(d.noWait, { kind: 'exchange.bind-ok' });
      }
      vhost.unbind(b, connection);
      return reply(d.noWait, { kind: 'exchange.unbind-ok' });
    }
    case 'queue.declare': {
      const d = m as QueueDeclare;
      const q = vhost.declareQueue(d, connection);
      if (d.exclusive && !d.passive) ctx.exclusiveDeclared(q.name);
      return reply(d.noWait, { kind: 'queue.declare-ok', queue: q.name, messageCount: q.messageCount, consumerCount: q.consumers.length } as AnyMethod);
    }
    case 'queue.bind': {
      const d = m as QueueBind;
      vhost.bind({ source: d.exchange, destination: d.queue, destinationKind: 'queue', routingKey: d.routingKey, arguments: d.arguments }, connection);
      return reply(d.noWait, { kind: 'queue.bind-ok' });
    }
    case 'queue.unbind': {
      const d = m as QueueUnbind;
      vhost.unbind({ source: d.exchange, destination: d.queue, destinationKind: 'queue', routingKey: d.routingKey, arguments: d.arguments }, connection);
      return { kind: 'queue.unbind-ok' };
    }
    case 'queue.purge': {
      const d = m as QueuePurge;
      const n = vhost.queue(d.queue, connection).purge();
      return reply(d.noWait, { kind: 'queue.purge-ok', messageCount: n } as AnyMethod);
    }
    case 'queue.delete': {
      const d = m as QueueDelete;
      if (!vhost.queues.has(d.queue)) return reply(d.noWait, { kind: 'queue.delete-ok', messageCount: 0 } as AnyMethod);
      const q = vhost.queue(d.queue, connection);
      const where = resource('queue', q.name, vhost.name);
      if (d.ifUnused && q.consumers.length > 0) throw fault.preconditionFailed(`${where} in use`);
      if (d.ifEmpty && q.messageCount > 0) throw fault.preconditionFailed(`${where} is not empty`);
      const n = vhost.deleteQueue(q);
      return reply(d.noWait, { kind: 'queue.delete-ok', messageCount: n } as AnyMethod);
    }
    default:
      throw fault.notImplemented(`${m.kind} is not a topology method`);
  }
}
