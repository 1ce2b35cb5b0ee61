/**
 * The layering rules of STYLE.md, enforced on the import graph (ts-morph):
 * - codegen/ never imports runtime/ or generated/ (the generator must not depend on its output);
 * - generated/ imports only runtime/codec/ (and itself);
 * - runtime/codec/ imports nothing outside runtime/codec/;
 * - only runtime/io/ imports Node built-ins (`node:*`, or bare `net`, `tls`, ...);
 * - runtime/io/ imports nothing of runtime/client/ (the transport seam sits below the client);
 * - runtime/protocol/ reads no clock and sets no timer: time is passed in;
 * - tools/ (warren-inspect) uses warren as an outside tool would: `warren/codec`, Node, itself.
 * Directories that do not exist yet have no edges. The rules run on an in-memory tree too, to
 * prove that each one catches what it should.
 */
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, Project, SyntaxKind, type SourceFile } from 'ts-morph';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const BUILTINS = new Set(builtinModules);

function specifiers(sf: SourceFile): string[] {
  const out: string[] = [];
  for (const d of sf.getImportDeclarations()) out.push(d.getModuleSpecifierValue());
  for (const d of sf.getExportDeclarations()) {
    const s = d.getModuleSpecifierValue();
    if (s !== undefined) out.push(s);
  }
  for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const arg = call.getArguments()[0];
    const dynamic = callee.getKind() === SyntaxKind.ImportKeyword || (Node.isIdentifier(callee) && callee.getText() === 'require');
    if (dynamic && arg && Node.isStringLiteral(arg)) out.push(arg.getLiteralValue());
  }
  return out;
}

const isBuiltin = (s: string): boolean => s.startsWith('node:') || BUILTINS.has(s.split('/')[0]!);

/** Every forbidden edge in the project, as `from -> specifier: rule`. */
export function forbiddenEdges(project: Project, root: string): string[] {
  const problems: string[] = [];
  for (const sf of project.getSourceFiles()) {
    const from = posix.relative(root, sf.getFilePath());
    const dir = posix.dirname(from);
    const under = (p: string, d: string): boolean => p === d || p.startsWith(`${d}/`);
    for (const s of specifiers(sf)) {
      const target = s.startsWith('.') ? posix.normalize(posix.join(dir, s)) : undefined;
      const flag = (rule: string): void => {
        problems.push(`${from} -> ${s}: ${rule}`);
      };
      if (under(from, 'codegen') && target && (under(target, 'runtime') || under(target, 'generated'))) {
        flag('codegen/ must not import runtime/ or generated/');
      }
      if (under(from, 'generated') && !(target && (under(target, 'generated') || under(target, 'runtime/codec')))) {
        flag('generated/ may import only runtime/codec/');
      }
      if (under(from, 'runtime/codec') && !(target && under(target, 'runtime/codec'))) {
        flag('runtime/codec/ may import only runtime/codec/');
      }
      if (under(from, 'tools') && !(s === 'warren/codec' || isBuiltin(s) || (target && under(target, 'tools')))) {
        flag('tools/ may import only warren/codec, Node built-ins and tools/');
      }
      if (under(from, 'runtime/io') && target && under(target, 'runtime/client')) {
        flag('runtime/io/ must not import runtime/client/');
      }
      if (under(from, 'runtime') && !under(from, 'runtime/io') && isBuiltin(s)) {
        flag('only runtime/io/ may import Node built-ins');
      }
    }
    if (under(from, 'runtime/protocol')) {
      for (const id of sf.getDescendantsOfKind(SyntaxKind.Identifier)) {
        const name = id.getText();
        const parent = id.getParent();
        // `x.setTimeout` or `{ setTimeout: ... }` name a member, not the global.
        const isMemberName =
          (Node.isPropertyAccessExpression(parent) || Node.isPropertyAssignment(parent) || Node.isPropertySignature(parent) || Node.isMethodDeclaration(parent)) &&
          parent.getNameNode() === id;
        if (!isMemberName && (name === 'setTimeout' || name === 'setInterval' || name === 'performance')) {
          problems.push(`${from}:${id.getStartLineNumber()} uses ${name}: runtime/protocol/ gets time passed in`);
        }
        if (name === 'Date' && Node.isPropertyAccessExpression(parent) && parent.getName() === 'now') {
          problems.push(`${from}:${id.getStartLineNumber()} uses Date.now: runtime/protocol/ gets time passed in`);
        }
        if (name === 'Date' && Node.isNewExpression(parent) && parent.getArguments().length === 0) {
          problems.push(`${from}:${id.getStartLineNumber()} uses new Date(): runtime/protocol/ gets time passed in`);
        }
      }
    }
  }
  return problems.sort();
}

describe('import boundaries', () => {
  it('the tree has no forbidden edge', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    project.addSourceFilesAtPaths([`${ROOT}/codegen/**/*.ts`, `${ROOT}/generated/**/*.ts`, `${ROOT}/runtime/**/*.ts`, `${ROOT}/tools/**/*.ts`]);
    expect(project.getSourceFiles().length).toBeGreaterThan(10);
    expect(forbiddenEdges(project, ROOT)).toEqual([]);
  });

  it('each rule catches its violation', () => {
    const project = new Project({ useInMemoryFileSystem: true });
    const add = (path: string, text: string): void => void project.createSourceFile(`/p/${path}`, text);
    add('codegen/emit/x.ts', "import { Reader } from '../../runtime/codec/index.js';\nexport * from '../../generated/index.js';");
    add('generated/a.ts', "import { Writer } from '../runtime/codec/index.js';\nimport { x } from '../runtime/frame/index.js';\nimport 'fast-xml-parser';");
    add('runtime/codec/b.ts', "import { y } from '../frame/index.js';\nimport { createHash } from 'node:crypto';");
    add('runtime/client/c.ts', "import net from 'net';\nconst m = await import('node:tls');");
    add('runtime/io/d.ts', "import net from 'node:net';\nimport type { TlsOptions } from '../client/options.js';");
    add('tools/inspect/f.ts', "import { FrameParser } from 'warren/codec';\nimport { Reader } from '../../runtime/codec/index.js';\nimport { x } from './g.js';\nimport 'node:net';");
    add('runtime/protocol/e.ts', 'const t = Date.now();\nsetTimeout(() => {}, 1);\nconst d = new Date();\nconst ok = new Date(0);\nconst o = { setTimeout: 1 }.setTimeout;');
    expect(forbiddenEdges(project, '/p')).toEqual([
      "codegen/emit/x.ts -> ../../generated/index.js: codegen/ must not import runtime/ or generated/",
      "codegen/emit/x.ts -> ../../runtime/codec/index.js: codegen/ must not import runtime/ or generated/",
      'generated/a.ts -> ../runtime/frame/index.js: generated/ may import only runtime/codec/',
      'generated/a.ts -> fast-xml-parser: generated/ may import only runtime/codec/',
      'runtime/client/c.ts -> net: only runtime/io/ may import Node built-ins',
      'runtime/client/c.ts -> node:tls: only runtime/io/ may import Node built-ins',
      'runtime/codec/b.ts -> ../frame/index.js: runtime/codec/ may import only runtime/codec/',
      'runtime/codec/b.ts -> node:crypto: only runtime/io/ may import Node built-ins',
      'runtime/codec/b.ts -> node:crypto: runtime/codec/ may import only runtime/codec/',
      'runtime/io/d.ts -> ../client/options.js: runtime/io/ must not import runtime/client/',
      'runtime/protocol/e.ts:1 uses Date.now: runtime/protocol/ gets time passed in',
      'runtime/protocol/e.ts:2 uses setTimeout: runtime/protocol/ gets time passed in',
      'runtime/protocol/e.ts:3 uses new Date(): runtime/protocol/ gets time passed in',
      'tools/inspect/f.ts -> ../../runtime/codec/index.js: tools/ may import only warren/codec, Node built-ins and tools/',
    ]);
  });
});
