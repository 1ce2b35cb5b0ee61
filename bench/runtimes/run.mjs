// warren's publish and consume rows on each runtime side by side, in one run (issue 16):
//   npm run build && node scripts/broker.mjs run -- node bench/runtimes/run.mjs [--reps 3]
// Each runtime (scripts/lib/runtimes.mjs: Node 20, Node 24, Bun, Deno) runs
// bench/runtimes/program.mjs against the built package (dist/, linked as node_modules/warren of a
// scratch folder) and the broker of AMQP_URL; prints a markdown table of best-of-reps times.
// Note: the consume row includes publishing its 20,000 messages (the same for every runtime).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureRuntime, RUNTIME_NAMES } from '../../scripts/lib/runtimes.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(`${root}dist/index.js`)) throw new Error('run `npm run build` first (dist/ is missing)');
if (!process.env.AMQP_URL) throw new Error('AMQP_URL is not set (run through node scripts/broker.mjs run -- ...)');
const reps = process.argv.includes('--reps') ? process.argv[process.argv.indexOf('--reps') + 1] : '3';
const dir = `${root}.tmp/bench-runtimes-${process.pid}`;
rmSync(dir, { recursive: true, force: true });
mkdirSync(`${dir}/node_modules`, { recursive: true });
writeFileSync(`${dir}/package.json`, '{ "private": true, "type": "module" }\n');
symlinkSync(root, `${dir}/node_modules/warren`);
cpSync(`${root}bench/runtimes/program.mjs`, `${dir}/program.mjs`);
const rows = [];
try {
  for (const name of RUNTIME_NAMES) {
    const runtime = await ensureRuntime(name);
    const { file, args } = runtime.command(`${dir}/program.mjs`);
    const r = spawnSync(file, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, REPS: reps }, timeout: 600_000 });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0) throw new Error(`${name} failed (${r.status ?? r.signal}): ${r.stderr}`);
    rows.push({ runtime: `${runtime.product} ${runtime.version}`, ...JSON.parse(line) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('| runtime | 2,000 × 64 KiB confirmed publishes | 20,000 × 16 B confirmed publishes | 20,000 deliveries, for await + ack |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.runtime} | ${r.publishLarge} ms | ${r.publishSmall} ms | ${r.consume} ms |`);
