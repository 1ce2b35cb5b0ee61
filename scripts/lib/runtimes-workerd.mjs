// Cloudflare Workers (workerd) in the package: no bundle of its own. A Worker runs the same
// shared chunks of dist/ as Node does; the modules that differ by platform are reached through
// the package's private import map (package.json `imports`, `#io/...`), each with a `workerd`
// target (a Worker is always bundled, by wrangler's esbuild, which resolves with the `workerd`
// condition) and a default one (Node, Bun, Deno and bundlers for them):
//
//   #io/node-transport       node:net / node:tls transport  | the Workers transport as the default
//   #io/dns-resolver         node:dns lookups               | endpoints kept as they are
//   #io/cloudflare-sockets   import() when connecting       | a static import of cloudflare:sockets
//   #io/compression          node:zlib, synchronous         | functions that throw (no sync zlib)
//   #io/diagnostics-channel  node:diagnostics_channel       | channels with no subscribers
//   #io/timers               the platform's timers          | setImmediate and unref() for workerd
//
// The workerd side is runtime/io/workerd/*.ts; the Node side is runtime/io's own modules, or a
// line written here (NODE_SHIMS). So a Worker loads no node:* module and needs no nodejs_compat,
// and the package holds the client once (a second, 0.21 MB copy for Workers until issue 20).
// Timers: the client calls setTimeout, setImmediate and `unref()` as on Node; esbuild's `inject`
// (IO_TIMERS) binds those free names in the chunks to #io/timers, which on Node calls the
// platform's functions at each call (fake timers installed later still apply) and on workerd
// returns handles with a no-op unref(), without touching the Worker's globals.
//
// Used by tsup.config.ts (seamsPlugin, SEAM_ENTRIES, buildWorkerdSeams, NODE_SHIMS, checkWorkerd) and
// test/package.test.ts (SEAMS against package.json `imports`).

import { dirname, join, posix } from 'node:path';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IO = join(ROOT, 'runtime', 'io');

/**
 * Each platform seam: its specifier in the chunks → the source of each side (relative to the
 * repository; `node: null` is a shim of NODE_SHIMS). A workerd side that uses the client's own
 * code (`shared`: the Workers transport and its errors) is built with the chunks; the others are
 * built on their own (buildWorkerdSeams), as they must not import the chunks that import them.
 */
export const SEAMS = {
  '#io/node-transport': { node: 'runtime/io/node-transport.ts', workerd: 'runtime/io/workerd/node-transport.ts', shared: true },
  '#io/dns-resolver': { node: 'runtime/io/dns-resolver.ts', workerd: 'runtime/io/workerd/dns-resolver.ts' },
  '#io/cloudflare-sockets': { node: 'runtime/io/cloudflare-sockets.ts', workerd: 'runtime/io/workerd/cloudflare-sockets.ts' },
  '#io/compression': { node: 'runtime/io/compression.ts', workerd: 'runtime/io/workerd/compression.ts' },
  '#io/diagnostics-channel': { node: null, workerd: 'runtime/io/workerd/diagnostics-channel.ts' },
  '#io/timers': { node: null, workerd: 'runtime/io/workerd/timers.ts' },
};

const seamName = (specifier) => specifier.slice('#io/'.length);

/** The package.json `imports` map the build's output needs (the test holds package.json to it). */
export function importsMap() {
  return Object.fromEntries(
    Object.keys(SEAMS).map((s) => [s, { workerd: `./dist/workerd/${seamName(s)}.js`, default: `./dist/io/${seamName(s)}.cjs` }]),
  );
}

/** Entries of the shared build (name in dist/ → source): the seams' Node sides, the shared workerd sides. */
export const SEAM_ENTRIES = Object.fromEntries(
  Object.entries(SEAMS).flatMap(([s, { node, workerd, shared }]) => [
    ...(node ? [[`io/${seamName(s)}`, node]] : []),
    ...(shared ? [[`workerd/${seamName(s)}`, workerd]] : []),
  ]),
);

/**
 * Builds the workerd sides not built with the chunks into `outDir`/workerd/ (ES modules, each on
 * its own); returns what each file imports (see checkWorkerd).
 */
export async function buildWorkerdSeams(outDir, { sourcemap = false } = {}) {
  const imports = new Map();
  await Promise.all(
    Object.entries(SEAMS)
      .filter(([, { shared }]) => !shared)
      .map(async ([s, { workerd }]) => {
        const out = `workerd/${seamName(s)}.js`;
        const result = await esbuild({
          entryPoints: [join(ROOT, workerd)],
          outfile: join(outDir, out),
          bundle: true,
          format: 'esm',
          platform: 'neutral',
          target: 'es2022',
          minify: true,
          keepNames: true,
          lineLimit: 160,
          sourcemap,
          external: ['cloudflare:sockets'],
          metafile: true,
          logLevel: 'error',
        });
        imports.set(out, Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)));
      }),
  );
  return imports;
}

/** The Node side of the seams that are Node's own API: CommonJS, written as is into dist/io/. */
export const NODE_SHIMS = {
  'diagnostics-channel': "'use strict';\nmodule.exports = require('node:diagnostics_channel');\n",
  timers: [
    "'use strict';",
    '// The platform\'s timers, looked up at each call (fake timers installed later still apply).',
    'exports.setTimeout = (...args) => globalThis.setTimeout(...args);',
    'exports.clearTimeout = (timer) => globalThis.clearTimeout(timer);',
    'exports.setImmediate = (...args) => globalThis.setImmediate(...args);',
    'exports.clearImmediate = (timer) => globalThis.clearImmediate(timer);',
    '',
  ].join('\n'),
};

/** The file for esbuild's `inject`: the timer globals of the client, bound to #io/timers. */
export const IO_TIMERS = join(ROOT, 'scripts', 'lib', 'io-timers.mjs');

/** runtime/io modules that are seams, by absolute path (.ts) → specifier. */
const SEAM_FILES = new Map(
  Object.entries(SEAMS)
    .filter(([, { node }]) => node)
    .map(([s, { node }]) => [join(ROOT, node), s]),
);

/**
 * esbuild plugin of the shared build: an import of a seam (a runtime/io module above, or
 * node:diagnostics_channel) becomes an external import of its `#io/...` specifier, except where
 * the seam is itself an entry being built; `#io/...` (the injected timers) stays external.
 */
export function seamsPlugin() {
  return {
    name: 'warren-platform-seams',
    setup(build) {
      build.onResolve({ filter: /^#io\// }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter: /^(node:)?diagnostics_channel$/ }, () => ({ path: '#io/diagnostics-channel', external: true }));
      build.onResolve({ filter: /\/(node-transport|dns-resolver|cloudflare-sockets|compression)\.js$/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const target = join(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        const specifier = dirname(target) === IO ? SEAM_FILES.get(target) : undefined;
        return specifier ? { path: specifier, external: true } : undefined;
      });
    },
  };
}

/**
 * Walks what a Worker loads of dist/: `imports` maps each built file (relative to dist/) to the
 * specifiers it imports (esbuild's metafile); from `entry` through sibling files and the seams'
 * `workerd` targets. Throws, naming the file, at any import other than cloudflare:sockets: a
 * node:* import on the client's path fails the build, not a Worker. Returns the files walked.
 */
export function checkWorkerd(imports, entry = 'index.cjs') {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const list = imports.get(file);
    if (!list) throw new Error(`${file}: not a file of the build`);
    for (const s of list) {
      if (s.startsWith('./') || s.startsWith('../')) walk(posix.join(posix.dirname(file), s));
      else if (s in SEAMS) walk(`workerd/${seamName(s)}.js`);
      else if (s !== 'cloudflare:sockets')
        throw new Error(`${file} imports ${s}: a Worker (the workerd condition) takes no such import; make it a seam (scripts/lib/runtimes-workerd.mjs)`);
    }
  };
  walk(entry);
  return [...seen];
}
