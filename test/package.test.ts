/**
 * The package as npm delivers it: built by tsup.config.ts (into a folder of its own), packed by
 * `npm pack`, unpacked under node_modules/warren of a scratch project, then used there as users
 * use it. This file holds the package to its budgets:
 * - unpacked size at most 1 MB (npm's figure; it was 4.97 MB with a copy of the code per
 *   CommonJS entry point and 2.8 MB of source maps), and no source maps;
 * - each row of scripts/bundle-size.mjs (an import bundled and minified, then gzipped) within its
 *   budget, and the README's bundle-size table within 10 % of the measurement.
 * And it checks that nothing was lost on the way: every entry point loads as an ES module and
 * through require(), both give the same instance (one ReplyError class), the codec round-trips a
 * publish in both, the bins run, the types check for ESM, CommonJS and bundler resolution, and a
 * Worker bundle (the `workerd` condition) takes no node:* module. (A Worker run in workerd:
 * test/runtimes/worker.test.ts.)
 * (The client against a broker through a built package: test/integration/otel/package.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without types
import { measure, readTable } from '../scripts/bundle-size.mjs';
import { importsMap } from '../scripts/lib/runtimes-workerd.mjs';
import { build as esbuild } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, '.tmp', `package-${process.pid}`);
const stage = join(dir, 'stage');
const app = join(dir, 'app');
const pkgDir = join(app, 'node_modules', 'warren');
// Issue 20's target: 1 MB in all. Measured 0.959 MB: types 0.496 (their JSDoc is for users: it
// stays), code 0.424 (the bins and warren/testing included), the specs warren-codegen reads
// 0.025 (gzipped), README and package.json 0.014. From 1.27 MB: Cloudflare Workers run the shared
// chunks (the platform seams of scripts/lib/runtimes-workerd.mjs; a second, 0.21 MB copy of the
// client before), the specs gzipped (-0.10), the types indented by two spaces (-0.012) and
// warren-inspect minified (-0.013). Levers left, should it grow: the types without `@internal`
// members (-0.05, once no public type is built from an @internal one: tsup.config.ts, types()),
// or warren/codegen, its bin and the specs as a package of their own (-0.075).

const UNPACKED_BUDGET = 1_000_000;

interface Packed {
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}
let packed: Packed;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; imports: Record<string, unknown>; bin: Record<string, string>; files: string[] };
const subpaths = Object.keys(manifest.exports).filter((s) => s !== './package.json');
const specifier = (subpath: string): string => (subpath === '.' ? 'warren' : `warren/${subpath.slice(2)}`);

const node = (args: string[], cwd = app): string => execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], {
    cwd: root,
    env: { ...process.env, WARREN_DIST: join(stage, 'dist') },
    stdio: 'pipe',
    timeout: 600_000,
  });
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  for (const entry of manifest.files) if (entry !== 'dist' && existsSync(join(root, entry))) cpSync(join(root, entry), join(stage, entry), { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: stage, encoding: 'utf8', stdio: 'pipe' });
  packed = (JSON.parse(out) as Packed[])[0]!;
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['xzf', join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!), '-C', pkgDir, '--strip-components=1']);
  // A package scope of its own; modules found by walking up (typescript, @opentelemetry/api,
  // the generator's peers) come from the repository's node_modules, as from an application's.
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
}, 660_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('size', () => {
  it(`is at most ${UNPACKED_BUDGET / 1e6} MB unpacked, with no source maps`, () => {
    const largest = [...packed.files].sort((a, b) => b.size - a.size).slice(0, 5).map((f) => `${f.path} ${f.size}`);
    expect(packed.unpackedSize, `unpacked ${packed.unpackedSize} bytes; largest: ${largest.join(', ')}`).toBeLessThanOrEqual(UNPACKED_BUDGET);
    expect(packed.files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
  });

  it('holds every file that package.json names', () => {
    const files = new Set(packed.files.map((f) => f.path));
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v.replace(/^\.\//, ''));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(manifest.exports);
    walk(manifest.imports);
    walk(manifest.bin);
    expect(targets.filter((t) => !files.has(t))).toEqual([]);
  });

  it('maps each platform seam of the build in package.json imports', () => {
    expect(manifest.imports).toEqual(importsMap());
  });

  it('keeps each bundle-size row within its budget, and the README table current', async () => {
    const rows = (await measure(pkgDir)) as Array<{ label: string; budget: number; minified: number; gzipped: number }>;
    for (const r of rows) expect(r.gzipped, `${r.label}: ${r.gzipped} bytes gzipped`).toBeLessThanOrEqual(r.budget);
    const written = readTable(readFileSync(join(root, 'README.md'), 'utf8')) as Array<{ label: string; minified: number; gzipped: number }>;
    expect(written.map((r) => r.label)).toEqual(rows.map((r) => r.label));
    for (const r of rows) {
      const w = written.find((x) => x.label === r.label)!;
      const drift = Math.abs(w.gzipped - r.gzipped) / r.gzipped;
      expect(drift, `README says ${w.gzipped} bytes for ${r.label}, measured ${r.gzipped}: run npm run bundle-size`).toBeLessThanOrEqual(0.1);
    }
  }, 60_000);
});

describe('as an application uses it', () => {
  it('loads every entry point as an ES module and through require(), as one instance', () => {
    const list = JSON.stringify(subpaths.map(specifier));
    writeFileSync(
      join(app, 'load.mjs'),
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const out = {};
for (const s of ${list}) {
  const esm = await import(s);
  const cjs = require(s);
  const names = Object.keys(esm).sort();
  out[s] = { names: names.length, same: JSON.stringify(names) === JSON.stringify(Object.keys(cjs).filter((k) => k !== '__esModule').sort()), identical: names.every((n) => esm[n] === cjs[n]) };
}
console.log(JSON.stringify(out));`,
    );
    const out = JSON.parse(node(['load.mjs'])) as Record<string, { names: number; same: boolean; identical: boolean }>;
    for (const s of subpaths.map(specifier)) expect(out[s], s).toEqual({ names: expect.any(Number), same: true, identical: true });
    for (const s of subpaths.map(specifier)) expect(out[s]!.names, s).toBeGreaterThan(0);
  });

  const roundTrip = (load: string): string => `${load}
const w = new Writer();
writeContentFrames(w, 1, basicPublish, { kind: 'basic.publish', exchange: '', routingKey: 'tasks', mandatory: false, immediate: false },
  basicProperties, { contentType: 'text/plain', priority: 0 }, new TextEncoder().encode('hello'), 131072);
const parser = new FrameParser({ frameMax: 131072 });
parser.push(w.toBytes());
const method = decodeMethod(registry, parser.next().payload);
const header = decodeContentHeader(registry, parser.next().payload);
const body = new TextDecoder().decode(parser.next().payload);
let refused;
try { await connect('localhost:5672'); } catch (e) { refused = e.name; }
console.log(JSON.stringify({ kind: method.kind, routingKey: method.routingKey, contentType: header.properties.contentType, priority: header.properties.priority, body, refused }));`;
  const expected = { kind: 'basic.publish', routingKey: 'tasks', contentType: 'text/plain', priority: 0, body: 'hello', refused: 'ConfigurationError' };
  const names = '{ Writer, FrameParser, writeContentFrames, basicPublish, basicProperties, decodeMethod, decodeContentHeader, registry }';

  it('round-trips a publish through warren/codec, and refuses a bad address, as an ES module', () => {
    writeFileSync(join(app, 'codec.mjs'), roundTrip(`import ${names} from 'warren/codec';\nimport { connect } from 'warren';`));
    expect(JSON.parse(node(['codec.mjs']))).toEqual(expected);
  });

  it('does the same through require()', () => {
    writeFileSync(join(app, 'codec.cjs'), `(async () => {\n${roundTrip(`const ${names} = require('warren/codec');\nconst { connect } = require('warren');`)}\n})();`);
    expect(JSON.parse(node(['codec.cjs']))).toEqual(expected);
  });

  it('runs warren-inspect and warren-codegen from their bin paths', () => {
    const inspect = join(pkgDir, manifest.bin['warren-inspect']!);
    expect(node([inspect, 'decode', '--hex', '0100010000000d003c0050000000000000000700ce']).split('\n')[0]).toContain('basic.ack                           deliveryTag=7 multiple=false');
    const codegen = join(pkgDir, manifest.bin['warren-codegen']!);
    const out = node([codegen, '--spec', 'node_modules/warren/spec/amqp0-9-1.xml', '--overlay', 'node_modules/warren/spec/rabbitmq.xml', '--out', 'generated']);
    expect(out).toMatch(/wrote \d+ files/);
    expect(readFileSync(join(app, 'generated/methods.ts'), 'utf8')).toContain("kind: 'basic.publish'");
    expect(readFileSync(join(app, 'generated/codec/basic.ts'), 'utf8')).toContain("from 'warren/codec'");
    // The package's specs are gzipped (read by the .xml path): the same XML as the repository's, by the banner's sha256.
    const hashes = (text: string): string[] => [...text.matchAll(/sha256:([0-9a-f]{64})/g)].map((m) => m[1]!);
    expect(hashes(readFileSync(join(app, 'generated/methods.ts'), 'utf8'))).toEqual(hashes(readFileSync(join(root, 'generated/methods.ts'), 'utf8')));
    expect(packed.files.map((f) => f.path).filter((p) => p.startsWith('spec/')).sort()).toEqual(['spec/amqp0-9-1.xml.gz', 'spec/rabbitmq.xml.gz']);
  });

  it('bundles for a Cloudflare Worker (the workerd condition) with no node:* module, as wrangler does', async () => {
    const result = await esbuild({
      stdin: { contents: "import { connect } from 'warren'; export default { fetch: async () => new Response(String(typeof connect)) };", resolveDir: app, loader: 'js' },
      bundle: true, write: false, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['cloudflare:*'], metafile: true, logLevel: 'silent',
      // Not the repository's tsconfig (its `paths` map `warren` to the sources): the package as installed.
      tsconfigRaw: {},
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => /node_modules\/warren\/dist\/io\//.test(f))).toEqual([]);
    expect(inputs.filter((f) => /node_modules\/warren\/dist\/workerd\//.test(f)).length).toBe(Object.keys(manifest.imports).length);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).toEqual(['cloudflare:sockets']);
  });

  it('type-checks for ESM and CommonJS (nodenext) and for bundlers', () => {
    const uses = subpaths.map((s, i) => `import * as m${i} from '${specifier(s)}';`).join('\n');
    writeFileSync(
      join(app, 'esm.mts'),
      `${uses}
import { connect, isReplyError, type Connection, type ReplyError } from 'warren';
import type { BasicPublish } from 'warren/codec';
const publish: BasicPublish = { kind: 'basic.publish', exchange: '', routingKey: '', mandatory: false, immediate: false };
const c: Promise<Connection> = connect('amqp://localhost');
const e: unknown = null;
if (isReplyError(e)) { const r: ReplyError = e; void r.replyCode; }
void [publish, c, ${subpaths.map((_, i) => `m${i}`).join(', ')}];
// @ts-expect-error warren has no default export
import none from 'warren';
void none;
`,
    );
    writeFileSync(
      join(app, 'cjs.cts'),
      `import { connect, NotFoundError, type Connection } from 'warren';
import codec = require('warren/codec');
const c: Promise<Connection> = connect('amqp://localhost');
void [c, NotFoundError, codec.Writer];
`,
    );
    const types = join(root, 'node_modules/@types');
    const config = (name: string, options: object, files: string[]): string => {
      writeFileSync(join(app, name), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2023', 'esnext.disposable'], types: ['node'], typeRoots: [types], ...options }, files }));
      return name;
    };
    const tsc = (project: string): string => {
      try {
        return node([join(root, 'node_modules/typescript/bin/tsc'), '-p', project]);
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return `${err.stdout ?? ''}${err.stderr ?? ''}`;
      }
    };
    expect(tsc(config('tsconfig.node.json', { module: 'nodenext', moduleResolution: 'nodenext' }, ['esm.mts', 'cjs.cts']))).toBe('');
    expect(tsc(config('tsconfig.bundler.json', { module: 'esnext', moduleResolution: 'bundler' }, ['esm.mts']))).toBe('');
  }, 120_000);
});
