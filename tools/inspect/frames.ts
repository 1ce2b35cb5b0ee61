/**
 * StreamDecoder: one direction of one AMQP connection, bytes in, decoded frames out.
 *
 * Theory of operation. Frames are cut by warren/codec's FrameParser (no frame_max: a tool reads
 * what was sent) and decoded with the generated registry. The decoder also keeps a copy of the
 * bytes that the parser has not yet returned as whole frames, for two reasons:
 * - at offset 0 it looks for the 8-byte protocol header (`AMQP 0 0 9 1`, or another version a
 *   peer answered with) before handing anything to the parser;
 * - after a framing error (bad frame end, unknown type), which leaves the parser stuck, it reports
 *   the error with its byte offset, then scans forward for the next plausible frame (a known
 *   type whose declared size ends on 0xCE) and starts a fresh parser there.
 * States: `start` (header not yet decided) → `frames` ⇄ `resync`. A method or header that
 * does not decode is reported with its offset, and the next frame follows as usual (the frame
 * itself was intact). `finish()` reports bytes left over at the end (a truncated frame).
 * Offsets count bytes since the start of this direction's stream.
 */
import { FrameParser, decodeContentHeader, decodeMethod, isDecodeError, registry, type AnyMethod, type ContentHeader } from 'warren/codec';

/** One thing seen in a stream: the protocol header, a frame, or an error. */
export type StreamEvent =
  | { readonly type: 'protocol-header'; readonly offset: number; readonly size: number; readonly version: string }
  | {
      readonly type: 'frame';
      readonly offset: number;
      /** Whole frame: 7 header bytes, payload, frame end. */
      readonly size: number;
      readonly frameType: number;
      readonly channel: number;
      readonly method?: AnyMethod;
      readonly header?: ContentHeader<Record<string, unknown>>;
      /** Body frames: the payload (a view, valid during the callback). */
      readonly body?: Uint8Array;
      /** Set when the payload did not decode (the frame is still reported). */
      readonly error?: string;
    }
  | { readonly type: 'error'; readonly offset: number; readonly message: string };

const HEADER = [0x41, 0x4d, 0x51, 0x50]; // "AMQP"
const TYPES = new Set([1, 2, 3, 8]);
/** A candidate frame found while resynchronising may claim at most this much. */
const RESYNC_MAX = 1 << 20;

/** Decodes one direction of a connection; see the file comment. */
export class StreamDecoder {
  private pending = new Uint8Array(0);
  /** Stream offset of pending[0]. */
  private start = 0;
  /** Stream offset up to which the parser has been fed. */
  private fed = 0;
  private parser = new FrameParser({ frameMax: 0 });
  private state: 'start' | 'frames' | 'resync' = 'start';
  /** Stream offset where the current parser started (its error offsets count from there). */
  private base = 0;

  constructor(private readonly emit: (e: StreamEvent) => void) {}

  /** Feeds bytes (any chunking); events are emitted before it returns. */
  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    this.pending = joined;
    this.run();
  }

  /** End of the stream: reports bytes that never made a whole frame. */
  finish(): void {
    if (this.state === 'resync' && this.resync()) this.run();
    if (this.pending.length > 0) {
      this.emit({ type: 'error', offset: this.start, message: `stream ends inside a frame: ${this.pending.length} bytes at offset ${this.start} left over` });
      this.drop(this.pending.length);
    }
  }

  private drop(n: number): void {
    this.pending = this.pending.subarray(n);
    this.start += n;
  }

  private run(): void {
    for (;;) {
      if (this.state === 'start' && !this.header()) return;
      if (this.state === 'resync' && !this.resync()) return;
      if (this.state === 'frames') {
        this.frames();
        if (this.state === 'frames') return;
      }
    }
  }

  /** Decides whether the stream opens with a protocol header; false while it cannot tell yet. */
  private header(): boolean {
    const p = this.pending;
    for (let i = 0; i < Math.min(4, p.length); i++) {
      if (p[i] !== HEADER[i]) {
        this.state = 'frames';
        return true;
      }
    }
    if (p.length < 8) return false;
    this.emit({ type: 'protocol-header', offset: this.start, size: 8, version: `${p[4]}-${p[5]}-${p[6]}-${p[7]}` });
    this.drop(8);
    this.restart();
    return true;
  }

  private restart(): void {
    this.parser = new FrameParser({ frameMax: 0 });
    this.base = this.start;
    this.fed = this.start;
    this.state = 'frames';
  }

  private frames(): void {
    const fresh = this.pending.subarray(this.fed - this.start);
    this.fed += fresh.length;
    try {
      if (fresh.length > 0) this.parser.push(fresh);
      let f;
      while ((f = this.parser.next())) {
        const size = f.payload.length + 8;
        this.frame(f.type, f.channel, f.payload, size);
        this.drop(size);
      }
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      // e.offset counts from where this parser started, which is where `pending` began then.
      const at = this.base + (e.offset ?? 0);
      this.emit({ type: 'error', offset: at, message: e.message.replace(/ at offset \d+/, ` at offset ${at}`) });
      this.state = 'resync';
    }
  }

  private frame(frameType: number, channel: number, payload: Uint8Array, size: number): void {
    const offset = this.start;
    try {
      if (frameType === 1) return this.emit({ type: 'frame', offset, size, frameType, channel, method: decodeMethod(registry, payload) });
      if (frameType === 2) return this.emit({ type: 'frame', offset, size, frameType, channel, header: decodeContentHeader(registry, payload) });
      this.emit({ type: 'frame', offset, size, frameType, channel, ...(frameType === 3 ? { body: payload } : {}) });
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      const at = offset + 7 + (e.offset ?? 0);
      this.emit({ type: 'frame', offset, size, frameType, channel, error: `${e.message.replace(/ at offset \d+/, '')} (byte offset ${at})` });
    }
  }

  /**
   * Skips to the next plausible frame after a framing error: the first position with a known
   * frame type whose declared size ends, within the bytes at hand, on 0xCE. Candidates that
   * reach past the bytes at hand are passed over (a later one may verify); false when none does
   * yet, to try again with more bytes.
   */
  private resync(): boolean {
    const p = this.pending;
    for (let i = 1; i + 8 <= p.length; i++) {
      if (!TYPES.has(p[i]!)) continue;
      const size = ((p[i + 3]! << 24) | (p[i + 4]! << 16) | (p[i + 5]! << 8) | p[i + 6]!) >>> 0;
      if (size > RESYNC_MAX || i + 8 + size > p.length) continue;
      if (p[i + 7 + size] !== 0xce) continue;
      this.emit({ type: 'error', offset: this.start, message: `skipped ${i} bytes from offset ${this.start} to the next frame at offset ${this.start + i}` });
      this.drop(i);
      this.restart();
      return true;
    }
    return false;
  }
}
