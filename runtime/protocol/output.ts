/**
 * Outgoing bytes, in order, as a list of chunks for one vectored socket write.
 *
 * Small frames are encoded back to back into one Writer, so everything the application did in
 * one tick (a burst of publishes, a batch of acks) leaves in one write. A large body is not
 * copied: its frames' 7-byte headers and end octets go into the Writer and the payload slices
 * are queued as views of the caller's buffer, interleaved in order.
 *
 * `take()` hands the pending chunks to the driver; the Writer's buffer is then either copied out
 * (small) or handed over whole and replaced (large), so bytes given out are never overwritten.
 *
 * Credential-carrying frames (start-ok, secure-ok, update-secret) never enter the reused
 * Writer: each is encoded into a buffer of its own and queued as a *secret* chunk, which the
 * driver zeroes once the socket has taken it and shows redacted to diagnostics (`isSecret`).
 * Secret chunks dropped unwritten (`discard()`) are zeroed at once.
 */
import { Writer } from '../codec/index.js';

/** Bodies at least this big are framed around views instead of copied into the Writer. */
export const ZERO_COPY_BODY = 64 * 1024;
const INITIAL = 64 * 1024;

export class Output {
  readonly w: Writer;
  private readonly initial: number;
  private chunks: Uint8Array[] = [];
  /** Chunks that carry credentials (see the file comment). */
  private readonly secrets = new WeakSet<Uint8Array>();

  /** `initial`: the Writer's first capacity (the connection's own output starts at 64 KiB). */
  constructor(initial = INITIAL) {
    this.initial = initial;
    this.w = new Writer(initial);
  }

  private queued = 0;

  /** Bytes waiting to be taken. */
  get size(): number {
    return this.queued + this.w.pos;
  }

  /** Queues a view of caller-owned bytes after everything written so far. */
  appendView(bytes: Uint8Array): void {
    this.sealWriter();
    this.chunks.push(bytes);
    this.queued += bytes.length;
  }

  /** Queues a credential-carrying frame, encoded in a buffer of its own, after everything so far. */
  appendSecret(bytes: Uint8Array): void {
    this.appendView(bytes);
    this.secrets.add(bytes);
  }

  /** True for a chunk given out by take() that carries credentials: zero it once written. */
  isSecret(chunk: Uint8Array): boolean {
    return this.secrets.has(chunk);
  }

  /** Drops everything pending (nothing more may be sent), zeroing secret chunks. */
  discard(): void {
    for (const c of this.take()) if (this.secrets.has(c)) c.fill(0);
  }

  /** Everything pending, in order; the Output is empty afterwards. */
  take(): Uint8Array[] {
    this.sealWriter();
    const out = this.chunks;
    this.chunks = [];
    this.queued = 0;
    return out;
  }

  private sealWriter(): void {
    const w = this.w;
    if (w.pos === 0) return;
    let piece: Uint8Array;
    if (w.pos < w.buf.length >>> 2) {
      piece = w.buf.slice(0, w.pos);
    } else {
      piece = w.buf.subarray(0, w.pos);
      w.buf = new Uint8Array(Math.max(this.initial, w.buf.length >>> 1));
      w.view = new DataView(w.buf.buffer);
    }
    w.pos = 0;
    this.chunks.push(piece);
    this.queued += piece.length;
  }
}
