// The `workerd` build of warren (package export condition `workerd`, dist/workerd.js): the same
// public API as dist/index.js, bundled for Cloudflare Workers with no node:* import at all, so
// it loads with or without `nodejs_compat`. Used by tsup.config.ts and test/runtimes.
//
// How: an esbuild plugin swaps the three Node-bound modules of the client's path for their
// stand-ins in runtime/io/workerd/ (node-transport → the Workers transport as the default,
// dns-resolver → endpoints kept as they are, cloudflare-sockets → a static import of workerd's
// module, compression → functions that throw (no synchronous zlib), node:diagnostics_channel → channels with no subscribers) and refuses any other node:* import, naming the importer: a new one on the
// client's path fails the build instead of failing in a Worker. The timers the client expects
// from Node (setImmediate, unref()) come from runtime/io/workerd/timers.ts through esbuild's
// `inject`, which binds those free names in the bundle without touching the Worker's globals.

import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEAMS = join(ROOT, 'runtime', 'io', 'workerd');
/** Modules of runtime/io replaced in the workerd build, by file name. */
const REPLACED = new Set(['node-transport', 'dns-resolver', 'cloudflare-sockets', 'compression']);

/** The esbuild plugin described above. */
export function workerdSeams() {
  return {
    name: 'warren-workerd-seams',
    setup(build) {
      build.onResolve({ filter: /^node:diagnostics_channel$/ }, () => ({ path: join(SEAMS, 'diagnostics-channel.ts') }));
      build.onResolve({ filter: /\/(node-transport|dns-resolver|cloudflare-sockets|compression)\.js$/ }, (args) => {
        const target = join(args.resolveDir, args.path);
        const name = target.match(/([^/\\]+)\.js$/)?.[1];
        if (dirname(target) !== join(ROOT, 'runtime', 'io') || !REPLACED.has(name)) return undefined;
        return { path: join(SEAMS, `${name}.ts`) };
      });
      build.onResolve({ filter: /^node:|^(fs|net|tls|dns|path|os|crypto|stream|events|util|buffer|diagnostics_channel)(\/.*)?$/ }, (args) => ({
        errors: [{ text: `${args.path} imported by ${relative(ROOT, args.importer).split(sep).join('/')}: the workerd build takes no node:* import (add a stand-in in runtime/io/workerd/)` }],
      }));
    },
  };
}

/** tsup options of the workerd build (entry `workerd` from runtime/index.ts into `outDir`). */
export function workerdBuild({ outDir = 'dist', clean = false } = {}) {
  return {
    entry: { workerd: join(ROOT, 'runtime', 'index.ts') },
    format: ['esm'],
    platform: 'neutral',
    target: 'es2022',
    outDir,
    clean,
    external: ['cloudflare:sockets'],
    dts: false,
    sourcemap: true,
    splitting: false,
    // tsup would strip node: and leave such imports external, past the plugin below.
    removeNodeProtocol: false,
    esbuildPlugins: [workerdSeams()],
    esbuildOptions(options) {
      options.inject = [...(options.inject ?? []), join(SEAMS, 'timers.ts')];
    },
  };
}
