/**
 * The normalised protocol model: what emitters consume. Everything here is resolved: domains
 * to primitive types, bits grouped into octets, chassis turned into a direction, responses
 * into kinds. Order is the wire's and the spec's: classes by index, methods by index, fields
 * in document order.
 */

/** The AMQP primitive types that fields resolve to (spec 4.2.5). */
export type PrimitiveType = 'octet' | 'short' | 'long' | 'longlong' | 'bit' | 'shortstr' | 'longstr' | 'table' | 'timestamp';

export const PRIMITIVE_TYPES: readonly PrimitiveType[] = ['octet', 'short', 'long', 'longlong', 'bit', 'shortstr', 'longstr', 'table', 'timestamp'];

/** A spec `<assert>`: kept whole; quirks decide which are enforced. */
export interface Assert {
  readonly check: string;
  /** `value` attribute (the length limit, the regexp), when given. */
  readonly value?: string;
  /** Other attributes (`method`, `field` of an `le` check). */
  readonly attrs: Readonly<Record<string, string>>;
}

/** A spec `<rule>`: documentation of a requirement, with the reply code it fails with. */
export interface Rule {
  readonly name: string;
  readonly onFailure?: string;
  readonly doc: string;
  readonly scenario?: string;
}

/** Documentation common to constants, domains, classes, methods and fields. */
export interface Documented {
  readonly label?: string;
  /** The main `<doc>` text, whitespace normalised; empty when none. */
  readonly doc: string;
  /** `<doc type="grammar">` text, when given (classes). */
  readonly grammar?: string;
  readonly rules: readonly Rule[];
}

export interface Constant extends Documented {
  readonly name: string;
  readonly value: number;
  /** `soft-error` / `hard-error` for reply codes. */
  readonly errorClass?: 'soft-error' | 'hard-error';
}

export interface Domain extends Documented {
  readonly name: string;
  readonly type: PrimitiveType;
  readonly asserts: readonly Assert[];
}

export interface Field extends Documented {
  /** Spec name, e.g. `routing-key`. */
  readonly name: string;
  /** The named domain when the field used `domain=` and it is not a primitive itself. */
  readonly domain?: string;
  readonly type: PrimitiveType;
  /** `reserved="1"` or a name starting with `reserved-`: not exposed, written as zero. */
  readonly reserved: boolean;
  /** The field's own asserts followed by its domain's. */
  readonly asserts: readonly Assert[];
}

/** Consecutive `bit` fields share octets (at most 8 per octet); other fields stand alone. */
export type FieldGroup = { readonly kind: 'bits'; readonly fields: readonly Field[] } | { readonly kind: 'single'; readonly field: Field };

/** Who sends a method: `client` when only the server implements it (spec `<chassis>`), etc. */
export type Direction = 'client' | 'server' | 'both';

export interface Method extends Documented {
  /** Spec name within the class, e.g. `consume-ok`. */
  readonly name: string;
  /** `basic.consume-ok` */
  readonly kind: string;
  readonly index: number;
  readonly classIndex: number;
  readonly className: string;
  readonly synchronous: boolean;
  readonly content: boolean;
  readonly deprecated: boolean;
  /** Peers that implement (receive) the method, from `<chassis>`. */
  readonly chassis: readonly ('client' | 'server')[];
  readonly direction: Direction;
  /** Kinds of the methods that answer this one, e.g. `['basic.get-ok', 'basic.get-empty']`. */
  readonly responses: readonly string[];
  readonly fields: readonly Field[];
  readonly groups: readonly FieldGroup[];
}

export interface Class extends Documented {
  readonly name: string;
  readonly index: number;
  readonly handler?: string;
  readonly chassis: readonly ('client' | 'server')[];
  /** Content-header properties (the class-level `<field>`s), in flag order. */
  readonly properties: readonly Field[];
  readonly methods: readonly Method[];
}

/** A normalised protocol model: classes, methods, fields with resolved types, constants, docs. */
export interface Protocol {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly port?: number;
  readonly constants: readonly Constant[];
  readonly domains: readonly Domain[];
  readonly classes: readonly Class[];
}
