/**
 * The shape of a protocol registry: what generated code provides and what the frame layer and
 * the sans-io core consume. Bindings generated from another spec or overlay (warren-codegen
 * --out src/amqp) export a value of this type too, so they plug into the same runtime.
 */
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** Any decoded or encodable method: the generated interfaces all carry a `kind` discriminant. */
export interface AnyMethod {
  /** The spec's dotted name, e.g. `basic.publish`. */
  readonly kind: string;
}

/** Who may send a method (from the spec's `<chassis>` elements). */
export type Direction = 'client' | 'server' | 'both';

/** The wire type of a field, after domains are resolved. */
export type FieldType = 'octet' | 'short' | 'long' | 'longlong' | 'bit' | 'shortstr' | 'longstr' | 'table' | 'timestamp';

/**
 * A public (non-reserved) argument of a method or a content property, in wire order. Lets the
 * runtime fill defaults for omitted arguments (false, 0, '', empty table/bytes) and lets tests
 * derive random arguments for any registry, including a user's overlay.
 */
export interface FieldDef {
  /** camelCase name, as in the generated interface. */
  readonly name: string;
  readonly type: FieldType;
}

/** Everything known about one method, and its straight-line encoder and decoder. */
export interface MethodDef<M extends AnyMethod = AnyMethod> {
  readonly kind: M['kind'];
  readonly classId: number;
  readonly methodId: number;
  /** `classId << 16 | methodId`: the key frames are dispatched on. */
  readonly id: number;
  readonly synchronous: boolean;
  /** Kinds of the methods that answer this one (empty when asynchronous). */
  readonly responses: readonly string[];
  /** True when a content header and body follow the method. */
  readonly content: boolean;
  /** Who sends it: the client, the server, or both. */
  readonly direction: Direction;
  /** Public arguments in wire order (reserved ones left out: they are always zero). */
  readonly fields: readonly FieldDef[];
  /** Writes the arguments (not the class and method ids); validates each field first. */
  encode(w: Writer, m: M): void;
  /** Reads the arguments (the ids already consumed). */
  decode(r: Reader): M;
}

/** Encoder and decoder of one class's content-header property list. */
export interface PropertiesDef<P = object> {
  readonly classId: number;
  /** The properties in flag order (bit 15 first). */
  readonly fields: readonly FieldDef[];
  /** Writes the property flags and the present properties. */
  encode(w: Writer, p: P): void;
  /** Reads the property flags and the present properties (absent ones undefined). */
  decode(r: Reader): P;
}

/** A whole protocol: methods by id and by kind, content properties by class id. */
export interface ProtocolRegistry {
  readonly methods: readonly MethodDef[];
  /** Look up by `classId << 16 | methodId`. */
  byId(id: number): MethodDef | undefined;
  /** Look up by dotted name, e.g. `basic.publish`. */
  byKind(kind: string): MethodDef | undefined;
  /** Content-header properties per class id (60 for basic). */
  properties(classId: number): PropertiesDef | undefined;
  /** Reply codes known to the spec, with their soft/hard class. */
  replyCodes: ReadonlyMap<number, { readonly name: string; readonly severity: 'soft' | 'hard' }>;
}
