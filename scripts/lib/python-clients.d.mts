// Types for scripts/lib/python-clients.mjs.
export function ensurePythonClients(options?: { log?: (line: string) => void }): string;
