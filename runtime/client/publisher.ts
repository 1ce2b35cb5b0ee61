/**
 * Publishing: turning publish() arguments into basic.publish + properties + body, and, in
 * confirm mode, tracking every publish until the broker acks or nacks it.
 *
 * Confirms (RabbitMQ extension, PROTOCOL-NOTES): after confirm.select, the n-th publish on the
 * channel has delivery tag n; the broker answers each exactly once with basic.ack or
 * basic.nack, possibly `multiple` (covering every earlier unsettled tag). An unroutable
 * mandatory publish gets basic.return *before* its ack: the return is matched to the highest
 * unsettled mandatory publish with the same exchange and routing key that the ack covers, and
 * that publish is rejected with UnroutableError. When the channel closes, every publish still
 * waiting is rejected with the reason, so no promise is left hanging.
 */
import type { BasicProperties } from '../../generated/index.js';
import { EncodeError, WarrenError } from '../codec/errors.js';
import type { FieldTable, Long } from '../codec/index.js';
import { encodeText, type Body, type TextEncoding } from './body.js';
import { ReturnedMessage } from './returned.js';
import { mergeTables } from '../codec/table-wire.js';
import { COMPRESSION_HEADER, defaultSerializers, type SerializerRef, type SerializerRegistry } from './serializers.js';
export { ReturnedMessage };

/** Properties as publish() takes them: every basic property, typed, plus conveniences. */
export interface PublishOptions extends Omit<BasicProperties, 'expiration'> {
  /** Return the message (basic.return) instead of dropping it when no queue matches. */
  mandatory?: boolean;
  /** Shorthand for deliveryMode 2 (true) or 1 (false). */
  persistent?: boolean;
  /** Per-message TTL in milliseconds. */
  expiration?: number | string;
  /** Extra routing keys (RabbitMQ sender-selected distribution), kept in the headers. */
  CC?: readonly string[];
  /** Extra routing keys removed from the headers before delivery. */
  BCC?: readonly string[];
  /** Streams: the filter value consumers can select on (header `x-stream-filter-value`, RabbitMQ 3.13+). */
  streamFilterValue?: string;
  /** For a string body: its encoding (default utf-8). */
  encoding?: TextEncoding;
  /** Set contentEncoding to `encoding` for a string body (default: only when not utf-8). */
  setContentEncoding?: boolean;
  /** Serialise the body as JSON even when it is a string. */
  json?: boolean;
  /**
   * Encode the body with this serializer: a content type registered in the channel's
   * serializers (with `contentEncoding`, if given, to pick a wrapper such as gzip), or a
   * Serializer object. It sets contentType/contentEncoding unless given. Without it, bytes go
   * as they are, a string as text, and any other value through the serializer registered for
   * `contentType` when there is one, else the registry's default (JSON).
   */
  serializer?: SerializerRef;
  /**
   * Compress the encoded body with a compression registered in the channel's serializers
   * (`kombuSerializers()` has `zlib` and `brotli`) and name it in the `compression` header, as
   * kombu does (`producer.publish(..., compression='zlib')`). The content type stays the
   * serializer's. An unknown name is an EncodeError, before anything is sent.
   */
  compression?: string;
  /** Stop waiting (blocked connection, full socket, confirm window) when this aborts. */
  signal?: AbortSignal;
  /**
   * Time limit, ms: rejects with PublishTimeoutError when not confirmed (or, without confirms,
   * not written) in time; one still waiting to be sent is then never sent (default: the
   * channel's `publishTimeout`, else none).
   */
  timeout?: number;
}


/** The broker nacked a publish: it could not take responsibility for the message. */
export class NackError extends WarrenError {
  override name = 'NackError';
}

/** A mandatory publish could not be routed to any queue; `returned` is what the broker sent back. */
export class UnroutableError extends WarrenError {
  override name = 'UnroutableError';
  readonly returned: ReturnedMessage;
  readonly replyCode: number;
  constructor(returned: ReturnedMessage) {
    super(`message to exchange '${returned.exchange}' with routing key '${returned.routingKey}' was returned: ${returned.replyCode} ${returned.replyText}`);
    this.returned = returned;
    this.replyCode = returned.replyCode;
  }
}

const PROPERTY_KEYS = [
  'contentType', 'contentEncoding', 'headers', 'deliveryMode', 'priority', 'correlationId', 'replyTo',
  'expiration', 'messageId', 'timestamp', 'type', 'userId', 'appId', 'clusterId',
] as const;

const NO_PROPERTIES: BasicProperties = {};
const NO_OPTIONS: PublishOptions = {};

/** The body bytes and the properties of a publish; validates what the codec cannot see. */
export function prepare(body: Body, o: PublishOptions | undefined, serializers: SerializerRegistry = defaultSerializers()): { bytes: Uint8Array; properties: BasicProperties } {
  if (!(body instanceof Uint8Array) && (body instanceof ArrayBuffer || ArrayBuffer.isView(body))) body = asBytes(body);
  if (o === undefined) {
    if (body instanceof Uint8Array) {
      if (serializers.forBytes === undefined) return { bytes: body, properties: NO_PROPERTIES };
    } else if (typeof body === 'string') {
      if (serializers.forStrings === undefined) return { bytes: encodeText(body, 'utf-8'), properties: NO_PROPERTIES };
    } else {
      const e = serializers.encode(body);
      return { bytes: e.bytes, properties: e.contentEncoding === undefined ? { contentType: e.contentType } : { contentType: e.contentType, contentEncoding: e.contentEncoding } };
    }
    o = NO_OPTIONS;
  }
  const p: Record<string, unknown> = {};
  for (const k of PROPERTY_KEYS) if (o[k] !== undefined) p[k] = o[k];
  if (o.persistent !== undefined) p.deliveryMode = o.persistent ? 2 : 1;
  if (typeof o.expiration === 'number') {
    if (!Number.isInteger(o.expiration) || o.expiration < 0) throw new EncodeError('publish', 'expiration', `must be a non-negative integer of milliseconds, got ${o.expiration}`);
    p.expiration = String(o.expiration);
  }
  if (o.CC || o.BCC || o.streamFilterValue !== undefined) {
    const added: FieldTable = {};
    if (o.CC) added.CC = [...o.CC];
    if (o.BCC) added.BCC = [...o.BCC];
    if (o.streamFilterValue !== undefined) added['x-stream-filter-value'] = o.streamFilterValue;
    // Not a spread: a table received from another client keeps its key order and wire tags.
    p.headers = mergeTables(o.headers, added);
  }
  let bytes: Uint8Array;
  const plain = !(body instanceof Uint8Array || typeof body === 'string');
  let ref = o.serializer ?? (o.json ? 'application/json' : plain && o.contentType !== undefined && serializers.get(o.contentType, o.contentEncoding) ? o.contentType : undefined);
  // A registry's serializer for strings (kombu's text/plain + utf-8) takes UTF-8 text only.
  if (ref === undefined && typeof body === 'string' && serializers.forStrings && (o.encoding === undefined || o.encoding === 'utf-8' || o.encoding === 'utf8')) ref = serializers.forStrings;
  if (ref !== undefined || plain) {
    const e = serializers.encode(body, ref, typeof ref === 'string' ? o.contentEncoding : undefined);
    bytes = e.bytes;
    p.contentType ??= e.contentType;
    if (e.contentEncoding !== undefined) p.contentEncoding ??= e.contentEncoding;
  } else if (typeof body === 'string') {
    const enc = o.encoding ?? 'utf-8';
    bytes = encodeText(body, enc);
    if (o.setContentEncoding ?? (o.encoding !== undefined && enc !== 'utf-8' && enc !== 'utf8')) p.contentEncoding ??= enc;
  } else {
    bytes = body as Uint8Array;
    const raw = serializers.forBytes;
    // Only bytes that name no content encoding: so bytes prepared once (a traced or batched
    // publish, a Producer's) pass through again unchanged. Bytes with a content type of their
    // own get the encoding too (kombu's Producer writes `binary` for them: without it, kombu
    // reads a body whose type it has no decoder for as UTF-8 text, and fails on PNG bytes).
    if (raw && p.contentEncoding === undefined) {
      if (p.contentType === undefined) {
        bytes = raw.encode(bytes);
        p.contentType = raw.contentType;
      }
      if (raw.contentEncoding !== undefined) p.contentEncoding = raw.contentEncoding;
    }
  }
  if (o.compression !== undefined) {
    const c = serializers.compress(bytes, o.compression);
    bytes = c.bytes;
    p.headers = mergeTables(p.headers as FieldTable | undefined, { [COMPRESSION_HEADER]: c.name });
  } else if (!(body instanceof Uint8Array) && p.headers !== undefined) {
    p.headers = withoutStaleCompression(p.headers as FieldTable, serializers);
  }
  return { bytes, properties: p as BasicProperties };
}

/**
 * A body encoded here and not compressed must not go out under a `compression` header naming a
 * compression the registry knows: a received message's payload re-published with its properties
 * (`publish(m.payload, m.properties)`) would, and the receiver would fail to decompress it. Such
 * a header is left out (of a copy that keeps the table's wire record); bytes keep theirs.
 */
function withoutStaleCompression(headers: FieldTable, serializers: SerializerRegistry): FieldTable {
  const h = headers[COMPRESSION_HEADER];
  const name = typeof h === 'string' ? h : h instanceof Uint8Array ? new TextDecoder().decode(h) : undefined;
  if (name === undefined || serializers.compression(name) === undefined) return headers;
  const copy = mergeTables(headers);
  delete copy[COMPRESSION_HEADER];
  return copy;
}

/** An ArrayBuffer or a view of one (DataView, Int16Array...) as a Uint8Array over the same bytes. */
function asBytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A publish awaiting its confirm; `resend` is kept only on channels that republish after recovery. */
export interface Unconfirmed {
  resolve(): void;
  reject(e: Error): void;
  mandatory: boolean;
  exchange: string;
  routingKey: string;
  resend: { properties: BasicProperties; bytes: Uint8Array } | undefined;
}

/**
 * Publishes a confirm channel keeps in flight unless told otherwise (`maxUnconfirmed`), as the
 * .NET client does. A window only needs to cover the broker's round trip at the rate wanted
 * (rate × RTT: 10,000 msg/s over a 10 ms link is 100); bench/publish.bench.ts found no gain past
 * 32 to 128 on loopback, while a larger window holds more memory and leaves more publishes with
 * an unknown outcome when a connection is lost. Raise it for long links.
 */
export const DEFAULT_MAX_UNCONFIRMED = 128;

/** Publisher-confirm bookkeeping of one channel. */
export class ConfirmTracker {
  private nextTag = 1;
  private lowest = 1;
  private readonly pending = new Map<number, Unconfirmed>();
  private readonly returns: ReturnedMessage[] = [];
  readonly maxUnconfirmed: number;
  /** Called after confirms free room in the window. */
  private readonly onRoom: () => void;

  constructor(maxUnconfirmed: number, onRoom: () => void) {
    this.maxUnconfirmed = maxUnconfirmed;
    this.onRoom = onRoom;
  }

  /** True when the window is full. */
  get full(): boolean {
    return this.pending.size >= this.maxUnconfirmed;
  }

  /** Publishes awaiting their confirm. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers the next publish; call right after its frames were queued. `resend` (what was
   * sent) is kept for republishing after a recovery, when the channel asked for that.
   */
  track(mandatory: boolean, exchange: string, routingKey: string, resend?: Unconfirmed['resend']): Promise<void> {
    const tag = this.nextTag++;
    return new Promise((resolve, reject) => this.pending.set(tag, { resolve, reject, mandatory, exchange, routingKey, resend }));
  }

  /**
   * The channel was re-opened on a new connection, where delivery tags start again at 1:
   * returns the publishes still waiting, oldest first, and forgets them (their promises are
   * still to be settled: by `adopt` after a republish, or by the caller).
   */
  takeUnconfirmed(): Unconfirmed[] {
    const all = [...this.pending.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    this.pending.clear();
    this.returns.length = 0;
    this.nextTag = 1;
    this.lowest = 1;
    return all;
  }

  /** Tracks a republished publish under the next tag, keeping its original promise. */
  adopt(p: Unconfirmed): void {
    this.pending.set(this.nextTag++, p);
  }

  onReturn(r: ReturnedMessage): void {
    this.returns.push(r);
  }

  onAck(tag: Long, multiple: boolean): void {
    this.settle(Number(tag), multiple, undefined);
  }

  onNack(tag: Long, multiple: boolean): void {
    this.settle(Number(tag), multiple, new NackError(`the broker nacked publish ${tag}${multiple ? ' (and earlier ones)' : ''}`));
  }

  /** Rejects everything waiting (the channel closed). */
  failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }

  private settle(tag: number, multiple: boolean, error: Error | undefined): void {
    const from = multiple ? this.lowest : tag;
    // Downwards: a return precedes the ack naming its own tag, so the highest covered
    // publish that matches is the one it belongs to.
    for (let t = tag; t >= from; t--) {
      const p = this.pending.get(t);
      if (!p) continue;
      this.pending.delete(t);
      const returned = this.returns.length && p.mandatory ? this.matchReturn(p) : undefined;
      if (returned) p.reject(new UnroutableError(returned));
      else if (error) p.reject(error);
      else p.resolve();
    }
    while (this.lowest < this.nextTag && !this.pending.has(this.lowest)) this.lowest++;
    this.onRoom();
  }

  private matchReturn(p: Unconfirmed): ReturnedMessage | undefined {
    const i = this.returns.findIndex((r) => r.exchange === p.exchange && r.routingKey === p.routingKey);
    return i < 0 ? undefined : this.returns.splice(i, 1)[0];
  }
}

/** One publish() call waiting for its turn. */
interface WaitingPublish {
  exchange: string;
  routingKey: string;
  body: Body;
  options: PublishOptions | undefined;
  resolve(): void;
  reject(e: unknown): void;
  abort: (() => void) | undefined;
  /** Body bytes counted against the recovery buffer (0 when not counted). */
  size: number;
}

/**
 * Publishes that must wait (blocked connection, full confirm window) queue here in call order
 * and are sent synchronously, in that order, as soon as they may. A waiting publish whose
 * `signal` aborts leaves the queue and rejects with the signal's reason; nothing of it was sent.
 */
export class PublishBacklog {
  private queue: WaitingPublish[] = [];
  private sizes = 0;

  get length(): number {
    return this.queue.length;
  }

  /** Body bytes of the waiting publishes that were counted (`size` of enqueue). */
  get bytes(): number {
    return this.sizes;
  }

  enqueue(exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined, size = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: WaitingPublish = { exchange, routingKey, body, options, resolve, reject, abort: undefined, size };
      const signal = options?.signal;
      if (signal) {
        if (signal.aborted) return reject(signal.reason);
        entry.abort = () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.sizes -= entry.size;
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.abort, { once: true });
      }
      this.queue.push(entry);
      this.sizes += size;
    });
  }

  /** Sends waiting publishes with `send` while `mayPublish()` says so. */
  drain(mayPublish: () => boolean, send: (exchange: string, routingKey: string, body: Body, options: PublishOptions | undefined) => Promise<void>): void {
    while (this.queue.length > 0 && mayPublish()) {
      const e = this.queue.shift()!;
      this.sizes -= e.size;
      if (e.abort) e.options!.signal!.removeEventListener('abort', e.abort);
      try {
        send(e.exchange, e.routingKey, e.body, e.options).then(e.resolve, e.reject);
      } catch (err) {
        e.reject(err);
      }
    }
  }

  /** Rejects every waiting publish (the channel closed). */
  failAll(reason: Error): void {
    this.sizes = 0;
    for (const e of this.queue.splice(0)) {
      if (e.abort) e.options!.signal!.removeEventListener('abort', e.abort);
      e.reject(reason);
    }
  }
}
