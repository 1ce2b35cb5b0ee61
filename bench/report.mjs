#!/usr/bin/env node
// Runs a harness command, collects its JSON lines, and prints a side-by-side table with
// warren's ratio to each peer. Used by `npm run bench:codec` and `npm run bench`.
//   node bench/report.mjs codec [--ops N --reps N]   codec microbenchmarks (no broker)
//   node bench/report.mjs suite [--reps N ...]       the broker matrix (needs AMQP_URL)
//   node bench/report.mjs latency [--clients a,b --reps N --rate R --seconds S]
//                                                    publish → handler latency (needs AMQP_URL)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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
} else if (mode === 'latency') {
  const { values: o } = parseArgs({
    args: rest,
    options: {
      clients: { type: 'string', default: 'warren,amqplib,amqp-client,rabbitmq-client' },
      reps: { type: 'string', default: '3' },
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '5' },
    },
  });
  const clients = o.clients.split(',');
  const runs = [];
  for (let rep = 0; rep < Number(o.reps); rep++) {
    // Rotate the order each repetition so that machine drift hits every client alike.
    for (const c of clients.map((_, i) => clients[(i + rep) % clients.length])) {
      const r = spawnSync(process.execPath, [join(here, 'harness/latency.mjs'), '--client', c, '--rate', o.rate, '--seconds', o.seconds], { encoding: 'utf8' });
      const line = r.stdout.split('\n').filter((l) => l.startsWith('{')).pop();
      const rec = line ? JSON.parse(line) : { client: c, error: `exit ${r.status}: ${r.stderr.slice(-300)}` };
      if (rec.error) console.error(`${c}: ${rec.error}`);
      else runs.push(rec);
    }
  }
  const med = (xs) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`\nlatency at ${o.rate} msgs/s, ${o.seconds} s measured, medians of ${o.reps} runs (µs; CPU s per 100k)`);
  console.log('| client | p50 | p90 | p99 | p99.9 | max | CPU |\n|---|---|---|---|---|---|---|');
  for (const c of clients) {
    const mine = runs.filter((r) => r.client === c || r.client === c.replace(/^\.\/.*\//, ''));
    if (mine.length === 0) continue;
    const cell = (k) => med(mine.map((r) => r[k]));
    console.log(`| ${c} | ${cell('p50_us')} | ${cell('p90_us')} | ${cell('p99_us')} | ${cell('p999_us')} | ${cell('max_us')} | ${cell('cpu_s_per_100k')} |`);
  }
} else {
  console.error('usage: node bench/report.mjs codec|suite|latency [args]');
  process.exit(2);
}
