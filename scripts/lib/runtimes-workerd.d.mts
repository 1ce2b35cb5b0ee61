// Types for scripts/lib/runtimes-workerd.mjs.
import type { Options } from 'tsup';

/** One platform seam: the source of its Node side (null: a shim of NODE_SHIMS) and of its workerd side. */
export interface Seam {
  node: string | null;
  workerd: string;
  /** The workerd side uses the client's own code: built with the chunks. */
  shared?: boolean;
}

/** Each platform seam by its `#io/...` specifier. */
export const SEAMS: Record<string, Seam>;

/** The package.json `imports` map the build's output needs. */
export function importsMap(): Record<string, { workerd: string; default: string }>;

/** Entries of the shared build (name in dist/ → source): the seams' Node sides and shared workerd sides. */
export const SEAM_ENTRIES: Record<string, string>;

/** Builds the workerd sides not built with the chunks into `outDir`/workerd/; what each file imports. */
export function buildWorkerdSeams(outDir: string, options?: { sourcemap?: boolean }): Promise<Map<string, string[]>>;

/** The Node side of the seams that are Node's own API, by seam name: CommonJS source. */
export const NODE_SHIMS: Record<string, string>;

/** The file for esbuild's `inject`: the client's timer globals bound to #io/timers. */
export const IO_TIMERS: string;

/** The esbuild plugin that makes imports of the seams external `#io/...` imports. */
export function seamsPlugin(): NonNullable<Options['esbuildPlugins']>[number];

/** Walks what a Worker loads of dist/ (each file → its imports) from `entry`; throws at a node:* import. */
export function checkWorkerd(imports: Map<string, string[]>, entry?: string): string[];
