/**
 * warren/testing beside RabbitMQ, with the same client (warren): connect time (connect + close)
 * and throughput of confirmed publishes then a no-ack consume of them, over the in-memory
 * transport, over TCP to the test broker, and over TCP to RabbitMQ (AMQP_URL, if given).
 *
 *   npx tsx bench/testing.bench.ts                         # test broker only
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ npx tsx bench/testing.bench.ts
 *
 * Prints one markdown row per target (medians of `REPS` runs); bench/README.md keeps the figures.
 */
import { connect, type ConnectOptions } from 'warren';
import { createTestBroker, startTestBroker } from 'warren/testing';

const REPS = Number(process.env.REPS ?? 3);
const CONNECTS = Number(process.env.CONNECTS ?? 50);
const MESSAGES = Number(process.env.MESSAGES ?? 20_000);
const BODY = new Uint8Array(Number(process.env.BODY ?? 16));

interface Target {
  name: string;
  url: string;
  options: ConnectOptions;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function connectTime(t: Target): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < CONNECTS; i++) await (await connect(t.url, t.options)).close();
  return (performance.now() - start) / CONNECTS;
}

async function throughput(t: Target): Promise<{ publish: number; consume: number }> {
  const conn = await connect(t.url, t.options);
  const ch = await conn.channel();
  const { queue } = await ch.queueDeclare('', { exclusive: true });
  await ch.confirmSelect({ maxUnconfirmed: 1000 });
  let start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < MESSAGES; i++) pending.push(ch.sendToQueue(queue, BODY));
  await Promise.all(pending);
  const publish = MESSAGES / ((performance.now() - start) / 1000);
  start = performance.now();
  const consumer = await ch.consume(queue, { noAck: true });
  for (let got = 0; got < MESSAGES; got++) await consumer.receive();
  const consume = MESSAGES / ((performance.now() - start) / 1000);
  await conn.close();
  return { publish, consume };
}

const memory = createTestBroker();
const tcp = await startTestBroker();
const targets: Target[] = [
  { name: 'warren/testing, in memory', url: memory.url, options: { transport: memory.transport } },
  { name: 'warren/testing, TCP', url: tcp.url, options: {} },
];
if (process.env.AMQP_URL) targets.push({ name: 'RabbitMQ, TCP', url: process.env.AMQP_URL, options: {} });

console.log(`| target | connect + close (ms) | confirmed publishes/s | no-ack consume/s |`);
console.log(`|---|---|---|---|`);
for (const t of targets) {
  const c: number[] = [];
  const p: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < REPS; i++) {
    c.push(await connectTime(t));
    const { publish, consume } = await throughput(t);
    p.push(publish);
    r.push(consume);
  }
  console.log(`| ${t.name} | ${median(c).toFixed(2)} | ${Math.round(median(p))} | ${Math.round(median(r))} |`);
}
await memory.close();
await tcp.close();
