/**
 * registry.ts: a MethodDef per method (ids, flags, encoder, decoder), a PropertiesDef per
 * content class, and the `registry` the frame layer and the sans-io core dispatch on.
 */
import type { Project } from 'ts-morph';
import type { Field, Protocol } from '../model.js';
import { codecFile, decoderName, encoderName, fieldName, methodDefName, methodTypeName, propertiesFunctionNames, propertiesTypeName } from '../names.js';
import { addDeclaration, addImport, localSpecifier, methodProvenance, newFile, renderDoc, runtimeSpecifier, type EmitContext } from './common.js';
import { CONSTANTS_FILE } from './constants.js';
import { METHODS_FILE, allMethods } from './methods.js';
import { PROPERTIES_FILE, propertyClasses } from './properties.js';

export const REGISTRY_FILE = 'registry.ts';

const hexId = (id: number): string => `0x${id.toString(16).padStart(8, '0')}`;

/** The public fields as `FieldDef` literals, one per line. */
function fieldDefs(fields: readonly Field[], indent: string): string {
  const shown = fields.filter((f) => !f.reserved);
  if (shown.length === 0) return '[]';
  return `[\n${shown.map((f) => `${indent}  { name: '${fieldName(f.name)}', type: '${f.type}' },`).join('\n')}\n${indent}]`;
}

export function emitRegistry(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(
    project,
    ctx,
    REGISTRY_FILE,
    'The protocol registry: every method\'s ids, flags, encoder and decoder, looked up by id (a\nMap: one hash per incoming frame) or by kind.',
  );
  const methods = allMethods(protocol);
  const propClasses = propertyClasses(protocol);
  addImport(sf, runtimeSpecifier(ctx, REGISTRY_FILE), ['MethodDef', ...(propClasses.length > 0 ? ['PropertiesDef'] : []), 'ProtocolRegistry'], true);
  for (const c of protocol.classes) {
    if (c.methods.length === 0) continue;
    addImport(sf, localSpecifier(REGISTRY_FILE, codecFile(c)), c.methods.flatMap((m) => [encoderName(m), decoderName(m)]));
  }
  addImport(sf, localSpecifier(REGISTRY_FILE, CONSTANTS_FILE), ['replyCodes']);
  addImport(sf, localSpecifier(REGISTRY_FILE, METHODS_FILE), methods.map(methodTypeName), true);
  if (propClasses.length > 0) {
    addImport(
      sf,
      localSpecifier(REGISTRY_FILE, PROPERTIES_FILE),
      propClasses.flatMap((c) => {
        const fns = propertiesFunctionNames(c);
        return [fns.encode, fns.decode, `type ${propertiesTypeName(c)}`];
      }),
    );
  }

  for (const m of methods) {
    const id = (m.classIndex << 16) | m.index;
    const responses = m.responses.length === 0 ? '[]' : `[${m.responses.map((r) => `'${r}'`).join(', ')}]`;
    addDeclaration(
      sf,
      renderDoc(`\`${m.kind}\`: ${m.label ?? m.kind}.`, methodProvenance(m)),
      `export const ${methodDefName(m)}: MethodDef<${methodTypeName(m)}> = {
  kind: '${m.kind}',
  classId: ${m.classIndex},
  methodId: ${m.index},
  id: ${hexId(id)},
  synchronous: ${m.synchronous},
  responses: ${responses},
  content: ${m.content},
  direction: '${m.direction}',
  fields: ${fieldDefs(m.fields, '  ')},
  encode: ${encoderName(m)},
  decode: ${decoderName(m)},
};`,
    );
  }
  for (const c of propClasses) {
    const fns = propertiesFunctionNames(c);
    addDeclaration(
      sf,
      renderDoc(`The content properties of class ${c.name}.`, `from the properties of class ${c.name} (class ${c.index})`),
      `export const ${fns.def}: PropertiesDef<${propertiesTypeName(c)}> = {
  classId: ${c.index},
  fields: ${fieldDefs(c.properties, '  ')},
  encode: ${fns.encode},
  decode: ${fns.decode},
};`,
    );
  }

  addDeclaration(
    sf,
    renderDoc('Every method, in class then method index order.'),
    `export const methods: readonly MethodDef[] = [\n${methods.map((m) => `  ${methodDefName(m)},`).join('\n')}\n];`,
  );
  addDeclaration(
    sf,
    '// One Map lookup per incoming method frame.',
    'const byId = new Map<number, MethodDef>(methods.map((d) => [d.id, d]));\nconst byKind = new Map<string, MethodDef>(methods.map((d) => [d.kind, d]));',
  );
  const properties = propClasses.map((c) => `classId === ${c.index} ? ${propertiesFunctionNames(c).def} : `).join('');
  addDeclaration(
    sf,
    renderDoc('The protocol these bindings implement, for the frame layer and the sans-io core.'),
    `export const registry: ProtocolRegistry = {
  methods,
  byId: (id) => byId.get(id),
  byKind: (kind) => byKind.get(kind),
  properties: (classId) => ${properties}undefined,
  replyCodes,
};`,
  );
}
