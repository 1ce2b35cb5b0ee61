/**
 * How decoded values are shown: `text()` for people (one line, short), `json()` for scripts.
 * Both keep a table's wire order (tableEntries), show short strings that carry raw bytes (not
 * UTF-8, see hasRawBytes) with `\xNN` escapes or as `{ "bytes": hex }`, byte arrays as text when
 * they are printable and as hex otherwise, and bigints exactly.
 *
 * Every value inside a field table or array is shown with its wire tag (`b:-5` in text,
 * `{"tag":"b","value":-5}` in JSON), so that two clients that mean the same number with different
 * tags can be told apart: the tag a value came with is the one decoding remembered beside the
 * table (WIRE), or else the one the decoder's default mapping implies for its JavaScript type.
 */
import { Decimal, Field, WIRE, hasRawBytes, tableEntries, textBytes, type FieldTable, type FieldValue, type WireInfo } from 'warren/codec';

/** Stands for a redacted credential in output. */
export class Redacted {
  constructor(readonly size: number) {}
  toString(): string {
    return `[redacted ${this.size} B]`;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Printable ASCII (and tab, newline), the test for showing bytes as text. */
export function printable(b: Uint8Array): boolean {
  for (const c of b) if (!((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13)) return false;
  return true;
}

/** A short preview of a body or byte array: quoted text when printable, else hex. */
export function preview(b: Uint8Array, max = 40): string {
  const cut = b.subarray(0, max);
  const more = b.length > max ? '…' : '';
  if (printable(cut)) return JSON.stringify(Buffer.from(cut).toString('latin1')) + more;
  return `0x${hex(cut)}${more}`;
}

function quote(s: string): string {
  if (!hasRawBytes(s)) return JSON.stringify(s);
  let out = '';
  for (const c of textBytes(s)) out += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return `"${out}"`;
}

function isTable(v: unknown): v is FieldTable | ReadonlyMap<string, unknown> {
  return v instanceof Map || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype);
}

/** The wire tag a decoded table or array value came with (see the file comment). */
function tagOf(v: unknown, remembered: number | undefined): string {
  if (remembered !== undefined) return String.fromCharCode(remembered);
  switch (typeof v) {
    case 'boolean': return 't';
    case 'string': return 'S';
    case 'bigint': return 'l';
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) return 'I';
      return v !== 0 && Number.isSafeInteger(v) ? 'l' : 'd';
  }
  if (v === null || v === undefined) return 'V';
  if (v instanceof Uint8Array) return 'x';
  if (v instanceof Date) return 'T';
  if (v instanceof Decimal) return 'D';
  if (v instanceof Field) return v.tag;
  return Array.isArray(v) ? 'A' : 'F';
}

/** A table's or array's entries, each with its wire tag, in wire order. */
function tagged(v: FieldTable | ReadonlyMap<string, unknown> | readonly unknown[]): [string, string, unknown][] {
  const tags = (v as { [WIRE]?: WireInfo })[WIRE]?.tags;
  if (Array.isArray(v)) return v.map((x, i) => [String(i), tagOf(x, tags?.[i]), x]);
  return tableEntries(v as FieldTable).filter(([, x]) => x !== undefined).map(([k, x]) => [k, tagOf(x, tags?.[k]), x]);
}

/** A value inside a table or array: `tag:value` (a Field already shows its tag). */
function textIn(tag: string, x: unknown): string {
  return x instanceof Field ? text(x) : `${tag}:${text(x)}`;
}

/** One-line text form of any decoded value. */
export function text(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return `<${v.length} B ${preview(v, 24)}>`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Decimal) return `${v.toString()}D`;
  if (v instanceof Field) return `${v.tag}:${text(v.value)}`;
  if (Array.isArray(v)) return `[${tagged(v).map(([, t, x]) => textIn(t, x)).join(', ')}]`;
  if (isTable(v)) return `{${tagged(v as FieldTable).map(([k, t, x]) => `${/^[\w.-]+$/.test(k) ? k : quote(k)}: ${textIn(t, x)}`).join(', ')}}`;
  return String(v);
}

/**
 * JSON text of an output line or any decoded value, keys in wire order. Plain objects are the
 * line's own records down to `records` levels (the line, then `fields` / `properties` / `body`),
 * and field tables below that: a method's table fields and the `headers` property.
 */
export function json(v: unknown, records = 2): string {
  if (typeof v === 'string') return hasRawBytes(v) ? `{"bytes":"${hex(textBytes(v))}"}` : JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'bigint') return `"${v}"`;
  if (typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return `{"bytes":"${hex(v)}"}`;
  if (v instanceof Date) return JSON.stringify(Number.isNaN(v.getTime()) ? String(v) : v.toISOString());
  if (v instanceof Redacted) return `{"redacted":${v.size}}`;
  if (v instanceof Decimal) return `{"decimal":"${v.toString()}"}`;
  if (v instanceof Field) return `{"tag":"${v.tag}","value":${json(v.value, 0)}}`;
  if (Array.isArray(v)) return `[${tagged(v).map(([, t, x]) => jsonIn(t, x)).join(',')}]`;
  if (records <= 0 && isTable(v)) return `{${tagged(v as FieldTable).map(([k, t, x]) => `${JSON.stringify(k)}:${jsonIn(t, x)}`).join(',')}}`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as object).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}:${json(x, records - 1)}`).join(',')}}`;
  }
  return JSON.stringify(String(v));
}

/** A value inside a table or array, as JSON: `{"tag":"b","value":-5}` (a Field is already so). */
function jsonIn(tag: string, x: unknown): string {
  return x instanceof Field ? json(x, 0) : `{"tag":"${tag}","value":${json(x as FieldValue, 0)}}`;
}

/** Fields never shown: credentials (method kind → field names). */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'connection.start-ok': ['response'],
  'connection.secure-ok': ['response'],
  'connection.update-secret': ['newSecret'],
};

/** A copy of `m`'s fields without `kind`, with credentials replaced by a note of their size. */
export function shownFields(m: { readonly kind: string }): Record<string, unknown> {
  const secret = SECRET_FIELDS[m.kind] ?? [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'kind') continue;
    out[k] = secret.includes(k) ? new Redacted((v as unknown) instanceof Uint8Array ? (v as unknown as Uint8Array).length : String(v).length) : v;
  }
  return out;
}
