/**
 * Inspection of a test broker for assertions, in the shape of `rabbitmqctl list_queues`,
 * `list_exchanges`, `list_bindings`, `list_consumers`, `list_connections` and `list_channels`
 * (the names of their columns, camel-cased). Plain data: snapshots, safe to keep and compare.
 */
import type { BasicProperties } from '../../generated/index.js';
import type { FieldTable } from '../codec/index.js';
import type { ServerConnection } from './connection.js';
import type { VirtualHost } from './vhost.js';

/** What inspection reads. */
export interface Inspectable {
  readonly vhosts: ReadonlyMap<string, VirtualHost>;
  readonly connections: ReadonlyMap<number, ServerConnection>;
}

/** One queue, as `list_queues name messages messages_ready messages_unacknowledged consumers ...`. */
export interface QueueInfo {
  vhost: string;
  name: string;
  durable: boolean;
  autoDelete: boolean;
  exclusive: boolean;
  arguments: FieldTable;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
}

/** One ready message of a queue, head first. */
export interface MessageInfo {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  properties: BasicProperties;
  body: Uint8Array;
  /** The body as UTF-8 text, for easy assertions. */
  text: string;
}

const decoder = new TextDecoder();

function vhostsOf(b: Inspectable, vhost?: string): VirtualHost[] {
  return [...b.vhosts.values()].filter((v) => vhost === undefined || v.name === vhost);
}

export function listQueues(b: Inspectable, vhost?: string): QueueInfo[] {
  return vhostsOf(b, vhost).flatMap((v) =>
    [...v.queues.values()].map((q) => ({
      vhost: v.name, name: q.name, durable: q.durable, autoDelete: q.autoDelete, exclusive: q.owner !== null, arguments: q.arguments,
      messages: q.messageCount + q.unacked, messagesReady: q.messageCount, messagesUnacknowledged: q.unacked, consumers: q.consumers.length,
    })),
  );
}

export function listMessages(b: Inspectable, queue: string, vhost = '/'): MessageInfo[] {
  const q = b.vhosts.get(vhost)?.queues.get(queue);
  if (!q) throw new Error(`no queue '${queue}' in vhost '${vhost}'`);
  return q.ready().map((e) => ({
    exchange: e.message.exchange, routingKey: e.message.routingKey, redelivered: e.redelivered, properties: e.message.properties,
    body: e.message.body, text: decoder.decode(e.message.body),
  }));
}

/** One exchange, as `list_exchanges name type durable auto_delete internal arguments`. */
export interface ExchangeInfo {
  vhost: string;
  name: string;
  type: string;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
}

export function listExchanges(b: Inspectable, vhost?: string): ExchangeInfo[] {
  return vhostsOf(b, vhost).flatMap((v) => [...v.exchanges.values()].map((x) => ({ vhost: v.name, ...x })));
}

/** One binding, as `list_bindings source_name destination_name destination_kind routing_key arguments`. */
export interface BindingInfo {
  vhost: string;
  source: string;
  destination: string;
  destinationKind: 'queue' | 'exchange';
  routingKey: string;
  arguments: FieldTable;
}

/** Bindings, the default exchange's implicit ones included, as rabbitmqctl lists them. */
export function listBindings(b: Inspectable, vhost?: string): BindingInfo[] {
  return vhostsOf(b, vhost).flatMap((v) => [
    ...[...v.queues.keys()].map((q) => ({ vhost: v.name, source: '', destination: q, destinationKind: 'queue' as const, routingKey: q, arguments: {} })),
    ...v.bindings.map((x) => ({ vhost: v.name, ...x })),
  ]);
}

/** One consumer, as `list_consumers`: its queue, tag, connection and channel, ack mode and prefetch. */
export interface ConsumerInfo {
  vhost: string;
  queue: string;
  consumerTag: string;
  connection: number;
  channel: number;
  ackRequired: boolean;
  exclusive: boolean;
  prefetchCount: number;
}

export function listConsumers(b: Inspectable, vhost?: string): ConsumerInfo[] {
  return [...b.connections.values()]
    .filter((c) => vhost === undefined || c.vhostName === vhost)
    .flatMap((c) =>
      [...c.channels.values()].flatMap((ch) =>
        [...ch.consumers.values()].map((x) => ({
          vhost: c.vhostName, queue: x.queue.name, consumerTag: x.tag, connection: c.connection, channel: ch.id,
          ackRequired: !x.noAck, exclusive: x.exclusive, prefetchCount: x.prefetch,
        })),
      ),
    );
}

/** One connection, as `list_connections` (`id` is the broker's number for it). */
export interface ConnectionInfo {
  id: number;
  /** `client ip:port -> server ip:port` over TCP, `in-memory #id` otherwise. */
  name: string;
  user: string;
  vhost: string;
  state: string;
  authMechanism: string;
  channels: number;
  channelMax: number;
  frameMax: number;
  /** Heartbeat, seconds. */
  timeout: number;
  blocked: boolean;
  clientProperties: FieldTable;
  connectionName: string | undefined;
}

export function listConnections(b: Inspectable): ConnectionInfo[] {
  return [...b.connections.values()].map((c) => {
    const name = c.clientProperties.connection_name;
    return {
      id: c.connection, name: c.name, user: c.user, vhost: c.vhostName, state: c.blocked ? 'blocked' : c.state, authMechanism: c.mechanism,
      channels: c.channels.size, channelMax: c.channelMax, frameMax: c.frameMax, timeout: c.heartbeat, blocked: c.blocked, clientProperties: c.clientProperties,
      connectionName: typeof name === 'string' ? name : undefined,
    };
  });
}

/** One channel, as `list_channels`: its connection and number, consumers, unacked messages and prefetch. */
export interface ChannelInfo {
  connection: number;
  number: number;
  consumers: number;
  messagesUnacknowledged: number;
  prefetchCount: number;
  globalPrefetchCount: number;
}

export function listChannels(b: Inspectable): ChannelInfo[] {
  return [...b.connections.values()].flatMap((c) =>
    [...c.channels.values()].map((ch) => ({
      connection: c.connection, number: ch.id, consumers: ch.consumers.size, messagesUnacknowledged: ch.unacked.size,
      prefetchCount: ch.prefetch, globalPrefetchCount: ch.globalPrefetch,
    })),
  );
}
