/**
 * The client's own cost per delivery, with no broker and no socket: a scripted server on the
 * in-memory transport answers the handshake, then writes basic.deliver triples (16-byte bodies)
 * in chunks of CHUNK deliveries, one chunk per event-loop turn (about what one socket read
 * brings at full speed from RabbitMQ), and never more than PREFETCH unacknowledged. Everything
 * the broker bench's consume rows measure on the client side is here (frame parsing, content
 * assembly, Message objects, dispatch, ack batching and the ack frames' encoding), but the
 * kernel's reads and writes and the broker's pacing, which dominate those rows on a loaded
 * machine, are not: so a change to the delivery path shows here, as CPU µs per delivery, at a
 * tenth of the spread.
 *
 *   npx tsx bench/consume-path.bench.ts                 # every style, REPS=5 runs each, interleaved
 *   STYLES=ack,noack N=200000 npx tsx bench/consume-path.bench.ts
 *
 * Styles: `ack` (callback, ack each), `multiple` (callback, ack({ multiple }) every 250),
 * `noack`, `iter` (for await, ack each), `c8` (callback with concurrency 8, ack each).
 * The server's own work is in the figure too: writing the tags into a prepared chunk and, in the
 * ack styles, decoding the client's basic.ack frames with the scripted broker's full decoder
 * (one per event-loop turn in practice: warren coalesces in-order acks into one multiple ack
 * per flush, so about one per chunk of CHUNK deliveries, not one per delivery).
 */
import { connect, type Consumer, type Message } from 'warren';
import { ScriptedBroker } from '../test/helpers/scripted-peer.js';

const N = Number(process.env.N ?? 200_000);
const CHUNK = Number(process.env.CHUNK ?? 100);
const PREFETCH = Number(process.env.PREFETCH ?? 1000);
const REPS = Number(process.env.REPS ?? 5);
const STYLES = (process.env.STYLES ?? 'ack,multiple,noack,iter,c8').split(',');

/** A chunk of CHUNK deliveries for `consumerTag`, and where each one's delivery tag sits in it. */
function prepare(broker: ScriptedBroker, consumerTag: string): { chunk: Uint8Array; tagAt: number[] } {
  const one = broker.frames.content(1, { kind: 'basic.deliver', consumerTag, deliveryTag: 1n, redelivered: false, exchange: '', routingKey: 'bench' } as never, {}, new Uint8Array(16).fill(0x78));
  const chunk = new Uint8Array(one.length * CHUNK);
  const tagAt: number[] = [];
  // frame header (7) + class and method ids (4) + the consumer tag as a short string
  const offset = 7 + 4 + 1 + consumerTag.length;
  for (let i = 0; i < CHUNK; i++) {
    chunk.set(one, i * one.length);
    tagAt.push(i * one.length + offset);
  }
  return { chunk, tagAt };
}

/** Runs one consume of N deliveries in `style`; returns CPU µs and wall µs per delivery. */
async function run(style: string): Promise<{ cpu: number; wall: number }> {
  let broker!: ScriptedBroker;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let sent = 0;
  let acked = 0;
  let pushing = false;
  const noAck = style === 'noack';
  let prepared: { chunk: Uint8Array; tagAt: number[] } | undefined;

  const push = (): void => {
    pushing = false;
    if (!prepared || sent >= N) return;
    if (!noAck && sent - acked + CHUNK > PREFETCH) return; // the window is full: an ack restarts it
    const n = Math.min(CHUNK, N - sent);
    const view = new DataView(prepared.chunk.buffer);
    for (let i = 0; i < n; i++) view.setBigUint64(prepared.tagAt[i]!, BigInt(++sent));
    broker.send(n === CHUNK ? prepared.chunk : prepared.chunk.subarray(0, prepared.tagAt[n]! - (prepared.tagAt[0]!)));
    schedule();
  };
  const schedule = (): void => {
    if (pushing) return;
    pushing = true;
    setImmediate(push);
  };

  const conn = await connect('amqp://bench', {
    transport: ScriptedBroker.factory((b) => {
      broker = b;
      b.on('basic.consume', (m, br) => {
        const tag = (m.method as unknown as { consumerTag: string }).consumerTag || 'amq.ctag-bench';
        br.method(m.channel, { kind: 'basic.consume-ok', consumerTag: tag });
        prepared = prepare(br, tag);
        schedule();
        return true;
      });
      b.on('basic.ack', (m) => {
        const a = m.method as unknown as { deliveryTag: bigint | number; multiple: boolean };
        acked = Math.max(acked, Number(a.deliveryTag));
        broker.received.length = 0; // keep the scripted broker's record from growing
        schedule();
        return true;
      });
    }),
  });
  const ch = await conn.channel();
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let consumer: Consumer | undefined;
  if (style === 'iter') {
    const c = await ch.consume('bench', { prefetch: PREFETCH });
    consumer = c;
    schedule();
    for await (const msg of c) {
      msg.ack();
      if (++count === N) break;
    }
  } else {
    const handler = (msg: Message): void => {
      count++;
      if (style === 'ack' || style === 'c8') msg.ack();
      else if (style === 'multiple' && (count % 250 === 0 || count === N)) msg.ack({ multiple: true });
      if (count === N) done();
    };
    consumer = await ch.consume('bench', handler, { noAck, prefetch: PREFETCH, ...(style === 'c8' ? { concurrency: 8 } : {}) });
    await finished;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  void consumer;
  conn.close().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 20));
  return { cpu: (cpu.user + cpu.system) / N, wall: (wall * 1000) / N };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, { cpu: number[]; wall: number[] }>(STYLES.map((s) => [s, { cpu: [], wall: [] }]));
await run('noack'); // warm-up: the JIT sees the path once before anything is counted
for (let rep = 0; rep < REPS; rep++) {
  for (const style of STYLES) {
    const r = await run(style);
    results.get(style)!.cpu.push(r.cpu);
    results.get(style)!.wall.push(r.wall);
  }
}
console.log(`N=${N} CHUNK=${CHUNK} PREFETCH=${PREFETCH} REPS=${REPS}, ${process.version}`);
console.log('| style | CPU µs / delivery, median (min-max) | wall µs / delivery |');
console.log('|---|---|---|');
for (const [style, r] of results) {
  console.log(`| ${style} | ${median(r.cpu).toFixed(3)} (${Math.min(...r.cpu).toFixed(3)}-${Math.max(...r.cpu).toFixed(3)}) | ${median(r.wall).toFixed(3)} |`);
}
process.exit(0);
