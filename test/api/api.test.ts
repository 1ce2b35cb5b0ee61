/**
 * The public API of every package entry point, compared with a committed snapshot
 * (test/api/<entry>.api.txt), so that an accidental break (an export removed, renamed or
 * retyped; a public member of an exported class changed) fails the suite. The entry points are
 * those of package.json `exports` (built by tsup.config.ts); a test checks that the two lists
 * agree, so a new entry point gets a snapshot too.
 *
 * A deliberate change: `npm run api:update` (WARREN_API_UPDATE=1) rewrites the snapshots; review
 * the diff and commit it with the change. How the text is made: api-surface.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiProgram, apiSurface } from './api-surface.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const UPDATE = process.env.WARREN_API_UPDATE === '1';

/** Package subpath → [source file, snapshot name]. */
const ENTRIES: Record<string, [string, string]> = {
  '.': ['runtime/index.ts', 'warren'],
  './codec': ['runtime/exports/codec.ts', 'codec'],
  './protocol': ['runtime/exports/protocol.ts', 'protocol'],
  './otel': ['runtime/otel/index.ts', 'otel'],
  './codegen': ['codegen/index.ts', 'codegen'],
  './amqplib': ['runtime/amqplib/index.ts', 'amqplib'],
  './amqplib/callback_api': ['runtime/amqplib/callback-api.ts', 'amqplib-callback-api'],
  './testing': ['runtime/testing/index.ts', 'testing'],
};

describe('public API snapshot', () => {
  it('covers every entry point of package.json and tsup.config.ts', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').sort();
    expect(subpaths).toEqual(Object.keys(ENTRIES).sort());
    const tsup = readFileSync(`${ROOT}/tsup.config.ts`, 'utf8');
    for (const [source] of Object.values(ENTRIES)) expect(tsup).toContain(`'${source}'`);
  });

  it('sees a removed, renamed or retyped export, and not a move or a private change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-api-'));
    try {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: [] } }));
      const base = {
        'index.ts': "export { A, f, type T } from './a.js';",
        'a.ts': 'export class A {\n#x = 1;\nprivate y = 2;\n/** @internal */\nz = 3;\nm(n: number): string { return String(n + this.#x + this.y + this.z); }\n}\nexport function f(a: string): number { return a.length; }\nexport type T = "a" | "b";',
      };
      // each variant in a folder of its own, all in one program (a program per variant is seconds each)
      const variants: Record<string, Record<string, string>> = {
        base,
        // moved to another file, private and internal members changed: the same API
        moved: {
          'index.ts': "export { A } from './b.js';\nexport { f, type T } from './a.js';",
          'a.ts': 'export function f(a: string): number { return a.length; }\nexport type T = "a" | "b";',
          'b.ts': 'export class A {\n#w = 0;\nprivate q = 1;\n/** @internal */\nr(): void {}\nm(n: number): string { return String(n + this.#w + this.q); }\n}',
        },
        removed: { ...base, 'index.ts': "export { A, f } from './a.js';" },
        renamed: { ...base, 'index.ts': "export { A, f as g, type T } from './a.js';" },
        member: { ...base, 'a.ts': base['a.ts'].replace('m(n: number)', 'm(n: bigint)').replace('n + this', 'Number(n) + this') },
        alias: { ...base, 'a.ts': base['a.ts'].replace('"a" | "b"', '"a"') },
      };
      for (const [name, files] of Object.entries(variants)) {
        mkdirSync(join(dir, name));
        for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, file), text);
      }
      const entry = (name: string): string => join(dir, name, 'index.ts');
      const program = apiProgram(join(dir, 'tsconfig.json'), Object.keys(variants).map(entry));
      const surface = (name: string): string => apiSurface(program, entry(name));
      expect(surface('base')).toBe('class A\n  constructor()\n  m(n: number) => string\ntype T = "a" | "b"\nfunction f(a: string) => number\n');
      expect(surface('moved')).toBe(surface('base'));
      for (const changed of ['removed', 'renamed', 'member', 'alias']) expect(surface(changed), changed).not.toBe(surface('base'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const program = apiProgram(`${ROOT}/tsconfig.json`, Object.values(ENTRIES).map(([source]) => `${ROOT}/${source}`));

  // the checker reads the whole client: seconds on a loaded machine, hence the generous limit
  for (const [subpath, [source, name]] of Object.entries(ENTRIES)) {
    it(`${subpath === '.' ? 'warren' : `warren${subpath.slice(1)}`} (${source}) matches test/api/${name}.api.txt`, () => {
      const file = `${ROOT}/test/api/${name}.api.txt`;
      const header = `# Public API of ${subpath === '.' ? 'warren' : `warren${subpath.slice(1)}`} (${source}), made by test/api/api-surface.ts.\n# Do not edit: \`npm run api:update\` rewrites it after a deliberate API change.\n`;
      const actual = header + apiSurface(program, `${ROOT}/${source}`);
      if (UPDATE) writeFileSync(file, actual);
      expect(existsSync(file), `${file} is missing: run npm run api:update`).toBe(true);
      const expected = readFileSync(file, 'utf8');
      // compared line by line first, so that a failure names the lines that changed
      const was = new Set(expected.split('\n'));
      const is = new Set(actual.split('\n'));
      const removed = [...was].filter((l) => !is.has(l));
      const added = [...is].filter((l) => !was.has(l));
      expect({ removed, added }, 'the public API changed: if on purpose, run npm run api:update and commit the snapshot').toEqual({ removed: [], added: [] });
      expect(actual).toBe(expected);
    }, 120_000);
  }
});
