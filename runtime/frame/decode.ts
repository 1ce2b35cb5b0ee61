/**
 * Decoding of method and content-header payloads (frame types 1 and 2) through a
 * {@link ProtocolRegistry}. The connection core calls these on frames from {@link FrameParser};
 * putting method, header and body together (content assembly) is the core's job, not this file's.
 *
 * Reply codes chosen (spec 1.8 constants, 4.2.3):
 * - unknown class-id/method-id or content class: **540 not-implemented**: the ids are well-formed
 *   but name something this side does not implement. (503 command-invalid is about a valid
 *   method used out of sequence, which the core detects; framing is intact either way, so the
 *   error is not `fatal` and a connection.close can be sent.)
 * - arguments or properties that do not fit, and trailing bytes after them: **502 syntax-error**.
 *   Trailing bytes mean the peer and we disagree about the method's fields; ignoring them would
 *   hide a framing bug.
 * - content-header weight other than 0: 502. Strict on purpose: spec 4.2.6.1 says it "must be
 *   zero", RabbitMQ always sends 0, and a non-zero weight most likely means the payload is not a
 *   content header at all.
 */
import { DecodeError } from '../codec/errors.js';
import { Reader } from '../codec/reader.js';
import type { AnyMethod, MethodDef, ProtocolRegistry } from '../codec/registry.js';
import type { Long } from '../codec/long.js';

/** A decoded content header (frame type 2). */
export interface ContentHeader<P = object> {
  /** Class of the content (60 for basic); the core checks that it matches the method's class. */
  readonly classId: number;
  /** Total body size in bytes: a number, or a bigint above 2^53 - 1. */
  readonly bodySize: Long;
  /** The decoded property list (e.g. BasicProperties); absent properties are undefined. */
  readonly properties: P;
}

/**
 * Reads a method payload's class-id and method-id from `r` (whose window is the payload) and
 * returns their definition, leaving `r` at the arguments. DecodeError 502 for a payload too short
 * for the ids (from the Reader), 540 for an unknown method. The connection core uses this with one reused Reader.
 */
export function readMethodDef(registry: ProtocolRegistry, r: Reader): MethodDef {
  const at = r.pos;
  const classId = r.short();
  const methodId = r.short();
  const def = registry.byId((classId << 16) | methodId);
  if (def === undefined) {
    throw new DecodeError(`unknown method ${classId}.${methodId} (class-id ${classId}, method-id ${methodId}) at offset ${at}`, at, 540);
  }
  return def;
}

/** Throws DecodeError 502 when bytes are left after a payload's last field. */
export function expectEnd(r: Reader, what: string): void {
  if (r.pos !== r.end) throw new DecodeError(`${what}: ${r.end - r.pos} unexpected trailing bytes at offset ${r.pos}`, r.pos, 502);
}

/**
 * Decodes a method frame's payload: class-id, method-id, then the arguments with the generated
 * decoder. Throws DecodeError 540 for an unknown method, 502 for malformed or trailing arguments.
 */
export function decodeMethod(registry: ProtocolRegistry, payload: Uint8Array): AnyMethod {
  const r = new Reader(payload);
  const def = readMethodDef(registry, r);
  const m = def.decode(r);
  expectEnd(r, def.kind);
  return m;
}

/**
 * Decodes a content-header frame's payload: class-id, weight (must be 0), body-size, property
 * flags and properties. Throws DecodeError 540 for a class without content properties, 502 for
 * a non-zero weight, malformed properties or trailing bytes.
 */
export function decodeContentHeader<P = object>(registry: ProtocolRegistry, payload: Uint8Array): ContentHeader<P> {
  return readContentHeader(registry, new Reader(payload));
}

/** {@link decodeContentHeader} from a Reader whose window is the payload. */
export function readContentHeader<P = object>(registry: ProtocolRegistry, r: Reader): ContentHeader<P> {
  const classId = r.short();
  const weight = r.short();
  if (weight !== 0) throw new DecodeError(`content header weight ${weight} at offset 2, expected 0`, 2, 502);
  const bodySize = r.longlong();
  const def = registry.properties(classId);
  if (def === undefined) {
    throw new DecodeError(`content header for class ${classId}, which has no content properties, at offset 0`, 0, 540);
  }
  const properties = def.decode(r) as P;
  expectEnd(r, `content header of class ${classId}`);
  return { classId, bodySize, properties };
}
