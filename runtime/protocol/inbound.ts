/**
 * The core's incoming side: bytes → frames → decoded methods, content headers and body pieces,
 * each handed to the place that owns it. Channel frames go straight to ChannelFrames (the
 * delivery path: no call back into the core per frame); channel 0's methods and every protocol
 * violation go to the core through InboundHost, because they change the connection's state.
 *
 *   receive(chunk) ─▶ sniff (first bytes only) ─▶ FrameParser ─▶ onFrame:
 *     method, channel 0   ─▶ host.connectionMethod      (must be class connection: 503)
 *     method, channel n   ─▶ ChannelFrames.onMethod     (class connection here: 503)
 *     header / body, n    ─▶ ChannelFrames.onHeader / onBody (on channel 0: 504)
 *     heartbeat           ─▶ nothing (receiving it already fed the peer's liveness clock)
 *
 * Invariants:
 * - A chunk is drained whole before receive() returns, even after a violation (frames are then
 *   discarded by the core's closing state): the transport may reuse the chunk's memory.
 * - Decoded values never outlive the bytes they view: a frame that spanned reads lies in the
 *   parser's reused buffer and is copied; with reusedChunks, methods with longstr fields are
 *   decoded from a copy.
 * - A DecodeError from the parser or a decoder is reported through host.violation; once the
 *   parser has failed (the stream cannot be framed any further) every byte is dropped.
 */
import { DecodeError, Reader, isDecodeError, type AnyMethod, type MethodDef, type ProtocolRegistry } from '../codec/index.js';
import { FrameParser, expectEnd, readMethodDef } from '../frame/index.js';
import { FrameType } from '../../generated/index.js';
import type { ChannelFrames } from './channel-frames.js';
import type { ChannelTable } from './channel-table.js';
import type { ConnectionStateName } from './core-options.js';
import { ProtocolHeaderSniffer } from './handshake.js';
import { methodName, type Tracer } from './trace.js';

const { method: FRAME_METHOD, header: FRAME_HEADER, body: FRAME_BODY, heartbeat: FRAME_HEARTBEAT } = FrameType;
/** Class id of `connection`: its methods travel on channel 0 only (spec 2.3.5). */
const CONNECTION_CLASS = 10;

/** What the incoming side needs from the connection core. */
export interface InboundHost {
  /** The connection's state, read for each frame (closing discards, closed stops). */
  state(): ConnectionStateName;
  /** A method of class connection arrived on channel 0. */
  connectionMethod(def: MethodDef, m: AnyMethod): void;
  /** The peer broke the protocol (a remote error): close with its reply code. */
  violation(e: DecodeError): void;
  /** The server is not an AMQP 0-9-1 server (its protocol header came back): end at once. */
  fail(error: Error): void;
}

export class Inbound {
  private readonly registry: ProtocolRegistry;
  private readonly frames: ChannelFrames;
  private readonly channels: ChannelTable;
  private readonly host: InboundHost;
  private readonly tracer: Tracer | undefined;
  // Before tune both sides must accept 4096-byte frames; be lenient with a server that sends
  // a bigger connection.start, then hold it to the negotiated frame_max (`frameMax`).
  private readonly parser = new FrameParser({ frameMax: 131072, streamBodies: true });
  /** One Reader re-pointed at each method and header payload: no allocation per frame. */
  private readonly reader = new Reader(new Uint8Array(0));
  /** With reusedChunks: methods whose decoded form holds views of the payload (longstr fields). */
  private readonly viewMethods: Set<MethodDef> | undefined;
  /** Until the first frame: tells frames from a server's protocol header (see handshake.ts). */
  private sniffer: ProtocolHeaderSniffer | undefined = new ProtocolHeaderSniffer();
  /** The last method frame's class and method ids, its definition, and whether it is in viewMethods. */
  private lastIds = NaN;
  private lastDef: MethodDef | undefined;
  private lastIsView = false;

  constructor(init: {
    registry: ProtocolRegistry;
    frames: ChannelFrames;
    channels: ChannelTable;
    host: InboundHost;
    reusedChunks: boolean;
    tracer: Tracer | undefined;
  }) {
    this.registry = init.registry;
    this.frames = init.frames;
    this.channels = init.channels;
    this.host = init.host;
    this.tracer = init.tracer;
    if (init.reusedChunks) this.viewMethods = new Set(this.registry.methods.filter((d) => d.fields.some((f) => f.type === 'longstr')));
  }

  /** The largest frame accepted from now on (the negotiated frame_max, from tune on). */
  set frameMax(n: number) {
    this.parser.frameMax = n;
  }

  /** Feeds bytes from the transport; what they hold is dispatched before it returns. */
  receive(chunk: Uint8Array): void {
    if (this.sniffer !== undefined) {
      const seen = this.sniffer.push(chunk);
      if (seen === undefined) return;
      this.sniffer = undefined;
      if (seen instanceof Error) return this.host.fail(seen);
      chunk = seen;
    }
    // After a framing error the stream cannot be parsed any more: while our connection.close
    // waits for a close-ok that we could not read, bytes are dropped; the close timeout or the
    // server closing the socket ends the connection.
    const p = this.parser;
    if (p.failed) return;
    try {
      p.push(chunk);
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      return this.host.violation(e);
    }
    // Drain the whole chunk even after a violation (see the file comment).
    for (;;) {
      // The state is read once a frame: closed stops, closing discards (spec connection.close:
      // after sending close, everything but close and close-ok is discarded).
      const state = this.host.state();
      if (state === 'closed') return;
      try {
        if (!p.advance()) return;
        if (this.tracer !== undefined && p.frameOffset === 0 && this.tracer.active()) this.traceIn(p.frameType, p.frameChannel, p.frameBuf.subarray(p.frameStart, p.frameEnd), p.frameSize);
        if (state !== 'closing' || (p.frameChannel === 0 && p.frameType === FRAME_METHOD)) this.onFrame(p.frameType, p.frameChannel, p.frameBuf, p.frameStart, p.frameEnd);
      } catch (e) {
        if (!isDecodeError(e)) throw e;
        this.host.violation(e);
        if (p.failed) return; // the stream cannot be framed any further
      }
    }
  }

  private traceIn(type: number, channel: number, payload: Uint8Array, size: number): void {
    this.tracer!.frame({ direction: 'in', type, channel, size, method: methodName(this.registry, type, payload) });
  }

  /** One frame whose payload is `buf[start, end)`: methods and headers are decoded in place. */
  private onFrame(type: number, channel: number, buf: Uint8Array, start: number, end: number): void {
    if (type !== FRAME_BODY && this.parser.frameShared) {
      // A method or header that spanned reads lies in the parser's reused buffer; decoded values
      // may be views of it (longstr), so give them bytes of their own. Rare: bodies are the big frames.
      buf = buf.slice(start, end);
      start = 0;
      end = buf.length;
    }
    if (type === FRAME_METHOD) {
      let r = this.reader.reset(buf, start, end);
      // Methods come in runs (deliveries, acks): the last one's definition is reused when the
      // class and method ids match, sparing the registry and viewMethods lookups.
      const ids = end - start >= 4 ? ((buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!) : NaN;
      let def = this.lastDef;
      if (ids === this.lastIds && def !== undefined) r.pos = start + 4;
      else {
        def = readMethodDef(this.registry, r);
        this.lastIds = ids;
        this.lastDef = def;
        this.lastIsView = this.viewMethods?.has(def) ?? false;
      }
      if (this.lastIsView) r = r.reset(buf.slice(start, end), 4); // its longstrs must outlive the chunk
      const method = def.decode(r);
      expectEnd(r, def.kind);
      if (channel === 0) {
        if (def.classId !== CONNECTION_CLASS) throw new DecodeError(`${def.kind} on channel 0`, 0, 503);
        return this.host.connectionMethod(def, method);
      }
      if (def.classId === CONNECTION_CLASS) throw new DecodeError(`${def.kind} on channel ${channel}, expected channel 0`, 0, 503);
      return this.frames.onMethod(this.channels.forFrame(channel), def, method);
    }
    if (type === FRAME_HEARTBEAT) return; // the parser already checked its channel and size
    if (channel === 0) throw new DecodeError(`content frame (type ${type}) on channel 0`, 0, 504);
    const ch = this.channels.forFrame(channel);
    if (type === FRAME_HEADER) this.frames.onHeader(ch, this.reader.reset(buf, start, end));
    else {
      // the parser lets only types 1, 2, 3 and 8 through; bodies may come in pieces (streamBodies)
      const p = this.parser;
      this.frames.onBody(ch, buf, start, end, p.frameShared, p.frameOffset, p.frameSize, p.frameComplete);
    }
  }
}
