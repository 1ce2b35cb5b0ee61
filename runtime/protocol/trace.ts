/**
 * Frame tracing for diagnostics: what identifies a frame (direction, type, channel, the
 * method's name, a size), never its arguments or body, which may hold credentials (start-ok,
 * update-secret) or message data. Only computed when the core has a `trace` hook and its
 * `traceActive` says someone listens: an idle tracer costs one call a frame, not a record.
 */
import type { ProtocolRegistry } from '../codec/index.js';
import { FRAME_SIZE_CEILING } from '../frame/index.js';
import type { CoreOptions } from './core-options.js';
import type { FrameTrace } from './events.js';

/** The core's trace hook as its parts use it: ask `active()` before building a record for `frame`. */
export interface Tracer {
  active(): boolean;
  frame(f: FrameTrace): void;
}

const ALWAYS = (): boolean => true;

/** The Tracer of a core's options; undefined without a `trace` hook. */
export function tracerOf(opts: Pick<CoreOptions, 'trace' | 'traceActive'>): Tracer | undefined {
  const frame = opts.trace;
  return frame ? { active: opts.traceActive ?? ALWAYS, frame } : undefined;
}

/** The dotted name of a method frame's method (undefined for other frames or unknown ids). */
export function methodName(registry: ProtocolRegistry, type: number, payload: Uint8Array): string | undefined {
  if (type !== 1 || payload.length < 4) return undefined;
  return registry.byId(((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0)?.kind;
}

/** Traces the frames of one outgoing content method: method, header, one per body slice. */
export function traceContent(t: Tracer, channel: number, kind: string, bodySize: number, frameMax: number): void {
  t.frame({ direction: 'out', type: 1, channel, method: kind });
  t.frame({ direction: 'out', type: 2, channel });
  const max = (frameMax === 0 ? FRAME_SIZE_CEILING : frameMax) - 8;
  for (let off = 0; off < bodySize; off += max) t.frame({ direction: 'out', type: 3, channel, size: Math.min(max, bodySize - off) });
}
