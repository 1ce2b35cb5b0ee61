/**
 * codec/<class>.ts: a straight-line encoder and decoder per method. The field list is
 * interpreted here, at generation time, never at run time: each function is the sequence of
 * Writer/Reader calls the wire format asks for, bits packed per group.
 */
import type { Project } from 'ts-morph';
import type { Class, Field, FieldGroup, Method, PrimitiveType, Protocol } from '../model.js';
import { codecFile, decoderName, encoderName, fieldName, methodTypeName } from '../names.js';
import type { EnforceableCheck } from '../quirks.js';
import { addImport, jsDoc, localSpecifier, methodProvenance, newFile, runtimeSpecifier, type EmitContext } from './common.js';
import { METHODS_FILE } from './methods.js';

/** Checked Writer call per type (all but bit and table, which need the codec's helpers). */
const WRITE: Readonly<Record<Exclude<PrimitiveType, 'bit'>, (value: string, ctx: string, field: string) => string>> = {
  octet: (v, c, f) => `w.octet(${v}, ${c}, ${f});`,
  short: (v, c, f) => `w.short(${v}, ${c}, ${f});`,
  long: (v, c, f) => `w.long(${v}, ${c}, ${f});`,
  longlong: (v, c, f) => `w.longlong(${v}, ${c}, ${f});`,
  shortstr: (v, c, f) => `w.shortstr(${v}, ${c}, ${f});`,
  longstr: (v, c, f) => `w.longstr(${v}, ${c}, ${f});`,
  timestamp: (v, c, f) => `w.timestamp(${v}, ${c}, ${f});`,
  table: (v, c, f) => `writeTable(w, ${v}, ${c}, ${f});`,
};

/** What a reserved field is written as: zero, or the empty string or table. */
const WRITE_ZERO: Readonly<Record<Exclude<PrimitiveType, 'bit'>, string>> = {
  octet: 'w.u8(0);',
  short: 'w.u16(0);',
  long: 'w.u32(0);',
  longlong: 'w.u64(0);',
  shortstr: 'w.u8(0);',
  longstr: 'w.u32(0);',
  timestamp: 'w.u64(0);',
  table: 'w.u32(0);',
};

export const READ: Readonly<Record<Exclude<PrimitiveType, 'bit'>, string>> = {
  octet: 'r.octet()',
  short: 'r.short()',
  long: 'r.long()',
  longlong: 'r.longlong()',
  shortstr: 'r.shortstr()',
  longstr: 'r.longstr()',
  timestamp: 'r.timestamp()',
  table: 'readTable(r)',
};

/** Names a decoder's locals may not take (strict-mode restricted or reserved words). */
const UNUSABLE_LOCALS = new Set(['arguments', 'eval', 'delete', 'new', 'class', 'function', 'default', 'in', 'if', 'do', 'var', 'let', 'const', 'return', 'this', 'void', 'with', 'yield', 'r', 'w', 'm']);

function localFor(field: Field): string {
  const name = fieldName(field.name);
  return UNUSABLE_LOCALS.has(name) ? `${name}Value` : name;
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const mask = (i: number): string => `0x${(1 << i).toString(16).padStart(2, '0')}`;

/** Encoder statements enforcing the spec asserts that {@link EmitContext.enforce} turns on. */
function enforcement(field: Field, ctx: EmitContext, kind: string): string[] {
  const v = `m.${fieldName(field.name)}`;
  const at = `${quote(kind)}, ${quote(fieldName(field.name))}`;
  const out: string[] = [];
  const isString = field.type === 'shortstr' || field.type === 'longstr';
  for (const a of field.asserts) {
    if (!(a.check in ctx.enforce) || !ctx.enforce[a.check as EnforceableCheck]) continue;
    if (a.check === 'notnull') {
      const test = isString ? `${v}.length === 0` : field.type === 'longlong' ? `${v} == 0` : `${v} === 0`;
      out.push(`if (${test}) throw new EncodeError(${at}, 'must not be empty or zero (spec assert notnull)');`);
    } else if (a.check === 'length' && field.type === 'shortstr' && a.value !== undefined) {
      out.push(`if (utf8Length(${v}) > ${Number(a.value)}) throw new EncodeError(${at}, 'is over ${Number(a.value)} bytes (spec assert length)');`);
    } else if (a.check === 'regexp' && isString && a.value !== undefined) {
      const re = `/${a.value.replace(/\//g, '\\/')}/`;
      out.push(`if (!${re}.test(${v})) throw new EncodeError(${at}, ${quote(`does not match ${a.value} (spec assert regexp)`)});`);
    }
  }
  return out;
}

function encodeGroup(g: FieldGroup, ctx: EmitContext, kind: string): string[] {
  const k = quote(kind);
  if (g.kind === 'single') {
    const f = g.field;
    if (f.reserved) return [`${WRITE_ZERO[f.type as Exclude<PrimitiveType, 'bit'>]} // ${f.name}`];
    const name = fieldName(f.name);
    return [WRITE[f.type as Exclude<PrimitiveType, 'bit'>](`m.${name}`, k, quote(name)), ...enforcement(f, ctx, kind)];
  }
  const terms = g.fields.flatMap((f, i) => {
    if (f.reserved) return [];
    const name = fieldName(f.name);
    const b = `bit(m.${name}, ${k}, ${quote(name)})`;
    return [i === 0 ? b : `(${b} << ${i})`];
  });
  const reserved = g.fields.filter((f) => f.reserved).map((f) => f.name);
  const note = reserved.length > 0 ? ` // ${reserved.join(', ')}: 0` : '';
  if (terms.length === 0) return [`w.u8(0);${note}`];
  if (terms.length === 1) return [`w.u8(${terms[0]});${note}`];
  return [`w.u8(${note}`, ...terms.map((t, i) => `  ${i === 0 ? '' : '| '}${t}`), ');'];
}

function encoderStatements(m: Method, ctx: EmitContext): string[] {
  return m.groups.length === 0 ? ['// no arguments'] : m.groups.flatMap((g) => encodeGroup(g, ctx, m.kind));
}

function decoderStatements(m: Method): string[] {
  const lines: string[] = [];
  const entries: string[] = [`kind: ${quote(m.kind)}`];
  const taken = new Set(m.fields.map(localFor));
  let bitsCount = 0;
  for (const g of m.groups) {
    if (g.kind === 'single') {
      const f = g.field;
      const read = READ[f.type as Exclude<PrimitiveType, 'bit'>];
      if (f.reserved) {
        lines.push(`${read}; // ${f.name}: ignored`);
        continue;
      }
      const local = localFor(f);
      lines.push(`const ${local} = ${read};`);
      const name = fieldName(f.name);
      entries.push(local === name ? name : `${name}: ${local}`);
      continue;
    }
    if (g.fields.every((f) => f.reserved)) {
      lines.push(`r.octet(); // ${g.fields.map((f) => f.name).join(', ')}: ignored`);
      continue;
    }
    let local = bitsCount === 0 ? 'bits' : `bits${bitsCount + 1}`;
    while (taken.has(local)) local = `_${local}`;
    bitsCount++;
    lines.push(`const ${local} = r.octet();`);
    g.fields.forEach((f, i) => {
      if (!f.reserved) entries.push(`${fieldName(f.name)}: (${local} & ${mask(i)}) !== 0`);
    });
  }
  lines.push(entries.length === 1 ? `return { ${entries[0]} };` : `return {\n  ${entries.join(',\n  ')},\n};`);
  return lines;
}

/** Which codec runtime names a class's codec file uses (emitting an unused import would be noise). */
function runtimeImports(c: Class, ctx: EmitContext): string[] {
  const names = new Set<string>();
  for (const m of c.methods) {
    for (const g of m.groups) if (g.kind === 'bits' && g.fields.some((f) => !f.reserved)) names.add('bit');
    for (const f of m.fields) {
      if (f.type === 'table') names.add('readTable');
      if (f.type === 'table' && !f.reserved) names.add('writeTable');
      const checks = f.reserved ? [] : enforcement(f, ctx, m.kind);
      if (checks.length > 0) names.add('EncodeError');
      if (checks.some((line) => line.includes('utf8Length('))) names.add('utf8Length');
    }
  }
  return [...names].sort();
}

export function emitCodec(project: Project, ctx: EmitContext, protocol: Protocol): void {
  for (const c of protocol.classes) {
    if (c.methods.length === 0) continue;
    const path = codecFile(c);
    const sf = newFile(
      project,
      ctx,
      path,
      `Encoders and decoders of the ${c.name} class's methods (class ${c.index}): arguments only; the frame\nlayer writes and reads the class and method ids.`,
    );
    addImport(sf, runtimeSpecifier(ctx, path), [...runtimeImports(c, ctx), 'type Reader', 'type Writer']);
    addImport(sf, localSpecifier(path, METHODS_FILE), c.methods.map(methodTypeName), true);
    for (const m of c.methods) {
      const type = methodTypeName(m);
      const hasPublic = m.fields.some((f) => !f.reserved);
      sf.addFunction({
        name: encoderName(m),
        isExported: true,
        docs: [jsDoc(`Writes the arguments of \`${m.kind}\`; throws EncodeError (context \`${m.kind}\`) on an invalid field.`, methodProvenance(m))],
        parameters: [
          { name: m.fields.length === 0 ? '_w' : 'w', type: 'Writer' },
          { name: hasPublic ? 'm' : '_m', type },
        ],
        returnType: 'void',
        statements: encoderStatements(m, ctx),
      });
      sf.addFunction({
        name: decoderName(m),
        isExported: true,
        docs: [jsDoc(`Reads the arguments of \`${m.kind}\`; throws DecodeError when they do not fit.`, methodProvenance(m))],
        parameters: [{ name: m.fields.length === 0 ? '_r' : 'r', type: 'Reader' }],
        returnType: type,
        statements: decoderStatements(m),
      });
    }
  }
}
