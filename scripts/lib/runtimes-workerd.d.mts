// Types for scripts/lib/runtimes-workerd.mjs.
import type { Options } from 'tsup';

/** The esbuild plugin that swaps the Node-bound modules for runtime/io/workerd/ and refuses node:* imports. */
export function workerdSeams(): NonNullable<Options['esbuildPlugins']>[number];

/** tsup options of the workerd build (dist/workerd.js, or `outDir`). */
export function workerdBuild(options?: { outDir?: string; clean?: boolean }): Options;
