// The README and every page of docs/ run as written against the real broker. Each page's `ts`
// blocks are joined, in order, into one program (a block may use what an earlier block of the
// page declared): imports of `warren` and `warren/*` go to the sources of those entry points,
// `amqp://` URLs naming localhost or node1, node2... go to the test broker, and the names a page
// uses without declaring (`connection`, `channel`, `queue`, `fib`, `log`, an OpenTelemetry
// `NodeSDK`) are declared before it, as docs/README.md ("How the snippets are checked") tells
// page writers. All pages are type-checked together by tsc, then each runs with tsx.
//
// The links between these pages are checked too: a relative link names a file that exists, and
// an `#anchor` names a heading of its page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES } from '../tsup.config.js';
import { amqpUrl } from './helpers/broker.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, '.tmp', `snippets-${process.pid}`);

/** README.md and docs/**\/*.md (docs/api, TypeDoc's output, excluded), as paths from the root. */
function pages(): string[] {
  const docs = (readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' }) as string[])
    .map((file) => `docs/${file.split('\\').join('/')}`)
    .filter((file) => file.endsWith('.md') && !file.startsWith('docs/api/'))
    .sort();
  return ['README.md', ...docs];
}

/** The contents of a page's code fences, with their info strings, in order. */
function fences(markdown: string): Array<{ lang: string; code: string }> {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```\s*$/gm)].map((m) => ({ lang: m[1]!.trim().split(/\s+/)[0]!, code: m[2]! }));
}

/**
 * Import specifier → source file, from the package's own tables: each `exports` subpath names a
 * dist file, whose name is a tsup entry, whose value is the source. A new entry point needs
 * nothing here.
 */
function entrySources(): Map<string, string> {
  const entries = new Map(Object.entries(ENTRIES));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  const firstJs = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value.endsWith('.js') ? value : undefined;
    // The `import` condition is what a Node ESM program gets; an entry may list conditions for
    // other runtimes first, so it is looked for by name.
    if (value && typeof value === 'object' && 'import' in value) return firstJs((value as { import: unknown }).import);
    if (value && typeof value === 'object') for (const v of Object.values(value)) { const found = firstJs(v); if (found) return found; }
    return undefined;
  };
  const map = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = firstJs(target);
    const name = file?.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
    const src = name ? entries.get(name) : undefined;
    if (src) map.set(subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, join(root, src));
  }
  return map;
}

/** Names a page may use without declaring them, each with what declares it (in this order). */
const PRELUDE: Array<{ name: string; needs?: string[]; imports?: string[]; code: string }> = [
  { name: 'connection', code: 'const connection = await __warren.connect(__url);' },
  { name: 'channel', needs: ['connection'], code: 'const channel = await connection.channel();' },
  { name: 'queue', needs: ['channel'], code: "const { queue } = await channel.queueDeclare('', { exclusive: true });" },
  { name: 'fib', code: 'const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));' },
  { name: 'log', code: 'const log = console;' },
  {
    name: 'traceExporter',
    imports: ["import { InMemorySpanExporter as __InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';"],
    code: 'const traceExporter = new __InMemorySpanExporter();',
  },
  {
    name: 'metricReader',
    imports: ["import { AggregationTemporality as __Temporality, InMemoryMetricExporter as __InMemoryMetricExporter, PeriodicExportingMetricReader as __PeriodicReader } from '@opentelemetry/sdk-metrics';"],
    code: 'const metricReader = new __PeriodicReader({ exporter: new __InMemoryMetricExporter(__Temporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });',
  },
  {
    name: 'NodeSDK',
    imports: [
      "import { metrics as __metrics, trace as __trace } from '@opentelemetry/api';",
      "import { BasicTracerProvider as __TracerProvider, SimpleSpanProcessor as __SpanProcessor, type SpanExporter as __SpanExporter } from '@opentelemetry/sdk-trace-base';",
      "import { MeterProvider as __MeterProvider, type MetricReader as __MetricReader } from '@opentelemetry/sdk-metrics';",
    ],
    code: [
      '/** What `new NodeSDK({ traceExporter, metricReader }).start()` of @opentelemetry/sdk-node registers. */',
      'class NodeSDK {',
      '  constructor(private readonly options: { traceExporter: __SpanExporter; metricReader: __MetricReader }) {}',
      '  start(): void {',
      '    __trace.setGlobalTracerProvider(new __TracerProvider({ spanProcessors: [new __SpanProcessor(this.options.traceExporter)] }));',
      '    __metrics.setGlobalMeterProvider(new __MeterProvider({ readers: [this.options.metricReader] }));',
      '  }',
      '}',
    ].join('\n'),
  },
];

function declares(code: string, name: string): boolean {
  const n = `\\b${name}\\b`;
  return new RegExp(`\\b(?:const|let|var|function|class)\\s+${n}|\\b(?:const|let|var)\\s*\\{[^}]*${n}[^}]*\\}\\s*=|\\bimport\\s*(?:type\\s*)?\\{[^}]*${n}[^}]*\\}\\s*from`).test(code);
}

/** Whether code names `name` as a variable (not in a string, a comment, a property or a key). */
function uses(code: string, name: string): boolean {
  const bare = code.replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''").replace(/\/\/.*$/gm, '');
  return new RegExp(`(?<![.\\w$])${name}\\b(?!\\s*:)`).test(bare);
}

/** The program a page's `ts` blocks make, or null when it has none. */
function program(page: string, url: string, sources: Map<string, string>): string | null {
  const blocks = fences(readFileSync(join(root, page), 'utf8')).filter((f) => f.lang === 'ts' || f.lang === 'typescript');
  if (blocks.length === 0) return null;
  let code = blocks.map((b) => b.code).join('\n');
  code = code.replace(/\bfrom\s+'(warren(?:\/[\w/-]+)?)'/g, (whole, spec: string) => {
    const src = sources.get(spec);
    if (!src) throw new Error(`${page} imports '${spec}', which is not an entry point of package.json`);
    return `from '${src}'`;
  });
  code = code.replace(/'(amqps?:\/\/[^']*)'/g, (whole, literal: string) => {
    const parsed = new URL(literal);
    if (parsed.hostname !== 'localhost' && !/^node\d+$/.test(parsed.hostname)) return whole;
    const path = parsed.pathname === '/' && !literal.endsWith('/') ? '' : parsed.pathname;
    return `'${url}${path}${parsed.search}'`;
  });
  // A page that closes the connection and goes on using it (the README's first program closes
  // it, the next blocks of a page may use it): closed once, after the last block.
  const closes = /^await connection\.close\(\);.*$/m.test(code);
  code = code.replace(/^await connection\.close\(\);.*$/gm, '');
  const wanted = new Set<string>();
  const want = (name: string): void => {
    if (declares(code, name)) return;
    const item = PRELUDE.find((p) => p.name === name)!;
    for (const dep of item.needs ?? []) want(dep);
    wanted.add(name);
  };
  for (const { name } of PRELUDE) if (uses(code, name)) want(name);
  const prelude = PRELUDE.filter((p) => wanted.has(p.name));
  const hasConnection = wanted.has('connection') || declares(code, 'connection');
  return [
    `import * as __warren from '${sources.get('warren')}';`,
    ...prelude.flatMap((p) => p.imports ?? []),
    `const __url = ${JSON.stringify(url)};`,
    ...prelude.map((p) => p.code),
    `// ---- ${page}`,
    code,
    '// ---- end',
    hasConnection || closes ? 'await connection.close();' : '',
    `console.log('SNIPPETS OK');`,
    // Whatever a page left running (a recovering connection to node1..3, an instrumented SDK)
    // is not what this test is about: the program ends here.
    'process.exit(0);',
  ].join('\n');
}

const files = new Map<string, string>();

beforeAll(() => {
  const url = amqpUrl().replace(/\/$/, '');
  const sources = entrySources();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const page of pages()) {
    const code = program(page, url, sources);
    if (code === null) continue;
    const file = join(outDir, `${page.replace(/[/.]/g, '_')}.ts`);
    writeFileSync(file, code);
    files.set(page, file);
  }
  expect(files.has('README.md')).toBe(true);
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { allowImportingTsExtensions: true, noEmit: true, paths: {} },
      include: [],
      files: [...files.values()],
    }),
  );
  return () => rmSync(outDir, { recursive: true, force: true });
});

it('every ts block of the README and docs/ type-checks', () => {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    expect.fail(`tsc found errors in the snippets (files in ${relative(root, outDir)}, kept while the test runs):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}, 600_000);

describe.each(pages())('%s', (page) => {
  it('runs its ts blocks against the broker', (ctx) => {
    const file = files.get(page);
    if (!file) {
      // A page without ts blocks has nothing to run; its links are still checked below.
      expect(fences(readFileSync(join(root, page), 'utf8')).filter((f) => f.lang === 'ts')).toEqual([]);
      return;
    }
    let out = '';
    try {
      out = execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), file], { cwd: root, encoding: 'utf8', stdio: 'pipe', timeout: 240_000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      expect.fail(`${page}: its snippets failed (program ${relative(root, file)}):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
    expect(out, ctx.task.name).toContain('SNIPPETS OK');
  }, 300_000);

  it('links to files and headings that exist', () => {
    const problems: string[] = [];
    const text = readFileSync(join(root, page), 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) {
        problems.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) problems.push(`${target}: no such heading`);
    }
    expect(problems).toEqual([]);
  });
});

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = markdown.replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}
