#!/usr/bin/env node
// Runs a harness command, collects its JSON lines, and prints a side-by-side table with
// warren's ratio to each peer. Used by `npm run bench:codec` and `npm run bench`.
//   node bench/report.mjs codec [--ops N --reps N]   codec microbenchmarks (no broker)
//   node bench/report.mjs suite [--reps N ...]       the broker matrix (needs AMQP_URL)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [mode = 'codec', ...rest] = process.argv.slice(2);

if (mode === 'codec') {
  const clients = ['warren', 'amqp-client', 'amqplib', 'rabbitmq-client', 'raw'];
  const rows = [];
  for (const c of clients) {
    const r = spawnSync(process.execPath, [join(here, 'harness/codec/bench.mjs'), '--only', c, ...rest], { encoding: 'utf8' });
    for (const line of r.stdout.split('\n')) if (line.startsWith('{')) rows.push(JSON.parse(line));
    if (r.status !== 0) console.error(`${c}: exit ${r.status}\n${r.stderr}`);
  }
  for (const op of ['encode', 'decode']) {
    const mine = rows.find((r) => r.client === 'warren' && r.op === op);
    console.log(`\n${op} (median ns/op over reps, min-max; ratio = peer ns / warren ns)`);
    for (const r of rows.filter((x) => x.op === op)) {
      const ratio = mine ? (r.ns_per_op / mine.ns_per_op).toFixed(2) : '-';
      console.log(`  ${r.client.padEnd(16)} ${String(r.ns_per_op).padStart(8)} ns  (${r.ns_min}-${r.ns_max})  ${(1e9 / r.ns_per_op / 1e6).toFixed(2)} Mops/s  ratio ${ratio}`);
    }
  }
} else if (mode === 'suite') {
  const r = spawnSync(process.execPath, [join(here, 'harness/suite.mjs'), ...rest], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  console.error('usage: node bench/report.mjs codec|suite [args]');
  process.exit(2);
}
