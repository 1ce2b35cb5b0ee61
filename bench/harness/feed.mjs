#!/usr/bin/env node
// Client CPU per delivery on identical input: every client consumes the same stream from
// feed-server.mjs (a scripted server, not a broker: deliveries written in fixed chunks as fast as
// the socket and the prefetch window allow), each run in a fresh process, clients interleaved.
// Where the broker bench's consume rows mix the client's cost with the broker's pacing (a slow
// broker means small socket reads, and a client pays per read), this one holds the input fixed.
//
//   node bench/harness/feed.mjs --clients warren,amqplib,amqp-client,rabbitmq-client,raw --reps 3
//   node bench/harness/feed.mjs --ack none --style iter --clients warren
//   node bench/harness/feed.mjs --size 1000 --clients warren,amqplib   # 1000-byte bodies
//
// Prints one markdown row per client: CPU µs per delivery (median, min-max), its user/sys split,
// and deliveries/s. Needs `npm run build` for the warren adapters.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, median, sleep } from './lib/common.mjs';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: 'warren,amqplib,amqp-client,rabbitmq-client,raw' },
    reps: { type: 'string', default: '3' },
    n: { type: 'string', default: '200000' },
    chunk: { type: 'string', default: '100' },
    size: { type: 'string', default: '16' }, // body bytes per delivery
    prefetch: { type: 'string', default: '1000' },
    ack: { type: 'string', default: 'each' }, // each | multiple | none
    style: { type: 'string', default: 'callback' }, // warren only: callback | iter | c8
    child: { type: 'string' }, // internal: run one client against --url
    url: { type: 'string' },
  },
});

if (a.child) {
  // One measured consume in this process.
  const adapter = await import(join(ROOT, 'adapters', `${a.child}.mjs`));
  const n = Number(a.n);
  const conn = await adapter.connect(a.url);
  await sleep(50); // connection set-up garbage settles before timing
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const got = await conn.consume('feed', n, { prefetch: Number(a.prefetch), ack: a.ack, ...(a.style !== 'callback' ? { style: a.style } : {}) });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await conn.close().catch(() => undefined);
  console.log(JSON.stringify({ client: a.child, got, n, wall, user: cpu.user / n, sys: cpu.system / n }));
  process.exit(got === n ? 0 : 2);
}

const server = spawn(process.execPath, [join(ROOT, 'feed-server.mjs'), '--n', a.n, '--chunk', a.chunk, '--size', a.size], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve(Number(/port (\d+)/.exec(String(d))?.[1])));
  server.once('exit', (code) => reject(new Error(`feed-server exited with ${code}`)));
});
const url = `amqp://guest:guest@127.0.0.1:${port}/`;
const clients = a.clients.split(',');
const rows = new Map(clients.map((c) => [c, []]));
try {
  for (let rep = 0; rep < Number(a.reps); rep++) {
    for (const client of clients) {
      const r = spawnSync(process.execPath, [join(ROOT, 'feed.mjs'), '--child', client, '--url', url, '--n', a.n, '--prefetch', a.prefetch, '--ack', a.ack, '--style', a.style], { encoding: 'utf8', timeout: 300_000 });
      const line = r.stdout.trim().split('\n').pop();
      if (r.status !== 0 || !line) {
        console.error(`${client}: failed (exit ${r.status})\n${r.stderr}`);
        continue;
      }
      const m = JSON.parse(line);
      rows.get(client).push(m);
      console.error(`[${rep + 1}] ${client.padEnd(16)} ${((m.user + m.sys)).toFixed(2)} µs/delivery (user ${m.user.toFixed(2)}, sys ${m.sys.toFixed(2)}), ${Math.round(m.n / m.wall)} /s`);
    }
  }
} finally {
  server.kill();
}

const f = (x) => x.toFixed(2);
console.log(`\nfeed: n=${a.n}, chunk=${a.chunk}, size=${a.size}, prefetch=${a.prefetch}, ack=${a.ack}, style=${a.style}, ${a.reps} reps, ${process.version}`);
console.log('| client | CPU µs / delivery, median (min-max) | user / sys | deliveries/s |');
console.log('|---|---|---|---|');
for (const [client, ms] of rows) {
  if (!ms.length) continue;
  const tot = ms.map((m) => m.user + m.sys);
  console.log(`| ${client} | ${f(median(tot))} (${f(Math.min(...tot))}-${f(Math.max(...tot))}) | ${f(median(ms.map((m) => m.user)))} / ${f(median(ms.map((m) => m.sys)))} | ${Math.round(median(ms.map((m) => m.n / m.wall))).toLocaleString('en-US')} |`);
}
