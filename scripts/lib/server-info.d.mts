// Types for scripts/lib/server-info.mjs.
export function serverProperties(target: { port: number; host?: string; timeoutMs?: number }): Promise<Record<string, string>>;
export function versionSeries(version: string): string;
