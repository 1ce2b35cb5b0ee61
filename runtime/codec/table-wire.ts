/**
 * What a decoded field table or array keeps beside itself so that it re-encodes to the same bytes
 * (see "Lossless round trips" in field-table.ts): a non-enumerable {@link WIRE} property with the
 * wire order of the keys and the wire tags the default mapping would not choose. This file owns
 * the record (make, read, key order); field-table.ts fills it while decoding and follows it while
 * encoding. A process that never decodes such a table never pays for the lookup.
 */
import type { FieldTable, FieldValue } from './field-value.js';

/**
 * Key of the hidden (non-enumerable) property in which a decoded table or array keeps what a
 * plain object cannot say: key order and non-default wire tags (see the file comment). A
 * registered symbol, so that two copies of warren (ESM and CJS) agree on it. For reading: such
 * records are made by decoding and by {@link orderedTable} (the encoder looks for them only once
 * one was made in this process).
 */
export const WIRE: unique symbol = Symbol.for('warren.fieldTable.wire') as never;

/** What {@link WIRE} holds: wire key order (tables only) and wire tags by key or index. */
export interface WireInfo {
  /** Every key in wire order; present when JavaScript's own order would differ. */
  readonly keys?: readonly string[];
  /** Tag octet (e.g. 0x6c for `l`) of each value whose default encoding would use another tag. */
  readonly tags?: Readonly<Record<string | number, number>>;
}

/** The table's entries in wire order: a decoded table's own order, else its keys' order. */
export function tableEntries(t: FieldTable | ReadonlyMap<string, FieldValue>): [string, FieldValue][] {
  if (t instanceof Map) return [...(t as ReadonlyMap<string, FieldValue>)];
  return orderedKeys(t as FieldTable).map((k) => [k, (t as FieldTable)[k]]);
}

/**
 * A plain-object table that is written with its keys in the order given, integer-like keys
 * included (JavaScript would list those first): for message headers or arguments whose order
 * matters to the receiver. `writeTable` also takes a `Map`, which keeps its order too.
 */
export function orderedTable(entries: Iterable<readonly [string, FieldValue]>): FieldTable {
  const t: FieldTable = {};
  const keys: string[] = [];
  for (const [k, v] of entries) {
    if (!Object.prototype.hasOwnProperty.call(t, k)) keys.push(k);
    if (k === '__proto__') Object.defineProperty(t, k, { value: v, writable: true, enumerable: true, configurable: true });
    else t[k] = v;
  }
  setWire(t, { keys });
  return t;
}

/**
 * A new table holding the entries of `tables` in order, a later table's value replacing an
 * earlier one's (as `{ ...a, ...b }` does), that keeps what a spread drops: each value's
 * remembered wire tag and the tables' key order (an integer-like key included), so that a table
 * received from another client and passed on goes out with the same tags and order. A `Map` gives
 * its entries in its order. Without any record among the sources, the result is a plain copy.
 */
export function mergeTables(...tables: readonly (FieldTable | ReadonlyMap<string, FieldValue> | undefined)[]): FieldTable {
  const records = tables.some((t) => t instanceof Map || (t !== undefined && wireOf(t) !== undefined));
  if (!records) return Object.assign({}, ...tables) as FieldTable;
  const out: FieldTable = {};
  const keys: string[] = [];
  let tags: Record<string, number> | undefined;
  for (const t of tables) {
    if (t === undefined) continue;
    const from = t instanceof Map ? undefined : wireOf(t)?.tags;
    for (const [k, v] of tableEntries(t)) {
      if (!Object.prototype.hasOwnProperty.call(out, k)) keys.push(k);
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
      else out[k] = v;
      const tag = from?.[k];
      if (tag !== undefined) (tags ??= Object.create(null) as Record<string, number>)[k] = tag;
      else if (tags !== undefined) delete tags[k];
    }
  }
  setWire(out, { keys: sameOrder(keys, Object.keys(out)) ? undefined : keys, tags });
  return out;
}

/**
 * False until this process has made a {@link WIRE} record (decoding, orderedTable): until then
 * the encoder skips the lookup, a property miss that was measurable (about 5 % of a table's
 * encoding) on objects of many shapes.
 */
let wireMade = false;

export function setWire(v: object, info: WireInfo): void {
  wireMade = true;
  Object.defineProperty(v, WIRE, { value: info, configurable: true, writable: true });
}

export function wireOf(v: object): WireInfo | undefined {
  return wireMade ? (v as { [WIRE]?: WireInfo })[WIRE] : undefined;
}

/** Keys in the order to write them: remembered wire order first, then keys added since. */
export function orderedKeys(t: FieldTable): string[] {
  const keys = Object.keys(t);
  const order = wireOf(t)?.keys;
  if (order === undefined) return keys;
  const own = new Set(keys);
  const out = order.filter((k) => own.delete(k));
  for (const k of keys) if (own.has(k)) out.push(k);
  return out;
}


/** True when two key lists are equal, order included. */
export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for keys that JavaScript lists before all others: array indices "0" to "4294967294". */
export function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  if (!(c >= 0x30 && c <= 0x39)) return false; // the common case: one compare
  if (k.length > 10 || (c === 0x30 && k.length > 1)) return false;
  for (let i = 1; i < k.length; i++) {
    const d = k.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return Number(k) < 4294967295;
}

