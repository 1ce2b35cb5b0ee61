// Test configuration. Integration tests share one real RabbitMQ node, started (and stopped) by
// test/helpers/global-setup.ts; see scripts/broker.mjs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its public names, as users will; exact matches so
    // that `warren` does not also capture `warren/codec`.
    alias: [
      { find: /^warren\/codec$/, replacement: here('./runtime/exports/codec.ts') },
      { find: /^warren\/protocol$/, replacement: here('./runtime/exports/protocol.ts') },
      { find: /^warren$/, replacement: here('./runtime/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // forks: each test file in a child process, so a test that wedges a socket or leaks timers
    // cannot hang the others, and node:net/tls behave as in a normal process.
    pool: 'forks',
    // Two cores, shared with the broker: one more worker than that only adds contention.
    maxWorkers: 2,
    // Broker round trips, heartbeat timeouts (a few seconds) and rabbitmqctl (~0.5 s a call).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 30_000,
  },
});
