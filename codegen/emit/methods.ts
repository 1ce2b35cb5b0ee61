/**
 * methods.ts: one interface per method (reserved fields left out), the `Method` union, the
 * kind → type maps the runtime types `call(kind, args)` with, and unions by direction.
 */
import type { Project } from 'ts-morph';
import type { Method, Protocol } from '../model.js';
import { fieldName, methodTypeName } from '../names.js';
import { TS_TYPE, addDeclaration, addImport, addUnion, fieldDoc, fieldProvenance, jsDoc, methodProvenance, newFile, renderDoc, runtimeSpecifier, type EmitContext } from './common.js';

export const METHODS_FILE = 'methods.ts';

export function allMethods(protocol: Protocol): Method[] {
  return protocol.classes.flatMap((c) => c.methods);
}

export function emitMethods(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(
    project,
    ctx,
    METHODS_FILE,
    'The arguments of every AMQP method, one interface each, discriminated by `kind` (the spec\'s\ndotted name). Reserved fields are not part of these types: encoders write them as zero.',
  );
  const methods = allMethods(protocol);
  const used = new Set(methods.flatMap((m) => m.fields.filter((f) => !f.reserved).map((f) => TS_TYPE[f.type])));
  const runtimeTypes = ['FieldTable', 'Long'].filter((t) => used.has(t));
  if (runtimeTypes.length > 0) {
    addImport(sf, runtimeSpecifier(ctx, METHODS_FILE), runtimeTypes, true);
  }

  for (const m of methods) {
    sf.addInterface({
      name: methodTypeName(m),
      isExported: true,
      docs: [jsDoc(m.doc || (m.label ?? ''), methodProvenance(m))],
      properties: [
        { name: 'kind', type: `'${m.kind}'`, docs: [jsDoc(`Discriminant: the spec's name for the method.`)] },
        ...m.fields
          .filter((f) => !f.reserved)
          .map((f) => ({ name: fieldName(f.name), type: TS_TYPE[f.type], docs: [jsDoc(fieldDoc(f), fieldProvenance(f))] })),
      ],
    });
  }

  const names = methods.map(methodTypeName);
  addUnion(sf, 'Method', names, 'Any AMQP method, discriminated by `kind`.');
  addDeclaration(sf, renderDoc('The dotted name of any method, e.g. `basic.publish`.'), "export type MethodKind = Method['kind'];");
  sf.addInterface({
    name: 'MethodMap',
    isExported: true,
    docs: [jsDoc('Each method\'s interface by kind.')],
    properties: methods.map((m) => ({ name: `'${m.kind}'`, type: methodTypeName(m) })),
  });

  const byKind = new Map(methods.map((m) => [m.kind, m]));
  const requests = methods.filter((m) => m.synchronous && m.responses.length > 0 && m.direction !== 'server');
  sf.addInterface({
    name: 'ResponseMap',
    isExported: true,
    docs: [
      jsDoc(
        'For every synchronous method the client sends, the method(s) the server answers with: what a\ntyped `call(kind, args)` resolves to.',
      ),
    ],
    properties: requests.map((m) => ({ name: `'${m.kind}'`, type: m.responses.map((k) => methodTypeName(byKind.get(k)!)).join(' | ') })),
  });
  addDeclaration(sf, renderDoc('Kinds of the synchronous methods a client sends and awaits an answer to.'), 'export type RequestKind = keyof ResponseMap;');
  addUnion(sf, 'ClientMethod', methods.filter((m) => m.direction !== 'server').map(methodTypeName), 'Methods the client may send (the server implements them, or both peers do).');
  addUnion(sf, 'ServerMethod', methods.filter((m) => m.direction !== 'client').map(methodTypeName), 'Methods the server may send (the client implements them, or both peers do).');
}
