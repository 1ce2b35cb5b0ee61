/**
 * The layering rules of STYLE.md, enforced on the import graph (ts-morph):
 * - codegen/ never imports runtime/ or generated/ (the generator must not depend on its output);
 * - generated/ imports only runtime/codec/ (and itself);
 * - runtime/codec/ imports nothing outside runtime/codec/;
 * - only runtime/io/ (and warren/testing's own io/, its TCP listener) imports Node built-ins
 *   (`node:*`, or bare `net`, `tls`, ...);
 * - runtime/io/ imports nothing of runtime/client/ (the transport seam sits below the client);
 * - runtime/protocol/ reads no clock and sets no timer: time is passed in;
 * - tools/ (warren-inspect) uses warren as an outside tool would: `warren/codec`, Node, itself;
 * - the client's layers (ARCHITECTURE.md): runtime/protocol/ imports nothing of io/ or client/;
 *   the session (client/session/) nothing of channel/, recovery/ or the connection facade; a
 *   channel (client/channel/) nothing of recovery/ or the connection facade;
 * - no import cycle in runtime/, type-only imports and `import('...')` types included;
 * - no hand-written file in runtime/ or tools/ over 450 lines.
 * The last two are ratchets: KNOWN_CYCLES and KNOWN_LONG list what is still to be split (with
 * who owns it); a new cycle or long file fails, and so does a listed one that is gone (so the
 * lists only shrink). Directories that do not exist yet have no edges. The rules run on an in-memory tree too, to
 * prove that each one catches what it should.
 */
import { existsSync, readFileSync } from 'node:fs';
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
      if (under(from, 'runtime/protocol') && target && (under(target, 'runtime/io') || under(target, 'runtime/client'))) {
        flag('runtime/protocol/ must not import runtime/io/ or runtime/client/');
      }
      const facade = (t: string): boolean => t === 'runtime/client/connection.ts' || t === 'runtime/client/connection.js';
      if (under(from, 'runtime/client/session') && target && (under(target, 'runtime/client/channel') || under(target, 'runtime/client/recovery') || facade(target))) {
        flag('the session must not import channel/, recovery/ or the connection facade');
      }
      if (under(from, 'runtime/client/channel') && target && (under(target, 'runtime/client/recovery') || facade(target))) {
        flag('a channel must not import recovery/ or the connection facade');
      }
      if (under(from, 'runtime') && !under(from, 'runtime/io') && !under(from, 'runtime/testing/io') && isBuiltin(s)) {
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

/** Every relative import of `sf` (type-only and `import('...')` types included), as a path under `root`. */
function localImports(sf: SourceFile, root: string, exists: (path: string) => boolean): string[] {
  const from = posix.relative(root, sf.getFilePath());
  const out: string[] = [];
  const specs = specifiers(sf);
  for (const t of sf.getDescendantsOfKind(SyntaxKind.ImportType)) {
    const arg = t.getArgument();
    if (Node.isLiteralTypeNode(arg)) {
      const lit = arg.getLiteral();
      if (Node.isStringLiteral(lit)) specs.push(lit.getLiteralValue());
    }
  }
  for (const s of specs) {
    if (!s.startsWith('.')) continue;
    const base = posix.normalize(posix.join(posix.dirname(from), s)).replace(/\.js$/, '');
    out.push(exists(`${base}.ts`) ? `${base}.ts` : `${base}/index.ts`);
  }
  return out;
}

/** The import cycles (strongly connected components of more than one file, or a file importing itself), each sorted. */
export function importCycles(project: Project, root: string, exists: (path: string) => boolean): string[][] {
  const graph = new Map<string, string[]>();
  for (const sf of project.getSourceFiles()) graph.set(posix.relative(root, sf.getFilePath()), localImports(sf, root, exists));
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)!.includes(v)) cycles.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/**
 * Cycles still to be broken (or forced by the public API, said in the entry), and who owns them.
 * Each entry is one cycle's files; the test fails on a cycle not listed here and on a listed one
 * that no longer exists.
 */
const KNOWN_CYCLES: { files: string[]; owner: string }[] = [
  {
    // The public classes name each other in their public types, and the API must not change:
    // connection.channel() returns a Channel and channel.connection is the Connection;
    // channel.consume() returns a Consumer, whose deliveries are Messages, and message.channel /
    // message.consumer lead back; channel.consumeStream() returns a StreamConsumer, whose
    // `consumer` is a Consumer and whose iterator yields Messages. Each of these five files must
    // name the next, so this cycle of type-only edges (plus channel.ts creating Messages and
    // Consumers and calling consumeStream) stays. Everything else the public classes use sits
    // below them: topology.ts, rabbitmq/ stream arguments and headers, and tracing/ (which reads
    // messages through its own TracedMessage; tracing/public.ts, imported only by the entry
    // points, gives the events their Message type).
    owner: 'client public API knot (issue 15: the public types force it)',
    files: [
      'runtime/client/channel.ts',
      'runtime/client/connection.ts',
      'runtime/client/consumer.ts',
      'runtime/client/message.ts',
      'runtime/client/rabbitmq/stream-consumer.ts',
    ],
  },
];

const MAX_LINES = 450;

/** Hand-written files over MAX_LINES still to be split, and who owns them (a ratchet, as KNOWN_CYCLES). */
const KNOWN_LONG: Record<string, string> = {};

describe('import boundaries', () => {
  it('the tree has no forbidden edge', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    project.addSourceFilesAtPaths([`${ROOT}/codegen/**/*.ts`, `${ROOT}/generated/**/*.ts`, `${ROOT}/runtime/**/*.ts`, `${ROOT}/tools/**/*.ts`]);
    expect(project.getSourceFiles().length).toBeGreaterThan(10);
    expect(forbiddenEdges(project, ROOT)).toEqual([]);
  });

  it('runtime/ has no import cycle but the known ones (type-only imports included)', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    project.addSourceFilesAtPaths(`${ROOT}/runtime/**/*.ts`);
    const cycles = importCycles(project, ROOT, (p) => existsSync(`${ROOT}/${p}`)).map((c) => c.join(' '));
    const known = KNOWN_CYCLES.map((c) => [...c.files].sort().join(' '));
    expect(cycles.filter((c) => !known.includes(c)), 'new import cycles').toEqual([]);
    expect(known.filter((c) => !cycles.includes(c)), 'listed cycles that are gone or changed: update KNOWN_CYCLES').toEqual([]);
  });

  it(`no hand-written file in runtime/ or tools/ is over ${MAX_LINES} lines but the known ones`, () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    project.addSourceFilesAtPaths([`${ROOT}/runtime/**/*.ts`, `${ROOT}/tools/**/*.ts`]);
    const long = project
      .getSourceFiles()
      .map((sf) => posix.relative(ROOT, sf.getFilePath()))
      .filter((f) => readFileSync(`${ROOT}/${f}`, 'utf8').split('\n').length - 1 > MAX_LINES)
      .sort();
    expect(long.filter((f) => !(f in KNOWN_LONG)), `files over ${MAX_LINES} lines: split them`).toEqual([]);
    expect(Object.keys(KNOWN_LONG).filter((f) => !long.includes(f)), 'listed long files that are now short: drop them from KNOWN_LONG').toEqual([]);
  });

  it('no module exports a binding it can reassign (the CommonJS build copies each module\'s exports once it has run: PLAIN_EXPORTS in tsup.config.ts)', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    // Everything tsup builds with the footer: the entries (runtime/, codegen/index.ts) and what they import.
    project.addSourceFilesAtPaths([`${ROOT}/codegen/**/*.ts`, `${ROOT}/generated/**/*.ts`, `${ROOT}/runtime/**/*.ts`, `${ROOT}/tools/**/*.ts`]);
    expect(project.getSourceFiles().some((f) => f.getFilePath().includes('/codegen/'))).toBe(true);
    expect(mutableExports(project.getSourceFiles())).toEqual([]);
    // and the check sees one
    const probe = new Project({ useInMemoryFileSystem: true }).createSourceFile('/m.ts', 'export let counter = 0;\nlet later = 1;\nexport { later };\nexport const fixed = 2;\n');
    expect(mutableExports([probe]).map((e) => e.split(': ')[1])).toEqual(['counter', 'later']);
  });

  it('finds cycles, type-only and import() types included', () => {
    const project = new Project({ useInMemoryFileSystem: true });
    const files = new Map<string, string>([
      ['runtime/a.ts', "import type { B } from './b.js';"],
      ['runtime/b.ts', "export type B = import('./c.js').C;"],
      ['runtime/c.ts', "import { A } from './a.js';"],
      ['runtime/d/index.ts', "import { x } from '../e.js';"],
      ['runtime/e.ts', "export { y } from './d/index.js';"],
      ['runtime/f.ts', "import { a } from './a.js';"],
    ]);
    for (const [path, text] of files) project.createSourceFile(`/p/${path}`, text);
    expect(importCycles(project, '/p', (p) => files.has(p))).toEqual([
      ['runtime/a.ts', 'runtime/b.ts', 'runtime/c.ts'],
      ['runtime/d/index.ts', 'runtime/e.ts'],
    ]);
  });

  it('each rule catches its violation', () => {
    const project = new Project({ useInMemoryFileSystem: true });
    const add = (path: string, text: string): void => void project.createSourceFile(`/p/${path}`, text);
    add('codegen/emit/x.ts', "import { Reader } from '../../runtime/codec/index.js';\nexport * from '../../generated/index.js';");
    add('generated/a.ts', "import { Writer } from '../runtime/codec/index.js';\nimport { x } from '../runtime/frame/index.js';\nimport 'fast-xml-parser';");
    add('runtime/codec/b.ts', "import { y } from '../frame/index.js';\nimport { createHash } from 'node:crypto';");
    add('runtime/client/c.ts', "import net from 'net';\nconst m = await import('node:tls');");
    add('runtime/io/d.ts', "import net from 'node:net';\nimport type { TlsOptions } from '../client/options.js';");
    add('runtime/testing/io/t.ts', "import net from 'node:net';");
    add('runtime/testing/u.ts', "import net from 'node:net';");
    add('tools/inspect/f.ts', "import { FrameParser } from 'warren/codec';\nimport { Reader } from '../../runtime/codec/index.js';\nimport { x } from './g.js';\nimport 'node:net';");
    add('runtime/client/session/s.ts', "import type { Channel } from '../channel/channel.js';\nimport { replay } from '../recovery/replay.js';\nimport type { Connection } from '../connection.js';");
    add('runtime/client/channel/k.ts', "import { replay } from '../recovery/replay.js';\nimport type { Connection } from '../connection.js';\nimport type { Link } from './link.js';");
    add('runtime/protocol/g.ts', "import type { Transport } from '../io/transport.js';\nimport type { Channel } from '../client/channel.js';");
    add('runtime/protocol/e.ts', 'const t = Date.now();\nsetTimeout(() => {}, 1);\nconst d = new Date();\nconst ok = new Date(0);\nconst o = { setTimeout: 1 }.setTimeout;');
    expect(forbiddenEdges(project, '/p')).toEqual([
      "codegen/emit/x.ts -> ../../generated/index.js: codegen/ must not import runtime/ or generated/",
      "codegen/emit/x.ts -> ../../runtime/codec/index.js: codegen/ must not import runtime/ or generated/",
      'generated/a.ts -> ../runtime/frame/index.js: generated/ may import only runtime/codec/',
      'generated/a.ts -> fast-xml-parser: generated/ may import only runtime/codec/',
      'runtime/client/c.ts -> net: only runtime/io/ may import Node built-ins',
      'runtime/client/c.ts -> node:tls: only runtime/io/ may import Node built-ins',
      'runtime/client/channel/k.ts -> ../connection.js: a channel must not import recovery/ or the connection facade',
      'runtime/client/channel/k.ts -> ../recovery/replay.js: a channel must not import recovery/ or the connection facade',
      'runtime/client/session/s.ts -> ../channel/channel.js: the session must not import channel/, recovery/ or the connection facade',
      'runtime/client/session/s.ts -> ../connection.js: the session must not import channel/, recovery/ or the connection facade',
      'runtime/client/session/s.ts -> ../recovery/replay.js: the session must not import channel/, recovery/ or the connection facade',
      'runtime/codec/b.ts -> ../frame/index.js: runtime/codec/ may import only runtime/codec/',
      'runtime/codec/b.ts -> node:crypto: only runtime/io/ may import Node built-ins',
      'runtime/codec/b.ts -> node:crypto: runtime/codec/ may import only runtime/codec/',
      'runtime/io/d.ts -> ../client/options.js: runtime/io/ must not import runtime/client/',
      'runtime/protocol/e.ts:1 uses Date.now: runtime/protocol/ gets time passed in',
      'runtime/protocol/e.ts:2 uses setTimeout: runtime/protocol/ gets time passed in',
      'runtime/protocol/e.ts:3 uses new Date(): runtime/protocol/ gets time passed in',
      'runtime/protocol/g.ts -> ../client/channel.js: runtime/protocol/ must not import runtime/io/ or runtime/client/',
      'runtime/protocol/g.ts -> ../io/transport.js: runtime/protocol/ must not import runtime/io/ or runtime/client/',
      'runtime/testing/u.ts -> node:net: only runtime/io/ may import Node built-ins',
      'tools/inspect/f.ts -> ../../runtime/codec/index.js: tools/ may import only warren/codec, Node built-ins and tools/',
    ]);
  });
});

/** `file: name` of each exported `let` or `var` (directly or through an export list). */
function mutableExports(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const sf of files) {
    for (const [name, decls] of sf.getExportedDeclarations()) {
      for (const d of decls) {
        if (!Node.isVariableDeclaration(d) || d.getSourceFile() !== sf) continue;
        const kind = d.getVariableStatement()?.getDeclarationKind();
        if (kind !== 'const') out.push(`${posix.relative(ROOT, sf.getFilePath()) || sf.getFilePath()}: ${name}`);
      }
    }
  }
  return out;
}
