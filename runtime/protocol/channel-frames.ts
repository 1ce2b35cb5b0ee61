/**
 * Frames on channels 1..n: the answers to synchronous calls, the server's own methods, and
 * content assembly (see the state diagram in channel-state.ts), plus the outgoing content
 * path. Split from connection.ts so that each file holds one concern; it owns no state of its
 * own beyond lookup tables: everything lives in ChannelState.
 */
import { DecodeError, EncodeError, type Reader, type AnyMethod, type MethodDef, type PropertiesDef, type ProtocolRegistry } from '../codec/index.js';
import { FRAME_SIZE_CEILING, readContentHeader, writeContentFrames, writeHeaderFrame, writeMethodFrame } from '../frame/index.js';
import type { ChannelClose } from '../../generated/index.js';
import { BodyPool } from './body-pool.js';
import type { Assembly, ChannelState } from './channel-state.js';
import type { ProtocolEventListener } from './events.js';
import { ZERO_COPY_BODY, type Output } from './output.js';
import { replyError } from './reply.js';

/** What ChannelFrames needs from the connection core. */
export interface ChannelFramesHost {
  emit: ProtocolEventListener;
  send(channel: number, m: AnyMethod): void;
  /** Sends the next queued synchronous call of the channel, if any. */
  sendNext(ch: ChannelState): void;
  /** Closes the channel from our side with a reply code (e.g. 311 for an oversized body). */
  closeChannel(ch: ChannelState, code: number, text: string, error: Error): void;
  /** The channel is closed: fail its calls, report it, free its id (unless `keepId`: our close-ok is still due). */
  finalize(ch: ChannelState, error: Error | undefined, keepId?: boolean): void;
  /** Frees the id of a channel kept by finalize(…, keepId). */
  release(ch: ChannelState): void;
  maxBodySize: number;
  /** Received chunks are reused by the transport: copy bodies instead of keeping views. */
  reusedChunks: boolean;
  /** Told of each buffer shared between bodies (CoreOptions.untransferable). */
  untransferable?: ((buffer: ArrayBuffer) => void) | undefined;
}

const EMPTY = new Uint8Array(0);

export class ChannelFrames {
  private readonly registry: ProtocolRegistry;
  private readonly host: ChannelFramesHost;
  /** Kinds that only ever answer a call: receiving one unasked is 503 command-invalid. */
  private readonly responses: Set<string>;
  /** Where whole bodies are copied to when the bytes they came in are reused (see body-pool.ts). */
  private readonly bodies: BodyPool;

  constructor(registry: ProtocolRegistry, host: ChannelFramesHost) {
    this.registry = registry;
    this.host = host;
    this.bodies = new BodyPool(host.untransferable);
    this.responses = new Set(registry.methods.flatMap((d) => d.responses));
  }

  onMethod(ch: ChannelState, def: MethodDef, m: AnyMethod): void {
    const host = this.host;
    if (ch.state === 'closed') {
      // Both sides closed at once: the channel is reported closed, its id kept until the
      // close-ok for our own channel.close arrives (then the id may be reused).
      if (m.kind === 'channel.close-ok') host.release(ch);
      return;
    }
    if (ch.state === 'closing') {
      // Spec channel.close: after sending close, discard everything until close-ok.
      if (m.kind === 'channel.close-ok') return host.finalize(ch, undefined);
      if (m.kind === 'channel.close') {
        host.send(ch.id, { kind: 'channel.close-ok' } as AnyMethod);
        return host.finalize(ch, replyError(this.registry, m as ChannelClose, true), true);
      }
      return;
    }
    if (ch.assembly) {
      throw new DecodeError(`${m.kind} on channel ${ch.id} while the content of ${ch.assembly.method.kind} is incomplete`, 0, 505);
    }
    switch (m.kind) {
      case 'channel.close':
        host.send(ch.id, { kind: 'channel.close-ok' } as AnyMethod);
        return host.finalize(ch, replyError(this.registry, m as ChannelClose, true));
      case 'channel.flow':
        host.send(ch.id, { kind: 'channel.flow-ok', active: (m as unknown as { active: boolean }).active } as AnyMethod);
        host.emit({ type: 'method', channel: ch.id, method: m });
        return;
      case 'basic.cancel': {
        const c = m as unknown as { consumerTag: string; noWait: boolean };
        if (!c.noWait) host.send(ch.id, { kind: 'basic.cancel-ok', consumerTag: c.consumerTag } as AnyMethod);
        host.emit({ type: 'method', channel: ch.id, method: m });
        return;
      }
    }
    const head = ch.head;
    if (head && head.def.responses.includes(m.kind)) {
      if (def.content) {
        ch.assembly = newAssembly(def, m, head);
        return;
      }
      ch.calls.shift();
      if (m.kind === 'channel.open-ok') ch.state = 'open';
      if (!head.abandoned) host.emit({ type: 'reply', channel: ch.id, call: head.call, method: m });
      host.sendNext(ch);
      return;
    }
    if (def.content) {
      ch.assembly = newAssembly(def, m, undefined);
      return;
    }
    if (this.responses.has(m.kind)) {
      throw new DecodeError(`unexpected ${m.kind} on channel ${ch.id}: no call is waiting for it`, 0, 503);
    }
    if (def.direction === 'client') throw new DecodeError(`${m.kind} is sent by clients only`, 0, 503);
    host.emit({ type: 'method', channel: ch.id, method: m });
  }

  /** A content header; `r`'s window is its payload. */
  onHeader(ch: ChannelState, r: Reader): void {
    if (ch.state === 'closing' || ch.state === 'closed') return;
    const a = ch.assembly;
    if (!a || a.properties !== undefined) {
      throw new DecodeError(`content header on channel ${ch.id} ${a ? 'after another header' : 'without a content method'}`, 0, 505);
    }
    const header = readContentHeader(this.registry, r);
    const size = header.bodySize;
    if (header.classId !== a.classId) {
      throw new DecodeError(`content header of class ${header.classId} after ${a.method.kind}`, 0, 505);
    }
    a.properties = header.properties as Record<string, unknown>;
    if (typeof size !== 'number' || size > this.host.maxBodySize) {
      return this.tooLarge(ch, `body of ${size} bytes is over this client's maxBodySize of ${this.host.maxBodySize}`);
    }
    a.bodySize = size;
    if (size === 0) this.complete(ch, a, EMPTY);
  }

  /**
   * A body frame, or a piece of one: `buf[start, end)` (`offset` into its payload of `frameSize`
   * bytes; `frameDone` once its frame-end was checked). A body that came whole in one frame is
   * kept as a view of it unless the bytes are `shared` (the parser's scratch) or the transport
   * reuses its chunks, then it is copied once (body-pool.ts); otherwise the pieces are copied into a body
   * buffer that grows with the bytes received (never past the announced size): a header
   * announcing 512 MiB costs nothing until the bytes come, and one whose size cannot be
   * allocated is a 311 on its channel, not a RangeError.
   */
  onBody(ch: ChannelState, buf: Uint8Array, start: number, end: number, shared: boolean, offset: number, frameSize: number, frameDone: boolean): void {
    if (ch.state === 'closing' || ch.state === 'closed') return;
    const a = ch.assembly;
    if (!a || a.properties === undefined) {
      throw new DecodeError(`content body on channel ${ch.id} without a content header`, 0, 505);
    }
    if (offset === 0 && a.received + frameSize > a.bodySize) {
      throw new DecodeError(`content body on channel ${ch.id} overruns the announced ${a.bodySize} bytes`, 0, 505);
    }
    const n = end - start;
    if (frameDone && offset === 0 && a.received === 0 && n === a.bodySize) {
      return this.complete(ch, a, shared || this.host.reusedChunks ? this.bodies.copy(buf, start, end) : buf.subarray(start, end));
    }
    if (n > 0) {
      const need = a.received + n;
      if (a.body === undefined || a.body.length < need) {
        const grown = growBody(a.body, a.received, need, a.bodySize);
        if (grown === undefined) return this.tooLarge(ch, `body of ${a.bodySize} bytes cannot be allocated`);
        a.body = grown;
      }
      a.body.set(buf.subarray(start, end), a.received);
      a.received = need;
    }
    if (frameDone && a.received === a.bodySize) this.complete(ch, a, a.body!);
  }

  /** Refuses a body on its channel: 311 content-too-large (the spec's code for content a peer cannot take). */
  private tooLarge(ch: ChannelState, text: string): void {
    const error = replyError(this.registry, { replyCode: 311, replyText: text, classId: 0, methodId: 0 }, false);
    this.host.closeChannel(ch, 311, text, error);
  }

  private complete(ch: ChannelState, a: Assembly, body: Uint8Array): void {
    ch.assembly = undefined;
    const content = { properties: a.properties!, body };
    const call = a.call;
    if (!call) {
      this.host.emit({ type: 'content', channel: ch.id, method: a.method, content });
      return;
    }
    ch.calls.shift();
    if (!call.abandoned) this.host.emit({ type: 'reply', channel: ch.id, call: call.call, method: a.method, content });
    this.host.sendNext(ch);
  }

  /**
   * Writes method + header + body frames for one publish. Small bodies are copied into the
   * output buffer (one write for many publishes); large ones are framed around views.
   */
  writeContent(out: Output, channel: number, def: MethodDef, m: AnyMethod, properties: object, body: Uint8Array, frameMax: number): void {
    const props = this.registry.properties(def.classId) as PropertiesDef<object> | undefined;
    if (!props) throw new EncodeError(def.kind, 'properties', `the registry has no content properties for class ${def.classId}`);
    const w = out.w;
    if (body.length < ZERO_COPY_BODY) {
      writeContentFrames(w, channel, def, m, props, properties, body, frameMax);
      return;
    }
    const start = w.pos;
    try {
      writeMethodFrame(w, channel, def, m, frameMax);
      writeHeaderFrame(w, channel, props, properties, body.length, frameMax);
    } catch (e) {
      w.pos = start;
      throw e;
    }
    // frame_max 0 is "no limit" (both sides): frames are then bounded by the frame layer's ceiling.
    const max = (frameMax === 0 ? FRAME_SIZE_CEILING : frameMax) - 8;
    for (let off = 0; off < body.length; off += max) {
      const piece = body.subarray(off, Math.min(off + max, body.length));
      w.u8(3);
      w.u16(channel);
      w.u32(piece.length);
      out.appendView(piece);
      w.u8(0xce);
    }
  }
}

/** Bodies up to this size get their whole buffer at the first body bytes (no regrowth). */
const FIRST_BODY_ALLOCATION = 1024 * 1024;

/**
 * A body buffer of at least `need` bytes holding the `kept` bytes of `body`: at most `total`
 * (the announced size), at least double the old one, the whole body at once when that is small.
 * Undefined when the memory cannot be had (the engine's typed-array limit or an allocation failure).
 */
export function growBody(body: Uint8Array | undefined, kept: number, need: number, total: number): Uint8Array | undefined {
  const size = Math.min(total, Math.max(need, FIRST_BODY_ALLOCATION, 2 * (body?.length ?? 0)));
  let next: Uint8Array;
  try {
    next = new Uint8Array(size);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  if (body !== undefined && kept > 0) next.set(body.subarray(0, kept));
  return next;
}

function newAssembly(def: MethodDef, method: AnyMethod, call: Assembly['call']): Assembly {
  return { method, call, classId: def.classId, properties: undefined, bodySize: 0, body: undefined, received: 0 };
}
