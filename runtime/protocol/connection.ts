/**
 * The sans-io AMQP 0-9-1 connection core: bytes in, events and bytes out, time passed in.
 * No sockets, no timers, no clock: the driver (runtime/io) feeds `receive(bytes, now)` and
 * `tick(now)`, writes what `takeOutput(now)` returns, and reacts to events.
 *
 * Connection states (spec 2.2.4, 1.4.2):
 *
 *   new ─start()─▶ awaiting-start ─start/start-ok─▶ awaiting-tune ─tune/tune-ok+open─▶
 *   awaiting-open-ok ─open-ok─▶ open ─close()/violation─▶ closing ─close-ok─▶ closed
 *   (connection.secure may come while awaiting-tune; the server's connection.close, a fatal
 *   framing error, a heartbeat timeout or the driver's `lost()` go straight to closed.)
 *
 * Invariants:
 * - Errors are sticky: once closed, every command throws ConnectionClosedError whose `cause`
 *   is the reason, and every pending call has been failed exactly once.
 * - A frame that breaks the protocol is a *remote* error: we answer with connection.close and
 *   the reply code the spec names (501, 502, 503, 504, 505, 540) and fail everything pending,
 *   or, for a bad frame-end or unknown frame type, stop at once without sending more.
 * - Encoding is validated before anything is queued: a command that throws has written nothing.
 *   From tune on, every frame we write is held to the negotiated frame_max (a method or content
 *   header that does not fit is an EncodeError on the call: methods cannot be split).
 * - A close because of the peer reports an `error` event at once; `closed` follows when the
 *   close handshake ends, so the application never waits closeTimeout to learn of a violation.
 * - While closing, everything but connection.close and close-ok is discarded (spec
 *   connection.close); after a framing error the unparseable rest of the stream is dropped.
 * - Per-channel logic lives elsewhere: ids in channel-table.ts, the call queue and content
 *   assembly in channel-state.ts and channel-frames.ts, negotiation rules in handshake.ts.
 *   Bytes in are framed, decoded and dispatched in inbound.ts; methods out are encoded in
 *   method-writer.ts. This file holds the connection's states and what moves them: commands,
 *   channel 0's methods, time, and the close handshake.
 */
import { DecodeError, type AnyMethod, type FieldTable, type MethodDef, type ProtocolRegistry } from '../codec/index.js';
import { writeHeartbeat, PROTOCOL_HEADER } from '../frame/index.js';
import { FrameType, registry as defaultRegistry } from '../../generated/index.js';
import type { ConnectionClose } from '../../generated/index.js';
import { ConnectTimeoutError, ConnectionClosedError, ConnectionLostError, HeartbeatTimeoutError } from '../errors.js';
import type { ChannelState, PendingCall } from './channel-state.js';
import { ChannelFrames } from './channel-frames.js';
import { ChannelTable } from './channel-table.js';
import type { ProtocolEvent, ProtocolEventListener } from './events.js';
import { Handshake } from './handshake.js';
import { Inbound } from './inbound.js';
import { MethodWriter } from './method-writer.js';
import { Output } from './output.js';
import { replyError } from './reply.js';
import type { ConnectionStateName, CoreOptions } from './core-options.js';
import { Timers } from './timers.js';
import { traceContent, tracerOf, type Tracer } from './trace.js';
import type { TuneWanted } from './tune.js';

export type { CoreOptions, ConnectionStateName };

/**
 * Default largest incoming body, bytes: 128 MiB. RabbitMQ's own max_message_size defaults to
 * 128 MiB on 3.8-3.13 and 16 MiB on 4.x (512 MiB at most), so with a broker's default settings
 * no message it accepted is ever refused here (a refusal closes the channel and the message is
 * redelivered: a loop). The Java client caps at 64 MiB, below 3.x's default. Memory is not what
 * this limit guards any more: a body buffer grows with the bytes that arrive (channel-frames.ts),
 * so a header announcing a huge body costs nothing until the bytes come.
 */
export const DEFAULT_MAX_BODY_SIZE = 128 * 1024 * 1024;

export class ConnectionCore {
  readonly registry: ProtocolRegistry;
  state: ConnectionStateName = 'new';
  /** Negotiated limits, valid from tune on. */
  tune: TuneWanted = { channelMax: 0, frameMax: 4096, heartbeat: 0 };
  serverProperties: FieldTable = {};
  /** Why the connection closed (undefined after a clean close we asked for). */
  error: Error | undefined;
  /** True between connection.blocked and connection.unblocked. */
  blocked = false;

  private readonly opts: CoreOptions;
  private readonly emit: ProtocolEventListener;
  private readonly out = new Output();
  private readonly writer: MethodWriter;
  private readonly inbound: Inbound;
  private readonly frames: ChannelFrames;
  private readonly channels: ChannelTable;
  private readonly handshake: Handshake;
  private readonly tracer: Tracer | undefined;
  private nextCall = 1;
  private readonly timers = new Timers();

  constructor(opts: CoreOptions, emit: ProtocolEventListener) {
    this.opts = opts;
    this.emit = emit;
    this.registry = opts.registry ?? defaultRegistry;
    this.tracer = tracerOf(opts);
    this.writer = new MethodWriter(this.registry, this.out, this.tracer);
    this.handshake = new Handshake(opts, {
      send: (m) => this.writer.write(0, m),
      fail: (error) => this.finish(error, true),
      refuse: (replyCode, replyText) => {
        // Spec connection.tune: the answer to a server that breaks the negotiation rules is a
        // connection.close naming the method (class 10, method 30).
        const error = replyError(this.registry, { replyCode, replyText, classId: 10, methodId: 30 }, false);
        this.beginClose(this.timers.lastReceived, replyCode, replyText.slice(0, 255), error, 10, 30);
      },
      tuned: (tune, serverProperties) => {
        this.tune = tune;
        this.writer.limit = tune.frameMax;
        this.serverProperties = serverProperties;
        this.inbound.frameMax = tune.frameMax;
        this.channels.resize(tune.channelMax);
      },
    });
    this.channels = new ChannelTable(emit, (ch, m) => this.writer.write(ch, m), (bytes) => this.out.appendView(bytes));
    this.frames = new ChannelFrames(this.registry, {
      emit,
      send: (ch, m) => this.writer.write(ch, m),
      sendNext: (ch) => this.channels.sendNext(ch),
      closeChannel: (ch, code, text, error) => this.channels.beginClose(ch, code, text, error),
      finalize: (ch, error, keepId) => this.channels.finalize(ch, error, keepId),
      release: (ch) => this.channels.release(ch),
      maxBodySize: opts.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
      reusedChunks: opts.reusedChunks ?? false,
      untransferable: opts.untransferable,
    });
    this.inbound = new Inbound({
      registry: this.registry,
      frames: this.frames,
      channels: this.channels,
      host: {
        state: () => this.state,
        connectionMethod: (def, m) => this.onConnectionMethod(def, m),
        violation: (e) => this.violation(e),
        fail: (error) => this.finish(error, true),
      },
      reusedChunks: opts.reusedChunks ?? false,
      tracer: this.tracer,
    });
  }

  // ------------------------------------------------------------------ driver interface

  /** Begins the handshake: queues the protocol header. */
  start(now: number): void {
    if (this.state !== 'new') throw new ConnectionClosedError('start() was already called');
    this.state = 'awaiting-start';
    this.timers.deadline = now + this.opts.connectionTimeout;
    this.timers.lastReceived = this.timers.lastSent = now;
    this.out.w.raw(PROTOCOL_HEADER);
  }

  /** Feeds bytes from the transport. Events are emitted before it returns. */
  receive(chunk: Uint8Array, now: number): void {
    if (this.state === 'closed') return;
    this.timers.lastReceived = now;
    this.inbound.receive(chunk);
  }

  /** Advances time: heartbeats, the handshake deadline and the close-ok deadlines (timers.ts). */
  tick(now: number): void {
    const s = this.state;
    if (s === 'closed' || s === 'new') return;
    if (this.channels.closing.size > 0) this.channels.closeDeadlines(now, this.opts.closeTimeout ?? 10_000, true);
    const t = this.timers;
    switch (t.due(now, this.out.size > 0)) {
      case 'deadline':
        if (s === 'closing') return this.finish(this.error, true);
        return this.finish(new ConnectTimeoutError(`no connection.open-ok within ${this.opts.connectionTimeout} ms (state ${s})`), true);
      case 'dead':
        return this.finish(new HeartbeatTimeoutError(`no frame from the server for ${now - t.lastReceived} ms (heartbeat ${this.tune.heartbeat} s)`), true);
      case 'beat':
        writeHeartbeat(this.out.w);
        if (this.tracer?.active()) this.tracer.frame({ direction: 'out', type: FrameType.heartbeat, channel: 0, size: 0 });
    }
  }

  /** Milliseconds until tick() has something to do, for the driver's timer. */
  nextTick(now: number): number {
    const next = this.timers.next(now);
    return this.channels.closing.size > 0 && this.state !== 'closed' ? Math.min(next, this.channels.nextCloseDeadline(now)) : next;
  }

  /** True once the connection is finished (a fresh read: TS narrows `state` across calls). */
  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** True when takeOutput() would return bytes. */
  get wantsWrite(): boolean {
    return this.out.size > 0;
  }

  /** Bytes queued for the transport (for the driver's backpressure decisions). */
  get outputSize(): number {
    return this.out.size;
  }

  /**
   * True for a chunk from takeOutput() that carries credentials (start-ok, secure-ok,
   * update-secret): the driver zeroes it once the transport has taken it, and never shows it
   * to diagnostics unredacted.
   */
  isSecret(chunk: Uint8Array): boolean {
    return this.out.isSecret(chunk);
  }

  /** Everything to write, in order, for one vectored write. */
  takeOutput(now: number): Uint8Array[] {
    if (this.out.size > 0) this.timers.lastSent = now;
    if (this.channels.closing.size > 0) this.channels.closeDeadlines(now, this.opts.closeTimeout ?? 10_000, false); // starts their clocks; tick() expires them
    return this.out.take();
  }

  /** The transport ended or failed without a close handshake. */
  lost(error: Error): void {
    if (this.state === 'closed') return;
    const hint = this.state === 'awaiting-tune' ? ' during authentication (wrong credentials on a broker without authentication_failure_close?)' : '';
    const e = error instanceof ConnectionLostError ? error : new ConnectionLostError(`connection lost${hint}: ${error.message}`, { cause: error });
    // While closing, the transport ending is how many servers finish the handshake: the reason
    // stays ours (a clean close, or the violation we closed for), already reported by `error`.
    this.finish(this.state === 'closing' ? this.error : e, true);
  }

  // ------------------------------------------------------------------ commands

  /** Opens a channel; its `call` is answered (reply event) by channel.open-ok. */
  openChannel(id?: number): { channel: number; call: number } {
    this.assertOpen();
    const ch = this.channels.open(id);
    const call = this.call(ch.id, { kind: 'channel.open' } as AnyMethod);
    return { channel: ch.id, call };
  }

  /**
   * Sends a synchronous method and returns a call id; its answer arrives as a `reply` event, or
   * a `call-failed` event if the channel or connection closes first. Calls on one channel are
   * queued and sent one at a time. A method with `noWait: true` or that is asynchronous is just
   * sent, and -1 is returned.
   */
  call(channel: number, method: AnyMethod): number {
    const ch = this.openChannelState(channel);
    const def = this.writer.def(method.kind);
    if (!def.synchronous || (method as { noWait?: boolean }).noWait === true) {
      this.sendAsync(ch, (out) => this.writer.write(channel, method, def, out));
      return -1;
    }
    const pending: PendingCall = { call: this.nextCall++, def, method, sent: false, abandoned: false };
    if (ch.calls.length === 0) {
      this.writer.write(channel, method, def);
      pending.sent = true;
    } else {
      this.writer.validate(def, method); // fail now, not when its turn comes
    }
    ch.calls.push(pending);
    return pending.call;
  }

  /**
   * The caller no longer wants the answer to `call` (aborted, timed out). A queued call is
   * dropped; a sent one stays in the queue so that its answer is still matched, then ignored.
   */
  abandon(channel: number, call: number): void {
    this.channels.abandon(channel, call);
  }

  /** Sends an asynchronous method (basic.ack, basic.reject...). */
  send(channel: number, method: AnyMethod): void {
    const ch = this.openChannelState(channel);
    const def = this.writer.def(method.kind);
    this.sendAsync(ch, (out) => this.writer.write(channel, method, def, out));
  }

  /** Publishes a content-carrying method with properties and body (see channel-frames.ts). */
  publish(channel: number, method: AnyMethod, properties: object, body: Uint8Array): void {
    const ch = this.openChannelState(channel);
    const def = this.writer.def(method.kind);
    this.sendAsync(ch, (out) => this.frames.writeContent(out, channel, def, method, properties, body, this.writer.limit));
    if (this.tracer?.active()) traceContent(this.tracer, channel, def.kind, body.length, this.tune.frameMax);
  }

  /**
   * Writes asynchronous frames now, or, while synchronous calls wait unsent on the channel,
   * encodes them now (errors surface now) and queues them behind those calls (channel-state.ts).
   */
  private sendAsync(ch: ChannelState, write: (out: Output) => void): void {
    if (ch.calls.length <= 1) return write(this.out); // nothing unsent ahead (the head is always sent)
    const aside = new Output(256); // usually one small frame (an ack, a publish): it grows if not
    write(aside);
    ch.calls.push({ call: -1, frames: aside.take(), sent: false, abandoned: false });
  }

  /** Starts closing a channel; a `channel-closed` event follows when the server confirms. */
  closeChannel(channel: number, replyCode = 200, replyText = 'Goodbye'): void {
    const ch = channel === 0 ? undefined : this.channels.get(channel);
    if (!ch || ch.state === 'closing' || ch.state === 'closed' || this.state !== 'open') return;
    this.channels.beginClose(ch, replyCode, replyText, undefined);
  }

  /** Starts a graceful close; a `closed` event follows close-ok (or the close timeout). */
  close(now: number, replyCode = 200, replyText = 'Goodbye'): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.state !== 'open') {
      return this.finish(new ConnectionClosedError('closed by the application before the handshake finished'), true);
    }
    // What the application queued behind unsent calls goes out before connection.close.
    for (const ch of this.channels.allocated()) this.channels.flushQueuedFrames(ch);
    this.beginClose(now, replyCode, replyText, undefined);
  }

  /** Sends connection.update-secret (RabbitMQ); answered by a reply event on channel 0. */
  updateSecret(newSecret: Uint8Array, reason: string): number {
    this.assertOpen();
    return this.call(0, { kind: 'connection.update-secret', newSecret, reason } as AnyMethod);
  }

  /** The state of a channel, or undefined when it is not allocated. */
  channelState(channel: number): ChannelState | undefined {
    return channel === 0 ? undefined : this.channels.get(channel);
  }

  // ------------------------------------------------------------------ channel 0

  private onConnectionMethod(def: MethodDef, m: AnyMethod): void {
    const s = this.state;
    if (s === 'awaiting-start' || s === 'awaiting-tune' || s === 'awaiting-open-ok') {
      const next = this.handshake.onMethod(s, m);
      if (next === 'failed') return;
      if (next === 'open') {
        this.state = 'open';
        this.timers.deadline = Infinity;
        this.timers.heartbeat = this.tune.heartbeat * 1000;
        this.emit({ type: 'open', serverProperties: this.serverProperties, tune: this.tune });
        return;
      }
      if (next !== undefined) {
        this.state = next;
        return;
      }
    }
    switch (m.kind) {
      case 'connection.close': {
        const c = m as ConnectionClose;
        this.writer.write(0, { kind: 'connection.close-ok' } as AnyMethod);
        const error = replyError(this.registry, c, true);
        // Crossed closes: our own reason, if we had one, is the better explanation.
        return this.finish(s === 'closing' ? (this.error ?? error) : error, false);
      }
      case 'connection.close-ok':
        if (s !== 'closing') break;
        return this.finish(this.error, false);
      case 'connection.blocked':
        if (s !== 'open') return;
        this.blocked = true;
        this.emit({ type: 'blocked', reason: (m as { reason?: string }).reason ?? '' });
        return;
      case 'connection.unblocked':
        if (s !== 'open') return;
        this.blocked = false;
        this.emit({ type: 'unblocked' });
        return;
      default:
        if (s === 'closing') return; // everything else is discarded while closing
        // Channel 0 takes only answers to the connection's own calls (update-secret-ok).
        if (s === 'open' && this.channels.zero.head?.def.responses.includes(m.kind)) return this.frames.onMethod(this.channels.zero, def, m);
    }
    throw new DecodeError(`unexpected ${m.kind} in state ${s}`, 0, 503);
  }

  // ------------------------------------------------------------------ closing

  /** A remote protocol error: close with its reply code, or drop the socket if unframeable. */
  private violation(e: DecodeError): void {
    if (this.state === 'closed') return;
    const error = replyError(this.registry, { replyCode: e.replyCode, replyText: e.message, classId: 0, methodId: 0 }, false, e);
    if (e.fatal) return this.finish(error, true);
    if (this.state === 'closing') return; // already closing: keep waiting for close-ok
    if (this.state !== 'open') return this.finish(error, true);
    this.beginClose(this.timers.lastReceived, e.replyCode, e.message.slice(0, 255), error);
  }

  private beginClose(now: number, code: number, text: string, error: Error | undefined, classId = 0, methodId = 0): void {
    this.state = 'closing';
    this.error = error;
    this.timers.deadline = now + (this.opts.closeTimeout ?? 10_000);
    this.writer.write(0, { kind: 'connection.close', replyCode: code, replyText: text, classId, methodId } as AnyMethod);
    if (!error) return;
    this.channels.failAll(error);
    this.emit({ type: 'error', error });
  }

  /** Ends the connection: fails everything pending, reports each channel and then the connection closed. */
  private finish(error: Error | undefined, destroy: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.error = error;
    this.blocked = false; // nothing will unblock a closed connection: waiters must not wait on it
    this.timers.deadline = Infinity;
    // Spec 4.2.3: after a framing error nothing more may be sent; after a timeout or a lost
    // transport queued bytes have nowhere useful to go either.
    if (destroy) this.out.discard();
    this.channels.failAll(error ?? new ConnectionClosedError('the connection was closed by the application'));
    for (const ch of this.channels.allocated()) {
      if (ch.state !== 'closed') this.channels.finalize(ch, error);
    }
    this.emit({ type: 'closed', error, destroy });
  }

  // ------------------------------------------------------------------ helpers

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new ConnectionClosedError(`the connection is ${this.state}`, { cause: this.error });
    }
  }

  private openChannelState(channel: number): ChannelState {
    this.assertOpen();
    return this.channels.forCommand(channel);
  }
}

export type { ProtocolEvent };
