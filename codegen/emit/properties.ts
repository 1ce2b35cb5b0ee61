/**
 * properties.ts: for every class with content properties (basic, in AMQP 0-9-1), the
 * properties interface and its encoder/decoder. Presence is `!== undefined` (so `priority: 0`
 * is sent); flag bit 15 is the first property (spec 4.2.6.1). The decoder returns one fixed
 * shape (every key present, absent ones `undefined`) so engines keep a single hidden class.
 */
import type { Project } from 'ts-morph';
import type { Class, Field, PrimitiveType, Protocol } from '../model.js';
import { fieldName, propertiesContext, propertiesFunctionNames, propertiesTypeName } from '../names.js';
import { TS_TYPE, addImport, fieldDoc, fieldProvenance, jsDoc, newFile, runtimeSpecifier, type EmitContext } from './common.js';
import { READ } from './codec.js';

export const PROPERTIES_FILE = 'properties.ts';

/** One flag word holds 15 properties (bit 0 is the continuation bit). */
const MAX_PROPERTIES = 15;

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** Classes that carry content properties. */
export function propertyClasses(protocol: Protocol): Class[] {
  return protocol.classes.filter((c) => c.properties.length > 0);
}

function flagOf(i: number): number {
  return 1 << (15 - i);
}

function encodeStatements(c: Class): string[] {
  const ctx = `'${propertiesContext(c)}'`;
  const lines = ['const at = w.pos;', 'w.u16(0); // property flags, patched below', 'let flags = 0;'];
  c.properties.forEach((p, i) => {
    if (p.reserved) return;
    const name = fieldName(p.name);
    const v = `p.${name}`;
    if (p.type === 'bit') {
      // A bit property is carried by its flag alone (spec 4.2.6.1): present and true are one.
      lines.push(`if (${v} !== undefined && bit(${v}, ${ctx}, '${name}') === 1) flags |= ${hex(flagOf(i))};`);
      return;
    }
    const write =
      p.type === 'table' ? `writeTable(w, ${v}, ${ctx}, '${name}');` : `w.${p.type}(${v}, ${ctx}, '${name}');`;
    lines.push(`if (${v} !== undefined) {`, `  flags |= ${hex(flagOf(i))};`, `  ${write}`, '}');
  });
  lines.push('w.buf[at] = flags >>> 8;', 'w.buf[at + 1] = flags & 0xff;');
  return lines;
}

function decodeStatements(c: Class): string[] {
  const known = c.properties.reduce((acc, _p, i) => acc | flagOf(i), 0);
  const lines = [
    'const flags = r.short();',
    `if ((flags & ${hex(~known & 0xffff)}) !== 0) {`,
    `  throw new DecodeError(\`${c.name} properties: flags 0x\${flags.toString(16)} at offset \${r.pos - 2} name properties beyond the ${c.properties.length} that class ${c.name} has\`, r.pos - 2);`,
    '}',
  ];
  const reservedSkips = c.properties.some((p) => p.reserved);
  if (!reservedSkips) {
    const entries = c.properties.map((p, i) => `${fieldName(p.name)}: ${readExpr(p, flagOf(i))}`);
    lines.push(`return {\n  ${entries.join(',\n  ')},\n};`);
    return lines;
  }
  // Reserved properties must still be read, in order, to find the ones after them.
  const entries: string[] = [];
  c.properties.forEach((p, i) => {
    if (p.reserved) lines.push(`if ((flags & ${hex(flagOf(i))}) !== 0) ${READ[p.type as Exclude<PrimitiveType, 'bit'>]}; // ${p.name}: ignored`);
    else {
      lines.push(`const ${fieldName(p.name)}Value = ${readExpr(p, flagOf(i))};`);
      entries.push(`${fieldName(p.name)}: ${fieldName(p.name)}Value`);
    }
  });
  lines.push(`return {\n  ${entries.join(',\n  ')},\n};`);
  return lines;
}

function readExpr(p: Field, flag: number): string {
  if (p.type === 'bit') return `(flags & ${hex(flag)}) !== 0 ? true : undefined`;
  return `(flags & ${hex(flag)}) !== 0 ? ${READ[p.type]} : undefined`;
}

export function emitProperties(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const classes = propertyClasses(protocol);
  const sf = newFile(
    project,
    ctx,
    PROPERTIES_FILE,
    'Content-header properties: the interface per content class, and the encoder and decoder of the\nproperty flags and values that follow a content header\'s body size (spec 4.2.6.1).',
  );
  for (const c of classes) {
    if (c.properties.length > MAX_PROPERTIES) {
      throw new Error(`warren-codegen: class "${c.name}" has ${c.properties.length} properties; more than ${MAX_PROPERTIES} (continuation flag words) is not supported`);
    }
  }
  const props = classes.flatMap((c) => c.properties);
  const names = new Set(['DecodeError']);
  if (props.some((p) => p.type === 'bit')) names.add('bit');
  if (props.some((p) => p.type === 'table')) names.add('readTable').add('writeTable');
  const types = new Set(['Reader', 'Writer']);
  for (const p of props) if (p.type === 'table' || p.type === 'longlong') types.add(TS_TYPE[p.type]);
  if (classes.length > 0) {
    addImport(sf, runtimeSpecifier(ctx, PROPERTIES_FILE), [...[...names].sort(), ...[...types].sort().map((name) => `type ${name}`)]);
  }
  for (const c of classes) {
    const typeName = propertiesTypeName(c);
    const fns = propertiesFunctionNames(c);
    sf.addInterface({
      name: typeName,
      isExported: true,
      docs: [
        jsDoc(
          `The content properties of class ${c.name} (class ${c.index}), carried in the content header.\nA property is sent when it is not \`undefined\`: \`priority: 0\` and \`contentType: ''\` are sent.`,
          `from the properties of class ${c.name} (class ${c.index}; ${c.properties.length} properties)`,
        ),
      ],
      properties: c.properties
        .filter((p) => !p.reserved)
        .map((p) => ({ name: fieldName(p.name), hasQuestionToken: true, type: TS_TYPE[p.type], docs: [jsDoc(fieldDoc(p), fieldProvenance(p))] })),
    });
    sf.addFunction({
      name: fns.encode,
      isExported: true,
      docs: [jsDoc(`Writes the property flags, then each present property in order; throws EncodeError (context \`${propertiesContext(c)}\`).`, `from the properties of class ${c.name} (class ${c.index})`)],
      parameters: [{ name: 'w', type: 'Writer' }, { name: 'p', type: typeName }],
      returnType: 'void',
      statements: encodeStatements(c),
    });
    sf.addFunction({
      name: fns.decode,
      isExported: true,
      docs: [jsDoc('Reads the property flags and the present properties; absent ones are `undefined`.', `from the properties of class ${c.name} (class ${c.index})`)],
      parameters: [{ name: 'r', type: 'Reader' }],
      returnType: typeName,
      statements: decodeStatements(c),
    });
  }
}
