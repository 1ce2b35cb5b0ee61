/**
 * Every spec → TypeScript name mapping, in one place (house style). Emitters never build a
 * name themselves; they ask here.
 */
import type { Class, Method } from './model.js';

/**
 * Renames where the mechanical name would be a problem. Data, not `if`s: add a row when a new
 * spec or overlay produces a clash (the generator refuses names in {@link RESERVED_GLOBALS}).
 */
export const ERROR_CLASS_RENAMES: Readonly<Record<string, string>> = {
  // `SyntaxError` is a JavaScript global: shadowing it in user code is a trap.
  'syntax-error': 'AmqpSyntaxError',
  // `FrameError` is the frame layer's own error (a malformed frame we read), not a reply code.
  'frame-error': 'AmqpFrameError',
};

/** Global names a generated declaration must not take. */
export const RESERVED_GLOBALS: ReadonlySet<string> = new Set([
  'Error', 'SyntaxError', 'TypeError', 'RangeError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError',
  'DOMException', 'Date', 'Map', 'Set', 'Object', 'Function', 'Symbol', 'Promise', 'Proxy', 'Reflect',
  'ReplyError', 'EncodeError', 'DecodeError', 'WarrenError', 'FrameError',
]);

function words(specName: string): string[] {
  return specName.split(/[-_ .]+/).filter((w) => w !== '');
}

/** `consume-ok` → `ConsumeOk` */
export function pascal(specName: string): string {
  return words(specName)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** `routing-key` → `routingKey` */
export function camel(specName: string): string {
  const p = pascal(specName);
  return p[0]!.toLowerCase() + p.slice(1);
}

/** `frame-min-size` → `FRAME_MIN_SIZE` */
export function upperSnake(specName: string): string {
  return words(specName).map((w) => w.toUpperCase()).join('_');
}

function checked(name: string, specName: string): string {
  if (RESERVED_GLOBALS.has(name)) {
    throw new Error(`warren-codegen: "${specName}" maps to "${name}", a reserved global name; add a rename to codegen/names.ts`);
  }
  return name;
}

/** `basic.consume-ok` → `BasicConsumeOk` (the method's interface). */
export function methodTypeName(m: Pick<Method, 'className' | 'name'>): string {
  return checked(pascal(m.className) + pascal(m.name), `${m.className}.${m.name}`);
}

/** `basic.publish` → `encodeBasicPublish` */
export function encoderName(m: Pick<Method, 'className' | 'name'>): string {
  return `encode${methodTypeName(m)}`;
}

/** `basic.publish` → `decodeBasicPublish` */
export function decoderName(m: Pick<Method, 'className' | 'name'>): string {
  return `decode${methodTypeName(m)}`;
}

/** `basic.publish` → `basicPublish` (its `MethodDef` in the registry). */
export function methodDefName(m: Pick<Method, 'className' | 'name'>): string {
  return camel(m.className) + pascal(m.name);
}

/** A field or property: `routing-key` → `routingKey`. */
export function fieldName(specName: string): string {
  return camel(specName);
}

/** `basic` → `BasicProperties` */
export function propertiesTypeName(c: Pick<Class, 'name'>): string {
  return checked(`${pascal(c.name)}Properties`, c.name);
}

/** `basic` → `encodeBasicProperties` / `decodeBasicProperties` / `basicProperties` (the def). */
export function propertiesFunctionNames(c: Pick<Class, 'name'>): { encode: string; decode: string; def: string } {
  const t = propertiesTypeName(c);
  return { encode: `encode${t}`, decode: `decode${t}`, def: camel(c.name) + 'Properties' };
}

/** Context string in EncodeErrors for a class's properties: `basic properties`. */
export function propertiesContext(c: Pick<Class, 'name'>): string {
  return `${c.name} properties`;
}

/** Reply code constant `not-found` → `NotFoundError` (with {@link ERROR_CLASS_RENAMES}). */
export function errorClassName(specName: string): string {
  const renamed = ERROR_CLASS_RENAMES[specName];
  if (renamed !== undefined) return checked(renamed, specName);
  const p = pascal(specName);
  return checked(p.endsWith('Error') ? p : `${p}Error`, specName);
}

/** `NotFoundError` → `isNotFoundError` */
export function errorGuardName(specName: string): string {
  return `is${errorClassName(specName)}`;
}

/** Reply code key in the `ReplyCode` const object: `not-found` → `notFound`. */
export function replyCodeKey(specName: string): string {
  return camel(specName);
}

/** Codec module for a class: `basic` → `codec/basic.ts`. */
export function codecFile(c: Pick<Class, 'name'>): string {
  return `codec/${c.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.ts`;
}
