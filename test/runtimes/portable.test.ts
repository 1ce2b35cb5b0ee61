// test/runtimes/portable.mjs under each runtime warren supports, against the broker: the package
// built by tsup.config.ts as a user gets it (node_modules/warren with this package.json's exports
// and imports maps: the chunks reach the platform seams as `#io/...`, from CommonJS),
// the program run by Node 20 (the host's), Node 24 (Debian forky's), Bun and Deno (npm's
// packages), each installed once per machine by scripts/lib/runtimes.mjs. The program prints one
// JSON line per step; this file closes its connection from the broker when asked (the recovery
// step), reads the client properties the broker saw meanwhile, and asserts every step's facts.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRuntime, RUNTIME_NAMES, type Runtime } from '../../scripts/lib/runtimes.mjs';
import { amqpsUrl, amqpUrl, closeConnection, tlsFiles, waitForConnection } from '../helpers/broker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}.tmp/runtimes-portable-${process.pid}`;
const pkg = `${dir}/node_modules/warren`;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  cpSync(`${root}package.json`, `${pkg}/package.json`);
  // A package scope of its own, so `warren` resolves to node_modules/warren (not, by self-reference,
  // to the repository's package.json and its dist/); Deno reads node_modules through it too.
  writeFileSync(`${dir}/package.json`, '{ "private": true, "type": "module" }\n');
  cpSync(`${root}test/runtimes/portable.mjs`, `${dir}/portable.mjs`);
  execFileSync(process.execPath, [`${root}node_modules/tsup/dist/cli-default.js`], { cwd: root, env: { ...process.env, WARREN_DIST: `${pkg}/dist` }, stdio: 'pipe', timeout: 600_000 });
}, 660_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  steps: Record<string, Record<string, unknown>>;
  /** client-properties `platform` the broker saw on the program's main connection. */
  platform: unknown;
  closedByBroker: number;
  code: number | null;
  output: string;
}

/** Runs the program under `runtime`, answering its request to close its connection. */
async function runPortable(runtime: Runtime): Promise<Run> {
  const { file, args } = runtime.command(`${dir}/portable.mjs`);
  const child = spawn(file, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AMQP_URL: amqpUrl(), AMQPS_URL: amqpsUrl(), WARREN_CA_FILE: tlsFiles().caCert, RUNTIME_TAG: `${runtime.name}-${process.pid}`, NO_COLOR: '1' },
  });
  const run: Run = { steps: {}, platform: undefined, closedByBroker: 0, code: null, output: '' };
  child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const actions: Promise<void>[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    run.output += `${line}\n`;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a runtime's own notice on stdout
    }
    if (typeof parsed.step === 'string') run.steps[parsed.step] = parsed;
    if (parsed.await === 'close') {
      const name = String(parsed.name);
      actions.push(
        (async () => {
          const seen = await waitForConnection((c) => c.connectionName === name);
          run.platform = seen.clientProperties.platform;
          run.closedByBroker = await closeConnection(name, 'runtimes test: forced close');
        })(),
      );
    }
  }
  await Promise.all(actions);
  run.code = await exited;
  return run;
}

describe.each(RUNTIME_NAMES)('the portable program under %s', (name) => {
  let runtime: Runtime;
  let run: Run;

  beforeAll(async () => {
    runtime = await ensureRuntime(name, { log: (line) => console.log(`[runtimes] ${line}`) });
    run = await runPortable(runtime);
  }, 300_000);

  it('runs every step and exits 0', () => {
    expect(run.code, run.output).toBe(0);
    expect(Object.keys(run.steps), run.output).toEqual(['connect', 'confirms', 'consume', 'get', 'rpc', 'recovery', 'heartbeat', 'tls', 'close']);
  });

  it('is reported to the broker as the runtime it is', () => {
    expect(run.platform).toBe(runtime.platform);
  });

  it('connects and opens channels; 1,000 confirmed publishes all acked and queued', () => {
    expect(run.steps.connect).toMatchObject({ server: 'RabbitMQ', channels: [1, 2, 3] });
    expect(run.steps.confirms).toMatchObject({ published: 1000, acked: 1000, queued: 1000 });
  });

  it('consumes them in order with for await; basic.get takes one message and then finds none', () => {
    expect(run.steps.consume).toMatchObject({ received: 1000, inOrder: true, bytes: 1000 * 1024 });
    expect(run.steps.get).toMatchObject({ payload: { hello: `${name}-${process.pid}` }, contentType: 'application/json', thenEmpty: true });
  });

  it('answers RPC calls over direct reply-to', () => {
    expect(run.steps.rpc?.replies).toEqual(Array.from({ length: 20 }, (_, i) => `echo:${i}`));
  });

  it('recovers after the broker closed its connection (320), topology and consumer included', () => {
    expect(run.closedByBroker).toBe(1);
    expect(run.steps.recovery).toMatchObject({ lostWith: 320, delivered: 'after recovery' });
  });

  it('keeps an idle connection alive with heartbeats; TLS with the broker CA carries a 300 kB body intact', () => {
    expect(run.steps.heartbeat).toMatchObject({ negotiated: 1, aliveAfterIdle: true });
    expect(run.steps.tls).toMatchObject({ bytes: 300_000, intact: true });
    expect(run.steps.close).toMatchObject({ state: 'closed' });
  });
});
