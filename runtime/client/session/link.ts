/**
 * A channel's link: the one thing a channel talks to. It is the channel's number on one session
 * (session.ts), seen through a narrow interface: call, send, publish, writable, close, and what
 * the channel must know about the wire (open or not, blocked). A channel never sees the core,
 * the driver or the transport; after a recovery it is given a link on the new session.
 */
import type { AnyMethod, ProtocolRegistry } from '../../codec/index.js';
import type { Content } from '../../protocol/events.js';

/** A reply as the core delivered it. */
export interface Reply {
  method: AnyMethod;
  content?: Content | undefined;
}

/** What a SessionLink needs of its session (session.ts implements it). */
export interface LinkWire {
  readonly registry: ProtocolRegistry;
  readonly blocked: boolean;
  readonly state: string;
  readonly error: Error | undefined;
  channelOpen(channel: number): boolean;
  call(channel: number, m: AnyMethod, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply>;
  send(channel: number, m: AnyMethod): void;
  queue(channel: number, m: AnyMethod): void;
  publish(channel: number, m: AnyMethod, properties: object, body: Uint8Array): void;
  writable(): Promise<void>;
  flushSoon(): void;
  closeChannel(channel: number): void;
}

/** What a channel talks to; see the module comment. */
export interface Link {
  /** The channel number on the link's connection. */
  readonly id: number;
  readonly registry: ProtocolRegistry;
  /** True while the broker blocks publishing on the connection (connection.blocked). */
  readonly blocked: boolean;
  /** `open`, or why the connection is not (`closing`, `closed`...). */
  readonly connectionState: string;
  /** Why the connection closed, when it did. */
  readonly connectionError: Error | undefined;
  /** True while this channel is open on an open connection (not closing). */
  readonly isOpen: boolean;
  /** Sends a synchronous method and resolves with its reply. */
  call(m: AnyMethod, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply>;
  /** Sends an asynchronous method. */
  send(m: AnyMethod): void;
  /** Adds an asynchronous method to the output without scheduling a flush: for what runs inside a flush (held acks). */
  queue(m: AnyMethod): void;
  /** Sends basic.publish with its content. */
  publish(m: AnyMethod, properties: object, body: Uint8Array): void;
  /** Resolves when the transport can take more. */
  writable(): Promise<void>;
  /** Writes what is pending soon (after a settlement added to the output). */
  flushSoon(): void;
  /** Starts channel.close. */
  close(): void;
}

/** A Link for channel `id` of `session`. */
export class SessionLink implements Link {
  readonly #session: LinkWire;
  readonly id: number;

  constructor(session: LinkWire, id: number) {
    this.#session = session;
    this.id = id;
  }

  get registry(): ProtocolRegistry {
    return this.#session.registry;
  }

  get blocked(): boolean {
    return this.#session.blocked;
  }

  get connectionState(): string {
    return this.#session.state;
  }

  get connectionError(): Error | undefined {
    return this.#session.error;
  }

  get isOpen(): boolean {
    return this.#session.channelOpen(this.id);
  }

  call(m: AnyMethod, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply> {
    return this.#session.call(this.id, m, signal, onReply);
  }

  send(m: AnyMethod): void {
    this.#session.send(this.id, m);
  }

  queue(m: AnyMethod): void {
    this.#session.queue(this.id, m);
  }

  publish(m: AnyMethod, properties: object, body: Uint8Array): void {
    this.#session.publish(this.id, m, properties, body);
  }

  writable(): Promise<void> {
    return this.#session.writable();
  }

  flushSoon(): void {
    this.#session.flushSoon();
  }

  close(): void {
    this.#session.closeChannel(this.id);
  }
}
