// Types for scripts/lib/apt.mjs.
export function ensureDebianPackage(options: { file: string; pkg: string; what: string; log?: (line: string) => void }): void;
