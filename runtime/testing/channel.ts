/**
 * One channel of a test-broker connection: content assembly of publishes, routing them, confirms
 * and returns, consumers and their deliveries, acknowledgements, basic.get, basic.recover,
 * qos, flow, transactions and direct reply-to.
 *
 * Theory of operation. States: `open` → (`closing`, after the broker sent channel.close, until
 * the client's close-ok) → gone. A publish is three steps (method → header → body frames) kept in
 * `pending`; the connection feeds frames in order and turns a content frame out of place into
 * 505. Deliveries take increasing tags; every unacked one is in `unacked` (insertion order is
 * tag order), and settling it tells its queue, then re-dispatches every queue the channel
 * consumes from (a channel-wide prefetch freed by one queue may let another deliver). Closing
 * the channel, for any reason, requeues its unacked deliveries and cancels its consumers.
 */
import type { AnyMethod } from '../codec/index.js';
import type {
  BasicAck, BasicCancel, ConfirmSelect, BasicConsume, BasicGet, BasicNack, BasicPublish, BasicQos, BasicRecover, BasicReject, BasicProperties, ChannelFlow,
} from '../../generated/index.js';
import { ChannelConsumer, type ConsumerChannel } from './consumer.js';
import { fault } from './errors.js';
import { messageTtl, withDeliveryCount, type Entry, type Message } from './message.js';
import type { Queue } from './queue.js';
import { topologyMethod, TOPOLOGY_KINDS, type TopologyContext } from './topology.js';
import { generatedName, type VirtualHost } from './vhost.js';

/** Broker-wide services a channel uses. */
export interface ChannelServices {
  readonly maxMessageSize: number;
  /** How the next publisher confirm goes out (fault injection). */
  confirmPolicy(): { nack: boolean; delayMs: number };
  /** Direct reply-to consumers by their routing key `amq.rabbitmq.reply-to.<token>`. */
  readonly replyTargets: Map<string, (message: Message) => void>;
  setTimer(fn: () => void, ms: number): () => void;
}

/** What a channel needs from its connection. */
export interface ChannelHost extends TopologyContext {
  /** The authenticated user (a publish's user-id must match it). */
  readonly user: string;
  readonly cancelNotify: boolean;
  readonly services: ChannelServices;
  send(channel: number, m: AnyMethod): void;
  sendContent(channel: number, m: AnyMethod, message: Message): void;
}

interface Unacked {
  readonly queue: Queue;
  readonly entry: Entry;
  readonly consumer: ChannelConsumer | null;
}

interface Pending {
  readonly publish: BasicPublish;
  properties?: BasicProperties;
  header?: Uint8Array;
  body?: Uint8Array;
  filled: number;
}

const DIRECT_REPLY = 'amq.rabbitmq.reply-to';

/** A channel's state. */
export class ServerChannel implements ConsumerChannel {
  readonly id: number;
  state: 'open' | 'closing' = 'open';
  readonly consumers = new Map<string, ChannelConsumer>();
  readonly unacked = new Map<number, Unacked>();
  globalPrefetch = 0;
  globalUnacked = 0;
  /** Content assembly: a publish waiting for its header and body. */
  pending: Pending | undefined;
  /** basic.qos global=false: the prefetch of consumers started from now on. */
  prefetch = 0;
  private deliveryTag = 0;
  private confirming = false;
  private publishSeq = 0;
  private tx: Array<() => void> | undefined;
  private replyKey: string | undefined;
  private readonly host: ChannelHost;

  constructor(id: number, host: ChannelHost) {
    this.id = id;
    this.host = host;
  }

  get active(): boolean {
    return this.state === 'open';
  }

  private get vhost(): VirtualHost {
    return this.host.vhost;
  }

  /** Handles a method (not a content frame); returns the reply, if any, to send. */
  handle(m: AnyMethod): AnyMethod | undefined {
    if (TOPOLOGY_KINDS.has(m.kind)) return topologyMethod(this.host, m);
    switch (m.kind) {
      case 'basic.publish':
        this.pending = { publish: m as BasicPublish, filled: 0 };
        return undefined;
      case 'basic.qos': {
        const q = m as BasicQos;
        if (q.prefetchSize !== 0) throw fault.notImplemented(`prefetch_size!=0 (${q.prefetchSize})`);
        if (q.global) this.globalPrefetch = q.prefetchCount;
        else this.prefetch = q.prefetchCount;
        this.redispatch();
        return { kind: 'basic.qos-ok' };
      }
      case 'basic.consume':
        return this.consume(m as BasicConsume);
      case 'basic.cancel':
        return this.cancel(m as BasicCancel);
      case 'basic.get':
        return this.get(m as BasicGet);
      case 'basic.ack': {
        const a = m as BasicAck;
        this.settle(this.select(Number(a.deliveryTag), a.multiple), 'ack');
        return undefined;
      }
      case 'basic.nack': {
        const n = m as BasicNack;
        this.settle(this.select(Number(n.deliveryTag), n.multiple), n.requeue ? 'requeue' : 'reject');
        return undefined;
      }
      case 'basic.reject': {
        const r = m as BasicReject;
        this.settle(this.select(Number(r.deliveryTag), false), r.requeue ? 'requeue' : 'reject');
        return undefined;
      }
      case 'basic.recover':
      case 'basic.recover-async': {
        if (!(m as BasicRecover).requeue) throw fault.notImplemented('requeue=false');
        this.settle([...this.unacked.keys()], 'requeue', true);
        return m.kind === 'basic.recover' ? { kind: 'basic.recover-ok' } : undefined;
      }
      case 'channel.flow':
        // RabbitMQ implements only active=true from a client; active=false is 540 (a hard error).
        if (!(m as ChannelFlow).active) throw fault.notImplemented('active=false');
        return { kind: 'channel.flow-ok', active: true } as AnyMethod;
      case 'confirm.select': {
        if (this.tx) throw fault.preconditionFailed('cannot switch from tx to confirm mode');
        this.confirming = true;
        return (m as ConfirmSelect).nowait ? undefined : { kind: 'confirm.select-ok' };
      }
      case 'tx.select':
        if (this.confirming) throw fault.preconditionFailed('cannot switch from confirm to tx mode');
        this.tx ??= [];
        return { kind: 'tx.select-ok' };
      case 'tx.commit':
      case 'tx.rollback': {
        if (!this.tx) throw fault.preconditionFailed('channel is not transactional');
        const work = this.tx;
        this.tx = [];
        if (m.kind === 'tx.commit') for (const step of work) step();
        return { kind: m.kind === 'tx.commit' ? 'tx.commit-ok' : 'tx.rollback-ok' };
      }
      default:
        throw fault.commandInvalid(`unexpected method ${m.kind} on a channel`);
    }
  }

  /** A content header frame of the pending publish. */
  header(bodySize: number, properties: BasicProperties, payload: Uint8Array): void {
    const p = this.pending as Pending;
    const max = this.host.services.maxMessageSize;
    if (bodySize > max) {
      this.pending = undefined;
      throw fault.preconditionFailed(`message size ${bodySize} is larger than configured max size ${max}`);
    }
    p.properties = properties;
    p.header = payload.slice();
    p.body = new Uint8Array(bodySize);
    if (bodySize === 0) this.complete();
  }

  /** A body frame of the pending publish; false when it overflows the announced size. */
  body(payload: Uint8Array): boolean {
    const p = this.pending as Pending;
    const body = p.body as Uint8Array;
    if (p.filled + payload.length > body.length) return false;
    body.set(payload, p.filled);
    p.filled += payload.length;
    if (p.filled === body.length) this.complete();
    return true;
  }

  private complete(): void {
    const p = this.pending as Pending;
    this.pending = undefined;
    const { exchange, routingKey, mandatory } = p.publish;
    let properties = p.properties as BasicProperties;
    let header: Uint8Array | null = p.header as Uint8Array;
    const x = this.vhost.exchange(exchange);
    if (x.internal) throw fault.accessRefused(`cannot publish to internal exchange '${exchange}' in vhost '${this.vhost.name}'`);
    messageTtl(properties);
    if (properties.userId !== undefined && properties.userId !== this.host.user) {
      throw fault.preconditionFailed(`user_id property set to '${properties.userId}' but authenticated user was '${this.host.user}'`);
    }
    if (properties.replyTo === DIRECT_REPLY) {
      if (!this.replyKey) throw fault.preconditionFailed('fast reply consumer does not exist');
      properties = { ...properties, replyTo: this.replyKey };
      header = null;
    }
    const keys = [routingKey];
    const hs = properties.headers;
    for (const h of ['CC', 'BCC']) {
      const v = hs?.[h];
      if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') keys.push(k);
    }
    if (hs && 'BCC' in hs) {
      const { BCC: _, ...rest } = hs;
      properties = { ...properties, headers: rest };
      header = null;
    }
    const message: Message = { exchange, routingKey, properties, header, body: p.body as Uint8Array };
    const seq = this.confirming ? ++this.publishSeq : 0;
    const run = (): void => this.route(message, keys, mandatory, seq);
    if (this.tx) this.tx.push(run);
    else run();
  }

  private route(message: Message, keys: string[], mandatory: boolean, seq: number): void {
    let routed = 0;
    let rejected = false;
    const reply = message.exchange === '' && message.routingKey.startsWith(`${DIRECT_REPLY}.`) ? this.host.services.replyTargets.get(message.routingKey) : undefined;
    if (reply) {
      reply(message);
      routed = 1;
    } else if (!(message.exchange === '' && message.routingKey.startsWith(`${DIRECT_REPLY}.`))) {
      const result = this.vhost.deliver(this.vhost.route(message.exchange, keys, message.properties.headers), message);
      routed = result.queues.length;
      rejected = result.rejected;
    }
    if (mandatory && routed === 0 && !rejected) {
      this.host.sendContent(this.id, { kind: 'basic.return', replyCode: 312, replyText: 'NO_ROUTE', exchange: message.exchange, routingKey: message.routingKey } as AnyMethod, message);
    }
    if (seq > 0) this.confirm(seq, rejected);
  }

  private confirm(seq: number, rejected: boolean): void {
    const policy = this.host.services.confirmPolicy();
    const send = (): void => {
      if (this.state !== 'open') return;
      const kind = rejected || policy.nack ? 'basic.nack' : 'basic.ack';
      this.host.send(this.id, kind === 'basic.ack' ? { kind, deliveryTag: seq, multiple: false } as AnyMethod : { kind, deliveryTag: seq, multiple: false, requeue: false } as AnyMethod);
    };
    if (policy.delayMs > 0) this.host.services.setTimer(send, policy.delayMs);
    else send();
  }

  private consume(c: BasicConsume): AnyMethod | undefined {
    const tag = c.consumerTag === '' ? generatedName('amq.ctag-') : c.consumerTag;
    if (this.consumers.has(tag)) throw fault.notAllowed(`attempt to reuse consumer tag '${tag}'`);
    if (c.queue === DIRECT_REPLY) {
      if (!c.noAck) throw fault.preconditionFailed('reply consumer cannot acknowledge');
      if (this.replyKey) throw fault.preconditionFailed('reply consumer already set');
      this.replyKey = generatedName(`${DIRECT_REPLY}.`);
      const key = this.replyKey;
      this.host.services.replyTargets.set(key, (message) => {
        if (this.state !== 'open') return;
        const tagNow = ++this.deliveryTag;
        this.host.sendContent(this.id, { kind: 'basic.deliver', consumerTag: tag, deliveryTag: tagNow, redelivered: false, exchange: message.exchange, routingKey: message.routingKey } as AnyMethod, message);
      });
      this.replyTag = tag;
      return c.noWait ? undefined : ({ kind: 'basic.consume-ok', consumerTag: tag } as AnyMethod);
    }
    const queue = this.vhost.queue(c.queue, this.host.connection);
    const p = c.arguments['x-priority'];
    const consumer = new ChannelConsumer({ tag, queue, noAck: c.noAck, exclusive: c.exclusive, priority: typeof p === 'number' ? p : 0, prefetch: this.prefetch, channel: this });
    queue.checkConsumer(consumer);
    this.consumers.set(tag, consumer);
    // consume-ok goes out before the first delivery, as RabbitMQ orders them.
    if (!c.noWait) this.host.send(this.id, { kind: 'basic.consume-ok', consumerTag: tag } as AnyMethod);
    queue.addConsumer(consumer);
    return undefined;
  }

  private replyTag: string | undefined;

  private cancel(c: BasicCancel): AnyMethod | undefined {
    if (c.consumerTag === this.replyTag && this.replyKey) {
      this.host.services.replyTargets.delete(this.replyKey);
      this.replyKey = undefined;
      this.replyTag = undefined;
    }
    const consumer = this.consumers.get(c.consumerTag);
    if (consumer) {
      this.consumers.delete(c.consumerTag);
      consumer.queue.removeConsumer(consumer);
    }
    return c.noWait ? undefined : ({ kind: 'basic.cancel-ok', consumerTag: c.consumerTag } as AnyMethod);
  }

  private get(g: BasicGet): AnyMethod | undefined {
    const queue = this.vhost.queue(g.queue, this.host.connection);
    const entry = queue.get(g.noAck);
    if (!entry) return { kind: 'basic.get-empty' };
    const tag = ++this.deliveryTag;
    if (!g.noAck) this.unacked.set(tag, { queue, entry, consumer: null });
    const m = queue.quorum ? withDeliveryCount(entry.message, entry.returns) : entry.message;
    this.host.sendContent(this.id, { kind: 'basic.get-ok', deliveryTag: tag, redelivered: entry.redelivered, exchange: m.exchange, routingKey: m.routingKey, messageCount: queue.messageCount } as AnyMethod, m);
    return undefined;
  }

  deliverTo(consumer: ChannelConsumer, queue: Queue, entry: Entry): void {
    const tag = ++this.deliveryTag;
    if (!consumer.noAck) {
      this.unacked.set(tag, { queue, entry, consumer });
      consumer.unacked += 1;
      this.globalUnacked += 1;
    }
    const m = queue.quorum ? withDeliveryCount(entry.message, entry.returns) : entry.message;
    this.host.sendContent(this.id, { kind: 'basic.deliver', consumerTag: consumer.tag, deliveryTag: tag, redelivered: entry.redelivered, exchange: m.exchange, routingKey: m.routingKey } as AnyMethod, m);
  }

  consumerGone(consumer: ChannelConsumer, notify: boolean): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (notify && this.host.cancelNotify && this.state === 'open') this.host.send(this.id, { kind: 'basic.cancel', consumerTag: consumer.tag, noWait: true } as AnyMethod);
  }

  /** The delivery tags an ack/nack/reject covers; 406 for a tag that is not outstanding. */
  private select(tag: number, multiple: boolean): number[] {
    if (multiple && tag === 0) return [...this.unacked.keys()];
    if (!this.unacked.has(tag)) throw fault.preconditionFailed(`unknown delivery tag ${tag}`);
    if (!multiple) return [tag];
    const out: number[] = [];
    for (const t of this.unacked.keys()) if (t <= tag) out.push(t);
    return out;
  }

  /** Settles deliveries: acked, requeued (to their places, redelivered) or rejected (dead-lettered). */
  private settle(tags: readonly number[], how: 'ack' | 'requeue' | 'reject', now = false): void {
    if (this.tx && !now && how === 'ack') {
      // Acks in a transaction take effect at commit; the tags stay outstanding until then.
      this.tx.push(() => this.settle(tags.filter((t) => this.unacked.has(t)), how, true));
      return;
    }
    const byQueue = new Map<Queue, Entry[]>();
    for (const tag of tags) {
      const u = this.unacked.get(tag) as Unacked;
      this.unacked.delete(tag);
      if (u.consumer) {
        u.consumer.unacked -= 1;
        this.globalUnacked -= 1;
      }
      if (how === 'reject') u.queue.rejected(u.entry);
      else {
        const list = byQueue.get(u.queue) ?? [];
        list.push(u.entry);
        byQueue.set(u.queue, list);
      }
    }
    for (const [queue, entries] of byQueue) {
      if (how === 'ack') queue.settled(entries.length);
      else queue.requeue(entries);
    }
    this.redispatch();
  }

  private redispatch(): void {
    const seen = new Set<Queue>();
    for (const c of this.consumers.values()) {
      if (seen.has(c.queue)) continue;
      seen.add(c.queue);
      c.queue.dispatch();
    }
  }

  /** The channel ends (closed by either side or with its connection): requeue and cancel everything. */
  release(): void {
    this.pending = undefined;
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    for (const c of consumers) c.queue.removeConsumer(c);
    if (this.replyKey) this.host.services.replyTargets.delete(this.replyKey);
    this.replyKey = undefined;
    const byQueue = new Map<Queue, Entry[]>();
    for (const u of this.unacked.values()) {
      const list = byQueue.get(u.queue) ?? [];
      list.push(u.entry);
      byQueue.set(u.queue, list);
    }
    this.unacked.clear();
    this.globalUnacked = 0;
    for (const [queue, entries] of byQueue) queue.requeue(entries);
  }
}
