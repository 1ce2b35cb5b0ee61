// A Cloudflare Worker using warren, in workerd (miniflare, installed from npm by
// scripts/lib/runtimes.mjs and run by Node 24), against the broker: examples/cloudflare-worker.ts
// bundled as wrangler bundles a Worker (esbuild, condition `workerd`, cloudflare:* external) against the package
// as a user gets it, built by tsup.config.ts: the shared chunks with the workerd side of the
// platform seams (package.json `imports`: the Workers transport over cloudflare:sockets, no
// node:* import), run without nodejs_compat. One request connects, publishes with a confirm,
// consumes the message back, gets another, and closes.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNode24, ensureNpmRuntimes } from '../../scripts/lib/runtimes.mjs';
import { amqpUrl } from '../helpers/broker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}.tmp/runtimes-worker-${process.pid}`;
const pkg = `${dir}/node_modules/warren`;
const bundle = `${dir}/worker.js`;

let miniflareDir: string;
let node24: Awaited<ReturnType<typeof ensureNode24>>;

beforeAll(async () => {
  const log = (line: string) => console.log(`[runtimes] ${line}`);
  [{ dir: miniflareDir }, node24] = await Promise.all([ensureNpmRuntimes({ log }), ensureNode24({ log })]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  cpSync(`${root}package.json`, `${pkg}/package.json`);
  writeFileSync(`${dir}/package.json`, '{ "private": true, "type": "module" }\n');
  cpSync(`${root}examples/cloudflare-worker.ts`, `${dir}/cloudflare-worker.ts`);
  execFileSync(process.execPath, [`${root}node_modules/tsup/dist/cli-default.js`], { cwd: root, env: { ...process.env, WARREN_DIST: `${pkg}/dist` }, stdio: 'pipe', timeout: 600_000 });
  await esbuild({
    entryPoints: [`${dir}/cloudflare-worker.ts`], bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['cloudflare:*'], outfile: bundle, logLevel: 'error',
    // Not the repository's tsconfig (its `paths` map `warren` to the sources): the package as installed.
    tsconfigRaw: {},
  });
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function request(query: string): Promise<{ status: number; body: string }> {
  const { file, args } = node24.command([`${root}test/runtimes/worker-runner.mjs`]);
  const { stdout } = await promisify(execFile)(file, args, {
    env: { ...process.env, WORKER_BUNDLE: bundle, MINIFLARE_DIR: miniflareDir, AMQP_URL: amqpUrl(), WORKER_QUERY: query },
    timeout: 90_000,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as { status: number; body: string };
}

describe('a Cloudflare Worker (workerd through miniflare)', () => {
  it('bundles warren with no node:* import', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:/);
    expect(code).toContain('cloudflare:sockets');
  });

  it('connects, publishes with a confirm, consumes, gets and closes against the broker', async () => {
    const { status, body } = await request('text=from%20workerd');
    expect(status, body).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ consumed: { text: 'from workerd' }, got: 'second', server: expect.stringMatching(/^RabbitMQ \d/) });
  }, 120_000);
});
