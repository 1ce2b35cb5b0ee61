/**
 * Scripted AMQP servers, no socket: `ScriptedPeer` drives a sans-io ConnectionCore directly;
 * `ScriptedBroker` (at the end of the file) answers a whole client `connect()` over one end of
 * an in-memory transport pair (runtime/io/memory-transport.ts).
 *
 * ScriptedPeer: a scripted AMQP server for the sans-io ConnectionCore: no socket, no timers. It builds server
 * frames with the generated codec (writeMethodFrame & co. with a registry), feeds them to the
 * core whole, byte by byte or in given chunk sizes, parses what the core writes back into
 * frames and decoded methods, and records every event the core emits.
 *
 * Time is a number the test moves (`peer.now`); every call passes it to the core.
 */
import { Reader, Writer, type AnyMethod, type FieldTable, type ProtocolRegistry } from '../../runtime/codec/index.js';
import { FrameParser, PROTOCOL_HEADER, decodeContentHeader, decodeMethod, writeContentFrames, writeHeaderFrame, writeHeartbeat, writeMethodFrame } from '../../runtime/frame/index.js';
import { memoryTransport, type MemoryTransport } from '../../runtime/io/memory-transport.js';
import type { TransportFactory, TransportSink } from '../../runtime/io/transport.js';
import { registry as defaultRegistry } from '../../generated/index.js';
import { ConnectionCore, type CoreOptions } from '../../runtime/protocol/connection.js';
import type { ProtocolEvent } from '../../runtime/protocol/events.js';
import { plain } from '../../runtime/protocol/sasl.js';

/** A frame the core wrote, with its method decoded when it is a method frame. */
export interface ClientFrame {
  type: number;
  channel: number;
  payload: Uint8Array;
  method?: AnyMethod;
}

/** How to feed bytes: in one piece, one byte at a time, or in pieces of the given sizes (cycled). */
export type Chunking = 'whole' | 'bytes' | readonly number[];

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const DEFAULT_CORE_OPTIONS: CoreOptions = {
  vhost: '/',
  mechanisms: [plain('guest', 'guest')],
  clientProperties: { product: 'test' },
  tune: { channelMax: 2047, frameMax: 131072, heartbeat: 60 },
  connectionTimeout: 10_000,
  closeTimeout: 5_000,
};

export class ScriptedPeer {
  readonly core: ConnectionCore;
  readonly registry: ProtocolRegistry;
  readonly events: ProtocolEvent[] = [];
  /** Every byte the core has written, in order. */
  written: Uint8Array[] = [];
  now = 1_000;
  private readonly parser = new FrameParser({ frameMax: 0 });
  private headerSeen = false;

  constructor(options: Partial<CoreOptions> = {}) {
    const opts = { ...DEFAULT_CORE_OPTIONS, ...options };
    this.registry = opts.registry ?? defaultRegistry;
    this.core = new ConnectionCore(opts, (e) => this.events.push(e));
  }

  // ------------------------------------------------------------------ server frames

  /** A method frame as a server would write it. */
  method(channel: number, m: AnyMethod): Uint8Array {
    const def = this.registry.byKind(m.kind);
    if (!def) throw new Error(`no ${m.kind} in the registry`);
    const w = new Writer(256);
    writeMethodFrame(w, channel, def, m);
    return w.toBytes().slice();
  }

  /** Method + header + body frames (body split at frameMax - 8). */
  content(channel: number, m: AnyMethod, properties: object, body: Uint8Array, frameMax = 131072): Uint8Array {
    const def = this.registry.byKind(m.kind)!;
    const w = new Writer(256);
    writeContentFrames(w, channel, def, m, this.registry.properties(def.classId)!, properties, body, frameMax);
    return w.toBytes().slice();
  }

  /** A content header frame alone. */
  header(channel: number, classId: number, bodySize: number, properties: object = {}): Uint8Array {
    const w = new Writer(256);
    writeHeaderFrame(w, channel, this.registry.properties(classId)!, properties, bodySize);
    return w.toBytes().slice();
  }

  /** Any frame, built by hand: type, channel, payload, end octet. */
  frame(type: number, channel: number, payload: Uint8Array, end = 0xce): Uint8Array {
    const b = new Uint8Array(8 + payload.length);
    const v = new DataView(b.buffer);
    v.setUint8(0, type);
    v.setUint16(1, channel);
    v.setUint32(3, payload.length);
    b.set(payload, 7);
    b[7 + payload.length] = end;
    return b;
  }

  heartbeat(): Uint8Array {
    const w = new Writer(8);
    writeHeartbeat(w);
    return w.toBytes().slice();
  }

  start(overrides: Partial<{ mechanisms: string; serverProperties: FieldTable; versionMajor: number; versionMinor: number }> = {}): Uint8Array {
    return this.method(0, {
      kind: 'connection.start',
      versionMajor: overrides.versionMajor ?? 0,
      versionMinor: overrides.versionMinor ?? 9,
      serverProperties: overrides.serverProperties ?? { product: 'RabbitMQ', capabilities: { 'connection.blocked': true } },
      mechanisms: utf8(overrides.mechanisms ?? 'PLAIN AMQPLAIN'),
      locales: utf8('en_US'),
    } as AnyMethod);
  }

  tune(channelMax = 2047, frameMax = 131072, heartbeat = 60): Uint8Array {
    return this.method(0, { kind: 'connection.tune', channelMax, frameMax, heartbeat } as AnyMethod);
  }

  // ------------------------------------------------------------------ driving the core

  /** Feeds bytes to the core in the given chunking. */
  feed(bytes: Uint8Array, chunking: Chunking = 'whole'): void {
    if (chunking === 'whole') return this.core.receive(bytes, this.now);
    const sizes = chunking === 'bytes' ? [1] : chunking;
    let i = 0;
    for (let off = 0; off < bytes.length; i++) {
      const n = Math.max(1, sizes[i % sizes.length]!);
      this.core.receive(bytes.slice(off, off + n), this.now);
      off += n;
    }
  }

  /** Moves the clock and ticks the core. */
  advance(ms: number): void {
    this.now += ms;
    this.core.tick(this.now);
  }

  /** The bytes the core wants written now, concatenated (also kept in `written`). */
  takeBytes(): Uint8Array {
    const chunks = this.core.takeOutput(this.now);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    if (total > 0) this.written.push(out);
    return out;
  }

  /** The frames the core wrote since the last take, decoded (the protocol header is checked and skipped). */
  take(): ClientFrame[] {
    let bytes = this.takeBytes();
    if (!this.headerSeen && bytes.length >= 8) {
      if (!bytes.subarray(0, 8).every((b, i) => b === PROTOCOL_HEADER[i])) throw new Error('the core did not start with the protocol header');
      this.headerSeen = true;
      bytes = bytes.subarray(8);
    }
    this.parser.push(bytes);
    const frames: ClientFrame[] = [];
    for (let f = this.parser.next(); f; f = this.parser.next()) {
      const frame: ClientFrame = { type: f.type, channel: f.channel, payload: f.payload.slice() };
      if (f.type === 1) {
        const r = new Reader(f.payload);
        const id = ((r.short() << 16) | r.short()) >>> 0;
        const def = this.registry.byId(id);
        if (!def) throw new Error(`the core wrote unknown method ${id >>> 16}.${id & 0xffff}`);
        frame.method = def.decode(r);
      }
      frames.push(frame);
    }
    return frames;
  }

  /** The decoded methods the core wrote since the last take. */
  takeMethods(): AnyMethod[] {
    return this.take().flatMap((f) => (f.method ? [f.method] : []));
  }

  /** Events of a type, in order. */
  eventsOf<T extends ProtocolEvent['type']>(type: T): Extract<ProtocolEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<ProtocolEvent, { type: T }>[];
  }

  /** Runs the whole handshake up to open-ok; returns the client's methods seen on the way. */
  handshake(tune: { channelMax?: number; frameMax?: number; heartbeat?: number } = {}): AnyMethod[] {
    this.core.start(this.now);
    const seen: AnyMethod[] = [];
    this.take();
    this.feed(this.start());
    seen.push(...this.takeMethods());
    this.feed(this.tune(tune.channelMax ?? 2047, tune.frameMax ?? 131072, tune.heartbeat ?? 60));
    seen.push(...this.takeMethods());
    this.feed(this.method(0, { kind: 'connection.open-ok' } as AnyMethod));
    seen.push(...this.takeMethods());
    if (this.core.state !== 'open') throw new Error(`handshake did not open the core: ${this.core.state}; events ${JSON.stringify(this.events)}`);
    return seen;
  }

  /** Opens a channel through the core and answers it; returns the channel id. */
  openChannel(): number {
    const { channel, call } = this.core.openChannel();
    const [open] = this.takeMethods();
    if (open?.kind !== 'channel.open') throw new Error(`expected channel.open, got ${open?.kind}`);
    this.feed(this.method(channel, { kind: 'channel.open-ok' } as AnyMethod));
    const reply = this.events.find((e) => e.type === 'reply' && e.call === call);
    if (!reply) throw new Error('channel.open-ok was not reported');
    return channel;
  }

  /** Concatenation helper. */
  static concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** A method the client sent to a ScriptedBroker, with its content when it carries one. */
export interface ReceivedMethod {
  channel: number;
  method: AnyMethod;
  content?: { properties: Record<string, unknown>; body: Uint8Array };
}

/** Answers a method; return true when it handled it (the default answer is then skipped). */
export type BrokerHandler = (m: ReceivedMethod, broker: ScriptedBroker) => boolean | void;

/**
 * A scripted broker on the server end of an in-memory transport: it reads the client's bytes
 * (protocol header, then frames, content assembled), records each method in `received`, and
 * answers as RabbitMQ would for the plain cases: the handshake, channel open and close,
 * confirm.select (then a basic.ack per publish), basic.qos, basic.consume (consume-ok with the
 * client's tag or `amq.ctag-N`), queue.declare, connection.close. A test adds or overrides
 * answers with `on(kind, handler)` and writes anything else with `send()`/`method()`/
 * `deliver()`. Everything it writes goes through the pipe, asynchronously, as over a socket.
 */
export class ScriptedBroker implements TransportSink {
  /** Builds the server's frames (ScriptedPeer's builders). */
  readonly frames = new ScriptedPeer();
  readonly received: ReceivedMethod[] = [];
  readonly end: MemoryTransport;
  /** Per channel: the next publish sequence number once confirm.select was seen. */
  readonly confirms = new Map<number, number>();
  #handlers = new Map<string, BrokerHandler>();
  #parser = new FrameParser({ frameMax: 0 });
  #header: Uint8Array = new Uint8Array(0);
  #headerSeen = false;
  #pending: { channel: number; method: AnyMethod; properties?: Record<string, unknown>; size: number; parts: Uint8Array[]; got: number } | undefined;
  #waiters: { test: () => boolean; resolve: () => void }[] = [];
  #consumerTags = 0;
  ended = false;

  constructor(end: MemoryTransport) {
    this.end = end;
    end.start(this);
  }

  /**
   * A `transport` option for connect() whose every connection attempt gets a new ScriptedBroker
   * (given to `onBroker`, e.g. to add handlers or to keep it).
   */
  static factory(onBroker: (b: ScriptedBroker) => void = () => undefined): TransportFactory {
    return memoryTransport((server) => onBroker(new ScriptedBroker(server)));
  }

  /** Answers methods of `kind` with `handler` (before the default answer). */
  on(kind: string, handler: BrokerHandler): this {
    this.#handlers.set(kind, handler);
    return this;
  }

  /** Writes raw bytes to the client. */
  send(bytes: Uint8Array): void {
    this.end.write(bytes);
  }

  /** Writes a method frame to the client. */
  method(channel: number, m: Record<string, unknown> & { kind: string }): void {
    this.send(this.frames.method(channel, m as unknown as AnyMethod));
  }

  /** Writes a content-carrying method (basic.deliver, basic.return...) with its header and body. */
  deliver(channel: number, m: Record<string, unknown> & { kind: string }, body: Uint8Array, properties: object = {}): void {
    this.send(this.frames.content(channel, m as unknown as AnyMethod, properties, body));
  }

  /** Methods of `kind` received so far. */
  methods(kind: string): ReceivedMethod[] {
    return this.received.filter((r) => r.method.kind === kind);
  }

  /** Resolves once `count` methods of `kind` have been received. */
  waitFor(kind: string, count = 1): Promise<ReceivedMethod[]> {
    return this.until(() => this.methods(kind).length >= count).then(() => this.methods(kind));
  }

  /** Resolves once `test()` holds (checked after each received method and at the end). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  // ------------------------------------------------------------------ TransportSink

  data(chunk: Uint8Array): void {
    let bytes = chunk;
    if (!this.#headerSeen) {
      const h = ScriptedPeer.concat(this.#header, bytes);
      if (h.length < 8) {
        this.#header = h;
        return;
      }
      if (!h.subarray(0, 8).every((b, i) => b === PROTOCOL_HEADER[i])) throw new Error('the client did not start with the protocol header');
      this.#headerSeen = true;
      bytes = h.subarray(8);
      this.send(this.frames.start());
    }
    this.#parser.push(bytes.slice());
    for (let f = this.#parser.next(); f; f = this.#parser.next()) this.#frame(f.type, f.channel, f.payload.slice());
  }

  drain(): void {}

  error(): void {}

  closed(): void {
    this.ended = true;
    this.#wake();
  }

  #frame(type: number, channel: number, payload: Uint8Array): void {
    const registry = this.frames.registry;
    if (type === 1) {
      const method = decodeMethod(registry, payload);
      if (registry.byKind(method.kind)?.content) this.#pending = { channel, method, size: 0, parts: [], got: 0 };
      else this.#received({ channel, method });
    } else if (type === 2 && this.#pending) {
      const h = decodeContentHeader<Record<string, unknown>>(registry, payload);
      this.#pending.properties = h.properties;
      this.#pending.size = Number(h.bodySize);
      if (this.#pending.size === 0) this.#content();
    } else if (type === 3 && this.#pending) {
      this.#pending.parts.push(payload);
      this.#pending.got += payload.length;
      if (this.#pending.got >= this.#pending.size) this.#content();
    }
  }

  #content(): void {
    const p = this.#pending!;
    this.#pending = undefined;
    this.#received({ channel: p.channel, method: p.method, content: { properties: p.properties ?? {}, body: ScriptedPeer.concat(...p.parts) } });
  }

  #received(r: ReceivedMethod): void {
    this.received.push(r);
    const handled = this.#handlers.get(r.method.kind)?.(r, this);
    if (!handled) this.#answer(r);
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) {
      if (w.test()) w.resolve();
      else this.#waiters.push(w);
    }
  }

  /** RabbitMQ's answer to the plain cases. */
  #answer({ channel, method }: ReceivedMethod): void {
    const m = method as unknown as Record<string, unknown>;
    switch (method.kind) {
      case 'connection.start-ok':
        return this.send(this.frames.tune());
      case 'connection.open':
        return this.method(0, { kind: 'connection.open-ok' });
      case 'connection.close':
        this.method(0, { kind: 'connection.close-ok' });
        return this.end.end();
      case 'channel.open':
        return this.method(channel, { kind: 'channel.open-ok' });
      case 'channel.close':
        this.confirms.delete(channel);
        return this.method(channel, { kind: 'channel.close-ok' });
      case 'confirm.select':
        this.confirms.set(channel, 1);
        if (!m.nowait) this.method(channel, { kind: 'confirm.select-ok' });
        return;
      case 'basic.qos':
        return this.method(channel, { kind: 'basic.qos-ok' });
      case 'basic.consume':
        if (!m.noWait) this.method(channel, { kind: 'basic.consume-ok', consumerTag: (m.consumerTag as string) || `amq.ctag-${++this.#consumerTags}` });
        return;
      case 'basic.cancel':
        if (!m.noWait) this.method(channel, { kind: 'basic.cancel-ok', consumerTag: m.consumerTag });
        return;
      case 'queue.declare':
        if (!m.noWait) this.method(channel, { kind: 'queue.declare-ok', queue: (m.queue as string) || 'amq.gen-scripted', messageCount: 0, consumerCount: 0 });
        return;
      case 'basic.publish': {
        const next = this.confirms.get(channel);
        if (next === undefined) return;
        this.confirms.set(channel, next + 1);
        return this.method(channel, { kind: 'basic.ack', deliveryTag: next, multiple: false });
      }
    }
  }
}
