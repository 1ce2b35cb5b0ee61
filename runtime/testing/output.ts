/**
 * What a test-broker connection writes: methods with the generated encoders, deliveries as
 * method + content header + body frames. The content header of a message that was not rewritten
 * goes out as the publisher's bytes (RabbitMQ 3.10 passes them through); bodies are split at the
 * client's frame_max. Frames gather in one Writer and leave in one transport write per turn of
 * the event loop (a microtask), so a burst of deliveries is one write.
 *
 * ```
 * 01 · channel · size · class-id · method-id · arguments           · CE
 * 02 · channel · size · header payload (as received, or re-encoded) · CE
 * 03 · channel · size · ≤ frame_max − 8 body bytes                   · CE
 * ```
 */
import { Writer, type AnyMethod } from '../codec/index.js';
import { writeHeaderFrame, writeMethodFrame } from '../frame/index.js';
import { basicProperties, registry } from '../../generated/index.js';
import type { Message } from './message.js';

const FRAME_END = 0xce;

function rawFrame(w: Writer, type: number, channel: number, payload: Uint8Array, from = 0, to = payload.length): void {
  const size = to - from;
  w.reserve(size + 8);
  const b = w.buf;
  const p = w.pos;
  b[p] = type;
  b[p + 1] = channel >>> 8;
  b[p + 2] = channel & 0xff;
  b[p + 3] = size >>> 24;
  b[p + 4] = (size >>> 16) & 0xff;
  b[p + 5] = (size >>> 8) & 0xff;
  b[p + 6] = size & 0xff;
  b.set(from === 0 && to === payload.length ? payload : payload.subarray(from, to), p + 7);
  b[p + 7 + size] = FRAME_END;
  w.pos = p + 8 + size;
}

/** A connection's outgoing frames, batched into one write per microtask. */
export class Output {
  /** Negotiated frame_max (0: no limit). */
  frameMax = 131072;
  /** True while writes are held back (fault injection: a broker that stopped answering). */
  muted = false;
  private w = new Writer(64 * 1024);
  private scheduled = false;
  private readonly write: (bytes: Uint8Array) => void;

  constructor(write: (bytes: Uint8Array) => void) {
    this.write = write;
  }

  /** Bytes before the first frame (the protocol header a refusing server answers with). */
  raw(bytes: Uint8Array): void {
    this.w.raw(bytes);
    this.schedule();
  }

  method(channel: number, m: AnyMethod): void {
    const def = registry.byKind(m.kind);
    if (!def) throw new TypeError(`unknown method ${m.kind}`);
    writeMethodFrame(this.w, channel, def, m, this.frameMax);
    this.schedule();
  }

  content(channel: number, m: AnyMethod, message: Message): void {
    this.method(channel, m);
    const limit = this.frameMax === 0 ? Infinity : this.frameMax;
    if (message.header && message.header.length + 8 <= limit) rawFrame(this.w, 2, channel, message.header);
    else writeHeaderFrame(this.w, channel, basicProperties, message.properties, message.body.length, this.frameMax);
    const body = message.body;
    const chunk = limit - 8;
    for (let off = 0; off < body.length; off += chunk) rawFrame(this.w, 3, channel, body, off, Math.min(body.length, off + chunk));
  }

  heartbeat(): void {
    rawFrame(this.w, 8, 0, new Uint8Array(0));
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Writes what is gathered now (unless muted). */
  flush(): void {
    this.scheduled = false;
    if (this.muted || this.w.pos === 0) return;
    const bytes = this.w.toBytes();
    // A large message grew the buffer: do not keep megabytes per idle connection.
    if (this.w.buf.length > 4 * 1024 * 1024) this.w = new Writer(64 * 1024);
    else this.w.reset();
    this.write(bytes);
  }

  /** True when frames are waiting to be written. */
  get pending(): boolean {
    return this.w.pos > 0;
  }
}
