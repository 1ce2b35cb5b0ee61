/**
 * The core's outgoing methods: each encoded as one method frame into an Output, held to the
 * negotiated frame_max (a method cannot be split over frames, so one that does not fit is an
 * EncodeError on the call that asked for it, and nothing is written).
 *
 * Methods that carry credentials (start-ok, secure-ok, update-secret) never touch the reused
 * Writer: each is encoded into a buffer of its own, big enough not to grow (a grown-out-of copy
 * could not be wiped), and queued as a secret chunk (output.ts). `validate()` encodes without
 * writing, for calls queued behind others: they fail when made, not when their turn comes.
 */
import { EncodeError, Writer, type AnyMethod, type MethodDef, type ProtocolRegistry } from '../codec/index.js';
import { writeMethodFrame } from '../frame/index.js';
import { FrameType } from '../../generated/index.js';
import type { Tracer } from './trace.js';
import type { Output } from './output.js';

/** Methods that carry credentials: encoded apart from the reused output buffer (output.ts). */
const CREDENTIAL_METHODS = new Set(['connection.start-ok', 'connection.secure-ok', 'connection.update-secret']);
/** A credential method's own buffer: far above any start-ok or update-secret in practice. */
const SECRET_BUFFER = 64 * 1024;

export class MethodWriter {
  /** frame_max for what we write: 0 (no limit of ours) until tune, then the negotiated value. */
  limit = 0;
  private readonly registry: ProtocolRegistry;
  private readonly out: Output;
  private readonly tracer: Tracer | undefined;

  /** `out`: where write() puts frames unless given another Output. */
  constructor(registry: ProtocolRegistry, out: Output, tracer: Tracer | undefined) {
    this.registry = registry;
    this.out = out;
    this.tracer = tracer;
  }

  /** The definition of a method kind, or an EncodeError when the registry has none. */
  def(kind: string): MethodDef {
    const def = this.registry.byKind(kind);
    if (!def) throw new EncodeError(kind, 'kind', `no method ${kind} in this protocol registry`);
    return def;
  }

  /** Throws what write() would throw for this method, writing nothing. */
  validate(def: MethodDef, m: AnyMethod): void {
    if (CREDENTIAL_METHODS.has(def.kind)) {
      const scratch = new Writer(SECRET_BUFFER); // never the reused buffer, and wiped
      try {
        writeMethodFrame(scratch, 1, def, m, this.limit);
      } finally {
        scratch.buf.fill(0);
      }
      return;
    }
    const w = this.out.w;
    const start = w.pos;
    try {
      writeMethodFrame(w, 1, def, m, this.limit);
    } finally {
      w.pos = start;
    }
  }

  /** Encodes `m` as a method frame on `channel` into `out` (by default the connection's Output). */
  write(channel: number, m: AnyMethod, def: MethodDef = this.def(m.kind), out: Output = this.out): void {
    if (CREDENTIAL_METHODS.has(def.kind)) {
      const w = new Writer(SECRET_BUFFER);
      writeMethodFrame(w, channel, def, m, this.limit);
      out.appendSecret(w.buf.subarray(0, w.pos));
      if (this.tracer?.active()) this.tracer.frame({ direction: 'out', type: FrameType.method, channel, size: w.pos - 8, method: def.kind });
      return;
    }
    const before = out.w.pos;
    writeMethodFrame(out.w, channel, def, m, this.limit);
    if (this.tracer?.active()) this.tracer.frame({ direction: 'out', type: FrameType.method, channel, size: out.w.pos - before - 8, method: def.kind });
  }
}
