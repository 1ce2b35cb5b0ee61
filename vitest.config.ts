// Test configuration: one `unit` project (no broker) and one project per RabbitMQ version for
// everything that talks to a broker, each with its own real node started (and stopped) by
// test/helpers/global-setup.ts; see scripts/broker.mjs. `npm test` runs the broker tests against
// RabbitMQ 3.10 and 4.3; a failure in either project fails the run.
//
// Narrowing (README, "Testing"): WARREN_RABBITMQ=4.3 runs the broker tests against that version
// only; AMQP_URL=amqp://... against an external broker (one project, named `rabbitmq-external`);
// `node scripts/broker.mjs run --rabbitmq V -- npm test` against the node that script started.
import { readdirSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { parseRabbitmqVersion, RABBITMQ_VERSIONS } from './scripts/lib/rabbitmq.mjs';
import { NOT_ON_TEST_BROKER } from './test/testing/differential.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Test files that need a broker: they run once per RabbitMQ version. Beyond these folders, any
 * test file that uses the broker helpers or `inject` is one, wherever it lives, so that a new
 * broker test is never run in the `unit` project (where it would fail for want of a broker).
 */
const BROKER_TESTS = [
  'test/integration/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/examples.test.ts',
  'test/readme.test.ts',
  ...(readdirSync(here('./test'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/${file.split(sep).join('/')}`)
    .filter((file) => /helpers\/broker|\binject\(/.test(readFileSync(here(`./${file}`), 'utf8'))),
];

/** The broker projects of this run: `[name, version to start or null for a broker given from outside]`. */
function brokerProjects(): Array<[string, string | null]> {
  const asked = process.env.WARREN_RABBITMQ;
  // `scripts/broker.mjs run` sets WARREN_BROKER, AMQP_URL and WARREN_RABBITMQ together.
  if (process.env.WARREN_BROKER) return [[`rabbitmq-${parseRabbitmqVersion(asked)}`, parseRabbitmqVersion(asked)]];
  if (process.env.AMQP_URL) return [['rabbitmq-external', null]];
  if (asked) return [[`rabbitmq-${parseRabbitmqVersion(asked)}`, parseRabbitmqVersion(asked)]];
  return RABBITMQ_VERSIONS.map((version) => [`rabbitmq-${version}`, version]);
}

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its public names, as users will; exact matches so
    // that `warren` does not also capture `warren/codec`.
    alias: [
      { find: /^warren\/codec$/, replacement: here('./runtime/exports/codec.ts') },
      { find: /^warren\/protocol$/, replacement: here('./runtime/exports/protocol.ts') },
      { find: /^warren\/amqplib$/, replacement: here('./runtime/amqplib/index.ts') }, { find: /^warren\/amqplib\/callback_api$/, replacement: here('./runtime/amqplib/callback-api.ts') },
      { find: /^warren\/testing$/, replacement: here('./runtime/testing/index.ts') },
      { find: /^warren$/, replacement: here('./runtime/index.ts') },
    ],
  },
  test: {
    // forks: each test file in a child process, so a test that wedges a socket or leaks timers
    // cannot hang the others, and node:net/tls behave as in a normal process.
    pool: 'forks',
    // Two cores, shared with the brokers: one more worker than that only adds contention. The
    // limit is for the whole run, all projects together.
    maxWorkers: 2,
    // Broker round trips, heartbeat timeouts (a few seconds) and rabbitmqctl (~0.5 s a call).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts', 'examples/testing-app/**/*.test.ts'], exclude: [...configDefaults.exclude, ...BROKER_TESTS] },
      },
      ...brokerProjects().map(([name, version]) => ({
        extends: true as const,
        test: {
          name,
          include: BROKER_TESTS,
          globalSetup: ['test/helpers/global-setup.ts'],
          // Read by the global setup (which node to start) and by tests (inject('rabbitmqVersion')).
          ...(version ? { provide: { rabbitmqVersion: version } } : {}),
        },
      })),
      {
        // The differential proof of warren/testing: the same broker tests against the in-process
        // test broker (no RabbitMQ needed), minus those listed with their reason in
        // test/testing/differential.ts.
        extends: true as const,
        test: {
          name: 'warren-testing',
          include: BROKER_TESTS,
          exclude: [...configDefaults.exclude, ...Object.keys(NOT_ON_TEST_BROKER)],
          globalSetup: ['test/testing/global-setup.ts'],
          setupFiles: ['test/testing/setup.ts'],
        },
      },
    ],
  },
});
