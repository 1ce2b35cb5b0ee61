/**
 * Publishing with confirms, side by side in one run (not a test: figures for bench/README.md):
 * single publishes awaited one by one, single publishes pipelined under a `maxUnconfirmed`
 * window (the default and others), publishBatch() in batches, and the same with a per-publish
 * `timeout` (the cost of its timer). Same messages (16-byte bodies, a fresh non-durable queue
 * each row), same connection; rows interleaved over `--reps` repetitions, medians printed.
 *
 *   npx tsx bench/publish.bench.ts [--n 20000] [--reps 3]     # AMQP_URL, or a node of its own
 */
import { startBroker } from '../scripts/lib/broker.mjs';
import { connect, publishBatch, type Channel, type Connection } from '../runtime/index.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const n = Number(arg('n', '20000'));
const reps = Number(arg('reps', '3'));
const body = new Uint8Array(16).fill(0x78);

type Row = { name: string; window?: number; run(ch: Channel, queue: string): Promise<void> };

const pipelined = (timeout?: number) => async (ch: Channel, queue: string): Promise<void> => {
  const all: Promise<void>[] = [];
  for (let i = 0; i < n; i++) all.push(ch.publish('', queue, body, timeout === undefined ? undefined : { timeout }));
  await Promise.all(all);
};
const batched = (size: number, timeout?: number) => async (ch: Channel, queue: string): Promise<void> => {
  for (let i = 0; i < n; i += size) {
    const messages = Array.from({ length: Math.min(size, n - i) }, () => ({ routingKey: queue, body }));
    await publishBatch(ch, messages, timeout === undefined ? {} : { timeout });
  }
};

const ROWS: Row[] = [
  { name: 'single, awaited one by one', run: async (ch, q) => { for (let i = 0; i < Math.min(n, 2000); i++) await ch.publish('', q, body); } },
  { name: 'single, pipelined, window 32', window: 32, run: pipelined() },
  { name: 'single, pipelined, window 128', window: 128, run: pipelined() },
  { name: 'single, pipelined, window 512', window: 512, run: pipelined() },
  { name: 'single, pipelined, window 2048', window: 2048, run: pipelined() },
  { name: 'single, pipelined, no window', window: Infinity, run: pipelined() },
  { name: 'single, pipelined, window 512, timeout 30 s', window: 512, run: pipelined(30_000) },
  { name: 'batch of 100, window 512', window: 512, run: batched(100) },
  { name: 'batch of 1000, window 512', window: 512, run: batched(1000) },
  { name: 'batch of 1000, window 512, timeout 30 s', window: 512, run: batched(1000, 30_000) },
];

async function main(): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  let url = process.env.AMQP_URL;
  if (!url) {
    const node = await startBroker({ rabbitmq: arg('rabbitmq', '3.10'), log: () => undefined });
    url = node.url;
    stop = () => node.stop();
  }
  const conn: Connection = await connect(url);
  const results = new Map<string, number[]>();
  try {
    for (let r = 0; r < reps; r++) {
      for (const row of ROWS) {
        const ch = await conn.channel({ confirm: row.window === undefined ? true : { maxUnconfirmed: row.window } });
        const { queue } = await ch.queueDeclare('', { exclusive: true });
        const count = row.name.startsWith('single, awaited') ? Math.min(n, 2000) : n;
        const t0 = process.hrtime.bigint();
        await row.run(ch, queue);
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        const got = (await ch.checkQueue(queue)).messageCount;
        if (got !== count) throw new Error(`${row.name}: ${got} of ${count} in the queue`);
        (results.get(row.name) ?? results.set(row.name, []).get(row.name)!).push(count / s);
        await ch.close();
      }
    }
  } finally {
    await conn.close();
    await stop?.();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`| publish with confirms, 16-byte bodies (${n} messages; median of ${reps}) | msg/s |`);
  console.log('|---|---|');
  for (const row of ROWS) console.log(`| ${row.name} | ${Math.round(median(results.get(row.name)!)).toLocaleString('en')} |`);
}

await main();
