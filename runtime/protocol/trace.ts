/**
 * Frame tracing for diagnostics: what identifies a frame (direction, type, channel, the
 * method's name, a size), never its arguments or body, which may hold credentials (start-ok,
 * update-secret) or message data. Only computed when the core has a `trace` hook.
 */
import type { ProtocolRegistry } from '../codec/index.js';
import { FRAME_SIZE_CEILING } from '../frame/index.js';
import type { FrameTrace } from './events.js';

/** The dotted name of a method frame's method (undefined for other frames or unknown ids). */
export function methodName(registry: ProtocolRegistry, type: number, payload: Uint8Array): string | undefined {
  if (type !== 1 || payload.length < 4) return undefined;
  return registry.byId(((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0)?.kind;
}

/** Traces the frames of one outgoing content method: method, header, one per body slice. */
export function traceContent(trace: (f: FrameTrace) => void, channel: number, kind: string, bodySize: number, frameMax: number): void {
  trace({ direction: 'out', type: 1, channel, method: kind });
  trace({ direction: 'out', type: 2, channel });
  const max = (frameMax === 0 ? FRAME_SIZE_CEILING : frameMax) - 8;
  for (let off = 0; off < bodySize; off += max) trace({ direction: 'out', type: 3, channel, size: Math.min(max, bodySize - off) });
}
