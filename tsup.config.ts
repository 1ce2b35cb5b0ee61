// The package's build: one implementation, shared by every entry point, both module systems and
// every runtime (Cloudflare Workers included).
//
// Layout of dist/ (see docs/development.md, "The package"):
// - `<entry>.cjs` and `chunk-*.cjs`: the code, CommonJS, split into chunks shared by all entry
//   points (so `warren` and `warren/codec` carry the codec once), minified with names kept
//   (stack traces and `util.inspect` show the real function and class names).
// - `<entry>.js`: the ES module entry, one line re-exporting `<entry>.cjs`. ESM and CommonJS
//   users (and a program that mixes them) therefore share one instance: one `ReplyError` class
//   for `instanceof`, one set of tracing channels.
// - `io/*.cjs` and `workerd/*.js`: the two sides of the platform seams (sockets, DNS,
//   diagnostics channels, timers) that the chunks import as `#io/...` through package.json
//   `imports`; a Worker bundle (the `workerd` condition) gets the workerd side, everything else
//   Node's (scripts/lib/runtimes-workerd.mjs). No second copy of the client for Workers.
// - `<entry>.d.cts`: the types, once, with their JSDoc; `<entry>.d.ts` re-exports them for ESM.
// - no source maps (they would be three times the code): WARREN_SOURCEMAP=1 builds them, with
//   the sources in them (docs/development.md, "The package").
//
// Adding an entry point: one line in ENTRIES, and its block in package.json `exports`.
// WARREN_DIST=dir builds into another folder (test/package.test.ts builds a package of its own).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild, type Plugin } from 'esbuild';
import { build as tsup, defineConfig, type Options } from 'tsup';
import { buildWorkerdSeams, checkWorkerd, IO_TIMERS, NODE_SHIMS, SEAM_ENTRIES, seamsPlugin } from './scripts/lib/runtimes-workerd.mjs';

/** Entry name (the file name in dist/) → source. */
export const ENTRIES: Record<string, string> = {
  index: 'runtime/index.ts',
  codec: 'runtime/exports/codec.ts',
  protocol: 'runtime/exports/protocol.ts',
  otel: 'runtime/otel/index.ts',
  amqplib: 'runtime/amqplib/index.ts',
  'amqplib-callback-api': 'runtime/amqplib/callback-api.ts',
  testing: 'runtime/testing/index.ts',
  codegen: 'codegen/index.ts',
};

/**
 * Appended to each CommonJS file: once the module has run, `module.exports` becomes a plain
 * object with the same names and values. esbuild's CommonJS face of an ES module reads every
 * export through two getters (`__export`'s, then `__toCommonJS`'s copy), and the chunks call
 * each other's functions through it on the hot paths (frame decoding, content assembly): a CPU
 * profile of a consumer showed 4-5 % of its time in those getters. The values are final by then
 * (no module exports a binding it can reassign: test/boundaries.test.ts), and
 * a chunk required while it is still running (a cycle) keeps the getter object, which still
 * works. The ES module faces find the names statically (cjs-module-lexer reads esbuild's export
 * list at the top of the file), so they are unchanged.
 */
const PLAIN_EXPORTS = ';{let s=module.exports,d={};for(let k in s)d[k]=s[k];module.exports=Object.defineProperty(d,"__esModule",{value:!0})}';

/** Optional peer dependencies: never bundled. */
const EXTERNAL = ['fast-xml-parser', 'ts-morph', '@opentelemetry/api'];

/**
 * dist/<tmp>/**.js (ES modules in shared chunks, as esbuild splits them) → dist/**.cjs, one
 * CommonJS file per module with its imports of sibling chunks kept as require() calls: esbuild
 * splits only ES modules, and tsup's own CommonJS splitting rewrites the code with sucrase (class
 * fields as `__init` calls, optional chaining as helper calls) and broke minified output. The
 * workerd side of the seams (workerd/) stays ES modules, importing the CommonJS chunks: a Worker
 * is bundled, and `cloudflare:sockets` must stay a static import. Then the ES module face of each
 * entry (code and types): a re-export of its CommonJS build.
 */
async function commonJs(outDir: string, tmp: string, sourcemap: boolean): Promise<void> {
  const siblings: Plugin = {
    name: 'siblings',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) =>
        args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.js$/, '.cjs'), external: true },
      );
    },
  };
  const files = readdirSync(tmp, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  /** Each file written (relative to outDir) → what it imports: for checkWorkerd. */
  const imports = new Map<string, string[]>();
  await Promise.all(
    files.map(async (file) => {
      const workerd = file.startsWith('workerd/');
      const out = workerd ? file : file.replace(/\.js$/, '.cjs');
      const result = await esbuild({
        entryPoints: [join(tmp, file)],
        outfile: join(outDir, out),
        bundle: true,
        format: workerd ? 'esm' : 'cjs',
        platform: workerd ? 'neutral' : 'node',
        target: workerd ? 'es2022' : 'node20',
        minify: true,
        // Short lines: Node prints the source line of an uncaught error's top frame, which
        // would otherwise be a whole chunk.
        lineLimit: 160,
        sourcemap,
        external: [...EXTERNAL, '#io/*', 'cloudflare:sockets'],
        plugins: [siblings],
        metafile: true,
        logLevel: 'error',
        ...(workerd ? {} : { footer: { js: PLAIN_EXPORTS } }),
      });
      imports.set(out, Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)));
    }),
  );
  rmSync(tmp, { recursive: true, force: true });
  for (const [file, list] of await buildWorkerdSeams(outDir, { sourcemap })) imports.set(file, list);
  for (const [name, code] of Object.entries(NODE_SHIMS)) {
    mkdirSync(join(outDir, 'io'), { recursive: true });
    writeFileSync(join(outDir, 'io', `${name}.cjs`), code);
  }
  for (const [name, source] of Object.entries(ENTRIES)) {
    // `export *` leaves a default export out: an entry that has one (warren/amqplib, as amqplib's
    // `import amqp from 'amqplib'`) gets the CommonJS module's `default`, the same object that
    // require() users get.
    const withDefault = /^export default /m.test(readFileSync(source, 'utf8'));
    const js = withDefault ? `import m from './${name}.cjs';\nexport * from './${name}.cjs';\nexport default m.default;\n` : `export * from './${name}.cjs';\n`;
    writeFileSync(`${outDir}/${name}.js`, js);
    writeFileSync(`${outDir}/${name}.d.ts`, `export * from './${name}.cjs';\n${withDefault ? `export { default } from './${name}.cjs';\n` : ''}`);
  }
  checkWorkerd(imports);
}

/**
 * `<entry>.d.cts` and their chunks, with every JSDoc comment (it is for users). Indented by two
 * spaces, as the sources are (TypeScript's emitter writes four): the same declarations and
 * comments, 12 kB less. (`stripInternal` would save 50 kB more, but `@internal` here also marks
 * types that public ones are built from, e.g. tracing's GetEventOf under GetEvent.)
 */
async function types(outDir: string): Promise<void> {
  await tsup({ config: false, entry: ENTRIES, outDir, format: ['cjs'], dts: { only: true }, external: EXTERNAL, silent: true });
  for (const file of readdirSync(outDir).filter((f) => f.endsWith('.d.cts'))) {
    const text = readFileSync(join(outDir, file), 'utf8');
    writeFileSync(join(outDir, file), text.replace(/^(?: {4})+/gm, (indent) => ' '.repeat(indent.length / 2)));
  }
}

/**
 * The AMQP spec and RabbitMQ's overlay, for `warren-codegen`, gzipped into `<root>/spec/` (the
 * package's `files` take `spec/*.xml.gz`, not the XML: 126 kB → 25 kB). warren-codegen reads
 * them, by their `.xml` path too (codegen/run.ts, readSpec), with the same output.
 */
function specs(root: string): void {
  mkdirSync(join(root, 'spec'), { recursive: true });
  for (const file of readdirSync('spec').filter((f) => f.endsWith('.xml'))) {
    writeFileSync(join(root, 'spec', `${file}.gz`), gzipSync(readFileSync(join('spec', file)), { level: 9 }));
  }
}

// A function, so that dist/ is emptied when tsup builds, not when a test imports ENTRIES. (tsup's
// own `clean` runs per configuration, and the three below run at the same time.)
export default defineConfig((): Options[] => {
  const outDir = process.env.WARREN_DIST ?? 'dist';
  rmSync(outDir, { recursive: true, force: true });
  const sourcemap = process.env.WARREN_SOURCEMAP === '1';
  const common: Options = { outDir, target: 'node20', external: EXTERNAL, sourcemap };
  return [
    {
      ...common,
      // codegen-run: warren-codegen's code (not an entry point of the package), sharing the chunks
      // of warren/codegen; the bin below loads it.
      // io/* and workerd/*: the two sides of the platform seams (scripts/lib/runtimes-workerd.mjs).
      entry: { ...ENTRIES, 'codegen-run': 'codegen/run.ts', ...SEAM_ENTRIES },
      outDir: `${outDir}/esm-chunks`,
      format: ['esm'],
      splitting: true,
      minify: true,
      keepNames: true,
      // tsup would strip node: and leave such imports external, past the seams' plugin.
      removeNodeProtocol: false,
      external: [...EXTERNAL, 'cloudflare:sockets'],
      esbuildPlugins: [seamsPlugin()],
      esbuildOptions(options) {
        options.inject = [...(options.inject ?? []), IO_TIMERS];
      },
      // The types after the code, as they are rewritten once written (tsup runs configurations
      // at the same time, and no hook follows a types-only one).
      onSuccess: async () => {
        await commonJs(outDir, `${outDir}/esm-chunks`, sourcemap);
        await types(outDir);
        specs(dirname(outDir));
      },
    },
    {
      // The bins are ES modules (warren-codegen awaits at its top level). codegen/cli.ts checks
      // the optional peers, then imports ./run.js: here the CommonJS build of it.
      ...common,
      entry: { 'codegen-cli': 'codegen/cli.ts' },
      format: ['esm'],
      esbuildPlugins: [
        {
          name: 'codegen-run',
          setup(build) {
            build.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: './codegen-run.cjs', external: true }));
          },
        },
      ],
    },
    {
      // warren-inspect imports the package by its public name, as an outside tool would; Node
      // resolves `warren/codec` through the package's own `exports`.
      ...common,
      entry: { 'inspect-cli': 'tools/inspect/cli.ts' },
      format: ['esm'],
      external: ['warren/codec'],
      minify: true,
      keepNames: true,
    },
  ];
});
