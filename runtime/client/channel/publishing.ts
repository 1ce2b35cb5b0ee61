/**
 * Publishing on one channel: the way of a publish from `channel.publish()` to the link, the
 * backlog of publishes that must wait, publisher confirms, and what an outage does to both.
 *
 * Theory of operation. A publish is prepared (body encoded, properties checked: invalid input
 * rejects before a byte is written) and handed to the link as one buffer (publisher.ts,
 * `prepare`), unless it must wait: while the connection is blocked, while the confirm window is
 * full, or behind publishes already waiting (order is kept). The backlog drains when the reason
 * goes (`drain()`: unblocked, a confirm, the end of an outage). Without confirms a publish
 * resolves once the transport takes more (`link.writable()`, back-pressure); with confirms,
 * when the broker acks it (ConfirmTracker). While the channel is held (connection down), a
 * publish waits in the backlog within its bounds or fails at once, as the channel's options
 * say (ChannelOptions); confirms pending at the loss fail with OutcomeUnknownError unless the
 * channel republishes them after the replay (`resume()`).
 */
import type { AnyMethod, Long } from '../../codec/index.js';
import type { Body } from '../body.js';
import type { BasicProperties, BasicReturn } from '../../../generated/index.js';
import type { Content } from '../../protocol/events.js';
import { withPublishTimeout } from '../publish-timeout.js';
import { ConfirmTracker, prepare, PublishBacklog, ReturnedMessage, type PublishOptions } from '../publisher.js';
import type { ChannelSettings } from './settings.js';
import { OutcomeUnknownError, RecoveringError } from './errors.js';
import type { SerializerRegistry } from '../serializers.js';
import { ChannelClosedError } from '../../errors.js';
import type { ChannelWire } from './state.js';

/** What publishing needs of its channel. */
export interface PublishingHost {
  readonly id: number;
  /** Default time limit of each publish, ms (a publish's own `timeout` wins). */
  readonly publishTimeout: number | undefined;
  readonly serializers: SerializerRegistry;
  readonly closeReason: Error | undefined;
  assertOpen(): void;
}

/** One channel's publishing; see the module comment. */
export class Publishing {
  readonly #host: PublishingHost;
  readonly #wire: ChannelWire;
  readonly #settings: ChannelSettings;
  /** Publishes that wait for an unblocked connection, room in the confirm window, or the end of an outage. */
  readonly backlog = new PublishBacklog();
  #confirms: ConfirmTracker | undefined;

  constructor(host: PublishingHost, wire: ChannelWire, settings: ChannelSettings) {
    this.#host = host;
    this.#wire = wire;
    this.#settings = settings;
  }

  get confirms(): ConfirmTracker | undefined {
    return this.#confirms;
  }

  /** Confirm mode from now on (counting starts with confirm.select on the wire). */
  selectConfirms(maxUnconfirmed: number): void {
    this.#confirms = new ConfirmTracker(maxUnconfirmed, () => this.drain());
    this.#settings.confirmWindow = this.#confirms.maxUnconfirmed;
  }

  /** channel.publish() without the tracing guard; within its time limit (publish-timeout.ts), if it has one. */
  publish(exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined, timed = false): Promise<void> {
    try {
      const timeout = timed ? undefined : (options?.timeout ?? this.#host.publishTimeout);
      if (timeout !== undefined) return withPublishTimeout(timeout, { exchange, routingKey }, options?.signal, (signal) => this.publish(exchange, routingKey, body, { ...options, signal }, true));
      if (this.#wire.state.heldBy) return this.#whileHeld(exchange, routingKey, body, options);
      if (this.backlog.length > 0 || this.#mustWait()) {
        this.#host.assertOpen(); // a closed channel's backlog would never drain
        return this.backlog.enqueue(exchange, routingKey, body, options);
      }
      return this.#publishNow(exchange, routingKey, body, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #publishNow = (exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined): Promise<void> => {
    const { bytes, properties } = prepare(body, options, this.#host.serializers);
    const mandatory = options?.mandatory ?? false;
    this.#host.assertOpen();
    const link = this.#wire.link;
    link.publish({ kind: 'basic.publish', exchange, routingKey, mandatory, immediate: false } as AnyMethod, properties, bytes);
    if (this.#confirms) return this.#confirms.track(mandatory, exchange, routingKey, this.#settings.republishUnconfirmed ? { properties, bytes } : undefined);
    return link.writable();
  };

  /** publish() while the connection recovers: wait in the backlog (bounded) or fail at once. */
  #whileHeld(exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined): Promise<void> {
    const state = this.#wire.state;
    if (state.name === 'closing' || state.name === 'closed') throw new ChannelClosedError(`channel ${this.#host.id} is closed`, { cause: this.#host.closeReason });
    const s = this.#settings;
    const cause = state.heldBy;
    if (s.publishWhileRecovering === 'fail') throw new RecoveringError('the connection is recovering and this channel fails publishes meanwhile (publishWhileRecovering: fail)', { cause });
    const size = prepare(body, options, this.#host.serializers).bytes.length; // also rejects invalid input now, not after the outage
    if (this.backlog.length >= s.maxWaiting || this.backlog.bytes + size > s.maxWaitingBytes) {
      throw new RecoveringError(`the connection is recovering and ${this.backlog.length} publishes (${this.backlog.bytes} bytes) already wait (recoveryBuffer)`, { cause });
    }
    return this.backlog.enqueue(exchange, routingKey, body, options, size);
  }

  #mayPublish = (): boolean => {
    const state = this.#wire.state;
    return state.isOpen && !state.heldBy && !this.#mustWait();
  };

  #mustWait(): boolean {
    return this.#wire.link.blocked || (this.#confirms !== undefined && this.#confirms.full);
  }

  /** Sends waiting publishes while allowed (after unblocked, a confirm, the end of an outage). */
  drain(): void {
    if (this.backlog.length > 0) this.backlog.drain(this.#mayPublish, this.#publishNow);
  }

  onAck(tag: Long, multiple: boolean): void {
    this.#confirms?.onAck(tag, multiple);
  }

  onNack(tag: Long, multiple: boolean): void {
    this.#confirms?.onNack(tag, multiple);
  }

  /** A basic.return: fails its confirmed publish (UnroutableError); the ReturnedMessage for the `return` event. */
  onReturn(m: AnyMethod, content: Content): ReturnedMessage {
    const r = m as unknown as BasicReturn;
    const returned = new ReturnedMessage({ replyCode: r.replyCode, replyText: r.replyText, exchange: r.exchange, routingKey: r.routingKey, properties: content.properties as BasicProperties, body: content.body }, this.#host.serializers);
    this.#confirms?.onReturn(returned);
    return returned;
  }

  /** The channel closed: every publish waiting or unconfirmed fails with `reason`. */
  failAll(reason: Error): void {
    this.#confirms?.failAll(reason);
    this.backlog.failAll(reason);
  }

  /** The connection was lost (the channel is held now). */
  held(error: Error): void {
    if (this.#confirms && !this.#settings.republishUnconfirmed) {
      this.#confirms.failAll(new OutcomeUnknownError('the connection was lost before the broker confirmed this publish: it may or may not have the message', { cause: error }));
    }
    if (this.#settings.publishWhileRecovering === 'fail') this.backlog.failAll(new RecoveringError('the connection is recovering', { cause: error }));
  }

  /** The replay is done: republish what awaited a confirm (if asked); then the backlog may drain. */
  resume(): void {
    if (!this.#confirms) return;
    const link = this.#wire.link;
    for (const p of this.#confirms.takeUnconfirmed()) {
      try {
        link.publish({ kind: 'basic.publish', exchange: p.exchange, routingKey: p.routingKey, mandatory: p.mandatory, immediate: false } as AnyMethod, p.resend!.properties, p.resend!.bytes);
        this.#confirms.adopt(p);
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }
}
