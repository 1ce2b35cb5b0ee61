// Types for scripts/lib/runtimes.mjs.

/** The runtimes test/runtimes runs warren under. */
export type RuntimeName = 'node' | 'node24' | 'bun' | 'deno';
export const RUNTIME_NAMES: RuntimeName[];

/** One installed runtime. */
export interface Runtime {
  name: RuntimeName;
  /** `Node.js`, `Bun`, `Deno` */
  product: string;
  /** As the runtime prints it: `v20.20.2`, `1.4.5`, `2.9.6`. */
  version: string;
  /** What warren sends as client-properties `platform` on it. */
  platform: string;
  /** Where it comes from: `host`, `Debian forky nodejs ...`, `npm bun@1.4.5`. */
  from: string;
  /** How to run an ES module script file with it (Deno with --allow-net/read/env/sys). */
  command(script: string, args?: string[]): { file: string; args: string[] };
}

export function ensureRuntime(name: RuntimeName, options?: { log?: (line: string) => void }): Promise<Runtime>;

/** Installs the pinned npm packages (bun, deno, miniflare) once per machine and lockfile. */
export function ensureNpmRuntimes(options?: { log?: (line: string) => void }): Promise<{ dir: string; bun: string; deno: string; installed: boolean }>;

/** The forky root with Node.js 24 and how to run node in it with arguments. */
export function ensureNode24(options?: { log?: (line: string) => void }): Promise<{ root: string; debianVersion: string | undefined; command(nodeArgs: string[]): { file: string; args: string[] } }>;
