#!/usr/bin/env node
// Delivery latency of one client adapter: publish → handler, at a steady rate; prints one JSON line.
//
//   node latency.mjs --client warren --rate 10000 --seconds 5 --size 16
//
// One process, two connections of the same client: a publisher that sends `rate` messages a
// second on a schedule (each body starts with the send time, process.hrtime in ns, as a 64-bit
// integer), and a callback consumer (ack each, prefetch 1000) that reads the time back in its
// handler. The first --warmup-s seconds are not counted. Reports p50, p90, p99, p99.9 and max in
// microseconds, the messages counted, and the client's CPU per 100k messages over the measured
// part. Batching acks or socket writes to save CPU shows up here as latency, so the throughput
// rows of suite.mjs are read beside this one.
//
// The publisher catches up after a late timer (it sends what was due), so a stalled event loop
// is seen as latency of the messages it delayed, not hidden by a lower rate ("coordinated
// omission"). Adapters implement `subscribe(queue, onBody, { prefetch })` → stop() and
// `send(queue, body)` (may return a promise; awaited only when it is one that the client uses for
// back-pressure).
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_URL, ROOT, sleep, uniqueQueueName } from './lib/common.mjs';
import { RawConnection } from './lib/raw-amqp.mjs';

const { values: a } = parseArgs({
  options: {
    client: { type: 'string', default: 'warren' },
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    'warmup-s': { type: 'string', default: '1' },
    size: { type: 'string', default: '16' },
    url: { type: 'string', default: DEFAULT_URL },
    tag: { type: 'string' },
  },
});

const rate = Number(a.rate);
const seconds = Number(a.seconds);
const warmup = Number(a['warmup-s']);
const size = Math.max(8, Number(a.size));
const adapterPath = a.client.includes('/') ? pathToFileURL(resolve(a.client)).href : pathToFileURL(join(ROOT, 'adapters', `${a.client}.mjs`)).href;
const adapter = await import(adapterPath);
if (typeof adapter.connect !== 'function') throw new Error(`${a.client}: not an adapter`);

const queue = uniqueQueueName(`${adapter.name}.latency`);
const out = { client: adapter.name, version: adapter.version, scenario: 'latency', rate, seconds, size, ...(a.tag ? { tag: a.tag } : {}) };
const total = Math.round(rate * (warmup + seconds));
const firstCounted = Math.round(rate * warmup);
const samples = new Float64Array(total);

let publisher;
let consumer;
try {
  publisher = await adapter.connect(a.url, {});
  consumer = await adapter.connect(a.url, {});
  if (typeof consumer.subscribe !== 'function' || typeof publisher.send !== 'function') throw new Error(`${adapter.name}: adapter has no subscribe/send`);
  await publisher.declareQueue(queue);

  let received = 0;
  let cpu0;
  let done;
  const finished = new Promise((r) => (done = r));
  const stop = await consumer.subscribe(
    queue,
    (body) => {
      const sent = new DataView(body.buffer, body.byteOffset, 8).getBigUint64(0, true);
      const i = received++;
      samples[i] = Number(process.hrtime.bigint() - sent) / 1000;
      if (i + 1 === firstCounted) cpu0 = process.cpuUsage();
      if (i + 1 === total) done();
    },
    { prefetch: 1000 },
  );

  const body = Buffer.alloc(size, 0x78);
  const t0 = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate) + 1);
    while (sent < due) {
      const b = Buffer.from(body);
      b.writeBigUInt64LE(process.hrtime.bigint(), 0);
      const p = publisher.send(queue, b);
      sent++;
      if (p && typeof p.then === 'function' && publisher.sendAwaits) await p;
    }
    await sleep(1);
  }
  await finished;
  const cpu = process.cpuUsage(cpu0);
  await stop();

  const counted = samples.subarray(firstCounted).sort();
  const pct = (p) => +counted[Math.min(counted.length - 1, Math.floor((p / 100) * counted.length))].toFixed(1);
  Object.assign(out, {
    counted: counted.length,
    p50_us: pct(50),
    p90_us: pct(90),
    p99_us: pct(99),
    p999_us: pct(99.9),
    max_us: +counted[counted.length - 1].toFixed(1),
    cpu_s_per_100k: +((((cpu.user + cpu.system) / 1e6) * 100000) / counted.length).toFixed(4),
    node: process.version,
  });
  await publisher.close();
  await consumer.close();
  await cleanup();
  console.log(JSON.stringify(out));
  process.exit(0);
} catch (err) {
  console.log(JSON.stringify({ ...out, error: String(err?.stack ?? err) }));
  await cleanup().catch(() => {});
  process.exit(1);
}

async function cleanup() {
  const raw = await RawConnection.connect(a.url);
  await raw.deleteQueue(queue);
  await raw.close();
}
