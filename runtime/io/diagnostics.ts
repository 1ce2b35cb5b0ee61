/**
 * node:diagnostics_channel channels for what crosses the wire (runtime/io is the one layer that
 * imports Node built-ins): frames, bytes, insecure TLS.
 */
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import type { FrameTrace } from '../protocol/events.js';

/**
 * node:diagnostics_channel channels. `frameIn` / `frameOut` (`warren:frame-in`,
 * `warren:frame-out`) get `{ connection, direction, type, channel, size?, method? }` for every
 * frame: what identifies it, never its arguments or body. `bytesIn` / `bytesOut`
 * (`warren:bytes-in`, `warren:bytes-out`) get `{ connection, bytes }` for each socket read and
 * write. A write that carries credentials (start-ok, secure-ok, update-secret) is published as a
 * redacted copy with `redacted: true`: frame header and method ids kept, every argument byte
 * zero. `bytes` of a read is valid only during the call (plain TCP reads reuse one buffer): copy
 * it to keep it. `tlsInsecure` (`warren:tls-insecure`) gets `{ hostname, port }` once per
 * connection made with certificate verification off (`rejectUnauthorized: false`,
 * `?verify=verify_none`).
 */
export const diagnostics = {
  frameIn: diagnosticsChannel('warren:frame-in'),
  frameOut: diagnosticsChannel('warren:frame-out'),
  bytesOut: diagnosticsChannel('warren:bytes-out'),
  bytesIn: diagnosticsChannel('warren:bytes-in'),
  tlsInsecure: diagnosticsChannel('warren:tls-insecure'),
};

/** A method frame with its arguments zeroed: type, channel, size, class and method ids kept. */
export function redacted(frame: Uint8Array): Uint8Array {
  const copy = new Uint8Array(frame.length);
  copy.set(frame.subarray(0, Math.min(11, frame.length)));
  if (frame.length > 0) copy[frame.length - 1] = frame[frame.length - 1]!;
  return copy;
}

/**
 * The core's `trace` and `traceActive` hooks for connection `id`: frames go to the diagnostics
 * channels, and while neither channel has a subscriber the core builds no frame records at all.
 */
export function frameTracer(id: string): { trace: (frame: FrameTrace) => void; traceActive: () => boolean } {
  return {
    trace: (frame) => {
      const ch = frame.direction === 'in' ? diagnostics.frameIn : diagnostics.frameOut;
      if (ch.hasSubscribers) ch.publish({ connection: id, ...frame });
    },
    traceActive: () => diagnostics.frameIn.hasSubscribers || diagnostics.frameOut.hasSubscribers,
  };
}
