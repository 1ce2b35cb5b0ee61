/**
 * The values a field table or array holds, as JavaScript sees them (the mapping to wire tags is
 * in field-table.ts), and the nesting limit both directions share. Types only, apart from the
 * limit: field-table.ts (encoding), field-table-read.ts (decoding) and table-wire.ts (the record
 * of tags and order) all build on this file and on nothing of each other's in a cycle.
 */
import type { Decimal, Field } from './field.js';

/** Any value a field table or array can hold (see the mapping table at the top of field-table.ts). */
export type FieldValue =
  | boolean | number | bigint | string | Uint8Array | Date | Decimal | Field
  | FieldTable | ReadonlyMap<string, FieldValue> | FieldValue[] | null | undefined;

/** An AMQP field table as a plain object (decoding's form; encoders also take a `Map`). */
export interface FieldTable {
  [key: string]: FieldValue;
}

/** Deepest nesting of tables and arrays accepted, both ways (the outermost table is level 1). */
export const MAX_DEPTH = 64;
