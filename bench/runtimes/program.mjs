// One runtime's rows of bench/runtimes/run.mjs: warren's publish and consume, against AMQP_URL,
// through the built package. Prints one JSON line: best-of-REPS milliseconds per row.
import { connect } from 'warren';

const url = globalThis.process.env.AMQP_URL;
const reps = Number(globalThis.process.env.REPS ?? 3);
const connection = await connect(url, { connectionName: 'warren-bench-runtimes', recovery: false });
const channel = await connection.channel({ confirm: true });
const { queue } = await channel.queueDeclare('', { exclusive: true });

async function best(run) {
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const own = await run(); // a row that times only part of its run returns its own figure
    min = Math.min(min, typeof own === 'number' ? own : performance.now() - t0);
    await channel.queuePurge(queue);
  }
  return Math.round(min);
}

/** 2,000 confirmed publishes of 64 KiB, all in flight at once. */
const large = new Uint8Array(64 * 1024);
const publishLarge = await best(() => Promise.all(Array.from({ length: 2000 }, () => channel.publish('', queue, large))));
/** 20,000 confirmed publishes of 16 bytes. */
const small = new Uint8Array(16);
const publishSmall = await best(() => Promise.all(Array.from({ length: 20_000 }, () => channel.publish('', queue, small))));
/** 20,000 deliveries of 16 bytes through for await, acked (the messages published first, not timed). */
const consumer = await connection.channel({ prefetch: 500 });
const consume = await best(async () => {
  await Promise.all(Array.from({ length: 20_000 }, () => channel.publish('', queue, small)));
  const t0 = performance.now();
  let n = 0;
  for await (const message of await consumer.consume(queue)) {
    message.ack();
    if (++n === 20_000) break;
  }
  return performance.now() - t0;
});
await connection.close();
console.log(JSON.stringify({ publishLarge, publishSmall, consume }));
