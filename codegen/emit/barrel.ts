/** index.ts: the barrel of the generated bindings. */
import type { Project } from 'ts-morph';
import type { Protocol } from '../model.js';
import { codecFile } from '../names.js';
import { localSpecifier, newFile, type EmitContext } from './common.js';
import { CONSTANTS_FILE } from './constants.js';
import { ERRORS_FILE } from './errors.js';
import { METHODS_FILE } from './methods.js';
import { PROPERTIES_FILE } from './properties.js';
import { REGISTRY_FILE } from './registry.js';

export const INDEX_FILE = 'index.ts';

export function emitBarrel(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(project, ctx, INDEX_FILE, 'The generated protocol bindings: types, codecs, errors and the registry.');
  const files = [
    CONSTANTS_FILE,
    METHODS_FILE,
    PROPERTIES_FILE,
    ...protocol.classes.filter((c) => c.methods.length > 0).map(codecFile),
    ERRORS_FILE,
    REGISTRY_FILE,
  ];
  for (const f of files) sf.addExportDeclaration({ moduleSpecifier: localSpecifier(INDEX_FILE, f) });
}
