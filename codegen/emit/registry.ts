/**
 * registry.ts: a MethodDef per method (ids, flags, encoder, decoder), a PropertiesDef per
 * content class, and the `registry` the frame layer and the sans-io core dispatch on.
 */
import { VariableDeclarationKind, type Project } from 'ts-morph';
import type { Field, Protocol } from '../model.js';
import { codecFile, decoderName, encoderName, fieldName, methodDefName, methodTypeName, propertiesFunctionNames, propertiesTypeName } from '../names.js';
import { addImport, jsDoc, localSpecifier, methodProvenance, newFile, runtimeSpecifier, type EmitContext } from './common.js';
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
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [jsDoc(`\`${m.kind}\`: ${m.label ?? m.kind}.`, methodProvenance(m))],
      declarations: [
        {
          name: methodDefName(m),
          type: `MethodDef<${methodTypeName(m)}>`,
          initializer: `{
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
}`,
        },
      ],
    });
  }
  for (const c of propClasses) {
    const fns = propertiesFunctionNames(c);
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [jsDoc(`The content properties of class ${c.name}.`, `from the properties of class ${c.name} (class ${c.index})`)],
      declarations: [
        {
          name: fns.def,
          type: `PropertiesDef<${propertiesTypeName(c)}>`,
          initializer: `{\n  classId: ${c.index},\n  fields: ${fieldDefs(c.properties, '  ')},\n  encode: ${fns.encode},\n  decode: ${fns.decode},\n}`,
        },
      ],
    });
  }

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsDoc('Every method, in class then method index order.')],
    declarations: [{ name: 'methods', type: 'readonly MethodDef[]', initializer: `[\n${methods.map((m) => `  ${methodDefName(m)},`).join('\n')}\n]` }],
  });
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      { name: 'byId', initializer: 'new Map<number, MethodDef>(methods.map((d) => [d.id, d]))' },
      { name: 'byKind', initializer: 'new Map<string, MethodDef>(methods.map((d) => [d.kind, d]))' },
    ],
  });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsDoc('The protocol these bindings implement, for the frame layer and the sans-io core.')],
    declarations: [
      {
        name: 'registry',
        type: 'ProtocolRegistry',
        initializer: `{
  methods,
  byId: (id) => byId.get(id),
  byKind: (kind) => byKind.get(kind),
  properties: (classId) => ${propClasses.length === 0 ? 'undefined' : `${propClasses.map((c) => `classId === ${c.index} ? ${propertiesFunctionNames(c).def} : `).join('')}undefined`},
  replyCodes,
}`,
      },
    ],
  });
}
