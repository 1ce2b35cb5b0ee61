/**
 * Request/reply over RabbitMQ: an RPC client on direct reply-to, and a server helper.
 *
 * Client (RabbitMQ direct reply-to, https://www.rabbitmq.com/docs/direct-reply-to): one
 * no-ack consumer on the pseudo-queue `amq.rabbitmq.reply-to`, on the same channel that
 * publishes the requests with `replyTo: 'amq.rabbitmq.reply-to'`. The broker routes each reply
 * straight back to that consumer, without a queue. Each call gets a correlation id; `pending`
 * maps the ids of calls in flight to their promises, so any number of calls share the channel.
 * A call ends exactly once: with its reply, its timeout or abort, a failed publish (e.g.
 * UnroutableError when the request queue does not exist and the call is `mandatory`), or the
 * end of the reply consumer (channel closed). A reply that comes after its call ended is dropped.
 * When the connection is lost and recovered, the reply consumer comes back with its channel;
 * calls in flight at the loss reject with OutcomeUnknownError, later calls work.
 *
 * Server: consumes a queue with manual acks and a prefetch (the number of requests handled at
 * once), calls the handler, publishes its result to the request's replyTo with the request's
 * correlationId, and acks the request only after that publish went out (or was confirmed, on
 * a channel in confirm mode): a server that dies in between leaves the request to be
 * redelivered, never lost.
 */
import { WarrenError } from '../codec/errors.js';
import type { Body } from './body.js';
import { OutcomeUnknownError } from './recovery/errors.js';
import type { Channel } from './channel.js';
import type { Consumer, ConsumeOptions } from './consumer.js';
import type { Message } from './message.js';
import type { PublishOptions } from './publisher.js';
import { traceRpc, tracing } from './tracing/index.js';

/** RabbitMQ's pseudo-queue for direct reply-to. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** An RPC call got no reply within its timeout. */
export class RpcTimeoutError extends WarrenError {
  override name = 'RpcTimeoutError';
}

/** Options of RpcClient.call(): publish options (except replyTo/correlationId) plus the wait. */
export interface RpcCallOptions extends Omit<PublishOptions, 'replyTo' | 'correlationId'> {
  /** Give up after this many milliseconds (default: the client's timeout). */
  timeout?: number;
  /** Give up when this aborts (the request may still be processed by the server). */
  signal?: AbortSignal;
  /** Exchange to publish the request to (default '': the routing key names a queue). */
  exchange?: string;
}

/** Options of createRpcClient(). */
export interface RpcClientOptions {
  /** Default timeout of each call in milliseconds (default 30,000; Infinity for none). */
  timeout?: number;
}

interface PendingCall {
  resolve(m: Message): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

let clients = 0;

/** An RPC client bound to one channel; make one with {@link createRpcClient}. */
export class RpcClient {
  readonly channel: Channel;
  readonly #pending = new Map<string, PendingCall>();
  readonly #prefix: string;
  readonly #timeout: number;
  #next = 0;
  #consumer: Consumer | undefined;
  #closed: Error | undefined;

  /** @internal use createRpcClient() */
  constructor(channel: Channel, options: RpcClientOptions) {
    this.channel = channel;
    this.#timeout = options.timeout ?? 30_000;
    this.#prefix = `${++clients}.${Math.random().toString(36).slice(2, 10)}.`;
  }

  /** @internal */
  async start(): Promise<void> {
    this.#consumer = await this.channel.consume(DIRECT_REPLY_TO, (m) => this.#onReply(m), { noAck: true });
    this.channel.once('close', (e) => this.#failAll(e ?? new WarrenError('the RPC client channel was closed')));
    // Recovery: the reply consumer is consumed again with the channel (it is recorded like any
    // other), but replies to calls sent before the loss can no longer arrive: those calls fail.
    this.channel.on('disconnected', (e) => this.#interrupt(e));
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends `body` to `routingKey` (a queue name, through the default exchange unless `exchange`
   * is given) and resolves with the reply. Rejects with RpcTimeoutError, the signal's reason,
   * the publish's error, or the channel's close reason.
   */
  call(routingKey: string, body: Body, options?: RpcCallOptions): Promise<Message> {
    if (tracing.rpc.start.hasSubscribers) return traceRpc(this.channel, options?.exchange ?? '', routingKey, () => this.#call(routingKey, body, options));
    return this.#call(routingKey, body, options);
  }

  #call(routingKey: string, body: Body, options: RpcCallOptions | undefined): Promise<Message> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#prefix + (this.#next++).toString(36);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Message>((resolve, reject) => {
      const p: PendingCall = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      this.#pending.set(id, p);
      const timeout = options?.timeout ?? this.#timeout;
      if (Number.isFinite(timeout)) {
        p.timer = setTimeout(() => this.#end(id, new RpcTimeoutError(`no reply to ${routingKey} within ${timeout} ms (correlation id ${id})`)), timeout);
      }
      if (signal) {
        p.onAbort = () => this.#end(id, signal.reason);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      const { exchange = '', timeout: _t, signal: _s, ...publish } = options ?? {};
      this.channel.publish(exchange, routingKey, body, { ...publish, replyTo: DIRECT_REPLY_TO, correlationId: id }).catch((e: unknown) => this.#end(id, e));
    });
  }

  /** Stops the reply consumer; calls in flight reject. The channel stays open. */
  async close(): Promise<void> {
    this.#failAll(new WarrenError('the RPC client was closed'));
    await this.#consumer?.cancel();
  }

  #onReply(m: Message): void {
    const id = m.properties.correlationId;
    if (id === undefined) return;
    const p = this.#pending.get(id);
    if (!p) return; // timed out or aborted already
    this.#release(id, p);
    p.resolve(m);
  }

  #end(id: string, error: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#release(id, p);
    p.reject(error);
  }

  #release(id: string, p: PendingCall): void {
    this.#pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
  }

  #interrupt(cause: Error): void {
    for (const id of [...this.#pending.keys()]) {
      this.#end(id, new OutcomeUnknownError('the connection was lost while this RPC call was in flight: the server may or may not have handled it', { cause }));
    }
  }

  #failAll(error: Error): void {
    this.#closed ??= error;
    for (const id of [...this.#pending.keys()]) this.#end(id, error);
  }
}

/**
 * Starts an RPC client on `channel` (consumes direct reply-to on it). The channel may be used
 * for other work too, but only one RpcClient per channel: RabbitMQ allows one reply-to consumer.
 */
export async function createRpcClient(channel: Channel, options: RpcClientOptions = {}): Promise<RpcClient> {
  const client = new RpcClient(channel, options);
  await client.start();
  return client;
}

/** What an RPC handler may return: the reply body, or undefined for no reply. */
export type RpcHandler = (request: Message) => Body | undefined | Promise<Body | undefined>;

/** Options of serveRpc(): the consumer options (acks are always manual) and more. */
export interface ServeRpcOptions extends Omit<ConsumeOptions, 'noAck'> {
  /** Requests handled at once (basic.qos prefetch; default 16). */
  prefetch?: number;
  /** Properties of every reply (correlationId is always the request's). */
  replyOptions?: Omit<PublishOptions, 'correlationId'>;
  /**
   * Called when the handler throws or the reply cannot be published; the request is then
   * rejected without requeue (dead-lettered if the queue says so). Default: nothing more.
   */
  onError?: (error: unknown, request: Message) => void;
}

/**
 * Serves RPC requests from `queue`: for each request, calls `handler`, publishes its result to
 * the request's replyTo with its correlationId, then acks the request. Resolves with the
 * consumer: cancel() it to stop serving.
 */
export async function serveRpc(channel: Channel, queue: string, handler: RpcHandler, options: ServeRpcOptions = {}): Promise<Consumer> {
  const { replyOptions, onError, ...consume } = options;
  const handle = async (request: Message): Promise<void> => {
    try {
      const result = await handler(request);
      if (result !== undefined && request.properties.replyTo) await request.reply(result, replyOptions);
      request.ack();
    } catch (e) {
      onError?.(e, request);
      if (channel.isOpen && !request.settled) request.reject({ requeue: false });
    }
  };
  return channel.consume(queue, (m) => void handle(m), { ...consume, prefetch: options.prefetch ?? 16, noAck: false });
}
